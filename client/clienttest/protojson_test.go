package clienttest_test

import (
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// protojson refuses a second member of a oneof at the key as it was sent, naming its line
// and its column in runes, before authentication (the token here is no token at all).
func TestOneofSetTwiceNamesWhereAndHow(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		path, body, want string
	}{{
		// testdata/zitadel-v4.13.1.json: the recorded case.
		"/v2/users/human",
		`{"username": "both-9e0fed-09", "profile": {"givenName": "Probe", "familyName": "both"}, "email": {"email": "both-9e0fed-09@example.com", "isVerified": true}, "password": {"password": "Probe-Passw0rd!1", "changeRequired": false}, "hashedPassword": {"hash": "$2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW", "changeRequired": false}}`,
		`proto: (line 1:230): error parsing "hashedPassword", oneof zitadel.user.v2.AddHumanUserRequest.password_type is already set`,
	}, {
		// The second member in the body's order is the one refused, named as sent; the
		// column counts runes (ë is two bytes).
		"/v2/users/human",
		"{\"hashed_password\": {\"hash\": \"x\"},\n  \"givenName\": \"Zoë\", \"password\": {\"password\": \"x\"}}",
		`proto: (line 2:23): error parsing "password", oneof zitadel.user.v2.AddHumanUserRequest.password_type is already set`,
	}, {
		// A member that is null sets nothing.
		"/v2/users/human",
		`{"password": null, "hashedPassword": {"hash": "x"}, "profile": null}`,
		"",
	}, {
		"/v2/users/new",
		`{"organizationId": "o", "human": {"password": {"password": "x"}, "hashedPassword": {"hash": "y"}}, "machine": {}}`,
		`proto: (line 1:66): error parsing "hashedPassword", oneof zitadel.user.v2.CreateUserRequest.Human.password_type is already set`,
	}, {
		"/v2/users/new",
		`{"human": {}, "machine": {"name": "m"}}`,
		`proto: (line 1:15): error parsing "machine", oneof zitadel.user.v2.CreateUserRequest.user_type is already set`,
	}, {
		"/v2/users/u1/password_reset",
		`{"returnCode": {}, "sendLink": {}}`,
		`proto: (line 1:20): error parsing "sendLink", oneof zitadel.user.v2.PasswordResetRequest.medium is already set`,
	}, {
		// The first violation in the body's order is the one answered.
		"/v2/users/u1/password_reset",
		`{"sendLink": {"notificationType": true}, "returnCode": {}}`,
		`proto: (line 1:35): invalid value for enum field notificationType: true`,
	}, {
		"/v2/users/u1/password",
		`{"newPassword": {"password": "x"}, "verificationCode": "c", "current_password": "p"}`,
		`proto: (line 1:61): error parsing "current_password", oneof zitadel.user.v2.SetPasswordRequest.verification is already set`,
	}, {
		"/v2/sessions",
		`{"lifetime": "30"}`,
		`proto: (line 1:14): invalid google.protobuf.Duration value "30"`,
	}, {
		"/v2/sessions",
		`{"lifetime": 30}`,
		`proto: (line 1:14): invalid google.protobuf.Duration value 30`,
	}} {
		a := post(t, srv, tc.path, "not-a-token", tc.body)
		if tc.want == "" {
			if a.status == 400 && a.body["message"] != nil && a.code == 3 && a.id == "" {
				t.Errorf("%s %s: refused as a parse error: %v", tc.path, tc.body, a.body)
			}
			continue
		}
		a.want(t, 400, 3, "")
		if a.body["message"] != tc.want {
			t.Errorf("%s %s:\n got  %v\n want %s", tc.path, tc.body, a.body["message"], tc.want)
		}
		if _, ok := a.body["details"]; ok {
			t.Errorf("%s: a parse error has no details: %v", tc.path, a.body)
		}
	}
}

// The gateway discards what it does not know, an enum name too: an unknown
// notificationType is unset, which means email.
func TestUnknownEnumNameIsEmail(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	post(t, srv, "/v2/users/"+alice+"/password_reset", srv.PAT(), `{"sendLink": {"notificationType": "NOTIFICATION_TYPE_Pigeon"}}`).want(t, 200, 0, "")
	if n := srv.Notifications(); len(n) != 1 || n[0].Type != client.NotificationEmail {
		t.Fatalf("outbox = %+v, want one email", n)
	}
}
