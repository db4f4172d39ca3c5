package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

func TestValidationBeforeAnyRequest(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	type callFn func(c *client.Client) error
	setPw := func(id string, r client.SetPasswordRequest) callFn {
		return func(c *client.Client) error { _, err := c.Users.SetPassword(ctx, id, r); return err }
	}
	reset := func(id string, d client.ResetDelivery) callFn {
		return func(c *client.Client) error { _, err := c.Users.RequestPasswordReset(ctx, id, d); return err }
	}
	initPw := func(id, pw string, opts ...client.CallOption) callFn {
		return func(c *client.Client) error {
			_, err := c.Management.SetHumanInitialPassword(ctx, id, pw, opts...)
			return err
		}
	}
	tests := []struct {
		name  string
		call  callFn
		field string
	}{
		{"empty userID v2 set", setPw("", client.SetPasswordRequest{NewPassword: "x"}), "userID"},
		{"long userID", setPw(long(201), client.SetPasswordRequest{NewPassword: "x"}), "userID"},
		{"invalid utf8 userID", setPw("\xff", client.SetPasswordRequest{NewPassword: "x"}), "userID"},
		{"empty userID reset", reset("", nil), "userID"},
		{"empty userID v1", initPw("", "x"), "userID"},
		{"empty new password", setPw("u", client.SetPasswordRequest{}), "NewPassword"},
		{"new password 201", setPw("u", client.SetPasswordRequest{NewPassword: long(201)}), "NewPassword"},
		{"new password 201 runes", setPw("u", client.SetPasswordRequest{NewPassword: strings.Repeat("é", 201)}), "NewPassword"},
		{"current password 201", setPw("u", client.SetPasswordRequest{NewPassword: "x", CurrentPassword: long(201)}), "CurrentPassword"},
		{"code 21", setPw("u", client.SetPasswordRequest{NewPassword: "x", VerificationCode: long(21)}), "VerificationCode"},
		{"both branches", setPw("u", client.SetPasswordRequest{NewPassword: "x", CurrentPassword: "y", VerificationCode: "z"}), "VerificationCode"},
		{"v1 empty password", initPw("u", ""), "password"},
		{"v1 password 73", initPw("u", long(73)), "password"},
		{"unknown notification type", reset("u", client.SendLink(client.NotificationType(7), "")), "NotificationType"},
		{"template syntax", reset("u", client.SendLink(client.NotificationEmail, "https://x/{{.Code")), "urlTemplate"},
		{"template unknown field", reset("u", client.SendLink(client.NotificationEmail, "https://x/{{.Secret}}")), "urlTemplate"},
		{"template 201", reset("u", client.SendLink(client.NotificationEmail, "https://x/"+long(192)+"{{.Code}}")), "urlTemplate"},
		{"org header with newline", initPw("u", "x", client.InOrg("o\r\nX-Evil: 1")), "orgID"},
	}
	srv := newRecorder(t, nil)
	c := srv.client(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(c)
			var ve *client.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *ValidationError", err)
			}
			if ve.Field != tt.field {
				t.Errorf("Field = %q, want %q", ve.Field, tt.field)
			}
			if !errors.Is(err, client.ErrInvalidArgument) {
				t.Error("not ErrInvalidArgument")
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestValidationAcceptsLimits(t *testing.T) {
	srv := newRecorder(t, respond(200, `{"details":{}}`))
	c := srv.client(t)
	max := func(n int) string { return strings.Repeat("é", n) } // counted in characters, not bytes
	if _, err := c.Users.SetPassword(ctx, max(200), client.SetPasswordRequest{NewPassword: max(200), CurrentPassword: max(200)}); err != nil {
		t.Error(err)
	}
	if _, err := c.Users.SetPassword(ctx, "u", client.SetPasswordRequest{NewPassword: "x", VerificationCode: max(20)}); err != nil {
		t.Error(err)
	}
	if _, err := c.Management.SetHumanInitialPassword(ctx, "u", max(72)); err != nil {
		t.Error(err)
	}
	tmpl := "https://x/?c={{.Code}}&u={{.UserID}}&o={{.OrgID}}"
	tmpl += strings.Repeat("a", 200-len(tmpl))
	if _, err := c.Users.RequestPasswordReset(ctx, "u", client.SendLink(client.NotificationEmail, tmpl)); err != nil {
		t.Error(err)
	}
	if n := len(srv.requests()); n != 4 {
		t.Errorf("server saw %d requests, want 4", n)
	}
}

func TestNilContext(t *testing.T) {
	srv := newRecorder(t, nil)
	//lint:ignore SA1012 the nil context is what is under test
	_, err := srv.client(t).Users.SetPassword(nil, "u", client.SetPasswordRequest{NewPassword: "x"}) //nolint:staticcheck
	var ve *client.ValidationError
	if !errors.As(err, &ve) || ve.Field != "ctx" {
		t.Fatalf("err = %v", err)
	}
}

func TestCanceledContextSendsNothing(t *testing.T) {
	srv := newRecorder(t, nil)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err := srv.client(t).Users.SetPassword(cctx, "u", client.SetPasswordRequest{NewPassword: "x", VerificationCode: "ABCDEF"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if errors.Is(err, client.ErrOutcomeUnknown) || errors.Is(err, client.ErrUnavailable) {
		t.Errorf("err = %v matches a sentinel it should not", err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests", n)
	}
}

func TestNewValidatesBaseURL(t *testing.T) {
	bad := []string{
		"", "   ", "acme.zitadel.cloud", "ftp://acme.zitadel.cloud", "https://", "https:///path",
		"http://acme.zitadel.cloud", "http://10.0.0.1:8080", "https://user:pass@acme.zitadel.cloud",
		"https://acme.zitadel.cloud/?x=1", "https://acme.zitadel.cloud/#frag", "://bad", "https://acme.zitadel.cloud/%zz",
	}
	for _, u := range bad {
		c, err := client.New(u)
		var ve *client.ValidationError
		if c != nil || !errors.As(err, &ve) || ve.Field != "baseURL" {
			t.Errorf("New(%q) = %v, %v; want a baseURL ValidationError", u, c, err)
		}
		if err != nil && strings.Contains(err.Error(), "pass@") {
			t.Errorf("New(%q) error leaks user info: %v", u, err)
		}
	}
	good := map[string]string{
		"https://acme.zitadel.cloud":          "https://acme.zitadel.cloud",
		"https://acme.zitadel.cloud/":         "https://acme.zitadel.cloud",
		"https://acme.example:8443/zitadel//": "https://acme.example:8443/zitadel",
		"http://localhost:8080":               "http://localhost:8080",
		"http://127.0.0.1:8080":               "http://127.0.0.1:8080",
		"http://[::1]:8080":                   "http://[::1]:8080",
		"HTTPS://ACME.zitadel.cloud":          "https://ACME.zitadel.cloud",
	}
	for in, want := range good {
		c, err := client.New(in)
		if err != nil {
			t.Errorf("New(%q): %v", in, err)
			continue
		}
		if c.BaseURL() != want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", in, c.BaseURL(), want)
		}
	}
	if _, err := client.New("http://zitadel.internal:8080", client.WithInsecureHTTP()); err != nil {
		t.Errorf("WithInsecureHTTP: %v", err)
	}
	if _, err := client.New("https://x", client.WithOrgID("a\nb")); err == nil {
		t.Error("New accepted an org id with a newline")
	}
	if _, err := client.New("https://x", client.WithUserAgent("a\rb")); err == nil {
		t.Error("New accepted a user agent with a carriage return")
	}
	if _, err := client.New("https://x", client.WithRetryPolicy(client.RetryPolicy{MaxAttempts: -1})); err == nil {
		t.Error("New accepted a negative retry policy")
	}
}

// TestNilContextWhileLearning: CreateUser and UpdateUser with a nil context are a
// *ValidationError naming ctx, as every call is, also while another call is learning what
// the server has (the caller's organization, whether it has the call) and this one would
// wait for it.
func TestNilContextWhileLearning(t *testing.T) {
	arrived, release := make(chan struct{}, 2), make(chan struct{})
	rt := v4()
	hang := func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-release
		respond(200, myUserBody)(w, r)
	}
	rt[mePath] = hang
	rt["PATCH /v2/users/{id}"] = func(w http.ResponseWriter, r *http.Request) { hang(w, r) }
	srv := httptest.NewServer(rt.serve())
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, client.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})))
	if err != nil {
		t.Fatal(err)
	}
	var learners sync.WaitGroup
	learners.Go(func() { c.Users.CreateUser(ctx, createReq("")) })
	learners.Go(func() { c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!"}) })
	<-arrived
	<-arrived
	defer func() { close(release); learners.Wait() }()
	calls := map[string]func() error{
		"CreateUser": func() error {
			//lint:ignore SA1012 the nil context is what is under test
			_, err := c.Users.CreateUser(nil, createReq("")) //nolint:staticcheck
			return err
		},
		"UpdateUser": func() error {
			//lint:ignore SA1012 the nil context is what is under test
			_, err := c.Users.UpdateUser(nil, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!"}) //nolint:staticcheck
			return err
		},
	}
	for name, call := range calls {
		var ve *client.ValidationError
		if err := call(); !errors.As(err, &ve) || ve.Field != "ctx" {
			t.Errorf("%s(nil, ...) = %v, want a *ValidationError naming ctx", name, err)
		}
	}
}
