package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// Answers as ZITADEL v4.13.1 sent them (client/clienttest/testdata), with values for the
// placeholders.
const (
	addedUserBody = `{"userId":"300000000000000042","details":{"sequence":"2","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000001"}}`
	getUserBody   = `{"details":{"sequence":"9","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000001","creationDate":"2026-11-23T12:00:00.5Z"},
		"user":{"userId":"300000000000000042","details":{"sequence":"9","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000001","creationDate":"2026-11-23T12:00:00.5Z"},
		"state":"USER_STATE_LOCKED","username":"lock-9e0fed-14","loginNames":["lock-9e0fed-14"],"preferredLoginName":"lock-9e0fed-14",
		"human":{"profile":{"givenName":"Probe","familyName":"lock","nickName":"","displayName":"Probe lock","preferredLanguage":"und","gender":"GENDER_UNSPECIFIED"},
		"email":{"email":"lock-9e0fed-14@example.com","isVerified":true},"phone":{},"passwordChangeRequired":true,"passwordChanged":"2026-11-23T12:10:00.123Z"}}}`
	sessionBody = `{"details":{"sequence":"2","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000000"},"sessionId":"300000000000000077","sessionToken":"c2Vzc2lvbi10b2tlbi1zZWNyZXQ"}`
)

// wireCase is one call with the exact request it must send and the answer it decodes.
type wireCase struct {
	name        string
	status      int
	answer      string
	call        func(*client.Client) (any, error)
	method, uri string
	body        string // "" means no body and no Content-Type
	orgHeader   string
	check       func(*testing.T, any)
}

var lifecycleWire = []wireCase{
	{
		name: "AddHumanUser password", answer: addedUserBody,
		call: func(c *client.Client) (any, error) {
			return c.Users.AddHumanUser(ctx, client.AddHumanUserRequest{Username: "pw-01", GivenName: "Probe", FamilyName: "pw",
				Email: "pw-01@example.com", EmailVerified: true, Password: "Probe-Passw0rd!1", ChangeRequired: true})
		},
		method: "POST", uri: "/v2/users/human",
		body: `{"username":"pw-01","profile":{"givenName":"Probe","familyName":"pw"},"email":{"email":"pw-01@example.com","isVerified":true},"password":{"password":"Probe-Passw0rd!1","changeRequired":true}}`,
		check: func(t *testing.T, v any) {
			want := client.AddedUser{UserID: "300000000000000042", Details: client.Details{Sequence: 2,
				ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 201225000, time.UTC), ResourceOwner: "300000000000000001"}}
			if *v.(*client.AddedUser) != want {
				t.Errorf("got %+v, want %+v", v, want)
			}
		},
	},
	{
		name: "AddHumanUser hash, own id, org, phone", answer: addedUserBody,
		call: func(c *client.Client) (any, error) {
			return c.Users.AddHumanUser(ctx, client.AddHumanUserRequest{UserID: "my-id", OrgID: "org-9", GivenName: "Probe", FamilyName: "hashed",
				Email: "h@example.com", Phone: "+41790000000", PasswordHash: "$2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW"})
		},
		method: "POST", uri: "/v2/users/human",
		body: `{"userId":"my-id","organization":{"orgId":"org-9"},"profile":{"givenName":"Probe","familyName":"hashed"},"email":{"email":"h@example.com"},"phone":{"phone":"+41790000000"},"hashedPassword":{"hash":"$2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW"}}`,
	},
	{
		name: "AddHumanUser InOrg, no password", answer: addedUserBody,
		call: func(c *client.Client) (any, error) {
			return c.Users.AddHumanUser(ctx, client.AddHumanUserRequest{GivenName: "N", FamilyName: "P", Email: "n@example.com"}, client.InOrg("org-7"))
		},
		method: "POST", uri: "/v2/users/human",
		body: `{"organization":{"orgId":"org-7"},"profile":{"givenName":"N","familyName":"P"},"email":{"email":"n@example.com"}}`,
	},
	{
		name: "GetUser", answer: getUserBody,
		call:   func(c *client.Client) (any, error) { return c.Users.GetUser(ctx, "300000000000000042") },
		method: "GET", uri: "/v2/users/300000000000000042",
		check: func(t *testing.T, v any) {
			u := v.(*client.User)
			want := client.User{ID: "300000000000000042", Username: "lock-9e0fed-14", Email: "lock-9e0fed-14@example.com",
				OrgID: "300000000000000001", State: client.UserStateLocked, EmailVerified: true, PasswordChangeRequired: true,
				PasswordChanged: time.Date(2026, 11, 23, 12, 10, 0, 123000000, time.UTC),
				Details: client.Details{Sequence: 9, CreationDate: time.Date(2026, 11, 23, 12, 0, 0, 500000000, time.UTC),
					ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 201225000, time.UTC), ResourceOwner: "300000000000000001"}}
			if *u != want {
				t.Errorf("got %+v\nwant %+v", *u, want)
			}
		},
	},
	{
		name: "HasPassword true", answer: `{"details":{"totalResult":"1","timestamp":"2026-11-23T12:33:03.2Z"},"authMethodTypes":["AUTHENTICATION_METHOD_TYPE_PASSWORD"]}`,
		call:   func(c *client.Client) (any, error) { return c.Users.HasPassword(ctx, "u1") },
		method: "GET", uri: "/v2/users/u1/authentication_methods",
		check: func(t *testing.T, v any) {
			if v != true {
				t.Errorf("HasPassword = %v", v)
			}
		},
	},
	{
		name: "HasPassword false (also an unknown user)", answer: `{"details":{"timestamp":"2026-11-23T12:33:03.2Z"}}`,
		call:   func(c *client.Client) (any, error) { return c.Users.HasPassword(ctx, "u1") },
		method: "GET", uri: "/v2/users/u1/authentication_methods",
		check: func(t *testing.T, v any) {
			if v != false {
				t.Errorf("HasPassword = %v", v)
			}
		},
	},
	{
		name: "UnlockUser", answer: okDetails,
		call:   func(c *client.Client) (any, error) { return c.Users.UnlockUser(ctx, "u/1") },
		method: "POST", uri: "/v2/users/u%2F1/unlock", body: `{}`,
	},
	{
		name: "CreateWithPassword by id", status: 201, answer: sessionBody,
		call: func(c *client.Client) (any, error) {
			return c.Sessions.CreateWithPassword(ctx, client.ByUserID("300000000000000042"), "Probe-Passw0rd!1")
		},
		method: "POST", uri: "/v2/sessions",
		body: `{"checks":{"user":{"userId":"300000000000000042"},"password":{"password":"Probe-Passw0rd!1"}}}`,
		check: func(t *testing.T, v any) {
			s := v.(*client.Session)
			if s.ID != "300000000000000077" || s.Token != "c2Vzc2lvbi10b2tlbi1zZWNyZXQ" || s.Details.Sequence != 2 {
				t.Errorf("session = %#v (token %q)", s, s.Token)
			}
		},
	},
	{
		name: "CreateWithPassword by login name", status: 201, answer: sessionBody,
		call: func(c *client.Client) (any, error) {
			return c.Sessions.CreateWithPassword(ctx, client.ByLoginName("sess-9e0fed-11"), "Probe-Passw0rd!1")
		},
		method: "POST", uri: "/v2/sessions",
		body: `{"checks":{"user":{"loginName":"sess-9e0fed-11"},"password":{"password":"Probe-Passw0rd!1"}}}`,
	},
	{
		name: "Sessions.Delete", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return nil, c.Sessions.Delete(ctx, "300000000000000077", "c2Vzc2lvbg")
		},
		method: "DELETE", uri: "/v2/sessions/300000000000000077", body: `{"sessionToken":"c2Vzc2lvbg"}`,
	},
	{
		name: "Sessions.Delete without token", answer: `{"details":{}}`,
		call:   func(c *client.Client) (any, error) { return nil, c.Sessions.Delete(ctx, "s1", "") },
		method: "DELETE", uri: "/v2/sessions/s1", body: `{}`,
	},
	{
		name:   "Settings.PasswordComplexity",
		answer: `{"details":{"sequence":"1"},"settings":{"minLength":"8","requiresUppercase":true,"requiresLowercase":true,"requiresNumber":true,"requiresSymbol":true,"resourceOwnerType":"RESOURCE_OWNER_TYPE_INSTANCE"}}`,
		call:   func(c *client.Client) (any, error) { return c.Settings.PasswordComplexity(ctx) },
		method: "GET", uri: "/v2/settings/password/complexity",
		check: func(t *testing.T, v any) {
			want := client.PasswordComplexity{MinLength: 8, RequiresUppercase: true, RequiresLowercase: true, RequiresNumber: true, RequiresSymbol: true}
			if *v.(*client.PasswordComplexity) != want {
				t.Errorf("got %+v", v)
			}
		},
	},
	{
		name:   "Settings.Lockout InOrg",
		answer: `{"details":{"sequence":"4"},"settings":{"maxPasswordAttempts":"3","resourceOwnerType":"RESOURCE_OWNER_TYPE_ORG"}}`,
		call:   func(c *client.Client) (any, error) { return c.Settings.Lockout(ctx, client.InOrg("org 1&x")) },
		method: "GET", uri: "/v2/settings/lockout?ctx.orgId=org+1%26x",
		check: func(t *testing.T, v any) {
			if *v.(*client.Lockout) != (client.Lockout{MaxPasswordAttempts: 3}) {
				t.Errorf("got %+v", v)
			}
		},
	},
	{
		name:   "Settings.Lockout default (zero values omitted)",
		answer: `{"details":{"sequence":"1"},"settings":{"resourceOwnerType":"RESOURCE_OWNER_TYPE_INSTANCE"}}`,
		call:   func(c *client.Client) (any, error) { return c.Settings.Lockout(ctx) },
		method: "GET", uri: "/v2/settings/lockout",
		check: func(t *testing.T, v any) {
			if *v.(*client.Lockout) != (client.Lockout{}) {
				t.Errorf("got %+v", v)
			}
		},
	},
	{
		name:   "Settings.PasswordExpiry",
		answer: `{"settings":{"maxAgeDays":"90","expireWarnDays":"7","resourceOwnerType":"RESOURCE_OWNER_TYPE_INSTANCE"}}`,
		call:   func(c *client.Client) (any, error) { return c.Settings.PasswordExpiry(ctx) },
		method: "GET", uri: "/v2/settings/password/expiry",
		check: func(t *testing.T, v any) {
			if *v.(*client.PasswordExpiry) != (client.PasswordExpiry{MaxAgeDays: 90, ExpireWarnDays: 7}) {
				t.Errorf("got %+v", v)
			}
		},
	},
	{
		name: "v1 SetHumanPassword change required", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Management.SetHumanPassword(ctx, "u1", "Probe-Passw0rd!3", true, client.InOrg("org-1"))
		},
		method: "POST", uri: "/management/v1/users/u1/password", body: `{"password":"Probe-Passw0rd!3"}`, orgHeader: "org-1",
	},
	{
		name: "v1 SetHumanPassword no change required", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Management.SetHumanPassword(ctx, "u1", "Probe-Passw0rd!2", false)
		},
		method: "POST", uri: "/management/v1/users/u1/password", body: `{"password":"Probe-Passw0rd!2","noChangeRequired":true}`,
	},
	{
		name: "v1 SendHumanResetPasswordNotification email", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Management.SendHumanResetPasswordNotification(ctx, "u1", client.NotificationEmail, client.InOrg("org-1"))
		},
		method: "POST", uri: "/management/v1/users/u1/password/_reset", body: `{"type":"TYPE_EMAIL"}`, orgHeader: "org-1",
	},
	{
		name: "v1 SendHumanResetPasswordNotification SMS", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Management.SendHumanResetPasswordNotification(ctx, "u1", client.NotificationSMS)
		},
		method: "POST", uri: "/management/v1/users/u1/password/_reset", body: `{"type":"TYPE_SMS"}`,
	},
	{
		name: "v1 SendHumanResetPasswordNotification unspecified is email", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Management.SendHumanResetPasswordNotification(ctx, "u1", client.NotificationUnspecified)
		},
		method: "POST", uri: "/management/v1/users/u1/password/_reset", body: `{"type":"TYPE_EMAIL"}`,
	},
	{
		name: "v1 UpdateMyPassword", answer: okDetails,
		call: func(c *client.Client) (any, error) {
			return c.Auth.UpdateMyPassword(ctx, "Probe-Passw0rd!1", "Probe-Passw0rd!2")
		},
		method: "PUT", uri: "/auth/v1/users/me/password", body: `{"oldPassword":"Probe-Passw0rd!1","newPassword":"Probe-Passw0rd!2"}`,
	},
}

func TestLifecycleWire(t *testing.T) {
	for _, tc := range lifecycleWire {
		t.Run(tc.name, func(t *testing.T) {
			status := tc.status
			if status == 0 {
				status = 200
			}
			srv := newRecorder(t, respond(status, tc.answer))
			v, err := tc.call(srv.client(t))
			if err != nil {
				t.Fatal(err)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			got := reqs[0]
			if got.Method != tc.method || got.RequestURI != tc.uri {
				t.Errorf("request line %s %s, want %s %s", got.Method, got.RequestURI, tc.method, tc.uri)
			}
			if got.Body != tc.body {
				t.Errorf("body\n got  %s\n want %s", got.Body, tc.body)
			}
			if ct := got.Header.Get("Content-Type"); (tc.body == "") != (ct == "") {
				t.Errorf("Content-Type %q with body %q", ct, got.Body)
			}
			if org := got.Header.Get("X-Zitadel-Orgid"); org != tc.orgHeader {
				t.Errorf("x-zitadel-orgid = %q, want %q", org, tc.orgHeader)
			}
			if a := got.Header.Get("Authorization"); a != "Bearer "+testToken {
				t.Errorf("Authorization = %q", a)
			}
			if tc.check != nil {
				tc.check(t, v)
			}
		})
	}
}

// TestVerifyPasswordDeletesItsSession: a right password is nil; the session it made has a
// short lifetime and is deleted with its token; when the caller's context has ended by the
// time the check answers, the delete is skipped (the session expires by itself) and
// VerifyPassword returns at once.
func TestVerifyPasswordDeletesItsSession(t *testing.T) {
	for _, cancelAfterCheck := range []bool{false, true} {
		srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" {
				respond(201, sessionBody)(w, r)
				return
			}
			respond(200, okDetails)(w, r)
		})
		cctx, cancel := context.WithCancel(ctx)
		defer cancel()
		// The caller leaves as soon as the answer to the check has arrived.
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := http.DefaultTransport.RoundTrip(r)
			if err == nil && r.Method == "POST" && cancelAfterCheck {
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				resp.Body = io.NopCloser(bytes.NewReader(body))
				cancel()
			}
			return resp, err
		})
		c := srv.client(t, client.WithHTTPClient(&http.Client{Transport: rt}))
		if err := c.Sessions.VerifyPassword(cctx, client.ByUserID("u1"), "Probe-Passw0rd!1"); err != nil {
			t.Fatalf("cancel=%v: %v", cancelAfterCheck, err)
		}
		if cancelAfterCheck && cctx.Err() == nil {
			t.Fatal("the context was not canceled")
		}
		reqs := srv.requests()
		if want := `{"checks":{"user":{"userId":"u1"},"password":{"password":"Probe-Passw0rd!1"}},"lifetime":"30s"}`; reqs[0].Body != want {
			t.Errorf("cancel=%v: check %s, want %s", cancelAfterCheck, reqs[0].Body, want)
		}
		if cancelAfterCheck {
			if len(reqs) != 1 {
				t.Fatalf("after the caller left: requests %+v, want the check only", reqs)
			}
			continue
		}
		if len(reqs) != 2 || reqs[1].Method != "DELETE" || reqs[1].RequestURI != "/v2/sessions/300000000000000077" ||
			reqs[1].Body != `{"sessionToken":"c2Vzc2lvbi10b2tlbi1zZWNyZXQ"}` {
			t.Fatalf("requests %+v", reqs)
		}
	}
}

func TestVerifyPasswordWrongPassword(t *testing.T) {
	srv := newRecorder(t, respond(400, `{"code":3,"message":"Password is invalid (COMMAND-3M0fs)","details":[{"@type":"type.googleapis.com/zitadel.v1.CredentialsCheckError","id":"COMMAND-3M0fs","message":"Password is invalid","failedAttempts":2}]}`))
	err := srv.client(t).Sessions.VerifyPassword(ctx, client.ByUserID("u1"), "Wrong-Passw0rd!9")
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.ID != "COMMAND-3M0fs" || ae.FailedAttempts != 2 || !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("err = %#v", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests: a failed check has no session to delete", n)
	}
}

// TestAsUserSendsTheCallsOwnToken: AuthService calls act as the user whose token AsUser
// gives, instead of the client's token.
func TestAsUserSendsTheCallsOwnToken(t *testing.T) {
	srv := newRecorder(t, nil)
	c := srv.client(t)
	if _, err := c.Auth.UpdateMyPassword(ctx, "Probe-Passw0rd!1", "Probe-Passw0rd!2", client.AsUser("session-token-xyz")); err != nil {
		t.Fatal(err)
	}
	if a := srv.last(t).Header.Get("Authorization"); a != "Bearer session-token-xyz" {
		t.Errorf("Authorization = %q", a)
	}
	_, err := c.Users.GetUser(ctx, "u1", client.AsUser("bad\ntoken"))
	var ve *client.ValidationError
	if !errors.As(err, &ve) || len(srv.requests()) != 1 {
		t.Errorf("a token with a newline: err = %v after %d requests", err, len(srv.requests()))
	}
}
