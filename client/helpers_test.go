package client_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// recorded is one request as the server saw it.
type recorded struct {
	Method     string
	RequestURI string
	Header     http.Header
	Body       string
}

// recorder is an httptest server that records every request and answers with reply.
type recorder struct {
	*httptest.Server
	mu    sync.Mutex
	reqs  []recorded
	reply http.HandlerFunc
}

const okDetails = `{"details":{"sequence":"3","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"org1"}}`

func newRecorder(t *testing.T, reply http.HandlerFunc) *recorder {
	t.Helper()
	r := &recorder{reply: reply}
	if r.reply == nil {
		r.reply = respond(200, okDetails)
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, recorded{req.Method, req.RequestURI, req.Header.Clone(), string(b)})
		r.mu.Unlock()
		r.reply(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.reqs...)
}

func (r *recorder) last(t *testing.T) recorded {
	t.Helper()
	reqs := r.requests()
	if len(reqs) == 0 {
		t.Fatal("server saw no request")
	}
	return reqs[len(reqs)-1]
}

// client returns a client for the recorder with a static token and no retries unless
// opts say otherwise.
func (r *recorder) client(t *testing.T, opts ...client.Option) *client.Client {
	t.Helper()
	base := []client.Option{client.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken}))}
	c, err := client.New(r.URL, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const testToken = "tok-Sup3rSecretAccessToken"

// respond answers with status and a JSON body, and an X-Request-Id.
func respond(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "req-42")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}
