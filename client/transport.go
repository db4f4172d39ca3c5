package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/zitpass/zitpass-go/internal/api"
	"golang.org/x/oauth2"
)

// maxBody bounds how much of a response body is read, success or error.
const maxBody = 1 << 20

// call describes one API operation invocation.
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
	// secrets of the request, scrubbed from error messages.
	secrets [3]string
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
	if ctx == nil {
		return &ValidationError{Field: "ctx", Reason: "must not be nil; use context.Background()"}
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
	st := c.newAttempt(cl, cc)
	req, err := st.newRequest(ctx, body, orgID)
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

// doDetails is do for the calls whose answer is only the object details of the change.
func (c *Client) doDetails(ctx context.Context, cl call, cc callConfig, in any) (*Details, error) {
	var out api.DetailsResponse
	if err := c.do(ctx, cl, cc, in, &out); err != nil {
		return nil, err
	}
	d := detailsFrom(out.Details)
	return &d, nil
}

// newAttempt sets up the state of one call, go-retryablehttp's client with it.
func (c *Client) newAttempt(cl call, cc callConfig) *attempt {
	st := &attempt{c: c, call: cl, callToken: cc.token}
	st.rc = retryablehttp.Client{
		HTTPClient:     c.hc,
		RetryMax:       c.retry.MaxAttempts, // checkRetry enforces the policy; the +1 leaves room for a token refresh
		CheckRetry:     checkRetry,
		Backoff:        backoff,
		ErrorHandler:   passThrough,
		RequestLogHook: beforeAttempt,
		PrepareRetry:   prepareRetry,
	}
	st.trace.WroteRequest = st.wroteRequest
	return st
}

// newRequest builds the POST with its headers and the first attempt's token.
func (st *attempt) newRequest(ctx context.Context, body []byte, orgID string) (*retryablehttp.Request, error) {
	ctx = httptrace.WithClientTrace(context.WithValue(ctx, attemptKey{}, st), &st.trace)
	// GetBody stays set: net/http replays a request by itself only when none of it was
	// written (a stale keep-alive connection, an HTTP/2 stream the server refused), which
	// is safe, and the trace sees every write either way.
	url := st.c.baseURL + st.call.path
	if st.call.query != "" {
		url += "?" + st.call.query
	}
	var rawBody any // a nil []byte would still be sent as an empty body
	if body != nil {
		rawBody = body
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, st.call.verb(), url, rawBody)
	if err != nil {
		return nil, &RequestError{Operation: st.call.op, Err: err}
	}
	h := req.Header
	if body != nil {
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

// secrets are what an error message must not repeat: the request's secrets and its bearer
// token.
func (st *attempt) secrets() []string {
	out := append(make([]string, 0, len(st.call.secrets)+1), st.call.secrets[:]...)
	switch {
	case st.callToken != "":
		out = append(out, st.callToken)
	case st.auth != nil:
		out = append(out, st.auth.tok.AccessToken)
	}
	return out
}

// readResponse turns the final answer into out or an error.
func (st *attempt) readResponse(resp *http.Response, out any) error {
	st.lr = io.LimitedReader{R: resp.Body, N: maxBody}
	raw, err := io.ReadAll(&st.lr)
	if resp.StatusCode/100 != 2 {
		e := newAPIError(st.call.op, resp.StatusCode, resp.Header, raw, st.secrets())
		e.Attempts = st.n
		e.OutcomeUnknown = st.unknown
		e.afterUnknown = st.wasUnknown && !st.unknown
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
)

// attempt is the state of one call across its HTTP attempts, allocated once per call.
// go-retryablehttp runs the attempts one after another on the caller's goroutine and
// finds this state through the request context (attemptKey), so that its hooks can be
// plain functions rather than closures allocated per call.
type attempt struct {
	rc    retryablehttp.Client
	c     *Client
	call  call
	trace httptrace.ClientTrace
	lr    io.LimitedReader // reads the final response body
	auth  *authHeader      // the Authorization header of the current attempt

	callToken string // AsUser: this call's own bearer token instead of the client's

	// wrote is set when the transport has written the current attempt's request
	// completely (it does so on its own goroutine). Until then the server cannot have
	// received the request; after, it may have.
	wrote atomic.Bool

	n          int       // attempts started
	retries    int       // retries granted by the policy (a token refresh is not one)
	refreshed  bool      // the one token refresh after a 401 was used
	unknown    bool      // the last attempt failed in a way that may have applied it
	wasUnknown bool      // some attempt failed in a way that may have applied it
	start      time.Time // when the current attempt started, when logging
	tokenErr   error     // the token source failed
}

type attemptKey struct{}

func stateOf(ctx context.Context) *attempt { return ctx.Value(attemptKey{}).(*attempt) }

func (st *attempt) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err == nil {
		st.wrote.Store(true)
	}
}

// tokenContexter is a token source whose wait for a token a context can end, as those of
// package auth. A plain oauth2.TokenSource is called without one.
type tokenContexter interface {
	TokenContext(context.Context) (*oauth2.Token, error)
}

// plainToken asks a token source that takes no context for a token, and still lets ctx end
// the wait: the source runs on a goroutine of its own, which ends when Token returns (its
// result then goes unused). Without a context that can end, it calls the source directly.
func plainToken(ctx context.Context, ts oauth2.TokenSource) (*oauth2.Token, error) {
	if ctx.Done() == nil {
		return ts.Token()
	}
	type result struct {
		tok *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		tok, err := ts.Token()
		ch <- result{tok, err}
	}()
	select {
	case r := <-ch:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// authHeader is an Authorization header value built for a token, kept so that the next
// call with the same token reuses it.
type authHeader struct {
	tok   *oauth2.Token
	value []string
}

// authorize sets the Authorization header from the token source.
func (st *attempt) authorize(r *http.Request) error {
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
	if tc, ok := c.ts.(tokenContexter); ok {
		tok, err = tc.TokenContext(r.Context())
	} else {
		tok, err = plainToken(r.Context(), c.ts)
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

// beforeAttempt runs before every attempt (go-retryablehttp's RequestLogHook), after the
// body was rewound.
func beforeAttempt(_ retryablehttp.Logger, r *http.Request, _ int) {
	st := stateOf(r.Context())
	st.n++
	// A write of the previous attempt that ends late can still set it: that errs on the
	// side of "may have been applied".
	st.wrote.Store(false)
	if st.c.logger != nil {
		st.start = st.c.now()
	}
}

// prepareRetry runs before every attempt but the first. The header map is shared with the
// previous attempt's request, which the transport may still hold, so it is copied.
func prepareRetry(r *http.Request) error {
	r.Header = r.Header.Clone()
	return stateOf(r.Context()).authorize(r)
}

// checkRetry classifies the outcome of an attempt and decides whether to retry.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	st := stateOf(ctx)
	st.log(ctx, resp, err)
	st.unknown = false
	if err != nil {
		st.unknown = st.wrote.Load()
		st.wasUnknown = st.wasUnknown || st.unknown
		if ctx.Err() != nil || (st.unknown && !st.call.repeatable) {
			return false, nil
		}
		return st.grant(ctx, nil), nil
	}
	switch failureOf(resp) {
	case failAuth:
		return st.refresh(), nil
	case failNotProcessed:
		return st.grant(ctx, resp), nil
	case failAmbiguous:
		st.unknown, st.wasUnknown = true, true
		if !st.call.repeatable {
			return false, nil
		}
		return st.grant(ctx, resp), nil
	}
	return false, nil
}

// grant allows another attempt if the policy has one left and its wait ends before the
// context's deadline. The wait goes to backoff through RetryWaitMin.
func (st *attempt) grant(ctx context.Context, resp *http.Response) bool {
	c := st.c
	if c.noRetries || st.retries+1 >= c.retry.MaxAttempts {
		return false
	}
	now := c.now()
	wait := c.retry.backoff(st.retries, resp, now, c.randN)
	if deadline, ok := ctx.Deadline(); ok && !now.Add(wait).Before(deadline) {
		return false
	}
	st.retries++
	st.rc.RetryWaitMin = wait
	return true
}

// refresh handles a 401: when the token came from a cache that can drop it, drop it and
// try once more with a fresh one. A 401 means the request was not processed.
func (st *attempt) refresh() bool {
	inv, ok := st.c.ts.(interface{ Invalidate(accessToken string) })
	if !ok || st.refreshed || st.auth == nil {
		return false
	}
	inv.Invalidate(st.auth.tok.AccessToken)
	st.refreshed = true
	st.rc.RetryWaitMin = 0
	return true
}

// backoff returns the wait checkRetry chose (see grant).
func backoff(chosen, _ time.Duration, _ int, _ *http.Response) time.Duration { return chosen }

// passThrough is go-retryablehttp's ErrorHandler: it hands back the last response or
// error as is, so that the caller sees ZITADEL's error rather than "giving up after N
// attempts".
func passThrough(resp *http.Response, err error, _ int) (*http.Response, error) { return resp, err }

// requestError wraps a failure that left no usable response.
func (st *attempt) requestError(err error) error {
	if st.tokenErr != nil {
		return &RequestError{Operation: st.call.op, Attempts: st.n, Err: st.tokenErr, token: true}
	}
	return &RequestError{Operation: st.call.op, Attempts: st.n, OutcomeUnknown: st.unknown, Err: err}
}

// log records an attempt at debug level: never bodies or headers other than the request id.
func (st *attempt) log(ctx context.Context, resp *http.Response, err error) {
	l := st.c.logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := make([]slog.Attr, 0, 8)
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
		attrs = append(attrs, slog.String("error", err.Error()))
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
