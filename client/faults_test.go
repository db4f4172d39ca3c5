package client_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// faultKind is what the fault server does to one request.
type faultKind int

const (
	faultStatusBefore faultKind = iota // answer a status without handling: 429, 503
	faultStatusAfter                   // handle, then answer a status instead: 500, 502, 504
	faultHang                          // handle, then never answer
	faultCloseMid                      // handle, then close the connection mid-response
	faultCloseBefore                   // close the connection before reading the request
)

type fault struct {
	kind   faultKind
	status int
	header http.Header
	body   string
}

// faultServer answers like ZITADEL unless a fault is queued for the next request. It
// counts the requests it saw and those that reached the application handler, where a
// real server would have made its side effect.
type faultServer struct {
	*httptest.Server
	mu       sync.Mutex
	faults   []fault
	requests atomic.Int32
	handled  atomic.Int32
	release  chan struct{} // closed on cleanup, ends hangs
	hung     chan struct{} // receives when a hang starts
}

func newFaultServer(t *testing.T, faults ...fault) *faultServer {
	t.Helper()
	fs := &faultServer{faults: faults, release: make(chan struct{}), hung: make(chan struct{}, 8)}
	fs.Server = httptest.NewServer(http.HandlerFunc(fs.serve))
	t.Cleanup(func() { close(fs.release); fs.Close() })
	return fs
}

func (fs *faultServer) next() (fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.faults) == 0 {
		return fault{}, false
	}
	f := fs.faults[0]
	fs.faults = fs.faults[1:]
	return f, true
}

func (fs *faultServer) serve(w http.ResponseWriter, r *http.Request) {
	fs.requests.Add(1)
	f, faulty := fs.next()
	if faulty && f.kind == faultCloseBefore {
		hijackAndClose(w, "")
		return
	}
	if faulty && f.kind == faultStatusBefore {
		writeFault(w, f)
		return
	}
	io.Copy(io.Discard, r.Body)
	fs.handled.Add(1) // the side effect happens here
	if !faulty {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"details":{"sequence":"7"},"verificationCode":"ABCDEF"}`)
		return
	}
	switch f.kind {
	case faultStatusAfter:
		writeFault(w, f)
	case faultHang:
		fs.hung <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-fs.release:
		}
	case faultCloseMid:
		hijackAndClose(w, "HTTP/1.1 200 OK\r\nContent-Ty")
	}
}

func writeFault(w http.ResponseWriter, f fault) {
	for k, v := range f.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	io.WriteString(w, f.body)
}

func hijackAndClose(w http.ResponseWriter, partial string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if partial != "" {
		buf.WriteString(partial)
		buf.Flush()
	}
	conn.Close()
}

// fastRetries keeps backoff waits in microseconds.
var fastRetries = client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: 4, MinBackoff: time.Microsecond, MaxBackoff: 2 * time.Microsecond})

// callKind is one way of invoking the SDK, with whether repeating it is harmless.
type callKind struct {
	name       string
	repeatable bool
	do         func(context.Context, *client.Client) error
}

var callKinds = []callKind{
	{"v1 SetHumanInitialPassword", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Management.SetHumanInitialPassword(ctx, "u1", "Init-Passw0rd!")
		return err
	}},
	{"reset ReturnCode", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.RequestPasswordReset(ctx, "u1", client.ReturnCode())
		return err
	}},
	{"reset SendLink", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.RequestPasswordReset(ctx, "u1", client.SendLink(client.NotificationEmail, ""))
		return err
	}},
	{"reset server default", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.RequestPasswordReset(ctx, "u1", nil)
		return err
	}},
	{"SetPassword admin", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!"})
		return err
	}},
	{"SetPassword code", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "ABCDEF"})
		return err
	}},
	{"SetPassword current", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"})
		return err
	}},
	{"v1 SetHumanPassword", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Management.SetHumanPassword(ctx, "u1", "N3w-Passw0rd!", true)
		return err
	}},
	{"v1 SendHumanResetPasswordNotification", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Management.SendHumanResetPasswordNotification(ctx, "u1", client.NotificationEmail)
		return err
	}},
	{"v1 UpdateMyPassword", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Auth.UpdateMyPassword(ctx, "0ld-Passw0rd!", "N3w-Passw0rd!")
		return err
	}},
	{"AddHumanUser", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.AddHumanUser(ctx, newUser(""))
		return err
	}},
	{"AddHumanUser own id", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.AddHumanUser(ctx, newUser("u1"))
		return err
	}},
	{"GetUser", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.GetUser(ctx, "u1")
		return err
	}},
	{"HasPassword", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.HasPassword(ctx, "u1")
		return err
	}},
	{"UnlockUser", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.UnlockUser(ctx, "u1")
		return err
	}},
	{"CreateWithPassword", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "0ld-Passw0rd!")
		return err
	}},
	{"Sessions.Delete", true, func(ctx context.Context, c *client.Client) error {
		return c.Sessions.Delete(ctx, "s1", "session-token")
	}},
	{"Settings.PasswordComplexity", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Settings.PasswordComplexity(ctx)
		return err
	}},
	{"Settings.Lockout", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Settings.Lockout(ctx, client.InOrg("o1"))
		return err
	}},
	{"Settings.PasswordExpiry", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Settings.PasswordExpiry(ctx)
		return err
	}},
}

// newUser is a valid AddHumanUser request, with userID as its own id when not "".
func newUser(userID string) client.AddHumanUserRequest {
	return client.AddHumanUserRequest{UserID: userID, Username: "minnie", GivenName: "Minnie", FamilyName: "Mouse",
		Email: "minnie@example.com", EmailVerified: true, Password: "Minn1e-Passw0rd!"}
}

func newFaultClient(t *testing.T, url string, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})), fastRetries}
	c, err := client.New(url, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOneFaultThenSuccess injects one fault of each kind before a success, for each call.
func TestOneFaultThenSuccess(t *testing.T) {
	faults := []struct {
		name      string
		f         fault
		ambiguous bool
		handled   bool // whether the faulted request reached the handler
		check     func(*testing.T, error)
	}{
		{"429", fault{kind: faultStatusBefore, status: 429, body: zitadelError(8, "Quota exceeded", "QUOTA-vjAy8")}, false, false, nil},
		{"503", fault{kind: faultStatusBefore, status: 503, body: `{"code":14,"message":"unavailable"}`}, false, false, nil},
		{"500", fault{kind: faultStatusAfter, status: 500, body: `{"code":13,"message":"internal"}`}, true, true, wantAPIStatus(500)},
		{"502", fault{kind: faultStatusAfter, status: 502, body: "bad gateway"}, true, true, wantAPIStatus(502)},
		{"504", fault{kind: faultStatusAfter, status: 504, body: "gateway timeout"}, true, true, wantAPIStatus(504)},
		{"close mid-response", fault{kind: faultCloseMid}, true, true, wantRequestError},
		{"close before reading", fault{kind: faultCloseBefore}, true, false, wantRequestError},
	}
	for _, ck := range callKinds {
		for _, ft := range faults {
			t.Run(ck.name+"/"+ft.name, func(t *testing.T) {
				srv := newFaultServer(t, ft.f)
				err := ck.do(ctx, newFaultClient(t, srv.URL))
				retried := !ft.ambiguous || ck.repeatable
				wantRequests, wantHandled := int32(1), int32(0)
				if ft.handled {
					wantHandled = 1
				}
				if retried {
					wantRequests++
					wantHandled++
					if err != nil {
						t.Fatalf("err = %v, want success after a retry", err)
					}
				} else {
					if !errors.Is(err, client.ErrOutcomeUnknown) {
						t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
					}
					ft.check(t, err)
				}
				if got := srv.requests.Load(); got != wantRequests {
					t.Errorf("server saw %d requests, want %d", got, wantRequests)
				}
				if got := srv.handled.Load(); got != wantHandled {
					t.Errorf("handler ran %d times, want %d", got, wantHandled)
				}
				if !ck.repeatable && srv.handled.Load() > 1 {
					t.Error("a side-effecting call reached the handler twice")
				}
			})
		}
	}
}

func wantAPIStatus(status int) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status || !ae.OutcomeUnknown || ae.Attempts != 1 {
			t.Errorf("err = %#v, want *APIError %d, OutcomeUnknown, 1 attempt", err, status)
		}
	}
}

func wantRequestError(t *testing.T, err error) {
	t.Helper()
	var re *client.RequestError
	if !errors.As(err, &re) || !re.OutcomeUnknown || re.Attempts != 1 || re.Err == nil {
		t.Errorf("err = %#v, want *RequestError with cause, OutcomeUnknown, 1 attempt", err)
	}
	if errors.Is(err, client.ErrUnavailable) {
		t.Error("an ambiguous failure matches ErrUnavailable")
	}
}

// timeoutOnHang is a transport whose per-attempt timeout fires exactly when the server
// has received the request and hangs (a receive on hung), as http.Client.Timeout would
// fire some time later, but without a wall-clock bound that a loaded machine can exceed
// on the attempts that do not hang.
type timeoutOnHang struct{ hung <-chan struct{} }

func (t timeoutOnHang) RoundTrip(r *http.Request) (*http.Response, error) {
	// The timeout must fire only once the SDK has seen the request written, as a real
	// timeout so long after the server read it would: this hook calls the SDK's own
	// WroteRequest first, then reports.
	wrote := make(chan struct{})
	var once sync.Once
	sdk := httptrace.ContextClientTrace(r.Context())
	ctx := httptrace.WithClientTrace(r.Context(), &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if sdk != nil && sdk.WroteRequest != nil {
			sdk.WroteRequest(info)
		}
		once.Do(func() { close(wrote) })
	}})
	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		resp *http.Response
		err  error
	}
	done := make(chan result, 1)
	go func() {
		resp, err := http.DefaultTransport.RoundTrip(r.WithContext(ctx))
		done <- result{resp, err}
	}()
	select {
	case res := <-done:
		if res.err != nil {
			cancel()
			return nil, res.err
		}
		res.resp.Body = cancelOnClose{res.resp.Body, cancel}
		return res.resp, nil
	case <-t.hung:
		<-wrote
		cancel()
		<-done
		return nil, attemptTimeout{}
	}
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error { defer c.cancel(); return c.ReadCloser.Close() }

// attemptTimeout is the error of a per-attempt timeout, a net.Error as net/http's.
type attemptTimeout struct{}

func (attemptTimeout) Error() string   { return "attempt timed out awaiting headers" }
func (attemptTimeout) Timeout() bool   { return true }
func (attemptTimeout) Temporary() bool { return true }

// TestHangAfterSending: the per-attempt timeout of the HTTP client fires after ZITADEL
// received the request (every call, the current ones included).
func TestHangAfterSending(t *testing.T) {
	for _, ck := range slices.Concat(callKinds, currentCallKinds) {
		t.Run(ck.name, func(t *testing.T) {
			srv := newFaultServer(t, fault{kind: faultHang})
			c := newFaultClient(t, srv.URL, client.WithHTTPClient(&http.Client{Transport: timeoutOnHang{srv.hung}}))
			err := ck.do(ctx, c)
			if ck.repeatable {
				if err != nil || srv.requests.Load() != 2 {
					t.Fatalf("err = %v after %d requests, want success after 2", err, srv.requests.Load())
				}
				return
			}
			var ne net.Error
			if !errors.Is(err, client.ErrOutcomeUnknown) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("err = %v, want ErrOutcomeUnknown carrying a timeout", err)
			}
			if srv.requests.Load() != 1 || srv.handled.Load() != 1 {
				t.Errorf("requests %d handled %d, want 1 and 1", srv.requests.Load(), srv.handled.Load())
			}
		})
	}
}

// TestContextEndsWhileWaitingForAnswer: the caller's deadline passes after the request was
// sent (every call, the current ones included). Nothing is retried, and a side-effecting call reports an unknown outcome.
func TestContextEndsWhileWaitingForAnswer(t *testing.T) {
	for _, ck := range slices.Concat(callKinds, currentCallKinds) {
		t.Run(ck.name, func(t *testing.T) {
			srv := newFaultServer(t, fault{kind: faultHang})
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			// The caller gives up once the server has the request.
			go func() { <-srv.hung; cancel() }()
			err := ck.do(cctx, newFaultClient(t, srv.URL))
			if !errors.Is(err, context.Canceled) || !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want context.Canceled and ErrOutcomeUnknown", err)
			}
			if srv.requests.Load() != 1 {
				t.Errorf("server saw %d requests, want 1", srv.requests.Load())
			}
		})
	}
}

// TestDialErrorsAreRetriedForEveryCall: a connection that could not be made carried no
// request, so even side-effecting calls are retried.
func TestDialErrorsAreRetriedForEveryCall(t *testing.T) {
	for _, ck := range slices.Concat(callKinds, currentCallKinds) {
		t.Run(ck.name, func(t *testing.T) {
			srv := newFaultServer(t)
			var dials atomic.Int32
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 1 {
					return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
				}
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}}
			defer tr.CloseIdleConnections()
			err := ck.do(ctx, newFaultClient(t, srv.URL, client.WithHTTPClient(&http.Client{Transport: tr})))
			if err != nil {
				t.Fatal(err)
			}
			if dials.Load() != 2 || srv.requests.Load() != 1 {
				t.Errorf("dials %d requests %d, want 2 and 1", dials.Load(), srv.requests.Load())
			}
		})
	}
}

func TestUnreachableServerIsUnavailable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close() // nothing listens there any more
	err := callKinds[5].do(ctx, newFaultClient(t, url))
	var re *client.RequestError
	if !errors.As(err, &re) || re.Attempts != 4 || re.OutcomeUnknown {
		t.Fatalf("err = %#v, want *RequestError after 4 attempts, outcome known", err)
	}
	if !errors.Is(err, client.ErrUnavailable) || errors.Is(err, client.ErrOutcomeUnknown) {
		t.Errorf("err = %v: want ErrUnavailable, not ErrOutcomeUnknown", err)
	}
}

// TestPersistentFaultsReturnLastAnswer: when attempts run out, the caller gets ZITADEL's
// last error with the attempt count.
func TestPersistentFaultsReturnLastAnswer(t *testing.T) {
	tests := []struct {
		name   string
		call   callKind
		f      fault
		status int
	}{
		{"503 side-effecting", callKinds[2], fault{kind: faultStatusBefore, status: 503, body: `{"code":14,"message":"starting"}`}, 503},
		{"429 repeatable", callKinds[1], fault{kind: faultStatusBefore, status: 429, body: zitadelError(8, "Quota exceeded", "QUOTA-vjAy8")}, 429},
		{"502 repeatable", callKinds[4], fault{kind: faultStatusAfter, status: 502, body: "bad gateway"}, 502},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFaultServer(t, tt.f, tt.f, tt.f, tt.f, tt.f)
			err := tt.call.do(ctx, newFaultClient(t, srv.URL))
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.StatusCode != tt.status || ae.Attempts != 4 {
				t.Fatalf("err = %#v, want *APIError %d after 4 attempts", err, tt.status)
			}
			if srv.requests.Load() != 4 {
				t.Errorf("server saw %d requests", srv.requests.Load())
			}
			if got, want := errors.Is(err, client.ErrOutcomeUnknown), tt.status == 502; got != want {
				t.Errorf("ErrOutcomeUnknown = %v, want %v", got, want)
			}
		})
	}
}

func TestWithoutRetriesMakesOneRequest(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 503})
	err := callKinds[1].do(ctx, newFaultClient(t, srv.URL, client.WithoutRetries()))
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || ae.Attempts != 1 || srv.requests.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, srv.requests.Load())
	}
}

func TestRetryAfterIsCappedAtMaxBackoff(t *testing.T) {
	f := fault{kind: faultStatusBefore, status: 429, header: http.Header{"Retry-After": {"3600"}}}
	srv := newFaultServer(t, f)
	// An uncapped wait of an hour would pass this deadline, so the call would give up
	// with the 429 at once instead of retrying: the test fails fast rather than hanging.
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := callKinds[2].do(dctx, newFaultClient(t, srv.URL)); err != nil {
		t.Fatalf("err = %v: Retry-After was not capped by MaxBackoff", err)
	}
	if srv.requests.Load() != 2 {
		t.Errorf("server saw %d requests, want 2", srv.requests.Load())
	}
}

func TestGivesUpWhenNextWaitPassesDeadline(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 503})
	c := newFaultClient(t, srv.URL, client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Hour, MaxBackoff: time.Hour}))
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := callKinds[1].do(dctx, c)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 503 || srv.requests.Load() != 1 {
		t.Fatalf("err = %v after %d requests, want the 503 at once", err, srv.requests.Load())
	}
}

func TestCancelDuringBackoffEndsTheWait(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 503})
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Cancel once the 503 has arrived, so the cancellation lands in the hour-long wait.
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && resp.StatusCode == 503 {
			cancel()
		}
		return resp, err
	})
	c := newFaultClient(t, srv.URL, client.WithHTTPClient(&http.Client{Transport: rt}),
		client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Hour, MaxBackoff: time.Hour}))
	err := callKinds[1].do(cctx, c)
	if !errors.Is(err, context.Canceled) || srv.requests.Load() != 1 {
		t.Fatalf("err = %v after %d requests", err, srv.requests.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestTokenErrorsAreNotRetried: a failing token source stops the call before any request.
func TestTokenErrorsAreNotRetried(t *testing.T) {
	srv := newFaultServer(t)
	var calls atomic.Int32
	ts := tokenSourceFunc(func() (*oauth2.Token, error) {
		calls.Add(1)
		return nil, &oauth2.RetrieveError{ErrorCode: "invalid_client", ErrorDescription: "no such client"}
	})
	c := newFaultClient(t, srv.URL, client.WithTokenSource(ts))
	err := callKinds[1].do(ctx, c)
	var re *oauth2.RetrieveError
	if !errors.Is(err, client.ErrUnauthenticated) || !errors.As(err, &re) || re.ErrorCode != "invalid_client" {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 1 || srv.requests.Load() != 0 {
		t.Errorf("token calls %d, requests %d; want 1 and 0", calls.Load(), srv.requests.Load())
	}
}

type tokenSourceFunc func() (*oauth2.Token, error)

func (f tokenSourceFunc) Token() (*oauth2.Token, error) { return f() }
