package clienttest_test

//lint:file-ignore SA1019 the fake answers the deprecated calls too, and these tests drive them on purpose

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
)

type rawAnswer struct {
	status int
	code   int
	id     string
	body   map[string]any
}

// post sends a raw request, bypassing the SDK's own validation.
func post(t *testing.T, srv *clienttest.Server, path, token, body string, header ...string) rawAnswer {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a rawAnswer
	a.status = resp.StatusCode
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("body is not JSON: %s", raw)
	}
	if c, ok := a.body["code"].(float64); ok {
		a.code = int(c)
	}
	if d, ok := a.body["details"].([]any); ok && len(d) > 0 {
		a.id, _ = d[0].(map[string]any)["id"].(string)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	return a
}

func (a rawAnswer) want(t *testing.T, status, code int, id string) {
	t.Helper()
	if a.status != status || a.code != code || a.id != id {
		t.Errorf("got %d/%d/%q %v, want %d/%d/%q", a.status, a.code, a.id, a.body, status, code, id)
	}
}

// TestErrorTable reproduces every row of the error table in zitadel-facts.md.
func TestErrorTable(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now))
	pat := srv.PAT()
	alice := addAlice(srv)
	other := srv.AddOrg()
	carol := srv.AddHumanUser(clienttest.HumanUser{OrgID: other, Username: "carol", Password: oldPassword})
	initial := srv.AddHumanUser(clienttest.HumanUser{Username: "initial", Initial: true})
	nobody := "999999"
	setPath := func(id string) string { return "/v2/users/" + id + "/password" }
	resetPath := func(id string) string { return "/v2/users/" + id + "/password_reset" }
	initPath := func(id string) string { return "/management/v1/users/" + id + "/password/_initialize" }
	newCode := func(id string) string {
		a := post(t, srv, resetPath(id), pat, `{"returnCode":{}}`)
		return a.body["verificationCode"].(string)
	}

	t.Run("reset for an unknown user", func(t *testing.T) {
		post(t, srv, resetPath(nobody), pat, `{}`).want(t, 404, 5, "COMMAND-SAF4f")
	})
	t.Run("set password for an unknown user", func(t *testing.T) {
		post(t, srv, setPath(nobody), pat, `{"newPassword":{"password":"N3w-Passw0rd!"}}`).want(t, 400, 9, "COMMAND-G8dh3")
	})
	t.Run("v1 initialize for an unknown user", func(t *testing.T) {
		post(t, srv, initPath(nobody), pat, `{"password":"N3w-Passw0rd!"}`).want(t, 400, 9, "COMMAND-G8dh3")
	})
	t.Run("v1 initialize for a user in another organization", func(t *testing.T) {
		post(t, srv, initPath(carol), pat, `{"password":"N3w-Passw0rd!"}`).want(t, 400, 9, "COMMAND-3M0fs")
	})
	t.Run("no code pending", func(t *testing.T) {
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":"ABCDEF"}`).want(t, 400, 9, "COMMAND-2M9fs")
	})
	t.Run("code wrong", func(t *testing.T) {
		code := newCode(alice)
		wrong := "ZZZZZZ"
		if code == wrong {
			wrong = "YYYYYY"
		}
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":"`+wrong+`"}`).want(t, 400, 3, "CODE-woT0xc")
	})
	t.Run("code expired", func(t *testing.T) {
		code := newCode(alice)
		clock.Add(2 * time.Hour)
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":"`+code+`"}`).want(t, 400, 9, "CODE-QvUQ4P")
	})
	t.Run("wrong current password", func(t *testing.T) {
		a := post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"currentPassword":"nope"}`)
		a.want(t, 400, 3, "COMMAND-3M0fs")
		d := a.body["details"].([]any)[0].(map[string]any)
		if d["@type"] != "type.googleapis.com/zitadel.v1.CredentialsCheckError" || d["failedAttempts"] != 1.0 {
			t.Errorf("detail = %v", d)
		}
	})
	for pw, id := range map[string]string{"Sh0rt!": "DOMAIN-HuJf6", "n0-upper-case": "DOMAIN-VoaRj", "N0-LOWER-CASE": "DOMAIN-co3Xw",
		"No-Digits-Here": "DOMAIN-ZBv4H", "NoSymbols123": "DOMAIN-ZDLwA"} {
		t.Run("policy "+id, func(t *testing.T) {
			post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"`+pw+`"}}`).want(t, 400, 3, id)
		})
	}
	t.Run("reset for a user not yet initialized", func(t *testing.T) {
		post(t, srv, resetPath(initial), pat, `{}`).want(t, 400, 9, "COMMAND-Sfe4g")
	})
	t.Run("set for a user not yet initialized", func(t *testing.T) {
		post(t, srv, setPath(initial), pat, `{"newPassword":{"password":"N3w-Passw0rd!"}}`).want(t, 400, 9, "COMMAND-M9dse")
	})
	t.Run("v1 initialize for a user not yet initialized", func(t *testing.T) {
		post(t, srv, initPath(initial), pat, `{"password":"N3w-Passw0rd!"}`).want(t, 400, 9, "COMMAND-M9dse")
	})
	t.Run("empty verificationCode", func(t *testing.T) {
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":""}`).want(t, 400, 3, "")
	})
	t.Run("both oneof branches", func(t *testing.T) {
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":"ABCDEF","currentPassword":"x"}`).want(t, 400, 3, "")
		post(t, srv, resetPath(alice), pat, `{"sendLink":{},"returnCode":{}}`).want(t, 400, 3, "")
	})
	t.Run("malformed JSON", func(t *testing.T) {
		post(t, srv, setPath(alice), pat, `{"newPassword":`).want(t, 400, 3, "")
		post(t, srv, setPath(alice), "", `not json`).want(t, 400, 3, "") // before authentication
	})
	t.Run("no Authorization header, v2", func(t *testing.T) {
		a := post(t, srv, setPath(alice), "", `{"newPassword":{"password":"N3w-Passw0rd!"}}`)
		a.want(t, 401, 16, "")
		if a.body["message"] != "auth header missing" {
			t.Errorf("message = %v", a.body["message"])
		}
	})
	t.Run("no Authorization header, v1", func(t *testing.T) {
		a := post(t, srv, initPath(alice), "", `{"password":"N3w-Passw0rd!"}`)
		a.want(t, 500, 2, "")
		if !strings.Contains(a.body["message"].(string), "Unauthenticated") || len(a.body["details"].([]any)) != 1 {
			t.Errorf("body = %v", a.body)
		}
	})
	t.Run("invalid token", func(t *testing.T) {
		post(t, srv, setPath(alice), "not-a-token", `{"newPassword":{"password":"N3w-Passw0rd!"}}`).want(t, 401, 16, "AUTH-7fs1e")
		post(t, srv, initPath(alice), "not-a-token", `{"password":"N3w-Passw0rd!"}`).want(t, 401, 16, "AUTH-7fs1e")
	})
	t.Run("expired token", func(t *testing.T) {
		tok := srv.TokenFor(alice)
		clock.Add(13 * time.Hour)
		post(t, srv, setPath(alice), tok, `{"newPassword":{"password":"N3w-Passw0rd!"},"currentPassword":"x"}`).want(t, 401, 16, "AUTH-7fs1e")
	})
	t.Run("missing permission, v1", func(t *testing.T) {
		post(t, srv, initPath(alice), srv.TokenFor(alice), `{"password":"N3w-Passw0rd!"}`).want(t, 403, 7, "AUTH-5mWD2")
	})
	t.Run("unknown org", func(t *testing.T) {
		post(t, srv, initPath(alice), pat, `{"password":"N3w-Passw0rd!"}`, "x-zitadel-orgid", "12345").want(t, 403, 7, "AUTH-Bs7Ds")
	})
	t.Run("rate limit", func(t *testing.T) {
		srv.FailNext(1, 429)
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"}}`).want(t, 429, 8, "QUOTA-vjAy8")
	})
	t.Run("unavailable", func(t *testing.T) {
		srv.FailNext(1, 503)
		post(t, srv, setPath(alice), pat, `{"newPassword":{"password":"N3w-Passw0rd!"}}`).want(t, 503, 14, "")
	})
	t.Run("broken template", func(t *testing.T) {
		post(t, srv, resetPath(alice), pat, `{"sendLink":{"urlTemplate":"{{.Code"}}`).want(t, 400, 3, "DOMAIN-oGh5e")
		post(t, srv, resetPath(alice), pat, `{"sendLink":{"urlTemplate":"{{.Nope}}"}}`).want(t, 400, 3, "DOMAIN-ieYa7")
		post(t, srv, resetPath(alice), pat, `{"sendLink":{"urlTemplate":""}}`).want(t, 400, 3, "")
	})
}

func TestSnakeCaseAndNumericEnums(t *testing.T) {
	srv := newServer(t, clienttest.WithCodeGenerator(func() string { return "QWERTY" }))
	alice := addAlice(srv)
	a := post(t, srv, "/v2/users/"+alice+"/password_reset", srv.PAT(), `{"send_link":{"notification_type":2,"url_template":"x{{.Code}}"}}`)
	a.want(t, 200, 0, "")
	if n := srv.Notifications(); len(n) != 1 || n[0].Type != client.NotificationSMS || n[0].Link != "xQWERTY" {
		t.Errorf("outbox = %+v", n)
	}
	post(t, srv, "/v2/users/"+alice+"/password", srv.PAT(), `{"new_password":{"password":"N3w-Passw0rd!","change_required":true},"verification_code":"QWERTY","unknown":1}`).want(t, 200, 0, "")
	if !srv.PasswordChangeRequired(alice) || !srv.CheckPassword(alice, "N3w-Passw0rd!") {
		t.Error("snake_case body not understood")
	}
}

func TestSuccessBodyShape(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	a := post(t, srv, "/v2/users/"+alice+"/password", srv.PAT(), `{"newPassword":{"password":"N3w-Passw0rd!"}}`)
	d := a.body["details"].(map[string]any)
	if _, ok := d["sequence"].(string); !ok {
		t.Errorf("sequence is not a JSON string: %v", d)
	}
	if _, err := time.Parse(time.RFC3339Nano, d["changeDate"].(string)); err != nil || !strings.HasSuffix(d["changeDate"].(string), "Z") {
		t.Errorf("changeDate = %v", d["changeDate"])
	}
	if d["resourceOwner"] != srv.DefaultOrgID() {
		t.Errorf("resourceOwner = %v", d["resourceOwner"])
	}
}

func TestUnknownRoutes(t *testing.T) {
	srv := newServer(t)
	post(t, srv, "/v2/users/1/unknown", srv.PAT(), `{}`).want(t, 404, 5, "")
	post(t, srv, "/v2/users/1/../password", srv.PAT(), `{}`).want(t, 404, 5, "")
}

func TestPathEscapedIDs(t *testing.T) {
	srv := newServer(t)
	for _, id := range []string{"a/b", "..", "../x"} {
		_, err := srv.Client().Users.RequestPasswordReset(ctx, id, client.ReturnCode())
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.ID != "COMMAND-SAF4f" {
			t.Errorf("user id %q: err = %v, want the user-not-found answer", id, err)
		}
	}
}

func TestTokenEndpointEndToEnd(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "svc", Admin: true})
	jwt, err := auth.JWTProfile(ctx, srv.URL(), srv.KeyFile(svc))
	if err != nil {
		t.Fatal(err)
	}
	id, secret := srv.ClientSecret(svc)
	for name, ts := range map[string]oauth2.TokenSource{
		"jwt profile":        jwt,
		"client credentials": auth.ClientCredentials(ctx, srv.URL(), id, secret),
	} {
		t.Run(name, func(t *testing.T) {
			c, err := client.New(srv.URL(), client.WithTokenSource(ts))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("wrong secret", func(t *testing.T) {
		c, _ := client.New(srv.URL(), client.WithTokenSource(auth.ClientCredentials(ctx, srv.URL(), id, "wrong")))
		_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword})
		// ZITADEL's clientCredentialsAuth refuses with its own error, which its OIDC server
		// turns into invalid_request with the untranslated key (internal/api/oidc).
		var te *auth.TokenError
		if !errors.Is(err, client.ErrUnauthenticated) || !errors.As(err, &te) || te.StatusCode != 400 ||
			te.ErrorCode != "invalid_request" || te.Description != "Errors.User.Machine.Secret.Invalid" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("without the API scope", func(t *testing.T) {
		c, _ := client.New(srv.URL(), client.WithTokenSource(auth.ClientCredentials(ctx, srv.URL(), id, secret, "openid")))
		_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword})
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.StatusCode != 401 {
			t.Fatalf("err = %v, want 401", err)
		}
	})
	t.Run("key of another user", func(t *testing.T) {
		key := srv.KeyFile(svc)
		var m map[string]string
		json.Unmarshal(key, &m)
		m["userId"] = alice
		forged, _ := json.Marshal(m)
		ts, _ := auth.JWTProfile(ctx, srv.URL(), forged)
		_, err := ts.Token()
		// zitadel/oidc's assertion checks fail with errors of no ZITADEL type, which
		// ZITADEL answers as an internal error.
		var te *auth.TokenError
		if !errors.As(err, &te) || te.StatusCode != 500 || te.ErrorCode != "server_error" || te.Description != "Errors.Internal" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestFaults(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	// 503 twice: retried, then success.
	srv.FailNext(2, 503)
	if _, err := c.Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationEmail, "")); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Notifications()); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}
	// A lost answer after the reset was applied: not retried, outcome unknown, one email.
	srv.InjectFault(clienttest.Fault{Status: 502, Applied: true})
	_, err := c.Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationEmail, ""))
	if !errors.Is(err, client.ErrOutcomeUnknown) {
		t.Fatalf("err = %v", err)
	}
	if n := len(srv.Notifications()); n != 2 {
		t.Errorf("%d notifications, want 2", n)
	}
	// A delay longer than the caller's deadline.
	srv.DelayNext(1, time.Hour)
	dctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	_, err = c.Users.RequestPasswordReset(dctx, alice, client.ReturnCode())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestConcurrentUseAndCleanClose(t *testing.T) {
	before := runtime.NumGoroutine()
	srv := clienttest.NewServer()
	users := make([]string, 8)
	for i := range users {
		users[i] = addAlice(srv)
	}
	c := srv.Client()
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := users[i%len(users)]
			reset, err := c.Users.RequestPasswordReset(ctx, u, client.ReturnCode())
			if err != nil {
				t.Error(err)
				return
			}
			// Another goroutine may have replaced the code: both outcomes are fine.
			_, err = c.Users.SetPassword(ctx, u, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: reset.VerificationCode})
			var ae *client.APIError
			if err != nil && (!errors.As(err, &ae) || ae.StatusCode != 400) {
				t.Error(err)
			}
			srv.Notifications()
			srv.CheckPassword(u, newPassword)
		}()
	}
	wg.Wait()
	// A call held by an hour's delay when the server closes: Close ends the delay and the
	// answer is lost; the caller gets an error, not a hang and not a success.
	delaying := make(chan struct{})
	clienttest.SetDelayHook(srv, func() { close(delaying) })
	srv.DelayNext(1, time.Hour)
	result := make(chan error, 1)
	go func() {
		_, err := c.Users.RequestPasswordReset(ctx, users[0], client.ReturnCode())
		result <- err
	}()
	<-delaying // the call is inside the server, waiting
	srv.Close()
	if err := <-result; err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("the delayed call after Close: err = %v, want the lost answer", err)
	}
	c.CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}
