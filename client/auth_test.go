package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
)

// instance is an httptest server with a token endpoint that issues tok-1, tok-2, ... and
// an API that accepts only the tokens in valid.
type instance struct {
	*httptest.Server
	tokens   atomic.Int32
	apiCalls atomic.Int32
	mu       sync.Mutex
	valid    map[string]bool
	tokenErr string // when set, the token endpoint answers 401 with this error code
}

func newInstance(t *testing.T) *instance {
	in := &instance{valid: map[string]bool{}}
	in.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/v2/token" {
			in.mu.Lock()
			defer in.mu.Unlock()
			if in.tokenErr != "" {
				w.WriteHeader(401)
				io.WriteString(w, `{"error":"`+in.tokenErr+`","error_description":"client not found"}`)
				return
			}
			n := in.tokens.Add(1)
			tok := "tok-" + string(rune('0'+n))
			in.valid[tok] = true
			json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			return
		}
		in.apiCalls.Add(1)
		in.mu.Lock()
		ok := in.valid[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		in.mu.Unlock()
		if !ok {
			w.WriteHeader(401)
			io.WriteString(w, zitadelError(16, "Token is invalid", "AUTH-7fs1e"))
			return
		}
		io.WriteString(w, `{"details":{"sequence":"1"}}`)
	}))
	t.Cleanup(in.Close)
	return in
}

func (in *instance) revokeAll() {
	in.mu.Lock()
	defer in.mu.Unlock()
	clear(in.valid)
}

func TestRefreshOnceAfter401(t *testing.T) {
	in := newInstance(t)
	ts := auth.ClientCredentials(context.Background(), in.URL, "id", "secret")
	c, err := client.New(in.URL, client.WithTokenSource(ts), client.WithoutRetries())
	if err != nil {
		t.Fatal(err)
	}
	admin := client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "ABCDEF"}
	if _, err := c.Users.SetPassword(ctx, "u1", admin); err != nil {
		t.Fatal(err)
	}
	// The server forgets the cached token: one 401, one refresh, one repeat.
	in.revokeAll()
	if _, err := c.Users.SetPassword(ctx, "u1", admin); err != nil {
		t.Fatalf("after revocation: %v", err)
	}
	if in.tokens.Load() != 2 || in.apiCalls.Load() != 3 {
		t.Errorf("tokens %d, API calls %d; want 2 and 3", in.tokens.Load(), in.apiCalls.Load())
	}
}

func TestRefreshOnlyOnce(t *testing.T) {
	in := newInstance(t)
	ts := tokenSourceFunc(func() (*oauth2.Token, error) { return &oauth2.Token{AccessToken: "never-valid"}, nil })
	inv := &invalidating{TokenSource: ts}
	c, err := client.New(in.URL, client.WithTokenSource(inv), fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Management.SetHumanInitialPassword(ctx, "u1", "Init-Passw0rd!")
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 401 || ae.Attempts != 2 || !errors.Is(err, client.ErrUnauthenticated) {
		t.Fatalf("err = %v", err)
	}
	if in.apiCalls.Load() != 2 || inv.invalidated.Load() != 1 {
		t.Errorf("API calls %d, invalidations %d; want 2 and 1", in.apiCalls.Load(), inv.invalidated.Load())
	}
}

type invalidating struct {
	oauth2.TokenSource
	invalidated atomic.Int32
}

func (i *invalidating) Invalidate(string) { i.invalidated.Add(1) }

func TestNoRefreshForStaticTokens(t *testing.T) {
	in := newInstance(t)
	c, err := client.New(in.URL, client.WithTokenSource(auth.PAT("pat-not-known")), fastRetries)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"})
	if !errors.Is(err, client.ErrUnauthenticated) || in.apiCalls.Load() != 1 {
		t.Fatalf("err = %v after %d calls", err, in.apiCalls.Load())
	}
}

func TestTokenEndpointFailureAtCallTime(t *testing.T) {
	in := newInstance(t)
	in.tokenErr = "invalid_client"
	c, err := client.New(in.URL, client.WithTokenSource(auth.ClientCredentials(context.Background(), in.URL, "id", "cc-secret-value")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!"})
	var re *oauth2.RetrieveError
	var te *auth.TokenError
	if !errors.Is(err, client.ErrUnauthenticated) || !errors.As(err, &re) || !errors.As(err, &te) || te.ErrorCode != "invalid_client" {
		t.Fatalf("err = %v", err)
	}
	if in.apiCalls.Load() != 0 {
		t.Error("the API was called without a token")
	}
	if strings.Contains(err.Error(), "cc-secret-value") || strings.Contains(err.Error(), "N3w-Passw0rd!") {
		t.Errorf("error leaks a secret: %v", err)
	}
	if !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error lacks the endpoint's code: %v", err)
	}
}

// writeKeyFile writes a service user's key file, as the fake ZITADEL issues it.
func writeKeyFile(t *testing.T) string {
	t.Helper()
	srv := clienttest.NewServer()
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, srv.KeyFile(srv.AddServiceUser(clienttest.ServiceUser{Username: "svc"})), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func clearEnv(t *testing.T) {
	for _, k := range []string{client.EnvURL, client.EnvDomain, client.EnvPAT, client.EnvKeyFile, client.EnvClientID, client.EnvClientSecret,
		client.EnvOrgID, client.EnvIssuer, client.EnvInsecure, client.EnvPATFile} {
		t.Setenv(k, "")
	}
}

func TestNewFromEnv(t *testing.T) {
	in := newInstance(t)
	keyFile := writeKeyFile(t)
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"pat", map[string]string{client.EnvURL: in.URL, client.EnvPAT: "tok-x"}},
		{"key file", map[string]string{client.EnvURL: in.URL, client.EnvKeyFile: keyFile}},
		{"client credentials", map[string]string{client.EnvURL: in.URL, client.EnvClientID: "id", client.EnvClientSecret: "secret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			t.Setenv(client.EnvOrgID, "org-env")
			c, err := client.NewFromEnv(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if c.BaseURL() != in.URL {
				t.Errorf("BaseURL = %q", c.BaseURL())
			}
			in.mu.Lock()
			in.valid["tok-x"] = true
			in.mu.Unlock()
			if _, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestNewFromEnvOrgAndOptions(t *testing.T) {
	srv := newRecorder(t, nil)
	clearEnv(t)
	t.Setenv(client.EnvURL, srv.URL)
	t.Setenv(client.EnvPAT, "env-pat")
	t.Setenv(client.EnvOrgID, "org-env")
	c, err := client.NewFromEnv(context.Background(), client.WithUserAgent("app/1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Management.SetHumanInitialPassword(ctx, "u1", "x"); err != nil {
		t.Fatal(err)
	}
	got := srv.last(t)
	if got.Header.Get("X-Zitadel-Orgid") != "org-env" || got.Header.Get("Authorization") != "Bearer env-pat" || !strings.HasPrefix(got.Header.Get("User-Agent"), "app/1 ") {
		t.Errorf("headers = %v", got.Header)
	}
	// Options override the environment.
	c, _ = client.NewFromEnv(context.Background(), client.WithOrgID("org-opt"))
	c.Management.SetHumanInitialPassword(ctx, "u1", "x")
	if got := srv.last(t).Header.Get("X-Zitadel-Orgid"); got != "org-opt" {
		t.Errorf("org = %q, want the option's", got)
	}
}

func TestNewFromEnvDomain(t *testing.T) {
	clearEnv(t)
	t.Setenv(client.EnvDomain, "acme.zitadel.cloud")
	t.Setenv(client.EnvPAT, "p")
	c, err := client.NewFromEnv(context.Background())
	if err != nil || c.BaseURL() != "https://acme.zitadel.cloud" {
		t.Fatalf("NewFromEnv = %v, %v", c, err)
	}
}

func TestNewFromEnvErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		field string
	}{
		{"no url", map[string]string{client.EnvPAT: "p"}, client.EnvURL},
		{"bad url", map[string]string{client.EnvURL: "http://zitadel.example", client.EnvPAT: "p"}, client.EnvURL},
		{"domain with scheme", map[string]string{client.EnvDomain: "https://x", client.EnvPAT: "p"}, client.EnvDomain},
		{"no credentials", map[string]string{client.EnvURL: "https://x"}, client.EnvPAT},
		{"two credentials", map[string]string{client.EnvURL: "https://x", client.EnvPAT: "p", client.EnvClientID: "i", client.EnvClientSecret: "s"}, client.EnvPAT},
		{"secret without id", map[string]string{client.EnvURL: "https://x", client.EnvClientSecret: "s"}, client.EnvClientID},
		{"id without secret", map[string]string{client.EnvURL: "https://x", client.EnvClientID: "i"}, client.EnvClientSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			_, err := client.NewFromEnv(context.Background())
			var ve *client.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("err = %v, want a ValidationError naming %s", err, tt.field)
			}
		})
	}
	clearEnv(t)
	t.Setenv(client.EnvURL, "https://x")
	t.Setenv(client.EnvKeyFile, filepath.Join(t.TempDir(), "missing.json"))
	_, err := client.NewFromEnv(context.Background())
	var kfe *auth.KeyFileError
	if !errors.As(err, &kfe) {
		t.Fatalf("missing key file: err = %v", err)
	}
}
