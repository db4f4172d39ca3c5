package clienttest_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func minnie(userID string) client.AddHumanUserRequest {
	return client.AddHumanUserRequest{UserID: userID, Username: "minnie", GivenName: "Minnie", FamilyName: "Mouse",
		Email: "minnie@example.com", EmailVerified: true, Password: "Minn1e-Passw0rd!"}
}

// TestFakePolicyIsCheck: the fake refuses exactly what PasswordComplexity.Check refuses,
// with the id of the first broken rule.
func TestFakePolicyIsCheck(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	for _, pw := range []string{"weak", "Passw0rd1", "Pässw0rd", "PÄSSW0RD!", "Äb1!Cde", "abcdefgh1!", "ABCDEFGH1!", "Abcdefgh!", "Ab1 Cdefg"} {
		_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: pw})
		check := clienttest.DefaultPasswordComplexity.Check(pw)
		if check == nil {
			if err != nil {
				t.Errorf("%q: Check accepts, the fake answers %v", pw, err)
			}
			continue
		}
		var pe *client.PolicyError
		errors.As(check, &pe)
		wantAPIError(t, err, 400, client.InvalidArgument, "DOMAIN-"+pe.Broken[0].ErrorIDSuffix())
	}
}

func TestAddHumanUser(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	added, err := c.Users.AddHumanUser(ctx, minnie(""))
	if err != nil {
		t.Fatal(err)
	}
	if added.Details.ResourceOwner != srv.DefaultOrgID() || len(added.UserID) != 18 {
		t.Errorf("added = %+v", added)
	}
	u, err := c.Users.GetUser(ctx, added.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if u.Username != "minnie" || u.Email != "minnie@example.com" || !u.EmailVerified || u.State != client.UserStateActive ||
		u.PasswordChanged.IsZero() || u.PasswordChangeRequired || u.OrgID != srv.DefaultOrgID() {
		t.Errorf("user = %+v", u)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByLoginName("minnie"), "Minn1e-Passw0rd!"); err != nil {
		t.Errorf("password: %v", err)
	}
	_, err = c.Users.AddHumanUser(ctx, minnie(""))
	wantAPIError(t, err, 409, client.AlreadyExists, "V3-DKcYh")

	weak := minnie("")
	weak.Username, weak.Password = "weak", "Passw0rd1"
	_, err = c.Users.AddHumanUser(ctx, weak)
	wantAPIError(t, err, 400, client.InvalidArgument, "COMMA-ZDLwA")
}

// TestAddHumanUserWithHash: a bcrypt hash is imported without the policy (the hash of
// "abc" is accepted), and verifies the password it was made from.
func TestAddHumanUserWithHash(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	// From the recording: bcrypt of "Hashed-Passw0rd!1" and of "abc".
	for pw, hash := range map[string]string{
		"Hashed-Passw0rd!1": "$2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW",
		"abc":               "$2a$10$XOg2zIT0mPNZ8uOhxgd15OxVC3Es8RsR6Mpi9JMUAHtfa4/gTgex2",
	} {
		r := minnie("")
		r.Username, r.Email, r.Password, r.PasswordHash = pw, pw+"@example.com", "", hash
		added, err := c.Users.AddHumanUser(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", pw, err)
		}
		if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(added.UserID), pw); err != nil {
			t.Errorf("%s: the hash does not verify: %v", pw, err)
		}
		err = c.Sessions.VerifyPassword(ctx, client.ByUserID(added.UserID), pw+"x")
		wantAPIError(t, err, 400, client.InvalidArgument, "COMMAND-3M0fs")
	}
	r := minnie("")
	r.Password, r.PasswordHash = "", "$scrypt$ln=16,r=8,p=1$cmFuZG9tc2FsdGlzaGFyZA$Rh+NnJNo1I6nRwaNqbDm6kmADswD1+7FTKZ7Ln9D8nQ"
	_, err := c.Users.AddHumanUser(ctx, r)
	wantAPIError(t, err, 400, client.InvalidArgument, "USER-JDk4t")
}

// TestAddHumanUserLostAnswerWithOwnID: an attempt whose answer was lost made the user; its
// repeat with the same id finds the id taken, as ZITADEL v4's AddUserHuman (shared with
// CreateUser) answers: 400/9 COMMAND-7yiox1isql, checked before the username.
func TestAddHumanUserLostAnswerWithOwnID(t *testing.T) {
	srv := newServer(t)
	c := srv.Client(client.WithoutRetries())
	srv.InjectFault(clienttest.Fault{Status: 504, Applied: true})
	_, err := c.Users.AddHumanUser(ctx, minnie("minnie-1"))
	if !errors.Is(err, client.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want the lost answer", err)
	}
	if !srv.CheckPassword("minnie-1", "Minn1e-Passw0rd!") {
		t.Error("the lost attempt did not create the user")
	}
	_, err = c.Users.AddHumanUser(ctx, minnie("minnie-1"))
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-7yiox1isql")
}

// TestAddHumanUserNoRetryWithoutID: without an id, a lost answer is reported, not repeated.
func TestAddHumanUserNoRetryWithoutID(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	srv.InjectFault(clienttest.Fault{Status: 504, Applied: true})
	_, err := c.Users.AddHumanUser(ctx, minnie(""))
	if !errors.Is(err, client.ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want ErrOutcomeUnknown", err)
	}
	_, err = c.Users.AddHumanUser(ctx, minnie(""))
	wantAPIError(t, err, 409, client.AlreadyExists, "V3-DKcYh") // the first attempt did create it
}

// TestAddHumanUserIDTakenBySomeoneElse: a taken id is COMMAND-7yiox1isql, whatever the
// username, with or without an earlier unknown outcome.
func TestAddHumanUserIDTakenBySomeoneElse(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	srv.AddHumanUser(clienttest.HumanUser{ID: "minnie-1", Username: "mickey", Email: "mickey@example.com"})
	_, err := c.Users.AddHumanUser(ctx, minnie("minnie-1"))
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-7yiox1isql")

	srv.InjectFault(clienttest.Fault{Status: 504}) // lost before it was applied
	_, err = c.Users.AddHumanUser(ctx, minnie("minnie-1"))
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-7yiox1isql")
}

func TestLockoutAndUnlock(t *testing.T) {
	srv := newServer(t)
	srv.SetLockout(srv.DefaultOrgID(), client.Lockout{MaxPasswordAttempts: 3})
	alice := addAlice(srv)
	c := srv.Client()
	if l, err := c.Settings.Lockout(ctx); err != nil || l.MaxPasswordAttempts != 3 {
		t.Fatalf("Lockout = %+v, %v", l, err)
	}
	if l, err := c.Settings.Lockout(ctx, client.InOrg(srv.AddOrg())); err != nil || l.MaxPasswordAttempts != 0 {
		t.Fatalf("another org's Lockout = %+v, %v", l, err)
	}
	for i := 1; i <= 3; i++ {
		err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), "Wrong-Passw0rd!9")
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.ID != "COMMAND-3M0fs" || ae.FailedAttempts != i {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), oldPassword)
	wantAPIError(t, err, 400, client.FailedPrecondition, "SESSION-Gj4ko")
	if u, _ := c.Users.GetUser(ctx, alice); u.State != client.UserStateLocked {
		t.Errorf("state = %v, want Locked", u.State)
	}
	// A locked user still accepts a new password and a reset, and stays locked.
	if _, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode()); err != nil {
		t.Fatal(err)
	}
	err = c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), newPassword)
	wantAPIError(t, err, 400, client.FailedPrecondition, "SESSION-Gj4ko")
	if _, err := c.Users.UnlockUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), newPassword); err != nil {
		t.Errorf("after unlock: %v", err)
	}
	_, err = c.Users.UnlockUser(ctx, alice)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-olb9vb0oca")
	_, err = c.Users.UnlockUser(ctx, "123456789012345678")
	wantAPIError(t, err, 404, client.NotFound, "COMMAND-x377t913pw")
}

// TestUnlockRetryAfterLostAnswer: the repeat of an unlock whose answer was lost finds the
// user unlocked, which is what the caller asked for.
func TestUnlockRetryAfterLostAnswer(t *testing.T) {
	srv := newServer(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 1}))
	alice := addAlice(srv)
	c := srv.Client()
	c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), "Wrong-Passw0rd!9")
	if srv.UserState(alice) != client.UserStateLocked {
		t.Fatal("not locked")
	}
	srv.InjectFault(clienttest.Fault{Status: 502, Applied: true})
	if _, err := c.Users.UnlockUser(ctx, alice); err != nil {
		t.Fatalf("err = %v, want success", err)
	}
	if srv.UserState(alice) != client.UserStateActive {
		t.Error("not unlocked")
	}
}

func TestSessionsAndHasPassword(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	nopw := srv.AddHumanUser(clienttest.HumanUser{Username: "nopw"})
	c := srv.Client()
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByLoginName("ALICE"), oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	if len(sess.Token) != 78 || sess.Details.ResourceOwner != srv.InstanceID() {
		t.Errorf("session = %+v", sess)
	}
	err = c.Sessions.Delete(ctx, sess.ID, "wrong-token")
	wantAPIError(t, err, 403, client.PermissionDenied, "COMMAND-sGr42")
	for range 2 { // deleting twice is fine
		if err := c.Sessions.Delete(ctx, sess.ID, sess.Token); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Sessions.Delete(ctx, "123456789012345678", ""); err != nil {
		t.Errorf("unknown session: %v", err)
	}
	_, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID(nopw), oldPassword)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-3nJ4t")
	_, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID("123456789012345678"), oldPassword)
	wantAPIError(t, err, 404, client.NotFound, "QUERY-Dfbg2")
	for id, want := range map[string]bool{alice: true, nopw: false, "123456789012345678": false} {
		if has, err := c.Users.HasPassword(ctx, id); err != nil || has != want {
			t.Errorf("HasPassword(%s) = %v, %v; want %v", id, has, err, want)
		}
	}
}

// TestUpdateMyPasswordWithSessionToken: the v1 self-service call works with a session
// token, which stops working after the change.
func TestUpdateMyPasswordWithSessionToken(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(alice), oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	as := client.AsUser(sess.Token)
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Auth.UpdateMyPassword(ctx, "Wrong-Passw0rd!9", newPassword, as)
	wantAPIError(t, err, 400, client.InvalidArgument, "COMMAND-3M0fs")
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Auth.UpdateMyPassword(ctx, oldPassword, "weak", as)
	wantAPIError(t, err, 400, client.InvalidArgument, "DOMAIN-HuJf6")
	//lint:ignore SA1019 the deprecated call is under test
	if _, err := c.Auth.UpdateMyPassword(ctx, oldPassword, newPassword, as); err != nil {
		t.Fatal(err)
	}
	if !srv.CheckPassword(alice, newPassword) || srv.PasswordChangeRequired(alice) {
		t.Error("password not changed")
	}
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Auth.UpdateMyPassword(ctx, newPassword, "An0ther-Passw0rd!", as)
	wantAPIError(t, err, 403, client.PermissionDenied, "AUTHZ-Kl3p0")
	// A service user has no password of its own.
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Auth.UpdateMyPassword(ctx, oldPassword, newPassword)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-G8dh3")
	// No token at all: the v1 500, matched as ErrUnauthenticated.
	anon, _ := client.New(srv.URL())
	//lint:ignore SA1019 the deprecated call is under test
	_, err = anon.Auth.UpdateMyPassword(ctx, oldPassword, newPassword)
	if !errors.Is(err, client.ErrUnauthenticated) || errors.Is(err, client.ErrOutcomeUnknown) {
		t.Errorf("no token: %v", err)
	}
}

func TestV1SetHumanPasswordAndResetNotification(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	initial := srv.AddHumanUser(clienttest.HumanUser{Username: "init", Initial: true})
	c := srv.Client()
	//lint:ignore SA1019 the deprecated call is under test
	if _, err := c.Management.SetHumanPassword(ctx, alice, newPassword, false); err != nil {
		t.Fatal(err)
	}
	if !srv.CheckPassword(alice, newPassword) || srv.PasswordChangeRequired(alice) {
		t.Error("SetHumanPassword(changeRequired=false)")
	}
	//lint:ignore SA1019 the deprecated call is under test
	if _, err := c.Management.SetHumanPassword(ctx, alice, oldPassword, true); err != nil || !srv.PasswordChangeRequired(alice) {
		t.Errorf("SetHumanPassword(changeRequired=true): %v", err)
	}
	//lint:ignore SA1019 the deprecated call is under test
	_, err := c.Management.SetHumanPassword(ctx, initial, newPassword, false)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-M9dse")
	//lint:ignore SA1019 the deprecated call is under test
	if _, err := c.Management.SendHumanResetPasswordNotification(ctx, alice, client.NotificationSMS); err != nil {
		t.Fatal(err)
	}
	//lint:ignore SA1019 the deprecated call is under test
	_, err = c.Management.SendHumanResetPasswordNotification(ctx, "123456789012345678", client.NotificationEmail)
	wantAPIError(t, err, 400, client.FailedPrecondition, "COMMAND-Hj9ds")
	n := srv.Notifications()
	if len(n) != 1 || n[0].Type != client.NotificationSMS || n[0].UserID != alice || len(n[0].Code) != 6 {
		t.Errorf("outbox = %+v", n)
	}
	if !srv.CheckPassword(alice, oldPassword) {
		t.Error("the reset notification changed the password")
	}
}

// TestV1ResetNotificationTypeBytes: the server reads any unknown enum name as email.
func TestV1ResetNotificationTypeBytes(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	path := "/management/v1/users/" + alice + "/password/_reset"
	for body, want := range map[string]client.NotificationType{
		`{"type":"TYPE_SMS"}`: client.NotificationSMS, `{"type":1}`: client.NotificationSMS,
		`{"type":"TYPE_EMAIL"}`: client.NotificationEmail, `{"type":"NOTIFICATION_TYPE_Sms"}`: client.NotificationEmail,
		`{}`: client.NotificationEmail, `{"type":0}`: client.NotificationEmail,
	} {
		before := len(srv.Notifications())
		post(t, srv, path, srv.PAT(), body).want(t, 200, 0, "")
		n := srv.Notifications()
		if len(n) != before+1 || n[len(n)-1].Type != want {
			t.Errorf("%s: outbox %+v, want %v", body, n[before:], want)
		}
	}
	// Over-long v1 passwords leak through the gateway as a 500 with code 2.
	a := post(t, srv, "/management/v1/users/"+alice+"/password", srv.PAT(), `{"password":"`+strings.Repeat("Aa1!", 19)+`"}`)
	a.want(t, 500, 2, "")
}
