package clienttest_test

import (
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// TestRestoreUndoesEverySinceTheSnapshot changes every kind of state after a snapshot and
// shows that Restore puts each back, twice in a row from the same snapshot.
func TestRestoreUndoesEverySinceTheSnapshot(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	app := srv.AddServiceUser(clienttest.ServiceUser{Username: "app", Admin: true})
	clientID, secret := srv.ClientSecret(app)
	org := srv.AddOrg()
	c := srv.Client()
	if _, err := c.Users.GetUser(ctx, alice); err != nil {
		t.Fatal(err)
	}
	usersBefore := srv.Users()
	snap := srv.Snapshot()
	requestsBefore := len(srv.Requests())

	var firstNewID, prevExtraToken string
	for round := range 2 {
		// The application's token from the token endpoint, fetched after the snapshot.
		appToken, err := auth.ClientCredentials(ctx, srv.Issuer(), clientID, secret).Token()
		if err != nil {
			t.Fatal(err)
		}
		if status := getUserWith(t, srv, appToken.AccessToken, alice); status != http.StatusOK {
			t.Fatalf("the application's token: %d", status)
		}
		sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(alice), oldPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Users.UpdateUser(ctx, alice, client.UpdateUserRequest{NewPassword: newPassword}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationEmail, "https://app/reset?code={{.Code}}")); err != nil {
			t.Fatal(err)
		}
		added, err := c.Users.CreateUser(ctx, client.CreateUserRequest{Username: "extra", GivenName: "E", FamilyName: "X", Email: "extra@example.com", Password: newPassword})
		if err != nil {
			t.Fatal(err)
		}
		if round == 0 {
			firstNewID = added.UserID
		} else if added.UserID != firstNewID {
			t.Errorf("round %d: the first user after the restore got id %s, the first round %s", round, added.UserID, firstNewID)
		}
		// The same id again: the token of the first round's user must not speak for it.
		if status := getUserWith(t, srv, prevExtraToken, alice); prevExtraToken != "" && status != http.StatusUnauthorized {
			t.Errorf("round %d: the token of the user the restore removed works for its id's new user: %d", round, status)
		}
		extraToken := srv.TokenFor(added.UserID)
		srv.KeyFile(app)
		srv.SetLockout(org, client.Lockout{MaxPasswordAttempts: 1})
		srv.SetLockout("", client.Lockout{MaxPasswordAttempts: 7})
		srv.LockUser(alice)
		srv.FailNext(1, http.StatusServiceUnavailable)

		srv.Restore(snap)

		if !srv.CheckPassword(alice, oldPassword) || srv.CheckPassword(alice, newPassword) {
			t.Errorf("round %d: alice's password is not the one of the snapshot", round)
		}
		if srv.UserState(alice) != client.UserStateActive {
			t.Errorf("round %d: alice is %v", round, srv.UserState(alice))
		}
		if n := srv.Notifications(); len(n) != 0 {
			t.Errorf("round %d: outbox %d notifications", round, len(n))
		}
		if got := srv.Users(); !slices.Equal(got, usersBefore) {
			t.Errorf("round %d: users %+v, want %+v", round, got, usersBefore)
		}
		if n := len(srv.Requests()); n != requestsBefore {
			t.Errorf("round %d: %d requests in the log, want the snapshot's %d", round, n, requestsBefore)
		}
		if n := srv.RequestCount("POST", "/v2/users/new"); n != 0 {
			t.Errorf("round %d: RequestCount(CreateUser) = %d after the restore", round, n)
		}
		// The queued fault is gone: the next call is answered.
		if l, err := c.Settings.Lockout(ctx); err != nil || l.MaxPasswordAttempts != 0 {
			t.Errorf("round %d: instance lockout %+v, %v", round, l, err)
		}
		if l, err := c.Settings.Lockout(ctx, client.InOrg(org)); err != nil || l.MaxPasswordAttempts != 0 {
			t.Errorf("round %d: org lockout %+v, %v", round, l, err)
		}
		if _, err := c.Sessions.CheckPassword(ctx, sess.ID, sess.Token, oldPassword); !errors.Is(err, client.ErrFailedPrecondition) { // ZITADEL: an unknown session "is terminated"
			t.Errorf("round %d: the session of before the restore: %v", round, err)
		}
		// The application's cached token still works; the removed user's does not. (Plain
		// HTTP: the SDK would fetch a new token after a 401.)
		if status := getUserWith(t, srv, appToken.AccessToken, alice); status != http.StatusOK {
			t.Errorf("round %d: the application's token after the restore: %d", round, status)
		}
		if status := getUserWith(t, srv, extraToken, alice); status != http.StatusUnauthorized {
			t.Errorf("round %d: the removed user's token: %d", round, status)
		}
		if _, err := c.Users.GetUser(ctx, added.UserID); !errors.Is(err, client.ErrUserNotFound) {
			t.Errorf("round %d: the user created since: %v", round, err)
		}
		prevExtraToken = extraToken
	}
}

// getUserWith calls GetUserByID with a bearer token and returns the status.
func getUserWith(t *testing.T, srv *clienttest.Server, token, userID string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL()+"/v2/users/"+userID, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRestoreOfAnotherServerPanics(t *testing.T) {
	a, b := newServer(t), newServer(t)
	snap := a.Snapshot()
	for name, s := range map[string]*clienttest.Snapshot{"another server's": snap, "nil": nil} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Restore of %s snapshot did not panic", name)
				}
			}()
			b.Restore(s)
		}()
	}
}

// TestRestoreDuringCalls restores while calls run; under -race it shows the restore and the
// handlers share no state unguarded.
func TestRestoreDuringCalls(t *testing.T) {
	srv := newServer(t)
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", PasswordHash: testHash})
	snap := srv.Snapshot()
	c := srv.Client()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 10 {
				err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), testHashPlain)
				if err != nil && !errors.Is(err, client.ErrUserNotFound) {
					t.Errorf("VerifyPassword during restores: %v", err)
				}
			}
		})
	}
	for range 20 {
		srv.Restore(snap)
	}
	wg.Wait()
	if !srv.CheckPassword(alice, testHashPlain) {
		t.Error("alice lost her password")
	}
}

// A bcrypt hash (cost 4) of testHashPlain.
const (
	testHash      = "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq"
	testHashPlain = "Hashed-Passw0rd!1"
)

func TestLockUserAndUnlockUser(t *testing.T) {
	srv := newServer(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 5}))
	alice := addAlice(srv)
	c := srv.Client(client.WithoutRetries())
	if srv.LockUser("no-such-user") || srv.UnlockUser("no-such-user") {
		t.Error("an unknown user was locked or unlocked")
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), "Wrong-Passw0rd!1"); !errors.Is(err, client.ErrWrongPassword) {
		t.Fatal(err)
	}
	for range 2 { // the second is a no-op that still reports the user
		if !srv.LockUser(alice) {
			t.Fatal("LockUser of alice: false")
		}
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), oldPassword); !errors.Is(err, client.ErrUserNotActive) {
		t.Errorf("a locked user's password check: %v", err)
	}
	if _, err := c.Users.LockUser(ctx, alice); err == nil {
		t.Error("the API locked a user LockUser had locked")
	}
	for range 2 { // the second is a no-op that still reports the user
		if !srv.UnlockUser(alice) {
			t.Fatal("UnlockUser of alice: false")
		}
	}
	if srv.UserState(alice) != client.UserStateActive || srv.FailedPasswordChecks(alice) != 0 {
		t.Errorf("after UnlockUser: %v, %d failed checks", srv.UserState(alice), srv.FailedPasswordChecks(alice))
	}
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), oldPassword); err != nil {
		t.Errorf("an unlocked user's password check: %v", err)
	}
}

func TestClearNotifications(t *testing.T) {
	srv := newServer(t)
	alice := addAlice(srv)
	c := srv.Client()
	for range 2 {
		if _, err := c.Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationSMS, "")); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(srv.Notifications()); n != 2 {
		t.Fatalf("%d notifications, want 2", n)
	}
	srv.ClearNotifications()
	if n := len(srv.Notifications()); n != 0 {
		t.Errorf("%d notifications after ClearNotifications", n)
	}
}

// TestWithMiddleware: the middleware answers its own path, and the fake every other.
func TestWithMiddleware(t *testing.T) {
	srv := newServer(t, clienttest.WithMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/mine" {
				w.WriteHeader(http.StatusTeapot)
				return
			}
			next.ServeHTTP(w, r)
		})
	}))
	resp, err := http.Get(srv.URL() + "/mine")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Errorf("/mine: %d", resp.StatusCode)
	}
	if _, err := srv.Client().Settings.Lockout(ctx); err != nil {
		t.Errorf("the fake behind the middleware: %v", err)
	}
	if n := srv.RequestCount("GET", "/mine"); n != 0 {
		t.Errorf("the middleware's own answer is in the request log %d times", n)
	}
}
