package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/internal/api"
	"golang.org/x/oauth2"
)

// maxBody bounds how much of a response body is read, success or error.
const maxBody = 1 << 20

// call describes one API operation: where it goes and whether repeating it is harmless.
// The request's secrets need no declaration: they are found in the body by key (see
// secretKeys).
type call struct {
	op     string // e.g. "UserService.SetPassword"
	method string // "" means POST
	path   string // escaped, starting with "/"
	query  string // encoded query string without "?", or ""
	// org: send x-zitadel-orgid (management API only).
	org bool
	// repeatable: running the call twice has the effect of running it once, so failures
	// after which the outcome is unknown may be retried.
	repeatable bool
}

func (cl *call) verb() string {
	if cl.method == "" {
		return http.MethodPost
	}
	return cl.method
}

// do sends the call with in as its JSON body (none when in is nil) and decodes a 2xx
// answer into out. It is the one request path of every call: token, org header, user
// agent, retries and logging all plug in here.
func (c *Client) do(ctx context.Context, cl call, cc callConfig, in, out any) error {
	if err := checkContext(ctx); err != nil {
		return err
	}
	if err := ended(ctx, cl.op); err != nil {
		return err
	}
	orgID := ""
	if cl.org {
		orgID = cc.org(c.orgID)
	}
	if err := validateHeaderValue("orgID", orgID); err != nil {
		return err
	}
	if err := validateHeaderValue("AsUser", cc.token); err != nil {
		return err
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return &RequestError{Operation: cl.op, Err: err}
		}
	}
	st := c.newCallState(cl, cc, body)
	req, err := st.newRequest(ctx, orgID)
	if err != nil {
		return err
	}
	resp, err := st.rc.Do(req)
	if err == nil && resp == nil {
		err = errNoResponse
	}
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return st.requestError(err)
	}
	defer resp.Body.Close()
	return st.readResponse(resp, out)
}

// checkContext refuses a nil context, before anything waits on it.
func checkContext(ctx context.Context) error {
	if ctx == nil {
		return &ValidationError{Field: "ctx", Reason: "must not be nil; use context.Background()"}
	}
	return nil
}

// ended returns the error of a call whose context has ended before it began: it sends
// nothing and asks the token source for nothing.
func ended(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return &RequestError{Operation: op, Err: err}
	}
	return nil
}

// doDetails is do for the calls whose answer is only the object details of the change.
func (c *Client) doDetails(ctx context.Context, cl call, cc callConfig, in any) (*Details, error) {
	var out api.DetailsResponse
	if err := c.do(ctx, cl, cc, in, &out); err != nil {
		return nil, err
	}
	d := detailsFrom(out.Details)
	return &d, nil
}

// callState is everything one call knows across its HTTP attempts, in one place.
// go-retryablehttp runs the attempts on the caller's goroutine, one after another, and
// calls this state's methods as its hooks, in this order per attempt:
//
//	beforeAttempt (RequestLogHook) → send → checkRetry (CheckRetry: shouldRetry decides)
//	→ backoff (Backoff: the wait shouldRetry chose) → prepareRetry (PrepareRetry) → ...
//
// Only wrote is written by another goroutine (the transport's).
type callState struct {
	c    *Client
	call call
	// body is the JSON sent on every attempt; the secrets to scrub from errors are read
	// from it (see bodySecrets).
	body      []byte
	callToken string // AsUser: this call's own bearer token instead of the client's
	// rateLimited is OnRateLimited's function, or nil.
	rateLimited func(retryAfter time.Duration)
	rc          retryablehttp.Client
	trace       httptrace.ClientTrace

	// The current attempt.
	n     int         // attempts started, this one included
	wrote atomic.Bool // the transport wrote this attempt's request completely
	auth  *authHeader // its Authorization header
	start time.Time   // when it started (only when logging)

	// The call so far.
	retries    int           // retries the policy granted (the token refresh is not one)
	refreshed  bool          // the one repeat after a 401 was used
	wait       time.Duration // the wait before the next attempt, chosen by shouldRetry
	unknown    bool          // the last attempt may have been applied
	wasUnknown bool          // some attempt may have been applied
	tokenErr   error         // the token source failed; nothing was sent
}

// newCallState sets up a call, go-retryablehttp's loop with it.
func (c *Client) newCallState(cl call, cc callConfig, body []byte) *callState {
	st := &callState{c: c, call: cl, body: body, callToken: cc.token, rateLimited: cc.rateLimited}
	st.rc = retryablehttp.Client{
		HTTPClient: c.hc,
		// shouldRetry enforces the policy; the +1 leaves room for the repeat after a 401.
		RetryMax:       c.retry.MaxAttempts,
		CheckRetry:     st.checkRetry,
		Backoff:        st.backoff,
		ErrorHandler:   passThrough,
		RequestLogHook: st.beforeAttempt,
		PrepareRetry:   st.prepareRetry,
	}
	st.trace.WroteRequest = st.wroteRequest
	return st
}

// newRequest builds the request with its headers and the first attempt's token.
func (st *callState) newRequest(ctx context.Context, orgID string) (*retryablehttp.Request, error) {
	ctx = httptrace.WithClientTrace(ctx, &st.trace)
	// GetBody stays set: net/http replays a request by itself only when none of it was
	// written (a stale keep-alive connection, an HTTP/2 stream the server refused), which
	// is safe, and the trace sees every write either way.
	url := st.c.baseURL + st.call.path
	if st.call.query != "" {
		url += "?" + st.call.query
	}
	var rawBody any // a nil []byte would still be sent as an empty body
	if st.body != nil {
		rawBody = st.body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, st.call.verb(), url, rawBody)
	if err != nil {
		return nil, &RequestError{Operation: st.call.op, Err: err}
	}
	h := req.Header
	if st.body != nil {
		h["Content-Type"] = jsonType
	}
	h["Accept"] = jsonType
	h["User-Agent"] = st.c.userAgent
	if st.c.instance != nil {
		h["X-Zitadel-Instance-Host"] = st.c.instance
	}
	if orgID != "" {
		h["X-Zitadel-Orgid"] = []string{orgID}
	}
	if err := st.authorize(req.Request); err != nil {
		return nil, err
	}
	return req, nil
}

// secrets are what an error must not repeat: the secrets of the request body and the
// bearer token. They are only gathered when an error is built.
func (st *callState) secrets() []string {
	out := bodySecrets(st.body)
	switch {
	case st.callToken != "":
		out = append(out, st.callToken)
	case st.auth != nil:
		out = append(out, st.auth.tok.AccessToken)
	}
	return out
}

// readResponse turns the final answer into out or an error.
func (st *callState) readResponse(resp *http.Response, out any) error {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode/100 != 2 {
		e := newAPIError(st.call.op, resp.StatusCode, resp.Header, raw, st.secrets())
		e.Attempts = st.n
		e.OutcomeUnknown = st.unknown
		e.afterUnknown = st.wasUnknown && !st.unknown
		if e.afterUnknown && failureOf(resp) == failNotProcessed {
			// This attempt was refused unprocessed (429, ZITADEL's 503), but an earlier one
			// may have been applied: the call's outcome is unknown.
			e.OutcomeUnknown = true
		}
		return e
	}
	if err == nil {
		err = json.Unmarshal(raw, out)
	}
	if err != nil {
		// ZITADEL answered 2xx, so the call most likely took effect, but the answer is not
		// one it would send: a proxy may have answered instead.
		return &RequestError{Operation: st.call.op, Attempts: st.n, OutcomeUnknown: true,
			Err: fmt.Errorf("reading the %d response: %w", resp.StatusCode, err)}
	}
	return nil
}

var (
	jsonType      = []string{"application/json"}
	errNoResponse = errors.New("no response")
	errEmptyToken = errors.New("token source returned an empty token")
	errNoOrg      = errors.New("the answer names no organization")
)

func (st *callState) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		st.wrote.Store(true)
	}
}

// authHeader is an Authorization header value built for a token, kept so that the next
// call with the same token reuses it.
type authHeader struct {
	tok   *oauth2.Token
	value []string
}

// authorize sets the Authorization header from the token source. A call's context bounds
// the wait for a token: a source with TokenContext (auth.ContextTokenSource, as package
// auth's sources are) gets it; a plain source runs on a goroutine shared by its waiters.
func (st *callState) authorize(r *http.Request) error {
	c := st.c
	if st.callToken != "" {
		r.Header["Authorization"] = []string{"Bearer " + st.callToken}
		return nil
	}
	if c.ts == nil {
		return nil
	}
	var tok *oauth2.Token
	var err error
	if tc, ok := c.ts.(auth.ContextTokenSource); ok {
		tok, err = tc.TokenContext(r.Context())
	} else {
		tok, err = c.plain.token(r.Context(), c.ts)
	}
	if err == nil && (tok == nil || tok.AccessToken == "") {
		err = errEmptyToken
	}
	if err != nil {
		st.tokenErr = err
		return &RequestError{Operation: st.call.op, Attempts: st.n, Err: err, token: true}
	}
	ah := c.auth.Load()
	if ah == nil || ah.tok != tok {
		ah = &authHeader{tok: tok, value: []string{tok.Type() + " " + tok.AccessToken}}
		c.auth.Store(ah)
	}
	st.auth = ah
	r.Header["Authorization"] = ah.value
	return nil
}

// plainFlight calls a plain oauth2.TokenSource, which takes no context, so that a caller's
// context still ends its wait: Token runs on a goroutine of its own, and at most one such
// goroutine runs per client, shared by every caller waiting for it. A hanging source thus
// holds one goroutine, not one per call.
type plainFlight struct {
	mu  sync.Mutex
	cur *flight // the Token call in progress, or nil
}

type flight struct {
	done chan struct{} // closed when tok and err are set
	tok  *oauth2.Token
	err  error
}

func (p *plainFlight) token(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	if ctx.Done() == nil {
		return ts.Token()
	}
	p.mu.Lock()
	f := p.cur
	if f == nil {
		f = &flight{done: make(chan struct{})}
		p.cur = f
		go p.run(f, ts)
	}
	p.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (p *plainFlight) run(f *flight, ts oauth2.TokenSource) {
	f.tok, f.err = ts.Token()
	p.mu.Lock()
	p.cur = nil
	p.mu.Unlock()
	close(f.done)
}

// beforeAttempt runs before every attempt (RequestLogHook), after the body was rewound.
func (st *callState) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, retry int) {
	st.n = retry + 1
	// A write of the previous attempt that ends late can still set it: that errs on the
	// side of "may have been applied".
	st.wrote.Store(false)
	if st.c.logger != nil {
		st.start = st.c.now()
	}
}

// prepareRetry runs before every attempt but the first. The header map is shared with the
// previous attempt's request, which the transport may still hold, so it is copied.
func (st *callState) prepareRetry(r *http.Request) error {
	r.Header = r.Header.Clone()
	return st.authorize(r)
}

// checkRetry is go-retryablehttp's CheckRetry: shouldRetry decides, and the attempt is
// logged with the reason.
func (st *callState) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	retry, why := st.shouldRetry(ctx, resp, err)
	st.log(ctx, resp, err, why)
	return retry, nil
}

// shouldRetry classifies the outcome of an attempt, and says whether to retry and why.
func (st *callState) shouldRetry(ctx context.Context, resp *http.Response, err error) (bool, string) {
	st.unknown = false
	if err != nil {
		if certificateRefused(err) {
			return false, "the server's certificate was refused: a retry cannot succeed"
		}
		st.unknown = st.wrote.Load()
		st.wasUnknown = st.wasUnknown || st.unknown
		switch {
		case ctx.Err() != nil:
			return false, "the call's context ended"
		case st.unknown && !st.call.repeatable:
			return false, "the request was sent and may have been applied; repeating this call could repeat its effect"
		}
		return st.grant(ctx, nil)
	}
	if resp.StatusCode == http.StatusTooManyRequests && st.rateLimited != nil {
		d, _ := retryAfter(resp.Header.Get("Retry-After"), st.c.now())
		st.rateLimited(d)
	}
	switch failureOf(resp) {
	case failAuth:
		return st.refresh()
	case failNotProcessed:
		return st.grant(ctx, resp)
	case failAmbiguous:
		st.unknown, st.wasUnknown = true, true
		if !st.call.repeatable {
			return false, "the answer does not tell whether the request was applied; repeating this call could repeat its effect"
		}
		return st.grant(ctx, resp)
	}
	return false, ""
}

// grant allows another attempt if the policy has one left and its wait ends before the
// context's deadline.
func (st *callState) grant(ctx context.Context, resp *http.Response) (bool, string) {
	c := st.c
	if c.noRetries || st.retries+1 >= c.retry.MaxAttempts {
		return false, "no attempts left"
	}
	now := c.now()
	wait := c.retry.backoff(st.retries, resp, now, c.randN)
	if deadline, ok := ctx.Deadline(); ok && !now.Add(wait).Before(deadline) {
		return false, "the wait before a retry would outlast the call's deadline"
	}
	st.retries++
	st.wait = wait
	return true, "retrying after " + wait.String()
}

// refresh handles a 401: when the token came from a cache that can drop it
// (auth.Invalidator), drop it and try once more with a fresh one. A 401 means the request
// was not processed.
func (st *callState) refresh() (bool, string) {
	inv, ok := st.c.ts.(auth.Invalidator)
	if !ok || st.refreshed || st.auth == nil {
		return false, ""
	}
	inv.Invalidate(st.auth.tok.AccessToken)
	st.refreshed = true
	st.wait = 0
	return true, "the token was refused: retrying once with a fresh one"
}

// backoff is go-retryablehttp's Backoff: the wait shouldRetry chose.
func (st *callState) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return st.wait
}

// passThrough is go-retryablehttp's ErrorHandler: it hands back the last response or
// error as is, so that the caller sees ZITADEL's error rather than "giving up after N
// attempts".
func passThrough(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err }

// certificateRefused reports a TLS verification failure: the server's certificate is not
// trusted or not for this host. Retrying cannot change that.
func certificateRefused(err error) bool {
	var verr *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	var invalid x509.CertificateInvalidError
	return errors.As(err, &verr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostname) || errors.As(err, &invalid)
}

// requestError wraps a failure that left no usable response.
func (st *callState) requestError(err error) error {
	if st.tokenErr != nil {
		return &RequestError{Operation: st.call.op, Attempts: st.n, Err: st.tokenErr, token: true}
	}
	return &RequestError{Operation: st.call.op, Attempts: st.n, OutcomeUnknown: st.unknown, Err: err,
		certificate: certificateRefused(err)}
}

// log records an attempt at debug level: never bodies or headers other than the request id.
func (st *callState) log(ctx context.Context, resp *http.Response, err error, why string) {
	l := st.c.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs,
		slog.String("operation", st.call.op),
		slog.String("method", st.call.verb()),
		slog.String("path", st.call.path),
		slog.Int("attempt", st.n),
		slog.Duration("duration", st.c.now().Sub(st.start)),
	)
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
		if id := resp.Header.Get("X-Request-Id"); id != "" {
			attrs = append(attrs, slog.String("request_id", id))
		}
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", newScrubber(st.secrets()).scrub(err.Error())))
	}
	if why != "" {
		attrs = append(attrs, slog.String("retry", why))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "zitadel request", attrs...)
}

// peekBody reads a response body up to maxBody and puts it back, so that it can be
// inspected before the caller reads it.
func peekBody(resp *http.Response) []byte {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	return raw
}

// transport passes requests through. It exists so that go-retryablehttp, which closes
// the idle connections of its HTTP client whenever a call fails, cannot reset a pool that
// other calls are using.
type transport struct{ base http.RoundTripper }

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) { return t.base.RoundTrip(r) }

func (t *transport) closeIdle() {
	if ci, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
}
