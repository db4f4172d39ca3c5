package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

func TestRedirectsAreNotFollowed(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
	}))
	defer other.Close()
	for _, status := range []int{301, 302, 303, 307, 308} {
		srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.Path, status)
		})
		for _, hc := range []*http.Client{nil, {}} { // the SDK's client and one of the caller's
			var opts []client.Option
			if hc != nil {
				opts = append(opts, client.WithHTTPClient(hc))
			}
			_, err := srv.client(t, opts...).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"})
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.StatusCode != status {
				t.Errorf("%d: err = %v, want the redirect as an *APIError", status, err)
			}
			if hc != nil && hc.CheckRedirect != nil {
				t.Error("the caller's http.Client was modified")
			}
		}
	}
	if leaked.Load() != 0 {
		t.Errorf("the redirect target received %d requests", leaked.Load())
	}
}

func TestPlainHTTPOnlyForLoopback(t *testing.T) {
	for _, u := range []string{"http://acme.zitadel.cloud", "http://10.1.2.3", "http://[2001:db8::1]:8080", "http://localhost.evil.com"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) accepted plain http to a remote host", u)
		}
		if _, err := client.New(u, client.WithInsecureHTTP()); err != nil {
			t.Errorf("New(%q, WithInsecureHTTP()) = %v", u, err)
		}
	}
	for _, u := range []string{"http://localhost:8080", "http://127.0.0.2", "http://[::1]", "http://app.localhost"} {
		if _, err := client.New(u); err != nil {
			t.Errorf("New(%q) = %v, want loopback accepted", u, err)
		}
	}
}

// TestNoGoroutinesLeft makes many calls, successes, errors and retries included, and
// checks that closing the server and the idle connections leaves no goroutine behind.
func TestNoGoroutinesLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		srv := newFaultServer(t)
		c := newFaultClient(t, srv.URL)
		for i := range 200 {
			if i%10 == 0 {
				srv.mu.Lock()
				srv.faults = append(srv.faults, fault{kind: faultStatusBefore, status: 503}, fault{kind: faultCloseBefore})
				srv.mu.Unlock()
			}
			_ = callKinds[i%len(callKinds)].do(ctx, c)
		}
		c.CloseIdleConnections()
		srv.Close()
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if strings.Contains(stacks, "zitpass-go/client") || strings.Contains(stacks, "net/http.(*persistConn)") {
			t.Errorf("%d goroutines before, %d after:\n%s", before, n, stacks)
		}
	}
}
