//lint:file-ignore SA1019 the tests exercise the deprecated v1 call on purpose

package clienttest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

var ctx = context.Background()

const (
	oldPassword = "Old-Passw0rd!"
	newPassword = "N3w-Passw0rd!"
)

func newServer(t *testing.T, opts ...clienttest.ServerOption) *clienttest.Server {
	t.Helper()
	srv := clienttest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv
}

func addAlice(srv *clienttest.Server) string {
	return srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Phone: "+41790000000", Password: oldPassword})
}

// wantAPIError checks status, gRPC code and ZITADEL id of err.
func wantAPIError(t *testing.T, err error, status int, code client.Code, id string) {
	t.Helper()
	var ae *client.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want *APIError %d/%v/%s", err, status, code, id)
	}
	if ae.StatusCode != status || ae.Code != code || ae.ID != id {
		t.Fatalf("got %d/%v/%q (%s), want %d/%v/%q", ae.StatusCode, ae.Code, ae.ID, ae.Message, status, code, id)
	}
}

func TestResetWithCodeThenSetPassword(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	reset, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	if len(reset.VerificationCode) != 6 || strings.ToUpper(reset.VerificationCode) != reset.VerificationCode {
		t.Errorf("code %q is not six upper-case letters", reset.VerificationCode)
	}
	if reset.Details.Sequence == 0 || reset.Details.ResourceOwner != srv.DefaultOrgID() || reset.Details.ChangeDate.IsZero() {
		t.Errorf("details = %+v", reset.Details)
	}
	if len(srv.Notifications()) != 0 {
		t.Error("ReturnCode sent a notification")
	}
	d, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: reset.VerificationCode})
	if err != nil {
		t.Fatal(err)
	}
	if d.Sequence <= reset.Details.Sequence {
		t.Errorf("sequence did not grow: %d then %d", reset.Details.Sequence, d.Sequence)
	}
	if !srv.CheckPassword(alice, newPassword) || srv.CheckPassword(alice, oldPassword) || srv.PasswordChangeRequired(alice) {
		t.Error("password not changed as asked")
	}
	// The code is single use.
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "An0ther-Passw0rd!", VerificationCode: reset.VerificationCode})
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-2M9fs")
}

func TestNewResetInvalidatesPreviousCode(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	first, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	second, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	if first.VerificationCode == second.VerificationCode {
		t.Skip("random codes collided")
	}
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: first.VerificationCode})
	wantAPIError(t, err, 400, client.InvalidArgument, "CODE-woT0xc")
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: second.VerificationCode}); err != nil {
		t.Fatal(err)
	}
}

func TestCodeExpiresOnTheServerClock(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now), clienttest.WithCodeExpiry(10*time.Minute))
	alice := addAlice(srv)
	c := srv.Client()
	reset, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(10 * time.Minute)
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, VerificationCode: reset.VerificationCode})
	wantAPIError(t, err, 400, client.FailedPrecondition, "CODE-QvUQ4P")
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func TestSendLinkOutbox(t *testing.T) {
	srv := newServer(t, clienttest.WithCodeGenerator(func() string { return "QWERTY" }))
	alice := addAlice(srv)
	c := srv.Client()
	tmpl := "https://app.example/reset?user={{.UserID}}&code={{.Code}}&org={{.OrgID}}"
	for _, d := range []client.ResetDelivery{client.SendLink(client.NotificationEmail, tmpl), client.SendLink(client.NotificationSMS, ""), nil, client.SendLink(client.NotificationUnspecified, "")} {
		reset, err := c.Users.RequestPasswordReset(ctx, alice, d)
		if err != nil {
			t.Fatal(err)
		}
		if reset.VerificationCode != "" {
			t.Errorf("a sent code came back in the response")
		}
	}
	want := []clienttest.Notification{
		{UserID: alice, Type: client.NotificationEmail, Code: "QWERTY", Link: "https://app.example/reset?user=" + alice + "&code=QWERTY&org=" + srv.DefaultOrgID()},
		{UserID: alice, Type: client.NotificationSMS, Code: "QWERTY"},
		{UserID: alice, Type: client.NotificationEmail, Code: "QWERTY"},
		{UserID: alice, Type: client.NotificationEmail, Code: "QWERTY"},
	}
	got := srv.Notifications()
	if len(got) != len(want) {
		t.Fatalf("outbox = %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("notification %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestV1SetsChangeRequiredAndOverwrites(t *testing.T) {
	srv := newServer(t)
	fresh := srv.AddHumanUser(clienttest.HumanUser{Username: "bob"})
	c := srv.Client()
	if _, err := c.Management.SetHumanInitialPassword(ctx, fresh, "Init-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	if !srv.CheckPassword(fresh, "Init-Passw0rd!") || !srv.PasswordChangeRequired(fresh) {
		t.Error("v1 did not set the password with change required")
	}
	if _, err := c.Management.SetHumanInitialPassword(ctx, fresh, "Sec0nd-Passw0rd!"); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if !srv.CheckPassword(fresh, "Sec0nd-Passw0rd!") {
		t.Error("v1 did not overwrite")
	}
	// v2 sets change-required only when asked.
	if _, err := c.Users.SetPassword(ctx, fresh, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
		t.Fatal(err)
	}
	if srv.PasswordChangeRequired(fresh) {
		t.Error("v2 set change required without being asked")
	}
	if _, err := c.Users.SetPassword(ctx, fresh, client.SetPasswordRequest{NewPassword: newPassword, ChangeRequired: true}); err != nil {
		t.Fatal(err)
	}
	if !srv.PasswordChangeRequired(fresh) {
		t.Error("v2 ChangeRequired ignored")
	}
}

func TestOrgScopingOfV1(t *testing.T) {
	srv := newServer(t)
	other := srv.AddOrg()
	carol := srv.AddHumanUser(clienttest.HumanUser{OrgID: other, Username: "carol", Password: oldPassword})
	c := srv.Client()
	_, err := c.Management.SetHumanInitialPassword(ctx, carol, "Init-Passw0rd!")
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-3M0fs")
	d, err := c.Management.SetHumanInitialPassword(ctx, carol, "Init-Passw0rd!", client.InOrg(other))
	if err != nil || d.ResourceOwner != other {
		t.Fatalf("in the user's org: %v, %+v", err, d)
	}
	if _, err := srv.Client(client.WithOrgID(other)).Management.SetHumanInitialPassword(ctx, carol, "Init-Passw0rd!"); err != nil {
		t.Fatalf("WithOrgID: %v", err)
	}
	_, err = c.Management.SetHumanInitialPassword(ctx, carol, "Init-Passw0rd!", client.InOrg("999"))
	wantAPIError(t, err, 403, client.PermissionDenied, "AUTH-Bs7Ds")
	// v2 needs no org header.
	if _, err := c.Users.SetPassword(ctx, carol, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
		t.Fatalf("v2 across orgs: %v", err)
	}
}

// TestNonAdminPasswordPermissions: a user's token sets a password with the current
// password or a code only, and for SetPassword that is all the authorization there is
// (ZITADEL's ChangePassword checks no permission): another user's right current password
// works too. Without either, even its own password needs user.write.
func TestNonAdminPasswordPermissions(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	bob := srv.AddHumanUser(clienttest.HumanUser{Username: "bob", Password: oldPassword})
	c, err := client.New(srv.URL(), client.WithTokenSource(auth.PAT(srv.TokenFor(alice))))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, CurrentPassword: oldPassword}); err != nil {
		t.Fatalf("own password: %v", err)
	}
	if _, err := c.Users.SetPassword(ctx, bob, client.SetPasswordRequest{NewPassword: newPassword, CurrentPassword: oldPassword}); err != nil {
		t.Fatalf("another user's password with its current one: %v", err)
	}
	_, err = c.Users.SetPassword(ctx, bob, client.SetPasswordRequest{NewPassword: "An0ther-Passw0rd!"})
	wantAPIError(t, err, 404, client.NotFound, "AUTHZ-cdgFk")
	_, err = c.Users.UpdateUser(ctx, bob, client.UpdateUserRequest{NewPassword: "An0ther-Passw0rd!", CurrentPassword: newPassword})
	wantAPIError(t, err, 404, client.NotFound, "AUTHZ-cdgFk") // UpdateUser checks the permission first (recorded, C20)
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "An0ther-Passw0rd!"})
	wantAPIError(t, err, 404, client.NotFound, "AUTHZ-cdgFk")
	_, err = c.Management.SetHumanInitialPassword(ctx, alice, "Init-Passw0rd!")
	wantAPIError(t, err, 403, client.PermissionDenied, "AUTH-5mWD2")
	if _, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode()); err != nil {
		t.Fatalf("own reset: %v", err)
	}
	_, err = c.Users.RequestPasswordReset(ctx, bob, client.ReturnCode())
	wantAPIError(t, err, 404, client.NotFound, "AUTHZ-cdgFk")
}

func TestWrongCurrentPasswordCountsFailures(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	for i := 1; i <= 2; i++ {
		_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword, CurrentPassword: "wrong"})
		wantAPIError(t, err, 400, client.InvalidArgument, "COMMAND-3M0fs")
		var ae *client.APIError
		errors.As(err, &ae)
		if ae.FailedAttempts != i {
			t.Errorf("FailedAttempts = %d, want %d", ae.FailedAttempts, i)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	tests := map[string]string{
		"Sh0rt!":         "DOMAIN-HuJf6",
		"n0-upper-case":  "DOMAIN-VoaRj",
		"N0-LOWER-CASE":  "DOMAIN-co3Xw",
		"No-Digits-Here": "DOMAIN-ZBv4H",
		"NoSymbols123":   "DOMAIN-ZDLwA",
	}
	for pw, id := range tests {
		_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: pw})
		wantAPIError(t, err, 400, client.InvalidArgument, id)
	}
	// Length counts bytes and any non-alphanumeric byte is a symbol: "Aé1" + "aaaa" is 8 bytes.
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "Aé1aaaa"}); err != nil {
		t.Errorf("8-byte password with a multi-byte symbol: %v", err)
	}
	lax := newServer(t, clienttest.WithPasswordComplexity(clienttest.PasswordComplexity{MinLength: 4}))
	bob := lax.AddHumanUser(clienttest.HumanUser{Password: "x"})
	if _, err := lax.Client().Users.SetPassword(ctx, bob, client.SetPasswordRequest{NewPassword: "abcd"}); err != nil {
		t.Errorf("custom policy: %v", err)
	}
}

func TestPasswordComplexityEndpoint(t *testing.T) {
	srv := newServer(t)
	req, _ := http.NewRequest("GET", srv.URL()+"/v2/settings/password/complexity", nil)
	req.Header.Set("Authorization", "Bearer "+srv.PAT())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{`"minLength":"8"`, `"requiresUppercase":true`, `"requiresLowercase":true`, `"requiresNumber":true`, `"requiresSymbol":true`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body %s lacks %s", body, want)
		}
	}
}

// TestAnswersCarryARequestID: like ZITADEL, the fake names every answer with an
// X-Request-Id, a fresh one each time, and the client puts it into its errors.
func TestAnswersCarryARequestID(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	_, err1 := c.Users.GetUser(context.Background(), "999999")
	_, err2 := c.Users.GetUser(context.Background(), "999999")
	var a1, a2 *client.APIError
	if !errors.As(err1, &a1) || !errors.As(err2, &a2) {
		t.Fatalf("errors %v, %v, want *client.APIError", err1, err2)
	}
	if a1.RequestID == "" || a1.RequestID == a2.RequestID {
		t.Errorf("request ids %q and %q, want two different ones", a1.RequestID, a2.RequestID)
	}
	if !strings.Contains(a1.Error(), a1.RequestID) {
		t.Errorf("error %q does not quote its request id", a1.Error())
	}
}
