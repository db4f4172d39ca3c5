package clienttest_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// The tests of this file pin what a real ZITADEL v4.13.1 answered where the fake used to
// differed (items 1 to 6).

// Item 1: users added through v2 without a password are ACTIVE; every password call works.
func TestActiveUserWithoutPassword(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	t.Run("reset", func(t *testing.T) {
		u := srv.AddHumanUser(clienttest.HumanUser{Username: "a1"})
		reset, err := c.Users.RequestPasswordReset(ctx, u, client.ReturnCode())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Users.SetPassword(ctx, u, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: reset.VerificationCode}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("v2 set", func(t *testing.T) {
		u := srv.AddHumanUser(clienttest.HumanUser{Username: "a2"})
		if _, err := c.Users.SetPassword(ctx, u, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
			t.Fatal(err)
		}
		if !srv.CheckPassword(u, newPassword) || srv.UserState(u) != client.UserStateActive {
			t.Error("password not set, or the user is not active")
		}
	})
	t.Run("v1 initialize", func(t *testing.T) {
		u := srv.AddHumanUser(clienttest.HumanUser{Username: "a3"})
		//lint:ignore SA1019 the deprecated call is under test
		if _, err := c.Management.SetHumanInitialPassword(ctx, u, newPassword); err != nil {
			t.Fatal(err)
		}
		if !srv.CheckPassword(u, newPassword) || !srv.PasswordChangeRequired(u) {
			t.Error("v1 did not set a change-required password")
		}
	})
}

// Item 2: INITIAL users refuse all three calls, and nothing changes.
func TestInitialUserRefusesPasswordCalls(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	u := srv.AddHumanUser(clienttest.HumanUser{Username: "i", Email: "i@example.com", Initial: true})
	_, err := c.Users.RequestPasswordReset(ctx, u, client.ReturnCode())
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-Sfe4g")
	_, err = c.Users.SetPassword(ctx, u, client.SetPasswordRequest{NewPassword: newPassword})
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-M9dse")
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Management.SetHumanInitialPassword(ctx, u, newPassword)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-M9dse")
	if srv.CheckPassword(u, newPassword) || srv.UserState(u) != client.UserStateInitial {
		t.Error("an INITIAL user changed")
	}
	if has, err := c.Users.HasPassword(ctx, u); err != nil || has {
		t.Errorf("HasPassword = %v, %v", has, err)
	}
}

// Item 3: a password over the hasher's limit fails with 500/13 COMMAND-CahN2, nothing is
// applied, and a pending code stays valid.
func TestHasherLimit(t *testing.T) {
	srv := newServer(t)
	c := srv.Client(client.WithoutRetries())
	alice := addAlice(srv)
	long := "Aa1!" + strings.Repeat("x", 69) // 73 bytes
	reset, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: long, VerificationCode: reset.VerificationCode})
	wantAPIError(t, err, 500, client.Internal, "COMMAND-CahN2")
	if errors.Is(err, client.ErrOutcomeUnknown) || !errors.Is(err, client.ErrInternal) {
		t.Errorf("err = %v: want ErrInternal, not ErrOutcomeUnknown", err)
	}
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: long})
	wantAPIError(t, err, 500, client.Internal, "COMMAND-CahN2")
	if !srv.CheckPassword(alice, oldPassword) {
		t.Fatal("the password changed")
	}
	// 72 bytes is fine, and the code is still pending.
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: long[:72], VerificationCode: reset.VerificationCode}); err != nil {
		t.Fatalf("the code did not survive the failed attempt: %v", err)
	}
	// A server configured for another hasher has no such limit.
	other := newServer(t, clienttest.WithHasherLimit(0))
	bob := addAlice(other)
	if _, err := other.Client().Users.SetPassword(ctx, bob, client.SetPasswordRequest{NewPassword: long}); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestHasherLimitOnAddHumanUser(t *testing.T) {
	srv := newServer(t)
	long := "Aa1!" + strings.Repeat("x", 69)
	_, err := srv.Client().Users.AddHumanUser(ctx, client.AddHumanUserRequest{Username: "long", GivenName: "L", FamilyName: "L",
		Email: "long@example.com", EmailVerified: true, Password: long})
	wantAPIError(t, err, 500, client.Unknown, "")
	if errors.Is(err, client.ErrOutcomeUnknown) || !errors.Is(err, client.ErrInternal) {
		t.Errorf("err = %v: want ErrInternal, not ErrOutcomeUnknown", err)
	}
	if _, err := srv.Client().Users.AddHumanUser(ctx, client.AddHumanUserRequest{Username: "long", GivenName: "L", FamilyName: "L",
		Email: "long@example.com", Password: newPassword}); err != nil {
		t.Errorf("the failed attempt created the user: %v", err)
	}
}

// Item 4: codes are six characters of A-Z and 0-9.
func TestCodesUseLettersAndDigits(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	shape := regexp.MustCompile(`^[A-Z0-9]{6}$`)
	digits := false
	for range 60 {
		r, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(r.VerificationCode) {
			t.Fatalf("code %q is not six characters of A-Z0-9", r.VerificationCode)
		}
		digits = digits || strings.ContainsAny(r.VerificationCode, "0123456789")
	}
	if !digits {
		t.Error("no code of 60 had a digit") // chance with A-Z0-9: below 1e-50
	}
}

// Item 5: the current password as the new one fails with 500/13 COMMAND-CahN2, and counts
// as a failed check (the real server counted it).
func TestNewPasswordEqualToCurrent(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client(client.WithoutRetries())
	_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: oldPassword, CurrentPassword: oldPassword})
	wantAPIError(t, err, 500, client.Internal, "COMMAND-CahN2")
	if n := srv.FailedPasswordChecks(alice); n != 1 {
		t.Errorf("failed checks = %d, want 1", n)
	}
	// An administrator may set the same password again.
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: oldPassword}); err != nil {
		t.Errorf("admin set of the same password: %v", err)
	}
}

// Item 6: a code when none is pending is 400/9 COMMAND-2M9fs; a wrong one while one is
// pending is 400/3 CODE-woT0xc; a password change voids a pending code.
func TestCodeErrors(t *testing.T) {
	srv := newServer(t, clienttest.WithCodeGenerator(func() string { return "ABC123" }))
	alice := addAlice(srv)
	c := srv.Client()
	_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: "ABC123"})
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-2M9fs")
	if _, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode()); err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: "XYZ789"})
	wantAPIError(t, err, 400, client.InvalidArgument, "CODE-woT0xc")
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "Admin-Passw0rd!"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: "ABC123"})
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-2M9fs")
}

// TestWriteConflictFault: the fake can answer ZITADEL's write conflict, which the SDK
// retries for every call, a reset that sends an email included.
func TestWriteConflictFault(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	srv.InjectFault(clienttest.Fault{WriteConflict: true, Count: 2})
	if _, err := srv.Client().Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationEmail, "")); err != nil {
		t.Fatalf("err = %v, want success after two conflicts", err)
	}
	if n := len(srv.Notifications()); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
	srv.InjectFault(clienttest.Fault{WriteConflict: true})
	a := post(t, srv, "/v2/users/"+alice+"/password_reset", srv.PAT(), `{"returnCode":{}}`)
	a.want(t, 500, 2, "")
	if msg, _ := a.body["message"].(string); !strings.Contains(msg, "SQLSTATE 23505") {
		t.Errorf("message = %q", msg)
	}
}
