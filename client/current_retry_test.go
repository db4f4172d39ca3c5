package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// currentCallKinds are the current calls, each with whether repeating it is harmless, for
// the fault matrix below (the faults of faults_test.go and classify_test.go).
var currentCallKinds = []callKind{
	{"CreateUser", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.CreateUser(ctx, createReq(ownOrg))
		return err
	}},
	{"CreateUser own id", true, func(ctx context.Context, c *client.Client) error {
		r := createReq(ownOrg)
		r.UserID = "u1"
		_, err := c.Users.CreateUser(ctx, r)
		return err
	}},
	{"UpdateUser admin", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!"})
		return err
	}},
	{"UpdateUser admin hash", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPasswordHash: recordedBcrypt})
		return err
	}},
	{"UpdateUser current", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"})
		return err
	}},
	{"UpdateUser code", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "ABCDEF"})
		return err
	}},
	{"LockUser", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.LockUser(ctx, "u1")
		return err
	}},
	{"DeleteUser", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Users.DeleteUser(ctx, "u1")
		return err
	}},
	{"CheckPassword", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Sessions.CheckPassword(ctx, "s1", "session-token", "0ld-Passw0rd!")
		return err
	}},
	{"CreateWithPassword lifetime", false, func(ctx context.Context, c *client.Client) error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "0ld-Passw0rd!", client.SessionLifetime(time.Minute))
		return err
	}},
	{"Settings.Login", true, func(ctx context.Context, c *client.Client) error {
		_, err := c.Settings.Login(ctx, client.InOrg("o1"))
		return err
	}},
}

// TestCurrentCallsOneFaultThenSuccess: one fault of each kind before a success. A fault
// after which the request may have been applied is retried only for a call that is
// harmless to repeat; the others report ErrOutcomeUnknown after one request.
func TestCurrentCallsOneFaultThenSuccess(t *testing.T) {
	faults := []struct {
		name      string
		f         fault
		ambiguous bool
		handled   bool // whether the faulted request reached the handler
	}{
		{"429", fault{kind: faultStatusBefore, status: 429, body: zitadelError(8, "Quota exceeded", "QUOTA-vjAy8")}, false, false},
		{"503", fault{kind: faultStatusBefore, status: 503, body: `{"code":14,"message":"unavailable"}`}, false, false},
		{"write conflict", fault{kind: faultStatusBefore, status: 500, body: bodyWriteConflict}, false, false},
		{"500", fault{kind: faultStatusAfter, status: 500, body: `{"code":13,"message":"internal"}`}, true, true},
		{"502", fault{kind: faultStatusAfter, status: 502, body: "bad gateway"}, true, true},
		{"504", fault{kind: faultStatusAfter, status: 504, body: "gateway timeout"}, true, true},
		{"503 page of a proxy", fault{kind: faultStatusAfter, status: 503, body: "upstream connect error or disconnect/reset before headers"}, true, true},
		{"close mid-response", fault{kind: faultCloseMid}, true, true},
		{"close before reading", fault{kind: faultCloseBefore}, true, false},
	}
	for _, ck := range currentCallKinds {
		for _, ft := range faults {
			t.Run(ck.name+"/"+ft.name, func(t *testing.T) {
				srv := newFaultServer(t, ft.f)
				err := ck.do(ctx, newFaultClient(t, srv.URL))
				retried := !ft.ambiguous || ck.repeatable
				wantRequests, wantHandled := int32(1), int32(0)
				if ft.handled {
					wantHandled = 1
				}
				switch {
				case retried:
					wantRequests++
					wantHandled++
					if err != nil {
						t.Fatalf("err = %v, want success after a retry", err)
					}
				case !errors.Is(err, client.ErrOutcomeUnknown):
					t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
				}
				if got := srv.requests.Load(); got != wantRequests {
					t.Errorf("server saw %d requests, want %d", got, wantRequests)
				}
				if got := srv.handled.Load(); got != wantHandled {
					t.Errorf("handler ran %d times, want %d", got, wantHandled)
				}
			})
		}
	}
}

// TestCurrentCallsZitadelFailuresAreFinal: ZITADEL's own 5xx (COMMAND-CahN2, the bcrypt
// limit) and its 4xx say nothing was applied and a repeat fails the same way: one request.
func TestCurrentCallsZitadelFailuresAreFinal(t *testing.T) {
	for _, ck := range currentCallKinds {
		for name, f := range map[string]fault{
			"COMMAND-CahN2": {kind: faultStatusBefore, status: 500, body: bodyCahN2},
			"bcrypt limit":  {kind: faultStatusBefore, status: 500, body: bodyBcrypt},
			"400":           {kind: faultStatusBefore, status: 400, body: zitadelError(3, "Password is too short", "DOMAIN-HuJf6")},
		} {
			t.Run(ck.name+"/"+name, func(t *testing.T) {
				srv := newFaultServer(t, f)
				err := ck.do(ctx, newFaultClient(t, srv.URL))
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.Attempts != 1 || errors.Is(err, client.ErrOutcomeUnknown) {
					t.Fatalf("err = %#v, want one *APIError, outcome known", err)
				}
				if n := srv.requests.Load(); n != 1 {
					t.Errorf("server saw %d requests, want 1", n)
				}
			})
		}
	}
}

// sequence answers the n-th request with the n-th handler, and the rest with the last.
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		hs[min(i, len(hs)-1)](w, r)
	}
}

// lostAnswer is a proxy's 504 after ZITADEL got the request: the outcome is unknown.
func lostAnswer(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGatewayTimeout) }

// readBackUser is GetUserByID's answer for the user the read-back tests ask to create.
func readBackUser(id, username, email, org string) string {
	return strings.NewReplacer(`"300000000000000042"`, `"`+id+`"`, `"lock-9e0fed-14@example.com"`, `"`+email+`"`,
		`"lock-9e0fed-14"`, `"`+username+`"`, `"300000000000000001"`, `"`+org+`"`).Replace(getUserBody)
}

// TestCreateUserReadBack: with the caller's own id, a repeat after an unknown outcome that
// finds the id taken (COMMAND-7yiox1isql, or V3-DKcYh for the username) reads the user back,
// and reports success only when it is the user requested; otherwise the answer stands.
func TestCreateUserReadBack(t *testing.T) {
	taken := respond(400, zitadelError(9, "Errors.User.AlreadyExisting", "COMMAND-7yiox1isql"))
	nameTaken := respond(409, zitadelError(6, "User already exists", "V3-DKcYh"))
	req := createReq(ownOrg)
	req.UserID = "my-own-id"
	noName := req
	noName.Username = ""
	tests := []struct {
		name    string
		req     client.CreateUserRequest
		first   http.HandlerFunc
		repeat  http.HandlerFunc
		user    http.HandlerFunc
		ok      bool
		readBck bool
	}{
		{"id taken, same user", req, lostAnswer, taken, respond(200, readBackUser("my-own-id", "create-01", "create-01@example.com", ownOrg)), true, true},
		{"username taken, same user", req, lostAnswer, nameTaken, respond(200, readBackUser("my-own-id", "create-01", "create-01@example.com", ownOrg)), true, true},
		{"same user, email in other case", req, lostAnswer, taken, respond(200, readBackUser("my-own-id", "create-01", "Create-01@Example.com", ownOrg)), true, true},
		{"no username: the email is the username", noName, closeConnection, taken, respond(200, readBackUser("my-own-id", "create-01@example.com", "create-01@example.com", ownOrg)), true, true},
		{"another username", req, lostAnswer, taken, respond(200, readBackUser("my-own-id", "someone-else", "create-01@example.com", ownOrg)), false, true},
		{"another email", req, lostAnswer, taken, respond(200, readBackUser("my-own-id", "create-01", "other@example.com", ownOrg)), false, true},
		{"another organization", req, lostAnswer, taken, respond(200, readBackUser("my-own-id", "create-01", "create-01@example.com", "300000000000000777")), false, true},
		{"username taken by another id", req, lostAnswer, nameTaken, respond(404, zitadelError(5, "User could not be found", "QUERY-Dfbg2")), false, true},
		{"taken without an unknown outcome", req, taken, taken, nil, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := v4()
			rt["POST /v2/users/new"] = sequence(tt.first, tt.repeat)
			if tt.user != nil {
				rt["GET /v2/users/{id}"] = tt.user
			}
			srv := newRecorder(t, rt.serve())
			u, err := srv.client(t, fastRetries).Users.CreateUser(ctx, tt.req)
			reqs := srv.requests()
			reads, creates := 0, 1
			if tt.readBck {
				reads, creates = 1, 2
			}
			if got := count(reqs, "GET /v2/users/my-own-id"); got != reads {
				t.Errorf("%d reads, want %d", got, reads)
			}
			if got := count(reqs, "POST /v2/users/new"); got != creates {
				t.Errorf("%d creates, want %d", got, creates)
			}
			if tt.ok {
				if err != nil || u.UserID != "my-own-id" || u.Details.ResourceOwner != ownOrg || u.Details.Sequence != 9 {
					t.Fatalf("got %+v, %v; want the user read back", u, err)
				}
				return
			}
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.Operation != "UserService.CreateUser" || !errors.Is(err, client.ErrUserExists) || u != nil {
				t.Fatalf("got %+v, %v; want CreateUser's ErrUserExists", u, err)
			}
		})
	}
}

// TestCreateUserWithoutIDIsNotRepeated: without the caller's own id a repeat could create a
// second user, so an unknown outcome is reported after one request.
func TestCreateUserWithoutIDIsNotRepeated(t *testing.T) {
	for name, fail := range map[string]http.HandlerFunc{"504": lostAnswer, "connection closed": closeConnection} {
		rt := v4()
		rt["POST /v2/users/new"] = sequence(fail, respond(200, createdBody))
		srv := newRecorder(t, rt.serve())
		_, err := srv.client(t, fastRetries).Users.CreateUser(ctx, createReq(ownOrg))
		if !errors.Is(err, client.ErrOutcomeUnknown) || len(srv.requests()) != 1 {
			t.Errorf("%s: err = %v after %d requests, want ErrOutcomeUnknown after 1", name, err, len(srv.requests()))
		}
	}
}

// TestDoneEarlierIsSuccess: LockUser and DeleteUser are repeated after an unknown outcome,
// and a repeat finding the change made (the user locked, the user gone) reports success.
// Without an unknown outcome before it, the same answer is the error it says; after one, a
// different error stays an error.
func TestDoneEarlierIsSuccess(t *testing.T) {
	locked := respond(400, zitadelError(9, "User is not active or initial", "COMMAND-lgws8wtsqf"))
	gone := respond(404, zitadelError(5, "User could not be found", "COMMAND-bd4ir1mblj"))
	lockUnknown := respond(404, zitadelError(5, "User could not be found", "COMMAND-450yxuqrh1"))
	lock := func(c *client.Client) (*client.Details, error) { return c.Users.LockUser(ctx, "u1") }
	del := func(c *client.Client) (*client.Details, error) { return c.Users.DeleteUser(ctx, "u1") }
	tests := []struct {
		name    string
		route   string
		answers []http.HandlerFunc
		call    func(*client.Client) (*client.Details, error)
		want    error // nil: success
	}{
		{"lock: lost answer, then locked", "POST /v2/users/{id}/lock", []http.HandlerFunc{lostAnswer, locked}, lock, nil},
		{"lock: connection closed, then locked", "POST /v2/users/{id}/lock", []http.HandlerFunc{closeConnection, locked}, lock, nil},
		{"lock: locked already", "POST /v2/users/{id}/lock", []http.HandlerFunc{locked}, lock, client.ErrUserNotActive},
		{"lock: lost answer, then unknown user", "POST /v2/users/{id}/lock", []http.HandlerFunc{lostAnswer, lockUnknown}, lock, client.ErrUserNotFound},
		{"delete: lost answer, then gone", "DELETE /v2/users/{id}", []http.HandlerFunc{lostAnswer, gone}, del, nil},
		{"delete: connection closed, then gone", "DELETE /v2/users/{id}", []http.HandlerFunc{closeConnection, gone}, del, nil},
		{"delete: gone already", "DELETE /v2/users/{id}", []http.HandlerFunc{gone}, del, client.ErrUserNotFound},
		{"delete: lost answer, then locked", "DELETE /v2/users/{id}", []http.HandlerFunc{lostAnswer, locked}, del, client.ErrUserNotActive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := v4()
			rt[tt.route] = sequence(tt.answers...)
			srv := newRecorder(t, rt.serve())
			d, err := tt.call(srv.client(t, fastRetries))
			if tt.want == nil {
				if err != nil || d == nil || *d != (client.Details{}) {
					t.Fatalf("got %+v, %v; want success with empty Details", d, err)
				}
			} else if !errors.Is(err, tt.want) || d != nil {
				t.Fatalf("got %+v, %v; want %v", d, err, tt.want)
			}
			if n := len(srv.requests()); n != len(tt.answers) {
				t.Errorf("%d requests, want %d", n, len(tt.answers))
			}
		})
	}
}

// TestPasswordChecksAreNeverRepeated: a check counts toward the lockout policy, so after an
// unknown outcome CheckPassword and CreateWithPassword report it after one request.
func TestPasswordChecksAreNeverRepeated(t *testing.T) {
	for name, fail := range map[string]http.HandlerFunc{"504": lostAnswer, "502": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) }, "connection closed": closeConnection} {
		rt := v4()
		rt["PATCH /v2/sessions/{id}"] = sequence(fail, respond(200, newTokenBody))
		rt["POST /v2/sessions"] = sequence(fail, respond(201, sessionBody))
		srv := newRecorder(t, rt.serve())
		c := srv.client(t, fastRetries)
		_, cerr := c.Sessions.CheckPassword(ctx, "s1", "tok", "Sess-Passw0rd!1", client.SessionLifetime(time.Minute))
		_, serr := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "Sess-Passw0rd!1", client.SessionLifetime(time.Minute))
		for _, err := range []error{cerr, serr} {
			if !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Errorf("%s: err = %v, want ErrOutcomeUnknown", name, err)
			}
		}
		if n := len(srv.requests()); n != 2 {
			t.Errorf("%s: %d requests, want one per call", name, n)
		}
	}
}

// readAllThen reads body to its end, then calls then, and returns the body read.
func readAllThen(body io.ReadCloser, then func()) io.ReadCloser {
	b, _ := io.ReadAll(body)
	body.Close()
	then()
	return io.NopCloser(bytes.NewReader(b))
}

// trackedConns is a dialer whose connections report when they close, so a test can wait
// for the client's side of every connection to be gone.
type trackedConns struct {
	mu     sync.Mutex
	open   int
	closed chan struct{} // receives on every close
}

type trackedConn struct {
	net.Conn
	once sync.Once
	t    *trackedConns
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		c.t.open--
		c.t.mu.Unlock()
		c.t.closed <- struct{}{}
	})
	return c.Conn.Close()
}

func (t *trackedConns) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := (&net.Dialer{}).DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	t.open++
	t.mu.Unlock()
	return &trackedConn{Conn: conn, t: t}, nil
}

// waitClosed waits until every connection dialed has closed.
func (t *trackedConns) waitClosed(tb testing.TB) {
	tb.Helper()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	for {
		t.mu.Lock()
		open := t.open
		t.mu.Unlock()
		if open == 0 {
			return
		}
		select {
		case <-t.closed:
		case <-guard.C:
			tb.Fatalf("%d connections still open", open)
		}
	}
}

// TestVerifyPasswordSkipsTheDeleteAfterItsContext: when the caller's context ends after
// the check answered, no delete is sent and VerifyPassword returns nil at once: the session
// expires by itself, within its 30 seconds.
func TestVerifyPasswordSkipsTheDeleteAfterItsContext(t *testing.T) {
	rt := v4()
	rt["DELETE /v2/sessions/{id}"] = func(w http.ResponseWriter, r *http.Request) {
		t.Error("the delete was sent after the caller's context ended")
	}
	srv := newRecorder(t, rt.serve())
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rtf := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err == nil && r.Method == "POST" {
			resp.Body = readAllThen(resp.Body, cancel) // the answer is in; then the caller leaves
		}
		return resp, err
	})
	c := srv.client(t, client.WithHTTPClient(&http.Client{Transport: rtf}), client.WithLogger(logger))
	err := c.Sessions.VerifyPassword(cctx, client.ByUserID("u1"), "Sess-Passw0rd!1")
	if err != nil || cctx.Err() == nil {
		t.Fatalf("err = %v (context %v), want nil after the check succeeded", err, cctx.Err())
	}
	if got := routesOf(srv.requests()); len(got) != 1 || got[0] != "POST /v2/sessions" {
		t.Errorf("requests %q, want the check only", got)
	}
	// Not even attempted: no attempt logged, no failed delete.
	if strings.Contains(logs.String(), "DeleteSession") || strings.Contains(logs.String(), "deleting") {
		t.Errorf("a delete was attempted:\n%s", logs.String())
	}
}

// TestVerifyPasswordNeverOutlivesItsContext: a delete that hangs ends with the caller's
// context, VerifyPassword returns nil (the password was right), and nothing is left
// running: the server's handler returned and the client's connections are closed.
func TestVerifyPasswordNeverOutlivesItsContext(t *testing.T) {
	deleteArrived, handlerDone, release := make(chan struct{}), make(chan struct{}), make(chan struct{})
	rt := v4()
	rt["DELETE /v2/sessions/{id}"] = func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		close(deleteArrived)
		select {
		case <-r.Context().Done(): // the client went away
		case <-release: // the test failed: let the server close
		}
	}
	srv := newRecorder(t, rt.serve())
	t.Cleanup(func() { close(release) }) // runs before the server's Close
	conns := &trackedConns{closed: make(chan struct{}, 16)}
	tr := &http.Transport{DialContext: conns.dial}
	c := srv.client(t, client.WithHTTPClient(&http.Client{Transport: tr}), fastRetries)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Sessions.VerifyPassword(cctx, client.ByUserID("u1"), "Sess-Passw0rd!1") }()
	<-deleteArrived
	cancel()
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("err = %v, want nil: the check succeeded", err)
		}
	case <-guard.C:
		t.Fatal("VerifyPassword outlived its context")
	}
	select {
	case <-handlerDone:
	case <-guard.C:
		t.Fatal("the delete's handler still runs")
	}
	c.CloseIdleConnections()
	conns.waitClosed(t)
	if n := count(srv.requests(), "DELETE /v2/sessions/300000000000000077"); n != 1 {
		t.Errorf("%d deletes, want 1: a canceled call is not retried", n)
	}
}

// TestVerifyPasswordSharesNoOptions: concurrent VerifyPassword calls with one options slice
// (with room to grow) must not write into it: it adds its lifetime to a copy. (With -race,
// the write is also reported as a race.)
func TestVerifyPasswordSharesNoOptions(t *testing.T) {
	srv := newRecorder(t, v4().serve())
	c := srv.client(t)
	opts := make([]client.CallOption, 1, 8)
	opts[0] = client.InOrg("o1")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.Sessions.VerifyPassword(ctx, client.ByUserID("u1"), "Sess-Passw0rd!1", opts...); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if spare := opts[1:cap(opts)]; spare[0] != nil {
		t.Error("VerifyPassword wrote into the caller's options array")
	}
	if n := count(srv.requests(), "POST /v2/sessions"); n != 8 {
		t.Errorf("%d checks, want 8", n)
	}
}
