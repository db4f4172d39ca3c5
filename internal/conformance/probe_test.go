package conformance

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func TestProbeVersion(t *testing.T) {
	for major, want := range map[int]string{4: "v4.13.1", 3: "v3.4.9"} {
		_, build, _ := fake(t, clienttest.WithVersion(major))
		p, err := NewProbe(context.Background(), build)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := p.Version(context.Background()); err != nil || v != want {
			t.Errorf("WithVersion(%d): %q, %v", major, v, err)
		}
	}
}

// TestProbeVersionNotAdmin: a caller that is no instance administrator learns no version,
// and the error names the call and status, not the token.
func TestProbeVersionNotAdmin(t *testing.T) {
	srv, _, _ := fake(t)
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Alice-Passw0rd!1"})
	token := srv.TokenFor(alice)
	build := func(o ...client.Option) (*client.Client, error) {
		return client.New(srv.URL(), append([]client.Option{client.WithTokenSource(auth.PAT(token))}, o...)...)
	}
	p, err := NewProbe(context.Background(), build)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Version(context.Background())
	if err == nil || !strings.Contains(err.Error(), "GET /admin/v1/instances/me answered") || strings.Contains(err.Error(), token) {
		t.Errorf("err = %v", err)
	}
}

// TestProbeFakeClock: a server that answers the fake's control API gets a Wait that posts
// the duration to it, with the client's credentials; clienttest alone has no such API.
func TestProbeFakeClock(t *testing.T) {
	_, plain, _ := fake(t)
	p, err := NewProbe(context.Background(), plain)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.FakeClock(context.Background()); ok {
		t.Error("clienttest without a control API reported a fake clock")
	}

	var mu sync.Mutex
	var advanced []string
	var pat string
	srv, build, _ := fake(t, clienttest.WithMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/_fake/clock" {
				next.ServeHTTP(w, r)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if r.Header.Get("Authorization") != "Bearer "+pat {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			if r.Method == http.MethodPost {
				var req struct{ Advance string }
				json.NewDecoder(r.Body).Decode(&req)
				advanced = append(advanced, req.Advance)
			}
			json.NewEncoder(w).Encode(map[string]string{"now": time.Now().UTC().Format(time.RFC3339Nano)})
		})
	}))
	mu.Lock()
	pat = srv.PAT()
	mu.Unlock()
	p, err = NewProbe(context.Background(), build)
	if err != nil {
		t.Fatal(err)
	}
	wait, ok := p.FakeClock(context.Background())
	if !ok {
		t.Fatal("no fake clock")
	}
	if err := wait(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(advanced) != 1 || advanced[0] != "2s" {
		t.Errorf("advanced %v, want [2s]", advanced)
	}
}
