package bench

//lint:file-ignore SA1019 the benchmarks measure the deprecated calls too, for servers older than v4

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// instance is a ZITADEL stand-in with a counting token endpoint.
type instance struct {
	*httptest.Server
	tokenRequests atomic.Int64
}

func newInstance(tb testing.TB) *instance {
	in := &instance{}
	in.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth/v2/token" {
			in.tokenRequests.Add(1)
			io.WriteString(w, `{"access_token":"access-token","token_type":"Bearer","expires_in":43199}`)
			return
		}
		io.WriteString(w, response)
	}))
	tb.Cleanup(in.Close)
	return in
}

// keyFile returns a service user's key file, as the fake ZITADEL issues it; the bench
// instance does not check assertions, so any well-formed key file will do.
func keyFile() []byte {
	srv := clienttest.NewServer()
	defer srv.Close()
	return srv.KeyFile(srv.AddServiceUser(clienttest.ServiceUser{Username: "svc"}))
}

func jwtClient(tb testing.TB, in *instance) *client.Client {
	ts, err := auth.JWTProfile(context.Background(), in.URL, keyFile())
	if err != nil {
		tb.Fatal(err)
	}
	c, err := client.New(in.URL, client.WithTokenSource(ts), client.WithHTTPClient(&http.Client{Transport: newTransport()}))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// TestColdBurstFetchesOneToken: 1,000 concurrent calls on a cold token cache make exactly
// one token request.
func TestColdBurstFetchesOneToken(t *testing.T) {
	in := newInstance(t)
	c := jwtClient(t, in)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if _, err := c.Users.SetPassword(context.Background(), userID, sdkRequest); err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if n := in.tokenRequests.Load(); n != 1 {
		t.Errorf("%d token requests for 1,000 concurrent calls, want 1", n)
	}
}

// BenchmarkSetPasswordJWT is the steady state of a JWT profile client: it reports token
// requests per call, which must be 0 once the token is cached.
func BenchmarkSetPasswordJWT(b *testing.B) {
	in := newInstance(b)
	c := jwtClient(b, in)
	ctx := context.Background()
	if _, err := c.Users.SetPassword(ctx, userID, sdkRequest); err != nil { // warm the cache
		b.Fatal(err)
	}
	before := in.tokenRequests.Load()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Users.SetPassword(ctx, userID, sdkRequest); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(in.tokenRequests.Load()-before)/float64(b.N), "token-requests/op")
}
