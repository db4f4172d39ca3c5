// Package bench compares the SDK with the floor: a minimal hand-written net/http and
// encoding/json request doing the same call against the same loopback server. See
// README.md in this directory for how to run it and the latest figures.
package bench

//lint:file-ignore SA1019 the benchmarks measure the deprecated calls too, for servers older than v4

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
)

const (
	pat      = "bench-personal-access-token"
	userID   = "300000000000000042"
	response = `{"details":{"sequence":"5","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000001"}}`
)

var sdkRequest = client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "QWERTY"}

// server answers every SetPassword like ZITADEL and counts the connections it accepts.
type server struct {
	*httptest.Server
	conns atomic.Int64
}

// newServer starts a server; the caller closes it.
func newServer(b *testing.B) *server {
	s := &server{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, response)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	return s
}

// newTransport is the transport both sides use: the default one with enough idle
// connections for the parallel benchmark, as the SDK's default client has.
func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns, t.MaxIdleConnsPerHost = 100, 100
	return t
}

// floor is the least code that makes the same call correctly.
type floor struct {
	hc  *http.Client
	url string
}

type floorRequest struct {
	NewPassword struct {
		Password string `json:"password"`
	} `json:"newPassword"`
	VerificationCode string `json:"verificationCode"`
}

type floorResponse struct {
	Details struct {
		Sequence      string `json:"sequence"`
		ChangeDate    string `json:"changeDate"`
		ResourceOwner string `json:"resourceOwner"`
	} `json:"details"`
}

func (f *floor) setPassword(ctx context.Context) error {
	var in floorRequest
	in.NewPassword.Password, in.VerificationCode = sdkRequest.NewPassword, sdkRequest.VerificationCode
	var out floorResponse
	return f.do(ctx, http.MethodPost, "/v2/users/"+userID+"/password", &in, &out)
}

func newSDK(b *testing.B, url string, opts ...client.Option) *client.Client {
	base := []client.Option{client.WithTokenSource(auth.PAT(pat)), client.WithHTTPClient(&http.Client{Transport: newTransport()})}
	c, err := client.New(url, append(base, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkSetPassword runs the call sequentially: the SDK with retries on (its default),
// with retries off, and the floor, in the same run against the same server.
func BenchmarkSetPassword(b *testing.B) {
	ctx := context.Background()
	b.Run("impl=floor", func(b *testing.B) {
		srv := newServer(b)
		defer srv.Close()
		f := &floor{hc: &http.Client{Transport: newTransport()}, url: srv.URL}
		defer f.hc.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			if err := f.setPassword(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, tc := range []struct {
		name string
		opts []client.Option
	}{{"impl=sdk", nil}, {"impl=sdk-noretry", []client.Option{client.WithoutRetries()}}} {
		b.Run(tc.name, func(b *testing.B) {
			srv := newServer(b)
			defer srv.Close()
			c := newSDK(b, srv.URL, tc.opts...)
			defer c.CloseIdleConnections()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Users.SetPassword(ctx, userID, sdkRequest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// parallelism is the number of goroutines of the parallel benchmark.
const parallelism = 64

// BenchmarkSetPasswordParallel runs the call from 64 goroutines. It reports the
// connections the server accepted while 64 goroutines warmed the pool up ("conns-warmup":
// net/http may dial a few more than 64 then, when a connection frees up while a dial is
// under way) and while the benchmark ran ("conns-run": 0 when keep-alive reuse works).
func BenchmarkSetPasswordParallel(b *testing.B) {
	ctx := context.Background()
	procs := max(1, parallelism/runtime.GOMAXPROCS(0))
	run := func(b *testing.B, srv *server, call func() error) {
		var wg sync.WaitGroup
		for range procs * runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 5 {
					if err := call(); err != nil {
						b.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		warm := srv.conns.Load()
		b.ReportAllocs()
		b.SetParallelism(procs)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := call(); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.StopTimer()
		b.ReportMetric(float64(warm), "conns-warmup")
		b.ReportMetric(float64(srv.conns.Load()-warm), "conns-run")
	}
	b.Run("impl=floor", func(b *testing.B) {
		srv := newServer(b)
		defer srv.Close()
		f := &floor{hc: &http.Client{Transport: newTransport()}, url: srv.URL}
		defer f.hc.CloseIdleConnections()
		run(b, srv, func() error { return f.setPassword(ctx) })
	})
	b.Run("impl=sdk", func(b *testing.B) {
		srv := newServer(b)
		defer srv.Close()
		c := newSDK(b, srv.URL)
		defer c.CloseIdleConnections()
		run(b, srv, func() error { _, err := c.Users.SetPassword(ctx, userID, sdkRequest); return err })
	})
}
