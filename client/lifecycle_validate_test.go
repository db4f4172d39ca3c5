package client_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// TestLifecycleValidation: bad input to the lifecycle and v1 calls is a *ValidationError
// naming the field, and nothing is sent.
func TestLifecycleValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	add := func(mod func(*client.AddHumanUserRequest)) func(*client.Client) error {
		return func(c *client.Client) error {
			r := newUser("")
			mod(&r)
			_, err := c.Users.AddHumanUser(ctx, r)
			return err
		}
	}
	tests := []struct {
		name  string
		call  func(*client.Client) error
		field string
	}{
		{"AddHumanUser no given name", add(func(r *client.AddHumanUserRequest) { r.GivenName = "" }), "GivenName"},
		{"AddHumanUser no family name", add(func(r *client.AddHumanUserRequest) { r.FamilyName = "" }), "FamilyName"},
		{"AddHumanUser no email", add(func(r *client.AddHumanUserRequest) { r.Email = "" }), "Email"},
		{"AddHumanUser not an email", add(func(r *client.AddHumanUserRequest) { r.Email = "minnie" }), "Email"},
		{"AddHumanUser blank given name", add(func(r *client.AddHumanUserRequest) { r.GivenName = " \t" }), "GivenName"},
		{"AddHumanUser blank family name", add(func(r *client.AddHumanUserRequest) { r.FamilyName = "  " }), "FamilyName"},
		{"AddHumanUser blank username", add(func(r *client.AddHumanUserRequest) { r.Username = " " }), "Username"},
		{"AddHumanUser username 201", add(func(r *client.AddHumanUserRequest) { r.Username = long(201) }), "Username"},
		{"AddHumanUser user id 201", add(func(r *client.AddHumanUserRequest) { r.UserID = long(201) }), "UserID"},
		{"AddHumanUser both passwords", add(func(r *client.AddHumanUserRequest) { r.PasswordHash = "$2a$10$x" }), "PasswordHash"},
		{"AddHumanUser hash not modular crypt", add(func(r *client.AddHumanUserRequest) {
			r.Password, r.PasswordHash = "", "5f4dcc3b5aa765d61d8327deb882cf99"
		}), "PasswordHash"},
		{"AddHumanUser password 201", add(func(r *client.AddHumanUserRequest) { r.Password = long(201) }), "Password"},
		{"GetUser empty id", func(c *client.Client) error { _, err := c.Users.GetUser(ctx, ""); return err }, "userID"},
		{"HasPassword empty id", func(c *client.Client) error { _, err := c.Users.HasPassword(ctx, ""); return err }, "userID"},
		{"UnlockUser empty id", func(c *client.Client) error { _, err := c.Users.UnlockUser(ctx, ""); return err }, "userID"},
		{"CreateWithPassword nil user", func(c *client.Client) error { _, err := c.Sessions.CreateWithPassword(ctx, nil, "x"); return err }, "user"},
		{"CreateWithPassword empty id", func(c *client.Client) error {
			_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(""), "x")
			return err
		}, "userID"},
		{"CreateWithPassword empty login name", func(c *client.Client) error {
			_, err := c.Sessions.CreateWithPassword(ctx, client.ByLoginName(""), "x")
			return err
		}, "loginName"},
		{"CreateWithPassword empty password", func(c *client.Client) error {
			_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u"), "")
			return err
		}, "password"},
		{"VerifyPassword password 201", func(c *client.Client) error {
			return c.Sessions.VerifyPassword(ctx, client.ByUserID("u"), long(201))
		}, "password"},
		{"Delete empty session id", func(c *client.Client) error { return c.Sessions.Delete(ctx, "", "t") }, "sessionID"},
		{"SetHumanPassword 73 characters", func(c *client.Client) error {
			_, err := c.Management.SetHumanPassword(ctx, "u", strings.Repeat("é", 73), false)
			return err
		}, "password"},
		{"SetHumanPassword empty", func(c *client.Client) error { _, err := c.Management.SetHumanPassword(ctx, "u", "", false); return err }, "password"},
		{"SendHumanResetPasswordNotification bad type", func(c *client.Client) error {
			_, err := c.Management.SendHumanResetPasswordNotification(ctx, "u", client.NotificationType(9))
			return err
		}, "NotificationType"},
		{"UpdateMyPassword old 71 bytes", func(c *client.Client) error { _, err := c.Auth.UpdateMyPassword(ctx, long(71), "x"); return err }, "oldPassword"},
		{"UpdateMyPassword new 71 bytes (36 characters)", func(c *client.Client) error {
			_, err := c.Auth.UpdateMyPassword(ctx, "x", strings.Repeat("é", 35)+"a")
			return err
		}, "newPassword"},
		{"UpdateMyPassword empty old", func(c *client.Client) error { _, err := c.Auth.UpdateMyPassword(ctx, "", "x"); return err }, "oldPassword"},
	}
	srv := newRecorder(t, nil)
	c := srv.client(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(c)
			var ve *client.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !errors.Is(err, client.ErrInvalidArgument) {
				t.Fatalf("err = %v, want a *ValidationError for %s", err, tt.field)
			}
		})
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("server saw %d requests, want none", n)
	}
}

func TestLifecycleValidationAcceptsLimits(t *testing.T) {
	srv := newRecorder(t, respond(200, okDetails))
	c := srv.client(t)
	if _, err := c.Management.SetHumanPassword(ctx, "u", strings.Repeat("é", 72), false); err != nil {
		t.Error(err) // 72 characters, 144 bytes: v1 counts characters
	}
	if _, err := c.Auth.UpdateMyPassword(ctx, strings.Repeat("a", 70), strings.Repeat("é", 35)); err != nil {
		t.Error(err) // 70 bytes each: the auth API counts bytes
	}
	if n := len(srv.requests()); n != 2 {
		t.Errorf("server saw %d requests, want 2", n)
	}
}
