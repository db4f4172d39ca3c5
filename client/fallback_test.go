package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// methodNotAllowed is ZITADEL v3.4.9's answer to the v4 calls CreateUser and UpdateUser.
const methodNotAllowed = `{"code":12,"message":"Method Not Allowed"}`

// v3 answers as ZITADEL v3.4.9 does: no CreateUser and UpdateUser (405, code 12),
// AddHumanUser with 201, SetPassword with 200.
func v3() routes {
	return routes{
		"POST /v2/users/new":           respond(405, methodNotAllowed),
		"PATCH /v2/users/{id}":         respond(405, methodNotAllowed),
		"POST /v2/users/human":         respond(201, addedUserBody),
		"POST /v2/users/{id}/password": respond(200, okDetails),
		mePath:                         respond(200, myUserBody),
		"/":                            respond(404, `{"code":5,"message":"Not Found"}`),
	}
}

var addedUser = client.AddedUser{UserID: createdID, Details: client.Details{Sequence: 2, ChangeDate: created, ResourceOwner: ownOrg}}

// TestCreateUserFallsBackToAddHumanUser: on ZITADEL v3, CreateUser sends AddHumanUser with
// the same meaning: an organization the call names is sent, none lets AddHumanUser use the
// caller's own. The first call finds out (one 405); the next goes straight to AddHumanUser
// and needs no lookup of the own organization.
func TestCreateUserFallsBackToAddHumanUser(t *testing.T) {
	withEverything := client.CreateUserRequest{UserID: "my-own-id", OrgID: "org-9", Username: "cr-02", GivenName: "Change",
		FamilyName: "Required", Email: "cr-02@example.com", Phone: "+41790000000", Password: "Create-Passw0rd!1", ChangeRequired: true}
	hashed := createReq("")
	hashed.Password, hashed.PasswordHash = "", recordedBcrypt
	const profile = `"profile":{"givenName":"Create","familyName":"User"},"email":{"email":"create-01@example.com","isVerified":true}`
	tests := []struct {
		name    string
		opts    []client.Option
		req     client.CreateUserRequest
		call    []client.CallOption
		lookups int // on the first call
		body    string
	}{
		{"everything", nil, withEverything, nil, 0,
			`{"userId":"my-own-id","username":"cr-02","organization":{"orgId":"org-9"},"profile":{"givenName":"Change","familyName":"Required"},"email":{"email":"cr-02@example.com"},"phone":{"phone":"+41790000000"},"password":{"password":"Create-Passw0rd!1","changeRequired":true}}`},
		{"request org wins", []client.Option{client.WithOrgID("org-w")}, createReq("org-r"), []client.CallOption{client.InOrg("org-c")}, 0,
			`{"username":"create-01","organization":{"orgId":"org-r"},` + profile + `,"password":{"password":"Create-Passw0rd!1"}}`},
		{"InOrg", []client.Option{client.WithOrgID("org-w")}, createReq(""), []client.CallOption{client.InOrg("org-c")}, 0,
			`{"username":"create-01","organization":{"orgId":"org-c"},` + profile + `,"password":{"password":"Create-Passw0rd!1"}}`},
		{"WithOrgID", []client.Option{client.WithOrgID("org-w")}, createReq(""), nil, 0,
			`{"username":"create-01","organization":{"orgId":"org-w"},` + profile + `,"password":{"password":"Create-Passw0rd!1"}}`},
		{"no org: the caller's own", nil, createReq(""), nil, 1,
			`{"username":"create-01",` + profile + `,"password":{"password":"Create-Passw0rd!1"}}`},
		{"hash", nil, hashed, nil, 1,
			`{"username":"create-01",` + profile + `,"hashedPassword":{"hash":"` + recordedBcrypt + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, v3().serve())
			c := srv.client(t, tt.opts...)
			for i := range 2 {
				before := len(srv.requests())
				u, err := c.Users.CreateUser(ctx, tt.req, tt.call...)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if *u != addedUser {
					t.Errorf("call %d: got %+v, want %+v", i, *u, addedUser)
				}
				reqs := srv.requests()[before:]
				want := []string{"POST /v2/users/human"}
				if i == 0 {
					want = append([]string{"POST /v2/users/new"}, want...)
					if tt.lookups == 1 {
						want = append([]string{mePath}, want...)
					}
				}
				if got := routesOf(reqs); strings.Join(got, ", ") != strings.Join(want, ", ") {
					t.Fatalf("call %d: requests %q, want %q", i, got, want)
				}
				checkRequest(t, reqs[len(reqs)-1], "POST", "/v2/users/human", tt.body)
			}
		})
	}
}

// routesOf lists "METHOD /path" of each request.
func routesOf(reqs []recorded) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.RequestURI
	}
	return out
}

// TestUpdateUserFallsBackToSetPassword: on ZITADEL v3, UpdateUser with a new password sends
// SetPassword with the same meaning, in each of its forms.
func TestUpdateUserFallsBackToSetPassword(t *testing.T) {
	tests := []struct {
		name string
		req  client.UpdateUserRequest
		body string
	}{
		{"admin", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"}, `{"newPassword":{"password":"Upd-Passw0rd!2"}}`},
		{"admin change required", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!9", ChangeRequired: true},
			`{"newPassword":{"password":"Upd-Passw0rd!9","changeRequired":true}}`},
		{"current password", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!3", CurrentPassword: "Upd-Passw0rd!2"},
			`{"newPassword":{"password":"Upd-Passw0rd!3"},"currentPassword":"Upd-Passw0rd!2"}`},
		{"verification code", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!4", VerificationCode: "7QEJBF", ChangeRequired: true},
			`{"newPassword":{"password":"Upd-Passw0rd!4","changeRequired":true},"verificationCode":"7QEJBF"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, v3().serve())
			c := srv.client(t)
			for i := range 2 {
				before := len(srv.requests())
				d, err := c.Users.UpdateUser(ctx, "u/1", tt.req)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if want := (client.Details{Sequence: 3, ChangeDate: created, ResourceOwner: "org1"}); *d != want {
					t.Errorf("call %d: got %+v, want %+v", i, *d, want)
				}
				reqs := srv.requests()[before:]
				want := []string{"POST /v2/users/u%2F1/password"}
				if i == 0 {
					want = append([]string{"PATCH /v2/users/u%2F1"}, want...)
				}
				if got := routesOf(reqs); strings.Join(got, ", ") != strings.Join(want, ", ") {
					t.Fatalf("call %d: requests %q, want %q", i, got, want)
				}
				checkRequest(t, reqs[len(reqs)-1], "POST", "/v2/users/u%2F1/password", tt.body)
			}
		})
	}
}

// TestFallbackErrorsKeepTheirOutcomes: the deprecated call's errors mean what UpdateUser's
// would.
func TestFallbackErrorsKeepTheirOutcomes(t *testing.T) {
	rt := v3()
	rt["POST /v2/users/{id}/password"] = respond(400, credentialsError)
	srv := newRecorder(t, rt.serve())
	_, err := srv.client(t).Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "Wrong-Passw0rd!9"})
	var ae *client.APIError
	if !errors.As(err, &ae) || !errors.Is(err, client.ErrWrongPassword) || ae.FailedAttempts != 1 || ae.Operation != "UserService.SetPassword" {
		t.Fatalf("err = %v, want SetPassword's ErrWrongPassword", err)
	}
}

// TestUpdateUserHashOnV3IsUnsupported: SetPassword cannot set a hash, so on ZITADEL v3 a
// hash is an *UnsupportedError naming the version that can, wrapping the server's 405 when
// there was one; nothing else is sent.
func TestUpdateUserHashOnV3IsUnsupported(t *testing.T) {
	srv := newRecorder(t, v3().serve())
	c := srv.client(t)
	hash := client.UpdateUserRequest{NewPasswordHash: recordedBcrypt}
	_, err := c.Users.UpdateUser(ctx, "u1", hash)
	var ue *client.UnsupportedError
	var ae *client.APIError
	if !errors.As(err, &ue) || !errors.Is(err, client.ErrUnsupported) || ue.Need != "v4.0.0" || ue.Operation != "UserService.UpdateUser" {
		t.Fatalf("err = %#v, want an *UnsupportedError needing v4.0.0", err)
	}
	if !errors.As(err, &ae) || ae.StatusCode != 405 || ae.Code != client.Unimplemented {
		t.Errorf("err = %v does not wrap the 405 answer", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "v4.0.0") || strings.Contains(msg, recordedBcrypt) || !strings.HasPrefix(msg, "zitpass: ") {
		t.Errorf("Error() = %q", msg)
	}
	if got := routesOf(srv.requests()); len(got) != 1 || got[0] != "PATCH /v2/users/u1" {
		t.Fatalf("requests %q, want the one PATCH", got)
	}
	// Known now: no request at all.
	if _, err := c.Users.UpdateUser(ctx, "u1", hash); !errors.As(err, &ue) || !errors.Is(err, client.ErrUnsupported) {
		t.Errorf("second call: err = %v", err)
	}
	if _, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"}); err != nil {
		t.Fatal(err)
	}
	if got := routesOf(srv.requests()); len(got) != 2 || got[1] != "POST /v2/users/u1/password" {
		t.Errorf("requests %q, want the PATCH, then SetPassword only", got)
	}
}

// TestFallbackProbesOncePerCallKind: one 405 per client for each of CreateUser and
// UpdateUser, however many calls follow; a new client finds out again.
func TestFallbackProbesOncePerCallKind(t *testing.T) {
	srv := newRecorder(t, v3().serve())
	for range 2 {
		c := srv.client(t)
		for range 3 {
			if _, err := c.Users.CreateUser(ctx, createReq(ownOrg)); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	reqs := srv.requests()
	for route, want := range map[string]int{"POST /v2/users/new": 2, "PATCH /v2/users/u1": 2, "POST /v2/users/human": 6, "POST /v2/users/u1/password": 6} {
		if got := count(reqs, route); got != want {
			t.Errorf("%s: %d requests, want %d", route, got, want)
		}
	}
}

// TestFallbackConcurrentFirstCalls: 20 concurrent first calls cost one 405: the others wait
// for the first one's answer.
func TestFallbackConcurrentFirstCalls(t *testing.T) {
	const n = 20
	calls := map[string]struct {
		probe, fallback string
		do              func(*client.Client) error
	}{
		"CreateUser": {"POST /v2/users/new", "POST /v2/users/human", func(c *client.Client) error {
			_, err := c.Users.CreateUser(ctx, createReq(""))
			return err
		}},
		"CreateUser with org": {"POST /v2/users/new", "POST /v2/users/human", func(c *client.Client) error {
			_, err := c.Users.CreateUser(ctx, createReq(ownOrg))
			return err
		}},
		"UpdateUser": {"PATCH /v2/users/u1", "POST /v2/users/u1/password", func(c *client.Client) error {
			_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"})
			return err
		}},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			var started sync.WaitGroup
			started.Add(n)
			rt := v3()
			// The 405 is answered once every caller has started, so that the others arrive
			// while the first one is finding out.
			blocked := func(w http.ResponseWriter, r *http.Request) {
				started.Wait()
				respond(405, methodNotAllowed)(w, r)
			}
			rt["POST /v2/users/new"], rt["PATCH /v2/users/{id}"] = blocked, blocked
			srv := newRecorder(t, rt.serve())
			c := srv.client(t)
			errs := make(chan error, n)
			for range n {
				go func() {
					started.Done()
					errs <- call.do(c)
				}()
			}
			for range n {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
			reqs := srv.requests()
			if got := count(reqs, call.probe); got != 1 {
				t.Errorf("%d requests to %s, want one", got, call.probe)
			}
			if got := count(reqs, call.fallback); got != n {
				t.Errorf("%d requests to %s, want %d", got, call.fallback, n)
			}
			if got := count(reqs, mePath); got > 1 {
				t.Errorf("%d lookups of the own organization", got)
			}
		})
	}
}

// TestWaitingForTheFirstCallEndsWithTheContext: a caller waiting for the first call's
// answer waits within its own context and sends nothing.
func TestWaitingForTheFirstCallEndsWithTheContext(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	rt := v3()
	rt["POST /v2/users/new"] = func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		respond(405, methodNotAllowed)(w, r)
	}
	srv := newRecorder(t, rt.serve())
	c := srv.client(t)
	first := make(chan error, 1)
	go func() { _, err := c.Users.CreateUser(ctx, createReq(ownOrg)); first <- err }()
	<-arrived
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := c.Users.CreateUser(cctx, createReq(ownOrg))
	if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrOutcomeUnknown) {
		t.Errorf("waiting caller: err = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if got := routesOf(srv.requests()); strings.Join(got, ", ") != "POST /v2/users/new, POST /v2/users/human" {
		t.Errorf("requests %q: the waiting caller sent something", got)
	}
}

// switchable serves the v4 answers until downgrade, then v3's: a client that has seen v4
// answer must not fall back afterwards.
type switchable struct {
	downgraded atomic.Bool
	v4, v3     http.HandlerFunc
}

func (s *switchable) serve(w http.ResponseWriter, r *http.Request) {
	if s.downgraded.Load() {
		s.v3(w, r)
		return
	}
	s.v4(w, r)
}

// TestV4AnswerIsRemembered: any answer of CreateUser or UpdateUser but 405/12, a success or
// an error, shows the server has the call: the client does not fall back later, and the
// answer itself is returned as it is.
func TestV4AnswerIsRemembered(t *testing.T) {
	answers := map[string]http.HandlerFunc{
		"200":          nil,
		"400 weak":     respond(400, zitadelError(3, "Password is too short", "COMMA-HuJf6")),
		"409 username": respond(409, zitadelError(6, "User already exists", "V3-DKcYh")),
		"404 user":     respond(404, zitadelError(5, "User could not be found", "COMMAND-ugjs0upun6")),
		"501":          respond(501, `{"code":12,"message":"user type is not implemented ()"}`),
		"401":          respond(401, `{"code":16,"message":"auth header missing","details":[]}`),
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			rt := v4()
			if answer != nil {
				rt["POST /v2/users/new"], rt["PATCH /v2/users/{id}"] = answer, answer
			}
			sw := &switchable{v4: rt.serve(), v3: v3().serve()}
			srv := newRecorder(t, sw.serve)
			c := srv.client(t)
			_, cerr := c.Users.CreateUser(ctx, createReq(ownOrg))
			_, uerr := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"})
			if (answer == nil) != (cerr == nil && uerr == nil) {
				t.Fatalf("errors %v, %v", cerr, uerr)
			}
			if answer != nil && (!errors.As(cerr, new(*client.APIError)) || !errors.As(uerr, new(*client.APIError))) {
				t.Fatalf("errors %v, %v: want the answers", cerr, uerr)
			}
			sw.downgraded.Store(true)
			_, cerr = c.Users.CreateUser(ctx, createReq(ownOrg))
			_, uerr = c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"})
			for _, err := range []error{cerr, uerr} {
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.StatusCode != 405 || !errors.Is(err, client.ErrUnsupported) {
					t.Errorf("after the downgrade: err = %v, want the 405 itself", err)
				}
			}
			reqs := srv.requests()
			if n := count(reqs, "POST /v2/users/human") + count(reqs, "POST /v2/users/u1/password"); n != 0 {
				t.Errorf("%d fallback requests after v4 answered", n)
			}
		})
	}
}

// failOnce answers the first request with fail, the rest with next.
func failOnce(fail, next http.HandlerFunc) http.HandlerFunc {
	var once atomic.Bool
	return func(w http.ResponseWriter, r *http.Request) {
		if once.CompareAndSwap(false, true) {
			fail(w, r)
			return
		}
		next(w, r)
	}
}

func closeConnection(w http.ResponseWriter, _ *http.Request) { hijackAndClose(w, "") }

// TestNoAnswerIsNotRemembered: when the first call got no answer from ZITADEL's call (the
// connection broke, a proxy answered, the own-organization lookup failed before it was
// sent), the client has learned nothing: the next call finds out again, and falls back.
func TestNoAnswerIsNotRemembered(t *testing.T) {
	failures := map[string]http.HandlerFunc{
		"connection closed": closeConnection,
		"proxy 502":         func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) },
		"proxy 503 page": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(503)
			w.Write([]byte("upstream connect error or disconnect/reset before headers. reset reason: connection termination"))
		},
		"proxy 405 without a body": func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(405) },
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			rt := v3()
			rt["POST /v2/users/new"] = failOnce(fail, rt["POST /v2/users/new"])
			rt["PATCH /v2/users/{id}"] = failOnce(fail, rt["PATCH /v2/users/{id}"])
			srv := newRecorder(t, rt.serve())
			c := srv.client(t, client.WithoutRetries())
			if _, err := c.Users.CreateUser(ctx, createReq(ownOrg)); err == nil {
				t.Fatal("CreateUser succeeded without an answer")
			}
			upd := client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!3", CurrentPassword: "Upd-Passw0rd!2"}
			if _, err := c.Users.UpdateUser(ctx, "u1", upd); err == nil {
				t.Fatal("UpdateUser succeeded without an answer")
			}
			if _, err := c.Users.CreateUser(ctx, createReq(ownOrg)); err != nil {
				t.Errorf("CreateUser after the failure: %v", err)
			}
			if _, err := c.Users.UpdateUser(ctx, "u1", upd); err != nil {
				t.Errorf("UpdateUser after the failure: %v", err)
			}
			reqs := srv.requests()
			for route, want := range map[string]int{"POST /v2/users/new": 2, "PATCH /v2/users/u1": 2, "POST /v2/users/human": 1, "POST /v2/users/u1/password": 1} {
				if got := count(reqs, route); got != want {
					t.Errorf("%s: %d requests, want %d", route, got, want)
				}
			}
		})
	}
	t.Run("own organization lookup failed", func(t *testing.T) {
		rt := v3()
		rt[mePath] = failOnce(respond(403, zitadelError(7, "No matching permissions found", "AUTH-5mWD2")), rt[mePath])
		srv := newRecorder(t, rt.serve())
		c := srv.client(t)
		if _, err := c.Users.CreateUser(ctx, createReq("")); !errors.Is(err, client.ErrPermissionDenied) {
			t.Fatalf("err = %v, want the lookup's 403", err)
		}
		if _, err := c.Users.CreateUser(ctx, createReq("")); err != nil {
			t.Fatalf("after the failed lookup: %v", err)
		}
		want := []string{mePath, mePath, "POST /v2/users/new", "POST /v2/users/human"}
		if got := routesOf(srv.requests()); strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("requests %q, want %q", got, want)
		}
	})
}

// TestConcurrentCallersOutliveAFailedFirstCall: when the first of many concurrent calls gets
// no answer, one of the waiting callers finds out instead; the rest fall back.
func TestConcurrentCallersOutliveAFailedFirstCall(t *testing.T) {
	const n = 20
	var started sync.WaitGroup
	started.Add(n)
	rt := v3()
	rt["POST /v2/users/new"] = failOnce(func(w http.ResponseWriter, r *http.Request) {
		started.Wait()
		closeConnection(w, r)
	}, rt["POST /v2/users/new"])
	srv := newRecorder(t, rt.serve())
	c := srv.client(t)
	errs := make(chan error, n)
	for range n {
		go func() {
			started.Done()
			_, err := c.Users.CreateUser(ctx, createReq(ownOrg))
			errs <- err
		}()
	}
	failed := 0
	for range n {
		if err := <-errs; err != nil {
			if !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Errorf("err = %v, want ErrOutcomeUnknown", err)
			}
			failed++
		}
	}
	reqs := srv.requests()
	if failed != 1 || count(reqs, "POST /v2/users/new") != 2 || count(reqs, "POST /v2/users/human") != n-1 {
		t.Errorf("%d failed; requests %q", failed, routesOf(reqs))
	}
}

// TestFallbackReadBack: the fallback keeps AddHumanUser's retry rules: with the caller's own
// id, a repeat after an unknown outcome that finds the user reads it back.
func TestFallbackReadBack(t *testing.T) {
	rt := v3()
	rt["POST /v2/users/human"] = failOnce(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(504) },
		respond(409, zitadelError(6, "User already exists", "V3-DKcYh")))
	rt["GET /v2/users/{id}"] = respond(200, strings.NewReplacer("300000000000000042", "my-own-id", "lock-9e0fed-14@example.com", "create-01@example.com",
		"lock-9e0fed-14", "create-01").Replace(getUserBody))
	srv := newRecorder(t, rt.serve())
	c := srv.client(t, fastRetries)
	req := createReq(ownOrg)
	req.UserID = "my-own-id"
	u, err := c.Users.CreateUser(ctx, req)
	if err != nil || u.UserID != "my-own-id" || u.Details.ResourceOwner != ownOrg {
		t.Fatalf("got %+v, %v", u, err)
	}
	want := []string{"POST /v2/users/new", "POST /v2/users/human", "POST /v2/users/human", "GET /v2/users/my-own-id"}
	if got := routesOf(srv.requests()); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("requests %q, want %q", got, want)
	}
}
