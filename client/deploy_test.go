package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
)

// publicURL is the instance's public URL in these tests; the fake listens elsewhere (on
// 127.0.0.1) and answers only requests that name this host, like a ZITADEL reached
// through a compose service name.
const publicURL = "http://localhost:8080"

// TestNewFromEnvThroughAnotherAddress: ZITADEL_URL is where to connect, ZITADEL_ISSUER the
// public URL. For PAT, key file and client credentials, API and token requests carry
// x-zitadel-instance-host and the JWT audience is the public issuer (the fake checks
// both). Without ZITADEL_ISSUER the same setup fails with "Instance not found".
func TestNewFromEnvThroughAnotherAddress(t *testing.T) {
	srv := clienttest.NewServer(clienttest.WithPublicURL(publicURL))
	defer srv.Close()
	svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "svc", Admin: true})
	keyPath := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(keyPath, srv.KeyFile(svc), 0o600); err != nil {
		t.Fatal(err)
	}
	id, secret := srv.ClientSecret(svc)
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	creds := map[string]map[string]string{
		"pat":                {client.EnvPAT: srv.PAT()},
		"key file":           {client.EnvKeyFile: keyPath},
		"client credentials": {client.EnvClientID: id, client.EnvClientSecret: secret},
	}
	for name, env := range creds {
		t.Run(name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range env {
				t.Setenv(k, v)
			}
			t.Setenv(client.EnvURL, srv.URL())
			c, err := client.NewFromEnv(ctx, client.WithoutRetries())
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
			// The API (for a PAT) or the token endpoint answers "Instance not found".
			if !errors.Is(err, client.ErrInstanceNotFound) {
				t.Fatalf("without ZITADEL_ISSUER: err = %v, want ErrInstanceNotFound (QUERY-1kIjX)", err)
			}
			t.Setenv(client.EnvIssuer, publicURL)
			c, err = client.NewFromEnv(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode()); err != nil {
				t.Fatalf("with ZITADEL_ISSUER: %v", err)
			}
		})
	}
}

func TestWithInstanceHostHeader(t *testing.T) {
	srv := newRecorder(t, nil)
	c := srv.client(t, client.WithInstanceHost("auth.example.com:443"))
	c.Users.GetUser(ctx, "u1")
	if h := srv.last(t).Header.Get("X-Zitadel-Instance-Host"); h != "auth.example.com:443" {
		t.Errorf("x-zitadel-instance-host = %q", h)
	}
	c = srv.client(t)
	c.Users.GetUser(ctx, "u1")
	if _, sent := srv.last(t).Header["X-Zitadel-Instance-Host"]; sent {
		t.Error("sent without WithInstanceHost")
	}
	for _, bad := range []string{"https://auth.example.com", "auth.example.com/x", "a\nb", "a b"} {
		if _, err := client.New(srv.URL, client.WithInstanceHost(bad)); err == nil {
			t.Errorf("WithInstanceHost(%q) accepted", bad)
		}
	}
}

// TestPlainHTTPNeedsConsent: http to a host that is not loopback needs WithInsecureHTTP
// (client), auth.WithInsecureHTTP (token sources) or ZITADEL_INSECURE=true, and each
// refusal names the way out.
func TestPlainHTTPNeedsConsent(t *testing.T) {
	const internal = "http://zitadel:8080"
	_, err := client.New(internal)
	if err == nil || !strings.Contains(err.Error(), "WithInsecureHTTP") {
		t.Errorf("client.New: %v", err)
	}
	if _, err := client.New(internal, client.WithInsecureHTTP()); err != nil {
		t.Errorf("client.New with consent: %v", err)
	}
	key := writeKeyFile(t)
	_, err = auth.JWTProfileFile(ctx, internal, key)
	if err == nil || !strings.Contains(err.Error(), "auth.WithInsecureHTTP") {
		t.Errorf("auth.JWTProfileFile: %v", err)
	}
	if _, err := auth.JWTProfileFile(auth.WithInsecureHTTP(ctx), internal, key); err != nil {
		t.Errorf("auth.JWTProfileFile with consent: %v", err)
	}
	_, err = auth.ClientCredentials(ctx, internal, "id", "secret").Token()
	if err == nil || !strings.Contains(err.Error(), "auth.WithInsecureHTTP") {
		t.Errorf("auth.ClientCredentials: %v", err)
	}

	clearEnv(t)
	t.Setenv(client.EnvURL, internal)
	t.Setenv(client.EnvKeyFile, key)
	_, err = client.NewFromEnv(ctx)
	var ve *client.ValidationError
	if !errors.As(err, &ve) || ve.Field != client.EnvURL || !strings.Contains(err.Error(), client.EnvInsecure+"=true") || !strings.Contains(err.Error(), "WithInsecureHTTP") {
		t.Errorf("NewFromEnv: %v", err)
	}
	t.Setenv(client.EnvInsecure, "true")
	if _, err := client.NewFromEnv(ctx); err != nil {
		t.Errorf("NewFromEnv with ZITADEL_INSECURE=true: %v", err)
	}
	t.Setenv(client.EnvInsecure, "maybe")
	if _, err := client.NewFromEnv(ctx); !errors.As(err, &ve) || ve.Field != client.EnvInsecure {
		t.Errorf("ZITADEL_INSECURE=maybe: %v", err)
	}
}

// hungTokenEndpoint holds every token request until the test ends, like an endpoint
// during an incident.
func hungTokenEndpoint(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var requests atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	return srv, &requests
}

// TestCallDeadlineBoundsTheTokenWait: a call leaves at its own deadline when the token
// endpoint hangs, with an error matching context.DeadlineExceeded, and 20 concurrent
// callers share one token request, each leaving at its own deadline.
func TestCallDeadlineBoundsTheTokenWait(t *testing.T) {
	tokenSrv, requests := hungTokenEndpoint(t)
	api := newRecorder(t, nil)
	ts := auth.ClientCredentials(ctx, tokenSrv.URL, "id", "secret")
	c, err := client.New(api.URL, client.WithTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, time.Duration(2+i%3)*time.Millisecond)
			if i == 0 {
				// This caller gives up at once. No timer: a timer could fire first and
				// end the context with DeadlineExceeded instead.
				cctx, cancel = context.WithCancel(ctx)
				cancel()
			}
			defer cancel()
			_, errs[i] = c.Users.GetUser(cctx, "u1")
		}()
	}
	wg.Wait() // a wait for the token endpoint's 30s timeout would hang here
	for i, err := range errs {
		want := context.DeadlineExceeded
		if i == 0 {
			want = context.Canceled
		}
		if !errors.Is(err, want) || errors.Is(err, client.ErrUnauthenticated) {
			t.Errorf("caller %d: %v, want %v (and not ErrUnauthenticated)", i, err, want)
		}
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
	if n := requests.Load(); n > 3 {
		t.Errorf("%d token requests for 20 callers", n)
	}
}

// blockingSource is a plain oauth2.TokenSource, without TokenContext, whose Token blocks
// until release is closed.
type blockingSource struct {
	entered chan struct{}
	release chan struct{}
}

func (s blockingSource) Token() (*oauth2.Token, error) {
	s.entered <- struct{}{}
	<-s.release
	return &oauth2.Token{AccessToken: "late"}, nil
}

// TestCallContextBoundsAPlainTokenSource: a token source that takes no context still
// cannot hold a call past its context: the caller leaves with the context's error and
// sends nothing, and the source's late token is not used.
func TestCallContextBoundsAPlainTokenSource(t *testing.T) {
	api := newRecorder(t, nil)
	src := blockingSource{entered: make(chan struct{}, 1), release: make(chan struct{})}
	defer close(src.release)
	c, err := client.New(api.URL, client.WithTokenSource(src))
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := c.Users.GetUser(cctx, "u1")
		done <- err
	}()
	<-src.entered
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second): // without the bound the call waits for the source
		t.Fatal("the call waited for the token source after its context ended")
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d API requests without a token", n)
	}
}
