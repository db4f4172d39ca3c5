package client_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

var ctx = context.Background()

func TestSetHumanInitialPasswordWire(t *testing.T) {
	tests := []struct {
		name    string
		opts    []client.Option
		call    []client.CallOption
		wantOrg string // "" means no header
	}{
		{"no org", nil, nil, ""},
		{"default org", []client.Option{client.WithOrgID("org-default")}, nil, "org-default"},
		{"per call wins", []client.Option{client.WithOrgID("org-default")}, []client.CallOption{client.InOrg("org-call")}, "org-call"},
		{"per call only", nil, []client.CallOption{client.InOrg("org-call")}, "org-call"},
		{"per call clears", []client.Option{client.WithOrgID("org-default")}, []client.CallOption{client.InOrg("")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, nil)
			c := srv.client(t, tt.opts...)
			d, err := c.Management.SetHumanInitialPassword(ctx, "u1", "Init-Passw0rd!", tt.call...)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			if got.Method != "POST" || got.RequestURI != "/management/v1/users/u1/password/_initialize" {
				t.Errorf("request line = %s %s", got.Method, got.RequestURI)
			}
			if got.Body != `{"password":"Init-Passw0rd!"}` {
				t.Errorf("body = %s", got.Body)
			}
			vals, sent := got.Header["X-Zitadel-Orgid"]
			if tt.wantOrg == "" && sent {
				t.Errorf("x-zitadel-orgid sent: %q", vals)
			}
			if tt.wantOrg != "" && (len(vals) != 1 || vals[0] != tt.wantOrg) {
				t.Errorf("x-zitadel-orgid = %q, want %q", vals, tt.wantOrg)
			}
			checkCommonHeaders(t, got)
			want := client.Details{Sequence: 3, ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 201225000, time.UTC), ResourceOwner: "org1"}
			if *d != want {
				t.Errorf("details = %+v, want %+v", *d, want)
			}
		})
	}
}

func checkCommonHeaders(t *testing.T, got recorded) {
	t.Helper()
	if ct := got.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if a := got.Header.Get("Accept"); a != "application/json" {
		t.Errorf("Accept = %q", a)
	}
	if auth := got.Header.Get("Authorization"); auth != "Bearer "+testToken {
		t.Errorf("Authorization = %q", auth)
	}
	wantUA := "zitpass-go/" + client.Version + " go/" + strings.TrimPrefix(runtime.Version(), "go")
	if ua := got.Header.Get("User-Agent"); ua != wantUA {
		t.Errorf("User-Agent = %q, want %q", ua, wantUA)
	}
}

func TestUserAgentPrefix(t *testing.T) {
	srv := newRecorder(t, nil)
	c := srv.client(t, client.WithUserAgent("billing/1.4"))
	if _, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"}); err != nil {
		t.Fatal(err)
	}
	if ua := srv.last(t).Header.Get("User-Agent"); !strings.HasPrefix(ua, "billing/1.4 zitpass-go/"+client.Version+" go/") {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestV2CallsNeverSendOrgHeader(t *testing.T) {
	srv := newRecorder(t, respond(200, `{"details":{}}`))
	c := srv.client(t, client.WithOrgID("org-default"))
	if _, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"}, client.InOrg("org-call")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.RequestPasswordReset(ctx, "u1", nil, client.InOrg("org-call")); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.requests() {
		if v, ok := r.Header["X-Zitadel-Orgid"]; ok {
			t.Errorf("%s sent x-zitadel-orgid %q", r.RequestURI, v)
		}
	}
}

func TestRequestPasswordResetWire(t *testing.T) {
	tests := []struct {
		name     string
		delivery client.ResetDelivery
		body     string
	}{
		{"server default", nil, `{}`},
		{"return code", client.ReturnCode(), `{"returnCode":{}}`},
		{"email with template", client.SendLink(client.NotificationEmail, "https://app.example/reset?user={{.UserID}}&code={{.Code}}&org={{.OrgID}}"),
			`{"sendLink":{"notificationType":"NOTIFICATION_TYPE_Email","urlTemplate":"https://app.example/reset?user={{.UserID}}\u0026code={{.Code}}\u0026org={{.OrgID}}"}}`},
		{"sms without template", client.SendLink(client.NotificationSMS, ""), `{"sendLink":{"notificationType":"NOTIFICATION_TYPE_SMS"}}`},
		{"unspecified", client.SendLink(client.NotificationUnspecified, ""), `{"sendLink":{"notificationType":"NOTIFICATION_TYPE_Unspecified"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, respond(200, `{"details":{"sequence":"9"},"verificationCode":"7QEJBF","futureField":[1,2]}`))
			c := srv.client(t)
			res, err := c.Users.RequestPasswordReset(ctx, "u1", tt.delivery)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			if got.Method != "POST" || got.RequestURI != "/v2/users/u1/password_reset" {
				t.Errorf("request line = %s %s", got.Method, got.RequestURI)
			}
			if got.Body != tt.body {
				t.Errorf("body = %s\nwant   %s", got.Body, tt.body)
			}
			if strings.Contains(got.Body, `"urlTemplate":""`) {
				t.Error("sent an empty urlTemplate")
			}
			checkCommonHeaders(t, got)
			if res.VerificationCode != "7QEJBF" || res.Details.Sequence != 9 {
				t.Errorf("result = %+v (code %q)", res.Details, res.VerificationCode)
			}
		})
	}
}

func TestSetPasswordWire(t *testing.T) {
	tests := []struct {
		name string
		req  client.SetPasswordRequest
		body string
	}{
		{"admin", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!"}, `{"newPassword":{"password":"N3w-Passw0rd!"}}`},
		{"admin change required", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", ChangeRequired: true},
			`{"newPassword":{"password":"N3w-Passw0rd!","changeRequired":true}}`},
		{"current password", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"},
			`{"newPassword":{"password":"N3w-Passw0rd!"},"currentPassword":"0ld-Passw0rd!"}`},
		{"verification code", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "7QEJBF"},
			`{"newPassword":{"password":"N3w-Passw0rd!"},"verificationCode":"7QEJBF"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, respond(200, `{"details":{"sequence":"5","changeDate":"2026-11-23T12:33:03Z","resourceOwner":"o"}}`))
			c := srv.client(t)
			d, err := c.Users.SetPassword(ctx, "u1", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			if got.Method != "POST" || got.RequestURI != "/v2/users/u1/password" {
				t.Errorf("request line = %s %s", got.Method, got.RequestURI)
			}
			if got.Body != tt.body {
				t.Errorf("body = %s\nwant   %s", got.Body, tt.body)
			}
			checkCommonHeaders(t, got)
			if d.Sequence != 5 || d.ResourceOwner != "o" || !d.ChangeDate.Equal(time.Date(2026, 11, 23, 12, 33, 3, 0, time.UTC)) {
				t.Errorf("details = %+v", *d)
			}
		})
	}
}

func TestPathEscaping(t *testing.T) {
	tests := map[string]string{
		"../x":        "/v2/users/..%2Fx/password",
		"a/b":         "/v2/users/a%2Fb/password",
		"..":          "/v2/users/%2E%2E/password",
		".":           "/v2/users/%2E/password",
		"a b?c#d":     "/v2/users/a%20b%3Fc%23d/password",
		"123456789":   "/v2/users/123456789/password",
		"ünïcødé":     "/v2/users/%C3%BCn%C3%AFc%C3%B8d%C3%A9/password",
		"%2F":         "/v2/users/%252F/password",
		"x/../../etc": "/v2/users/x%2F..%2F..%2Fetc/password",
	}
	srv := newRecorder(t, nil)
	c := srv.client(t)
	for id, want := range tests {
		if _, err := c.Users.SetPassword(ctx, id, client.SetPasswordRequest{NewPassword: "x"}); err != nil {
			t.Fatalf("%q: %v", id, err)
		}
		if got := srv.last(t).RequestURI; got != want {
			t.Errorf("userID %q: path %s, want %s", id, got, want)
		}
	}
}

func TestBasePathPrefixKept(t *testing.T) {
	srv := newRecorder(t, nil)
	c, err := client.New(srv.URL + "/zitadel/")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.last(t).RequestURI; got != "/zitadel/v2/users/u1/password" {
		t.Errorf("path = %s", got)
	}
	if _, ok := srv.last(t).Header["Authorization"]; ok {
		t.Error("Authorization sent without a token source")
	}
}

func TestDetailsDecoding(t *testing.T) {
	tests := []struct {
		body string
		want client.Details
	}{
		{`{"details":{"sequence":"18446744073709551615","creationDate":"2026-11-23T12:33:03.123456789Z","changeDate":"2026-11-23T12:33:03Z","resourceOwner":"o"}}`,
			client.Details{Sequence: 18446744073709551615, CreationDate: time.Date(2026, 11, 23, 12, 33, 3, 123456789, time.UTC), ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 0, time.UTC), ResourceOwner: "o"}},
		{`{"details":{"changeDate":"2026-11-23T12:33:03.1Z"}}`, client.Details{ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 100000000, time.UTC)}},
		{`{"details":{"changeDate":"2026-11-23T13:33:03+01:00"}}`, client.Details{ChangeDate: time.Date(2026, 11, 23, 12, 33, 3, 0, time.UTC)}},
		{`{"details":{}}`, client.Details{}},
		{`{}`, client.Details{}},
		{`{"details":{"sequence":"not a number","changeDate":"yesterday"},"extra":{"nested":true}}`, client.Details{}},
	}
	for _, tt := range tests {
		srv := newRecorder(t, respond(200, tt.body))
		d, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"})
		if err != nil {
			t.Fatalf("%s: %v", tt.body, err)
		}
		if *d != tt.want {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.body, *d, tt.want)
		}
		if d.ChangeDate.Location() != time.UTC {
			t.Errorf("%s: ChangeDate not in UTC", tt.body)
		}
	}
}

func TestUnreadableSuccessIsOutcomeUnknown(t *testing.T) {
	srv := newRecorder(t, respond(200, `<html>login</html>`))
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x", VerificationCode: "ABCDEF"})
	var re *client.RequestError
	if !errorsAs(err, &re) || !re.OutcomeUnknown {
		t.Fatalf("err = %v, want *RequestError with OutcomeUnknown", err)
	}
	if !errorsIs(err, client.ErrOutcomeUnknown) {
		t.Error("errors.Is(err, ErrOutcomeUnknown) = false")
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }
