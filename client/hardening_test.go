package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// envoy503 is the plain-text 503 Envoy and Istio answer when the upstream reset the
// connection: the upstream may have received the request and acted on it.
const envoy503 = "upstream connect error or disconnect/reset before headers. reset reason: connection termination"

// TestProxy503IsAmbiguous: a 503 that is not ZITADEL's own error may come after the
// upstream received the request, so a call that must not repeat is not repeated; ZITADEL's
// own 503 (code 14) and any 429 say the request was not processed, so every call retries.
func TestProxy503IsAmbiguous(t *testing.T) {
	plain := fault{kind: faultStatusAfter, status: 503, header: http.Header{"Content-Type": {"text/plain"}}, body: envoy503}
	for _, ck := range callKinds {
		t.Run(ck.name, func(t *testing.T) {
			srv := newFaultServer(t, plain)
			err := ck.do(ctx, newFaultClient(t, srv.URL))
			if ck.repeatable {
				if err != nil || srv.handled.Load() != 2 {
					t.Fatalf("err = %v after %d handled requests, want success after 2", err, srv.handled.Load())
				}
				return
			}
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.StatusCode != 503 || !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want the 503 with an unknown outcome", err)
			}
			if n := srv.handled.Load(); n != 1 {
				t.Errorf("the upstream handled the request %d times, want once", n)
			}
		})
	}
	for _, f := range []fault{
		{kind: faultStatusBefore, status: 503, body: `{"code":14,"message":"server is starting"}`},
		{kind: faultStatusBefore, status: 429, header: http.Header{"Content-Type": {"text/html"}}, body: "<html>Too Many Requests</html>"},
	} {
		for _, ck := range callKinds {
			srv := newFaultServer(t, f)
			if err := ck.do(ctx, newFaultClient(t, srv.URL)); err != nil || srv.requests.Load() != 2 {
				t.Errorf("%s after %d %s: err = %v after %d requests, want success after 2", ck.name, f.status, f.body, err, srv.requests.Load())
			}
		}
	}
}

// TestProxyJSON503IsAmbiguous: a proxy's 503 can be JSON too (Kong answers
// {"message":"failure to get a peer from the ring-balancer"}). Without ZITADEL's "code" it
// is not ZITADEL's own Unavailable, so a call that must not repeat is not repeated.
func TestProxyJSON503IsAmbiguous(t *testing.T) {
	kong := fault{kind: faultStatusAfter, status: 503, body: `{"message":"failure to get a peer from the ring-balancer"}`}
	for _, ck := range callKinds {
		if ck.repeatable {
			continue
		}
		t.Run(ck.name, func(t *testing.T) {
			srv := newFaultServer(t, kong)
			err := ck.do(ctx, newFaultClient(t, srv.URL))
			if !errors.Is(err, client.ErrOutcomeUnknown) {
				t.Fatalf("err = %v, want the 503 with an unknown outcome", err)
			}
			if n := srv.handled.Load(); n != 1 {
				t.Errorf("the upstream handled the request %d times, want once", n)
			}
		})
	}
}

// TestErrorIDNeverCarriesASecret: an id is read only from scrubbed text, so a message that
// ends in the password in parentheses gives no id and prints no password.
func TestErrorIDNeverCarriesASecret(t *testing.T) {
	const pw = "Hunter-2024xyz"
	srv := newRecorder(t, respond(400, `{"code":3,"message":"password rejected (`+pw+`)"}`))
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: pw})
	var ae *client.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if ae.ID != "" || strings.Contains(ae.Message, pw) || strings.Contains(err.Error(), pw) {
		t.Errorf("ID %q, message %q, error %q: the password leaks", ae.ID, ae.Message, err)
	}
}

// TestProxyEchoIsScrubbedInEveryForm: a proxy that echoes the request, JSON-escaped or
// URL-escaped, or puts a secret across the excerpt's cut, leaks no part of it.
func TestProxyEchoIsScrubbedInEveryForm(t *testing.T) {
	const pw = "Pa<ss>w0rd&Xyz!"
	goJSON, _ := json.Marshal(pw) // "Pa\u003css\u003ew0rd\u0026Xyz!"
	forms := map[string]string{
		"raw":               pw,
		"Go JSON":           strings.Trim(string(goJSON), `"`),
		"upper-case escape": `Pa\u003Css\u003Ew0rd\u0026Xyz!`,
		"URL query":         url.QueryEscape(pw),
		"URL path":          url.PathEscape(pw),
	}
	for name, form := range forms {
		for _, pad := range []int{0, 248} { // 248: the secret straddles the 256-byte cut
			body := "<html><body>bad gateway " + strings.Repeat("x", pad) + form + " echo</body></html>"
			srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(502)
				io.WriteString(w, body)
			})
			_, err := srv.client(t, client.WithoutRetries()).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: pw})
			if err == nil {
				t.Fatalf("%s: want an error", name)
			}
			for _, leak := range []string{pw[:6], "Pa\\u003c", "Pa\\u003C", "Pa%3C", "w0rd"} {
				if strings.Contains(err.Error(), leak) {
					t.Errorf("%s, pad %d: error leaks %q: %s", name, pad, leak, err)
				}
			}
		}
	}
}

// TestUnlistedStatusIsNotInternal: a status ZITADEL's gateway never answers, from a
// proxy without ZITADEL's body, keeps its status and is no server failure.
func TestUnlistedStatusIsNotInternal(t *testing.T) {
	for _, status := range []int{302, 405, 413, 415, 422} {
		srv := newRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			io.WriteString(w, "<html>proxy says no</html>")
		})
		_, err := srv.client(t).Users.GetUser(ctx, "u1")
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.StatusCode != status {
			t.Fatalf("%d: err = %v", status, err)
		}
		if errors.Is(err, client.ErrInternal) {
			t.Errorf("%d from a proxy matches ErrInternal: %v", status, err)
		}
	}
}

// TestRefusedCertificateIsFinal: a server whose certificate is not trusted is not retried
// (a retry cannot succeed), does not match ErrUnavailable, and says why.
func TestRefusedCertificateIsFinal(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()
	defer srv.Close()
	c := newFaultClient(t, srv.URL) // the default transport does not trust the test certificate
	_, err := c.Users.GetUser(ctx, "u1")
	var re *client.RequestError
	if !errors.As(err, &re) || re.Attempts != 1 {
		t.Fatalf("err = %#v, want a RequestError after 1 attempt", err)
	}
	if errors.Is(err, client.ErrUnavailable) {
		t.Error("a refused certificate matches ErrUnavailable")
	}
	if !strings.Contains(err.Error(), "certificate") || !strings.Contains(err.Error(), "not retried") {
		t.Errorf("error does not say why: %v", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// hangingSource is a plain oauth2.TokenSource whose Token blocks until release is closed,
// counting its calls.
type hangingSource struct {
	calls   atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (s *hangingSource) Token() (*oauth2.Token, error) {
	if s.calls.Add(1) == 1 {
		close(s.entered)
	}
	<-s.release
	return &oauth2.Token{AccessToken: "late"}, nil
}

// TestHangingPlainSourceHoldsOneGoroutine: 500 calls that time out waiting for a hanging
// plain token source share one Token call: they leave one goroutine behind, not 500, and
// it ends when the source returns.
func TestHangingPlainSourceHoldsOneGoroutine(t *testing.T) {
	api := newRecorder(t, nil)
	src := &hangingSource{entered: make(chan struct{}), release: make(chan struct{})}
	c, err := client.New(api.URL, client.WithTokenSource(src))
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	for i := range 500 {
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { _, err := c.Users.GetUser(cctx, "u1"); done <- err }()
		if i == 0 {
			<-src.entered
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("call %d: err = %v", i, err)
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("Token called %d times, want once", n)
	}
	waitGoroutines(t, before+1) // the callers' goroutines end; the one Token call stays
	close(src.release)
	waitGoroutines(t, before)
	if len(api.requests()) != 0 {
		t.Error("a request was sent without a token")
	}
}

// waitGoroutines waits until at most n goroutines run, failing after a generous bound.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at most %d", runtime.NumGoroutine(), n)
		}
		runtime.Gosched()
	}
}

// TestTokenEndpointInstanceNotFound: the token endpoint of a host that names no instance
// answers ZITADEL's text in plain text (recorded in client/clienttest/testdata); the call
// fails before sending, matching ErrInstanceNotFound.
func TestTokenEndpointInstanceNotFound(t *testing.T) {
	const text = "unable to set instance using origin &{127.0.0.1:8080  http} (ExternalDomain is localhost): ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. Check out https://zitadel.com/docs/apis/introduction#domains\n"
	tokenSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(404)
		io.WriteString(w, text)
	}))
	defer tokenSrv.Close()
	api := newRecorder(t, nil)
	c, err := client.New(api.URL, client.WithTokenSource(auth.ClientCredentials(ctx, tokenSrv.URL, "id", "secret")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Users.GetUser(ctx, "u1")
	if !errors.Is(err, client.ErrInstanceNotFound) || !errors.Is(err, client.ErrUnauthenticated) {
		t.Errorf("err = %v, want ErrInstanceNotFound (and ErrUnauthenticated)", err)
	}
	if errors.Is(err, client.ErrUserNotFound) || len(api.requests()) != 0 {
		t.Errorf("err = %v after %d API requests", err, len(api.requests()))
	}
}
