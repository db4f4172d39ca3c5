package bench

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/bulk"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/crypto/bcrypt"
)

// importUsers is the input size of the import benchmarks; BULK_USERS overrides it (the
// rate-limited runs take users/50 seconds each).
func importUsers() int {
	if n, err := strconv.Atoi(os.Getenv("BULK_USERS")); err == nil && n > 0 {
		return n
	}
	return 2000
}

var bulkHash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("Imported-Passw0rd!"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

// bulkInput yields n users with bcrypt hashes, made as they are read: the input holds no
// memory of its own.
func bulkInput(n int) iter.Seq[bulk.User] {
	return func(yield func(bulk.User) bool) {
		for i := range n {
			u := bulk.User{
				ID: fmt.Sprintf("bench-%07d", i), Username: fmt.Sprintf("bench%07d", i),
				GivenName: "Bench", FamilyName: "User", Email: fmt.Sprintf("bench%07d@example.com", i),
				EmailVerified: true, PasswordHash: bulkHash,
			}
			if !yield(u) {
				return
			}
		}
	}
}

// fixedPool creates the users with n goroutines calling CreateUser: the best a caller
// does by hand at a fixed concurrency.
func fixedPool(ctx context.Context, c *client.Client, users iter.Seq[bulk.User], n int) (failed int) {
	jobs := make(chan bulk.User)
	var wg sync.WaitGroup
	var fails atomic.Int64
	for range n {
		wg.Go(func() {
			for u := range jobs {
				_, err := c.Users.CreateUser(ctx, client.CreateUserRequest{UserID: u.ID, Username: u.Username,
					GivenName: u.GivenName, FamilyName: u.FamilyName, Email: u.Email, EmailVerified: u.EmailVerified,
					PasswordHash: u.PasswordHash})
				if err != nil {
					fails.Add(1)
				}
			}
		})
	}
	for u := range users {
		jobs <- u
	}
	close(jobs)
	wg.Wait()
	return int(fails.Load())
}

// runImport imports the users with bulk.Import and returns the results that are not
// Created, and the last progress.
func runImport(ctx context.Context, c *client.Client, users iter.Seq[bulk.User], opts bulk.Options) (bad int, last bulk.Progress) {
	opts.Progress = func(p bulk.Progress) { last = p }
	for r := range bulk.Import(ctx, c, users, opts) {
		if r.Outcome != bulk.Created {
			bad++
		}
	}
	return bad, last
}

// importRun is one measured import against a fresh fake.
type importRun struct {
	elapsed  time.Duration
	requests int // API requests the fake received
	refused  int // of them answered 429
	bad      int // users not created
	conc     int // the import's concurrency limit at the end
}

func measure(b *testing.B, n int, srvOpts []clienttest.ServerOption, do func(*client.Client) (bad, conc int)) importRun {
	b.StopTimer()
	srv := clienttest.NewServer(srvOpts...)
	defer srv.Close()
	c := srv.Client()
	runtime.GC()
	b.StartTimer()
	start := time.Now()
	bad, conc := do(c)
	run := importRun{elapsed: time.Since(start), bad: bad, conc: conc}
	b.StopTimer()
	for _, r := range srv.Requests() {
		if len(r.Path) > 4 && (r.Path[:4] == "/v2/" || r.Path[:4] == "/aut") {
			run.requests++
			if r.Status == http.StatusTooManyRequests {
				run.refused++
			}
		}
	}
	if run.bad > 0 {
		b.Fatalf("%d of %d users not created", run.bad, n)
	}
	b.StartTimer()
	return run
}

// report turns runs into metrics: users/s over all runs, and the 429 share.
func report(b *testing.B, n int, runs []importRun) {
	var total time.Duration
	requests, refused, conc := 0, 0, 0
	for _, r := range runs {
		total += r.elapsed
		requests += r.requests
		refused += r.refused
		conc += r.conc
	}
	b.ReportMetric(float64(n*len(runs))/total.Seconds(), "users/s")
	b.ReportMetric(float64(requests)/float64(len(runs)*n), "requests/user")
	b.ReportMetric(100*float64(refused)/float64(max(requests, 1)), "429-%")
	if conc > 0 {
		b.ReportMetric(float64(conc)/float64(len(runs)), "final-concurrency")
	}
	b.ReportMetric(0, "ns/op") // an op is a whole import; users/s says it
}

// BenchmarkImport: 2,000 users against the fake 20 ms away, no rate limit: Import against
// the sweep of fixed concurrencies.
func BenchmarkImport(b *testing.B) {
	n := importUsers()
	latency := []clienttest.ServerOption{clienttest.WithLatency(20 * time.Millisecond)}
	for _, k := range []int{1, 4, 16, 64} {
		b.Run(fmt.Sprintf("impl=fixed-%d", k), func(b *testing.B) {
			var runs []importRun
			for range b.N {
				runs = append(runs, measure(b, n, latency, func(c *client.Client) (int, int) {
					return fixedPool(context.Background(), c, bulkInput(n), k), 0
				}))
			}
			report(b, n, runs)
		})
	}
	b.Run("impl=import", func(b *testing.B) {
		var runs []importRun
		for range b.N {
			runs = append(runs, measure(b, n, latency, func(c *client.Client) (int, int) {
				bad, p := runImport(context.Background(), c, bulkInput(n), bulk.Options{MaxConcurrency: 64})
				return bad, p.Concurrency
			}))
		}
		report(b, n, runs)
	})
}

// BenchmarkImportRateLimited: the same against a fake that answers 429 beyond 50
// requests/s, as ZITADEL Cloud: told the limit (RateLimit: 50) and not told.
func BenchmarkImportRateLimited(b *testing.B) {
	n := importUsers()
	opts := []clienttest.ServerOption{clienttest.WithLatency(20 * time.Millisecond), clienttest.WithRateLimit(50)}
	for _, tc := range []struct {
		name string
		rate float64
	}{{"told", 50}, {"learned", 0}} {
		b.Run("limit="+tc.name, func(b *testing.B) {
			var runs []importRun
			for range b.N {
				runs = append(runs, measure(b, n, opts, func(c *client.Client) (int, int) {
					bad, p := runImport(context.Background(), c, bulkInput(n), bulk.Options{RateLimit: tc.rate})
					return bad, p.Concurrency
				}))
			}
			report(b, n, runs)
		})
	}
}

// BenchmarkImportMemory: the importer's memory for 10,000 and 100,000 users, against a
// server that keeps nothing (so that the heap is the importer's, not a fake's store of
// users): bytes allocated per user, the highest live heap while it runs, and the heap
// after it, which must not grow with the input.
func BenchmarkImportMemory(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			srv := statelessServer()
			defer srv.Close()
			c, err := client.New(srv.URL, client.WithTokenSource(auth.PAT(pat)), client.WithOrgID("300000000000000001"))
			if err != nil {
				b.Fatal(err)
			}
			var peak, end, allocated uint64
			for range b.N {
				var before runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				stop := samplePeak(&peak)
				bad, _ := runImport(context.Background(), c, bulkInput(n), bulk.Options{})
				stop()
				if bad > 0 {
					b.Fatalf("%d users not created", bad)
				}
				var after runtime.MemStats
				runtime.ReadMemStats(&after)
				allocated += after.TotalAlloc - before.TotalAlloc
				runtime.GC()
				runtime.ReadMemStats(&after)
				end = max(end, after.HeapAlloc)
			}
			b.ReportMetric(float64(allocated)/float64(b.N*n), "B/user")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(end)/(1<<20), "end-heap-MiB")
			b.ReportMetric(0, "ns/op")
		})
	}
}

// samplePeak records the highest live heap every 5 ms until stop is called.
func samplePeak(peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-t.C:
				runtime.ReadMemStats(&m)
				*peak = max(*peak, m.HeapAlloc)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// statelessServer answers every CreateUser as ZITADEL does, and keeps nothing.
func statelessServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"300000000000000099","creationDate":"2026-12-01T12:00:00Z"}`)
	}))
}
