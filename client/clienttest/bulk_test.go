package clienttest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// The server's tools for bulk-import tests: a rate limit, latency, the users it holds and
// the request log.

func TestRateLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now), clienttest.WithRateLimit(2.5))
	pat := srv.PAT()
	for i := range 3 { // the burst: 2.5 rounded up
		send(t, srv, "GET", "/v2/settings", pat, "").want(t, 200, 0, "")
		_ = i
	}
	req, _ := http.NewRequest("GET", srv.URL()+"/v2/settings", nil)
	req.Header.Set("Authorization", "Bearer "+pat)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" {
		t.Errorf("beyond the limit: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	send(t, srv, "POST", "/zitadel.user.v2.UserService/CreateUser", pat, `{}`).want(t, 429, 8, "QUOTA-vjAy8")
	// Not limited: the token endpoint and health checks.
	if resp, err := http.Get(srv.URL() + "/debug/healthz"); err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	tok, _ := http.Post(srv.URL()+"/oauth/v2/token", "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials"))
	if tok == nil || tok.StatusCode == 429 {
		t.Errorf("the token endpoint is limited: %v", tok)
	}
	// 2.5 per second: after 0.4 s of the server's clock, one more call.
	clock.Add(400 * time.Millisecond)
	send(t, srv, "GET", "/v2/settings", pat, "").want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/settings", pat, "").want(t, 429, 8, "QUOTA-vjAy8")
	if n := srv.RequestCount("GET", "/v2/settings"); n != 6 {
		t.Errorf("RequestCount = %d, want 6 (limited calls count)", n)
	}
}

func TestLatency(t *testing.T) {
	srv := newServer(t, clienttest.WithLatency(time.Hour))
	alice := addAlice(srv)
	waiting := make(chan struct{}, 2)
	clienttest.SetLatencyHook(srv, func() { waiting <- struct{}{} })
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := srv.Client(client.WithoutRetries()).Users.SetPassword(cctx, alice, client.SetPasswordRequest{NewPassword: newPassword})
		done <- err
	}()
	// The call is handled before its answer waits: the change is made, the caller still
	// waits; it gives up, and the answer is lost.
	<-waiting
	if !srv.CheckPassword(alice, newPassword) {
		t.Error("the change waits for the latency")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want the caller's cancellation", err)
	}
	// Close does not wait for an answer's latency; the caller gets an error.
	got := make(chan error, 1)
	go func() {
		_, err := srv.Client(client.WithoutRetries()).Users.GetUser(ctx, alice)
		got <- err
	}()
	<-waiting
	srv.Close()
	if err := <-got; err == nil {
		t.Error("an answer held by the latency arrived after Close")
	}
}

func TestUsersAndRequestLog(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now))
	srv.AddServiceUser(clienttest.ServiceUser{Username: "svc"})
	a := createUser(t, srv, "a", oldPassword)
	clock.Add(time.Second)
	b := srv.AddHumanUser(clienttest.HumanUser{ID: "0-first", Username: "b", Email: "b@example.com", Phone: "+41790000000",
		PasswordHash: "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq", ChangeRequired: true, GivenName: "Bee", FamilyName: "Bop"})
	i := srv.AddHumanUser(clienttest.HumanUser{Username: "i", Initial: true})
	got := srv.Users()
	want := []clienttest.HumanUser{
		{ID: b, Username: "b", Email: "b@example.com", Phone: "+41790000000", ChangeRequired: true, GivenName: "Bee", FamilyName: "Bop", OrgID: srv.DefaultOrgID()},
		{ID: a, Username: "a", Email: "a@example.com", GivenName: "G", FamilyName: "F", OrgID: srv.DefaultOrgID()},
		{ID: i, Username: "i", GivenName: "i", FamilyName: "User", Initial: true, OrgID: srv.DefaultOrgID()},
	}
	if len(got) != len(want) {
		t.Fatalf("Users = %+v", got)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("Users[%d] = %+v, want %+v", k, got[k], want[k])
		}
	}
	send(t, srv, "POST", "/v2/users/new", srv.PAT(), `{}`).want(t, 400, 3, "")
	send(t, srv, "PATCH", "/v2/users/"+a, srv.PAT(), `{}`).want(t, 501, 12, "")
	log := srv.Requests()
	if len(log) != 3 {
		t.Fatalf("log = %+v", log)
	}
	first, last := log[0], log[2]
	if first.Method != "POST" || first.Pattern != "/v2/users/new" || first.Status != 200 || !first.Time.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("log[0] = %+v", first)
	}
	if last.Pattern != "/v2/users/{id}" || last.Path != "/v2/users/"+a || last.Status != 501 || !last.Time.Equal(clock.Now()) {
		t.Errorf("log[2] = %+v", last)
	}
	if n := srv.RequestCount("POST", "/v2/users/new"); n != 2 {
		t.Errorf("RequestCount(POST new) = %d", n)
	}
	if n := srv.RequestCount("", "/v2/users/{userId}"); n != 1 {
		t.Errorf("RequestCount(any, {userId}) = %d", n)
	}
}

// TestRequestLogUnderLoad: the log counts concurrent calls exactly.
func TestRequestLogUnderLoad(t *testing.T) {
	srv := newServer(t)
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() { send(t, srv, "GET", "/v2/settings", srv.PAT(), "") })
	}
	wg.Wait()
	if n := srv.RequestCount("GET", "/v2/settings"); n != 50 || len(srv.Requests()) != 50 {
		t.Errorf("count %d, log %d", n, len(srv.Requests()))
	}
}
