package auth_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	keyOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	return rsaKey
}

func pkcs1PEM(k *rsa.PrivateKey) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)}))
}

func pkcs8PEM(t testing.TB, k any) string {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

func keyFileJSON(fields map[string]any) []byte {
	b, _ := json.Marshal(fields)
	return b
}

func serviceAccountKey(t testing.TB) []byte {
	return keyFileJSON(map[string]any{"type": "serviceaccount", "keyId": "key-1", "key": pkcs1PEM(testKey(t)), "userId": "user-1"})
}

// tokenRequest is what the token endpoint saw.
type tokenRequest struct {
	Path   string
	Header http.Header
	Form   url.Values
}

// tokenServer is a counting OAuth token endpoint.
type tokenServer struct {
	*httptest.Server
	count   atomic.Int32
	mu      sync.Mutex
	last    tokenRequest
	status  int
	body    string
	release chan struct{} // when not nil, requests wait for it
}

func newTokenServer(t *testing.T) *tokenServer {
	ts := &tokenServer{status: 200, body: `{"access_token":"at-1","token_type":"Bearer","expires_in":43199}`}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.count.Add(1)
		raw, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(raw))
		ts.mu.Lock()
		ts.last = tokenRequest{r.URL.Path, r.Header.Clone(), form}
		status, body, release := ts.status, ts.body, ts.release
		ts.mu.Unlock()
		if release != nil {
			<-release
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		if status == 200 && body == "" {
			body = `{"access_token":"at-` + string(rune('0'+n)) + `","token_type":"Bearer","expires_in":3600}`
		}
		io.WriteString(w, body)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) set(status int, body string) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.status, ts.body = status, body
}

func (ts *tokenServer) lastRequest() tokenRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.last
}
