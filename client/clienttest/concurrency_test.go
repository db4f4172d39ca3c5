package clienttest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// TestHashChecksRunConcurrently: a bcrypt check does not hold the server's lock, so a
// second check (and any other call) completes while the first is still hashing.
func TestHashChecksRunConcurrently(t *testing.T) {
	srv := newServer(t)
	const hash = "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq" // "Hashed-Passw0rd!1"
	first := srv.AddHumanUser(clienttest.HumanUser{Username: "first", PasswordHash: hash})
	second := srv.AddHumanUser(clienttest.HumanUser{Username: "second", PasswordHash: hash})
	started, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce) // before the server's cleanup: Close waits for the held call
	var once sync.Once
	clienttest.SetHashHook(srv, func() {
		blocked := false
		once.Do(func() { blocked = true })
		if blocked { // the first check waits until the second is done
			close(started)
			<-release
		}
	})
	c := srv.Client(client.WithoutRetries())
	firstDone := make(chan error, 1)
	go func() { firstDone <- c.Sessions.VerifyPassword(ctx, client.ByUserID(first), "Hashed-Passw0rd!1") }()
	<-started

	secondDone := make(chan error, 1)
	go func() { secondDone <- c.Sessions.VerifyPassword(ctx, client.ByUserID(second), "Hashed-Passw0rd!1") }()
	guard := time.NewTimer(30 * time.Second) // fails a lock held across the hash instead of hanging
	defer guard.Stop()
	select {
	case err := <-secondDone:
		if err != nil {
			t.Errorf("second check: %v", err)
		}
	case <-guard.C:
		t.Fatal("the second check waited for the first one's hash")
	}
	if srv.PAT() == "" || len(srv.Users()) != 2 { // the lock is free for everything else too
		t.Error("Users while a hash is computed")
	}
	releaseOnce()
	if err := <-firstDone; err != nil {
		t.Errorf("first check: %v", err)
	}
}

// TestPasswordChangedDuringHashCheck: when the password changes while a check computes
// the old hash, the check is made against the new password, as ZITADEL re-reads its write
// model after hashing.
func TestPasswordChangedDuringHashCheck(t *testing.T) {
	srv := newServer(t)
	const hash = "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq" // "Hashed-Passw0rd!1"
	u := srv.AddHumanUser(clienttest.HumanUser{Username: "u", PasswordHash: hash})
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	clienttest.SetHashHook(srv, func() {
		once.Do(func() {
			close(started)
			<-release
		})
	})
	c := srv.Client(client.WithoutRetries())
	done := make(chan error, 1)
	go func() { done <- c.Sessions.VerifyPassword(ctx, client.ByUserID(u), "Hashed-Passw0rd!1") }()
	<-started
	if _, err := c.Users.SetPassword(ctx, u, client.SetPasswordRequest{NewPassword: newPassword}); err != nil {
		t.Fatal(err)
	}
	close(release)
	wantAPIError(t, <-done, 400, client.InvalidArgument, "COMMAND-3M0fs")
}
