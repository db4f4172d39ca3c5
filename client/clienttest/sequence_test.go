package clienttest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// The SDK's calls in the orders an application makes them, through the SDK, where the
// conformance replay pins each answer on its own: what the fake answers must follow from
// the transcripts and README.md's facts for each step.

// A bcrypt hash (cost 4) of "Imp0rted-Passw0rd!", made with golang.org/x/crypto/bcrypt.
const (
	importedPlain = "Imp0rted-Passw0rd!"
	importedHash  = "$2a$04$FY0gNpY2OFtry/aWECwGpO0n/P.nAYF7AYHSJlp6dGKOId5qJlDwq"
)

func sequenceUser(t *testing.T, c *client.Client, name, password string) string {
	t.Helper()
	added, err := c.Users.CreateUser(context.Background(), client.CreateUserRequest{
		Username: name, GivenName: "G", FamilyName: "F", Email: name + "@example.com", EmailVerified: true, Password: password,
	})
	if err != nil {
		t.Fatalf("CreateUser %s: %v", name, err)
	}
	return added.UserID
}

// TestLockThenUpdate: a locked user's password can be set (200) and the user stays locked:
// every check answers SESSION-Gj4ko, the new password too, until UnlockUser.
func TestLockThenUpdate(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	id := sequenceUser(t, c, "lockupd", "Old-Passw0rd!")
	if _, err := c.Users.LockUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!"}); err != nil {
		t.Fatalf("UpdateUser on a locked user: %v, want 200", err)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(id), "N3w-Passw0rd!"); !errors.Is(err, client.ErrUserNotActive) {
		t.Fatalf("check after the update: %v, want ErrUserNotActive (still locked)", err)
	}
	if _, err := c.Users.LockUser(ctx, id); !errors.Is(err, client.ErrUserNotActive) {
		t.Fatalf("LockUser again: %v, want ErrUserNotActive (COMMAND-lgws8wtsqf)", err)
	}
	if _, err := c.Users.UnlockUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(id), "N3w-Passw0rd!"); err != nil {
		t.Fatalf("check after the unlock: %v", err)
	}
}

// TestDeleteThenCalls: after DeleteUser the user is gone for every call: GetUser and checks
// answer not found, a second delete COMMAND-bd4ir1mblj, a lock COMMAND-450yxuqrh1.
func TestDeleteThenCalls(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	id := sequenceUser(t, c, "delseq", "Old-Passw0rd!")
	if _, err := c.Users.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	checks := map[string]func() error{
		"GetUser": func() error { _, err := c.Users.GetUser(ctx, id); return err },
		"VerifyPassword": func() error {
			return c.Sessions.VerifyPassword(ctx, client.ByUserID(id), "Old-Passw0rd!")
		},
		"DeleteUser": func() error { _, err := c.Users.DeleteUser(ctx, id); return err },
		"LockUser":   func() error { _, err := c.Users.LockUser(ctx, id); return err },
		"UpdateUser": func() error {
			_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!"})
			return err
		},
		// Not recorded after a delete: ZITADEL's PasswordReset answers a user whose state
		// is not "exists" as an unknown one (COMMAND-SAF4f).
		"RequestPasswordReset": func() error {
			_, err := c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
			return err
		},
	}
	for name, call := range checks {
		if err := call(); !errors.Is(err, client.ErrUserNotFound) {
			t.Errorf("%s after DeleteUser: %v, want ErrUserNotFound", name, err)
		}
	}
	if srv.Notifications() != nil {
		t.Errorf("outbox = %v, want nothing sent for a deleted user", srv.Notifications())
	}
}

// TestResetTwiceThenFirstCode: a second reset replaces the code; the first one is then a
// wrong code while one is pending (CODE-woT0xc), and the second still works.
func TestResetTwiceThenFirstCode(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	id := sequenceUser(t, c, "resettwice", "Old-Passw0rd!")
	first, err := c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	if first.VerificationCode == second.VerificationCode {
		t.Skip("the two codes happen to be equal")
	}
	_, err = c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: first.VerificationCode})
	if !errors.Is(err, client.ErrInvalidCode) {
		t.Fatalf("the first code: %v, want ErrInvalidCode", err)
	}
	if _, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: second.VerificationCode}); err != nil {
		t.Fatalf("the second code: %v", err)
	}
	_, err = c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "Th1rd-Passw0rd!", VerificationCode: second.VerificationCode})
	if !errors.Is(err, client.ErrCodeNotFound) {
		t.Fatalf("the used code: %v, want ErrCodeNotFound", err)
	}
}

// TestImportedHashThenSelfService: a user created with an imported hash changes the
// password with the hash's plaintext as the current password.
func TestImportedHashThenSelfService(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	added, err := c.Users.CreateUser(ctx, client.CreateUserRequest{
		Username: "hashed", GivenName: "G", FamilyName: "F", Email: "hashed@example.com", PasswordHash: importedHash,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(added.UserID), importedPlain); err != nil {
		t.Fatalf("the hash's plaintext: %v", err)
	}
	_, err = c.Users.UpdateUser(ctx, added.UserID, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "Wr0ng-Passw0rd!"})
	if !errors.Is(err, client.ErrWrongPassword) {
		t.Fatalf("a wrong current password: %v, want ErrWrongPassword", err)
	}
	if _, err := c.Users.UpdateUser(ctx, added.UserID, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: importedPlain}); err != nil {
		t.Fatalf("UpdateUser with the hash's plaintext as the current password: %v", err)
	}
	if !srv.CheckPassword(added.UserID, "N3w-Passw0rd!") || srv.CheckPassword(added.UserID, importedPlain) {
		t.Error("the new password does not replace the imported one")
	}
}

// TestSelfServiceUpdateEndsTheSessionToken: UpdateUser with the user's own session token
// and the current password answers 200, and that token then answers 403 AUTHZ-Kl3p0.
func TestSelfServiceUpdateEndsTheSessionToken(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	id := sequenceUser(t, c, "selfupd", "Old-Passw0rd!")
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), "Old-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	as := client.AsUser(sess.Token)
	if _, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "Old-Passw0rd!"}, as); err != nil {
		t.Fatalf("self-service UpdateUser: %v", err)
	}
	_, err = c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "Th1rd-Passw0rd!", CurrentPassword: "N3w-Passw0rd!"}, as)
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 403 || ae.ID != "AUTHZ-Kl3p0" {
		t.Fatalf("the used session token: %v, want 403 AUTHZ-Kl3p0", err)
	}
	// A new check gives a new session whose token works.
	sess, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), "N3w-Passw0rd!")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "Th1rd-Passw0rd!", CurrentPassword: "N3w-Passw0rd!"}, client.AsUser(sess.Token)); err != nil {
		t.Fatalf("a fresh session's token: %v", err)
	}
}

// TestVersion3FallbackEndToEnd: against a fake answering as ZITADEL v3.4.9, the SDK's
// current calls fall back to the deprecated ones, once per client, with the same meaning.
func TestVersion3FallbackEndToEnd(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer(clienttest.WithVersion(3))
	defer srv.Close()
	c := srv.Client()
	id := sequenceUser(t, c, "v3user", "Old-Passw0rd!")
	second := sequenceUser(t, c, "v3second", "Old-Passw0rd!")
	if got := srv.RequestCount("POST", "/v2/users/new"); got != 1 {
		t.Errorf("CreateUser was sent %d times, want once (then remembered)", got)
	}
	if got := srv.RequestCount("POST", "/v2/users/human"); got != 2 {
		t.Errorf("AddHumanUser was sent %d times, want 2", got)
	}
	reset, err := c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: reset.VerificationCode}); err != nil {
		t.Fatalf("UpdateUser with a code on v3: %v", err)
	}
	if _, err := c.Users.UpdateUser(ctx, second, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "Wr0ng-Passw0rd!"}); !errors.Is(err, client.ErrWrongPassword) {
		t.Fatalf("a wrong current password on v3: %v, want ErrWrongPassword", err)
	}
	_, err = c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPasswordHash: importedHash})
	if !errors.Is(err, client.ErrUnsupported) {
		t.Fatalf("a hash on v3: %v, want ErrUnsupported", err)
	}
	if got := srv.RequestCount("PATCH", "/v2/users/{userId}"); got != 1 {
		t.Errorf("UpdateUser was sent %d times, want once (then remembered)", got)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(id), "N3w-Passw0rd!"); err != nil {
		t.Fatalf("the new password: %v", err)
	}
	if _, err := c.Users.LockUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.DeleteUser(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// TestV1ResetOfAnInitialUser: the v1 reset of a user in the INITIAL state answers
// COMMAND-2M9sd (ZITADEL's RequestSetPassword, internal/command/user_password.go), which is
// ErrUserNotInitialized, as the v2 reset's COMMAND-Sfe4g is.
func TestV1ResetOfAnInitialUser(t *testing.T) {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	id := srv.AddHumanUser(clienttest.HumanUser{Username: "ivy", Email: "ivy@example.com", Initial: true})
	//lint:ignore SA1019 the deprecated v1 call is what is under test
	_, err := c.Management.SendHumanResetPasswordNotification(ctx, id, client.NotificationEmail) //nolint:staticcheck
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.ID != "COMMAND-2M9sd" {
		t.Fatalf("err = %v, want COMMAND-2M9sd", err)
	}
	if !errors.Is(err, client.ErrUserNotInitialized) {
		t.Errorf("err = %v, want ErrUserNotInitialized", err)
	}
	_, err = c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
	if !errors.Is(err, client.ErrUserNotInitialized) {
		t.Errorf("v2 reset: %v, want ErrUserNotInitialized", err)
	}
}
