package client_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// TestCurrentValidation: bad input to the current calls is a *ValidationError naming the
// field, and nothing is sent. The server answers anything it gets with ZITADEL's 501 for
// an UpdateUser without a password ("user type is not implemented"), which must never
// reach the caller.
func TestCurrentValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("é", n) } // counted in characters
	create := func(mod func(*client.CreateUserRequest)) func(*client.Client) error {
		return func(c *client.Client) error {
			r := createReq(ownOrg)
			mod(&r)
			_, err := c.Users.CreateUser(ctx, r)
			return err
		}
	}
	update := func(id string, r client.UpdateUserRequest) func(*client.Client) error {
		return func(c *client.Client) error { _, err := c.Users.UpdateUser(ctx, id, r); return err }
	}
	check := func(sid, pw string, opts ...client.CallOption) func(*client.Client) error {
		return func(c *client.Client) error {
			_, err := c.Sessions.CheckPassword(ctx, sid, "tok", pw, opts...)
			return err
		}
	}
	createSession := func(opts ...client.CallOption) func(*client.Client) error {
		return func(c *client.Client) error {
			_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "Sess-Passw0rd!1", opts...)
			return err
		}
	}
	verify := func(opts ...client.CallOption) func(*client.Client) error {
		return func(c *client.Client) error {
			return c.Sessions.VerifyPassword(ctx, client.ByUserID("u1"), "Sess-Passw0rd!1", opts...)
		}
	}
	newPw := client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2"}
	tests := []struct {
		name  string
		call  func(*client.Client) error
		field string
	}{
		{"UpdateUser nothing to update", update("u1", client.UpdateUserRequest{}), "NewPassword"},
		{"UpdateUser only a current password", update("u1", client.UpdateUserRequest{CurrentPassword: "Upd-Passw0rd!1"}), "NewPassword"},
		{"UpdateUser only change required", update("u1", client.UpdateUserRequest{ChangeRequired: true}), "NewPassword"},
		{"UpdateUser password and hash", update("u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!2", NewPasswordHash: recordedBcrypt}), "NewPasswordHash"},
		{"UpdateUser current password and code", update("u1", client.UpdateUserRequest{NewPassword: "x", CurrentPassword: "y", VerificationCode: "ABCDEF"}), "VerificationCode"},
		{"UpdateUser hash, current password and code", update("u1", client.UpdateUserRequest{NewPasswordHash: recordedBcrypt, CurrentPassword: "y", VerificationCode: "ABCDEF"}), "VerificationCode"},
		{"UpdateUser new password 201", update("u1", client.UpdateUserRequest{NewPassword: long(201)}), "NewPassword"},
		{"UpdateUser current password 201", update("u1", client.UpdateUserRequest{NewPassword: "x", CurrentPassword: long(201)}), "CurrentPassword"},
		{"UpdateUser code 21", update("u1", client.UpdateUserRequest{NewPassword: "x", VerificationCode: long(21)}), "VerificationCode"},
		{"UpdateUser malformed hash", update("u1", client.UpdateUserRequest{NewPasswordHash: "$2a$10$"}), "NewPasswordHash"},
		{"UpdateUser empty user id", update("", newPw), "userID"},
		{"UpdateUser user id 201", update(long(201), newPw), "userID"},
		{"UpdateUser user id not UTF-8", update("\xff", newPw), "userID"},
		{"LockUser empty user id", func(c *client.Client) error { _, err := c.Users.LockUser(ctx, ""); return err }, "userID"},
		{"LockUser user id 201", func(c *client.Client) error { _, err := c.Users.LockUser(ctx, long(201)); return err }, "userID"},
		{"DeleteUser empty user id", func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, ""); return err }, "userID"},
		{"DeleteUser user id not UTF-8", func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, "a\xffb"); return err }, "userID"},
		{"CheckPassword empty session id", check("", "Sess-Passw0rd!1"), "sessionID"},
		{"CheckPassword session id 201", check(long(201), "Sess-Passw0rd!1"), "sessionID"},
		{"CheckPassword empty password", check("s1", ""), "password"},
		{"CheckPassword password 201", check("s1", long(201)), "password"},
		{"CheckPassword lifetime 0", check("s1", "Sess-Passw0rd!1", client.SessionLifetime(0)), "SessionLifetime"},
		{"CheckPassword lifetime negative", check("s1", "Sess-Passw0rd!1", client.SessionLifetime(-300*time.Second)), "SessionLifetime"},
		{"CreateWithPassword lifetime 0", createSession(client.SessionLifetime(0)), "SessionLifetime"},
		{"CreateWithPassword lifetime negative", createSession(client.SessionLifetime(-time.Nanosecond)), "SessionLifetime"},
		{"CreateWithPassword last lifetime wins", createSession(client.SessionLifetime(time.Second), client.SessionLifetime(0)), "SessionLifetime"},
		{"VerifyPassword lifetime 0", verify(client.SessionLifetime(0)), "SessionLifetime"},
		{"VerifyPassword lifetime negative", verify(client.SessionLifetime(-time.Hour)), "SessionLifetime"},
		{"CreateUser no given name", create(func(r *client.CreateUserRequest) { r.GivenName = "" }), "GivenName"},
		{"CreateUser no family name", create(func(r *client.CreateUserRequest) { r.FamilyName = "" }), "FamilyName"},
		{"CreateUser no email", create(func(r *client.CreateUserRequest) { r.Email = "" }), "Email"},
		{"CreateUser not an email", create(func(r *client.CreateUserRequest) { r.Email = "create-01" }), "Email"},
		{"CreateUser two dots", create(func(r *client.CreateUserRequest) { r.Email = "a@example..com" }), "Email"},
		{"CreateUser host with _", create(func(r *client.CreateUserRequest) { r.Email = "a@exa_mple.com" }), "Email"},
		{"CreateUser local part 65", create(func(r *client.CreateUserRequest) { r.Email = long(65) + "@example.com" }), "Email"},
		{"CreateUser given name 201", create(func(r *client.CreateUserRequest) { r.GivenName = long(201) }), "GivenName"},
		{"CreateUser family name 201", create(func(r *client.CreateUserRequest) { r.FamilyName = long(201) }), "FamilyName"},
		{"CreateUser email 201", create(func(r *client.CreateUserRequest) { r.Email = long(190) + "@example.com" }), "Email"},
		{"CreateUser username 201", create(func(r *client.CreateUserRequest) { r.Username = long(201) }), "Username"},
		{"CreateUser phone 201", create(func(r *client.CreateUserRequest) { r.Phone = long(201) }), "Phone"},
		{"CreateUser user id 201", create(func(r *client.CreateUserRequest) { r.UserID = long(201) }), "UserID"},
		{"CreateUser password and hash", create(func(r *client.CreateUserRequest) { r.PasswordHash = recordedBcrypt }), "PasswordHash"},
		{"CreateUser malformed hash", create(func(r *client.CreateUserRequest) { r.Password, r.PasswordHash = "", "not-a-hash" }), "PasswordHash"},
		{"CreateUser password 201", create(func(r *client.CreateUserRequest) { r.Password = long(201) }), "Password"},
		// JSON would send U+FFFD for the invalid bytes: another id, name or password.
		{"CreateUser user id not UTF-8", create(func(r *client.CreateUserRequest) { r.UserID = "u-\xff" }), "UserID"},
		{"CreateUser username not UTF-8", create(func(r *client.CreateUserRequest) { r.Username = "a\xc3" }), "Username"},
		{"CreateUser password not UTF-8", create(func(r *client.CreateUserRequest) { r.Password = "Pass-w0rd\xff" }), "Password"},
		{"UpdateUser password not UTF-8", update("u1", client.UpdateUserRequest{NewPassword: "Upd-Passw0rd!\xfe"}), "NewPassword"},
		{"CheckPassword password not UTF-8", check("s1", "Sess-Passw0rd!\xff"), "password"},
	}
	srv := newRecorder(t, respond(501, `{"code":12,"message":"user type is not implemented ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"user type is not implemented"}]}`))
	c := srv.client(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(c)
			var ve *client.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field {
				t.Fatalf("err = %v, want a *ValidationError for %s", err, tt.field)
			}
			if !errors.Is(err, client.ErrInvalidArgument) || errors.Is(err, client.ErrUnsupported) {
				t.Errorf("err = %v: want ErrInvalidArgument only", err)
			}
			if !strings.HasPrefix(err.Error(), "zitpass: invalid "+tt.field+": ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

// longestEmail is 200 characters, the longest address ZITADEL's rules accept: a local part
// of 64 bytes and host labels of at most 63.
var longestEmail = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 7)

// TestCurrentValidationAcceptsLimits: the longest values ZITADEL accepts are sent.
func TestCurrentValidationAcceptsLimits(t *testing.T) {
	srv := newRecorder(t, v4().serve())
	c := srv.client(t)
	max := func(n int) string { return strings.Repeat("é", n) } // 2 bytes each: characters count
	if _, err := c.Users.UpdateUser(ctx, max(200), client.UpdateUserRequest{NewPassword: max(200), CurrentPassword: max(200)}); err != nil {
		t.Error(err)
	}
	if _, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "x", VerificationCode: max(20)}); err != nil {
		t.Error(err)
	}
	if _, err := c.Sessions.CheckPassword(ctx, max(200), "", max(200)); err != nil {
		t.Error(err)
	}
	r := client.CreateUserRequest{UserID: max(200), OrgID: "o1", Username: max(200), GivenName: max(200), FamilyName: max(200),
		Email: longestEmail, Phone: max(200), Password: max(200)}
	if _, err := c.Users.CreateUser(ctx, r); err != nil {
		t.Error(err)
	}
	if _, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "x", client.SessionLifetime(time.Nanosecond)); err != nil {
		t.Error(err)
	}
	if n := len(srv.requests()); n != 5 {
		t.Errorf("server saw %d requests, want 5", n)
	}
}

// TestCurrentCallsEscapeIDs: an id cannot change the path: "/" is escaped, and the dot
// segments that URL resolution would remove are escaped too.
func TestCurrentCallsEscapeIDs(t *testing.T) {
	tests := []struct {
		name string
		call func(*client.Client) error
		uri  string
	}{
		{"UpdateUser /", func(c *client.Client) error {
			_, err := c.Users.UpdateUser(ctx, "a/b", client.UpdateUserRequest{NewPassword: "x"})
			return err
		}, "/v2/users/a%2Fb"},
		{"UpdateUser .", func(c *client.Client) error {
			_, err := c.Users.UpdateUser(ctx, ".", client.UpdateUserRequest{NewPassword: "x"})
			return err
		}, "/v2/users/%2E"},
		{"UpdateUser ..", func(c *client.Client) error {
			_, err := c.Users.UpdateUser(ctx, "..", client.UpdateUserRequest{NewPassword: "x"})
			return err
		}, "/v2/users/%2E%2E"},
		{"UpdateUser ../sessions", func(c *client.Client) error {
			_, err := c.Users.UpdateUser(ctx, "../sessions", client.UpdateUserRequest{NewPassword: "x"})
			return err
		}, "/v2/users/..%2Fsessions"},
		{"LockUser ..", func(c *client.Client) error { _, err := c.Users.LockUser(ctx, ".."); return err }, "/v2/users/%2E%2E/lock"},
		{"LockUser /", func(c *client.Client) error { _, err := c.Users.LockUser(ctx, "/"); return err }, "/v2/users/%2F/lock"},
		{"DeleteUser .", func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, "."); return err }, "/v2/users/%2E"},
		{"DeleteUser ?#", func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, "a?b#c"); return err }, "/v2/users/a%3Fb%23c"},
		{"CheckPassword ..", func(c *client.Client) error {
			_, err := c.Sessions.CheckPassword(ctx, "..", "", "x")
			return err
		}, "/v2/sessions/%2E%2E"},
		{"CheckPassword /", func(c *client.Client) error {
			_, err := c.Sessions.CheckPassword(ctx, "s/1", "", "x")
			return err
		}, "/v2/sessions/s%2F1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, respond(200, `{"details":{}}`))
			if err := tt.call(srv.client(t)); err != nil {
				t.Fatal(err)
			}
			if got := srv.last(t).RequestURI; got != tt.uri {
				t.Errorf("RequestURI = %q, want %q", got, tt.uri)
			}
		})
	}
}
