package bulk

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func testUsers(n int) iter.Seq[User] {
	return func(yield func(User) bool) {
		for i := range n {
			u := User{ID: fmt.Sprintf("u-%05d", i), GivenName: "G", FamilyName: "F", Email: fmt.Sprintf("u%05d@example.com", i)}
			if !yield(u) {
				return
			}
		}
	}
}

// fastRetries is a client whose own retries do not wait.
func fastRetries(srv *clienttest.Server) *client.Client {
	return srv.Client(client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Microsecond, MaxBackoff: time.Microsecond}))
}

// frozenClock never moves, and sleeping returns at once. An import on it measures no
// latency, is never held by its rate or a pause, and counts every refusal as one of a new
// round trip (no call started before a cut): only the answers move its limit, whatever
// the machine's load.
type frozenClock struct{ now time.Time }

func (c frozenClock) Now() time.Time                                 { return c.now }
func (frozenClock) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (frozenClock) Ticker(time.Duration) (<-chan time.Time, func())  { return nil, func() {} }

// limits runs an import of n users on a frozen clock, calls fault once the limit has
// reached trigger, and returns the highest limit from then to its first cut, the lowest
// after it, and the highest after that.
func limits(t *testing.T, srv *clienttest.Server, n, trigger int, fault func()) (peak, low, again int) {
	t.Helper()
	r := newRun(fastRetries(srv), Options{MaxConcurrency: 32}, frozenClock{time.Unix(1_700_000_000, 0)})
	injected := false
	low = 1 << 30
	r.results(context.Background(), testUsers(n), func(res Result) bool {
		if res.Outcome != Created {
			t.Fatalf("%s: %v %v", res.User.ID, res.Outcome, res.Err)
		}
		l := r.window.current()
		switch {
		case !injected:
			if l >= trigger {
				injected, peak = true, l
				fault()
			}
		case low == 1<<30 && l >= peak:
			peak = l
		case l < low:
			low, again = l, l
		default:
			again = max(again, l)
		}
		return true
	})
	if !injected {
		t.Fatalf("the limit never reached %d", trigger)
	}
	t.Logf("limit %d, then down to %d, then up to %d", peak, low, again)
	return peak, low, again
}

// 429s shrink the concurrency; clean answers after them grow it back.
func TestConcurrencyShrinksOn429AndRecovers(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	peak, low, last := limits(t, srv, 1500, 16, func() { srv.FailNext(12, 429) })
	if low > peak/2 {
		t.Fatalf("429s: the limit went from %d down to only %d", peak, low)
	}
	if last < peak {
		t.Fatalf("after the 429s the limit recovered to %d of %d", last, peak)
	}
	if n := srv.RequestCount("POST", "/v2/users/new"); n < 1500+12 {
		t.Fatalf("%d creates for 1500 users and 12 refusals", n)
	}
}

// ZITADEL's write conflicts (SQLSTATE 23505) shrink it too.
func TestConcurrencyShrinksOnWriteConflictsAndRecovers(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	peak, low, last := limits(t, srv, 1500, 16, func() { srv.InjectFault(clienttest.Fault{Count: 12, WriteConflict: true}) })
	if low > peak/2 {
		t.Fatalf("write conflicts: the limit went from %d down to only %d", peak, low)
	}
	if last < peak {
		t.Fatalf("after the write conflicts the limit recovered to %d of %d", last, peak)
	}
}

// When the client gives up on a refusal (its four attempts all answered 503), the importer
// tries again, a bounded number of rounds.
func TestImporterRetriesWhatTheClientGaveUpOn(t *testing.T) {
	for _, tc := range []struct {
		refusals int
		want     Outcome
	}{{4, Created}, {8, Created}, {4 * tries, Failed}} {
		srv := clienttest.NewServer()
		srv.FailNext(tc.refusals, 503)
		r := newRun(fastRetries(srv), Options{}, newFakeClock())
		var got []Result
		r.results(context.Background(), testUsers(1), func(res Result) bool {
			got = append(got, res)
			return true
		})
		srv.Close()
		if len(got) != 1 || got[0].Outcome != tc.want {
			t.Fatalf("%d refusals: %v, want one %v", tc.refusals, got, tc.want)
		}
		if tc.want == Failed && !errors.Is(got[0].Err, client.ErrUnavailable) {
			t.Fatalf("%d refusals: Failed with %v, want ErrUnavailable", tc.refusals, got[0].Err)
		}
	}
}

// Progress is called at most every 250 ms of the import's clock, and once at the end with
// the final counts.
func TestProgressEvery250msAndAtTheEnd(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	srv.AddHumanUser(clienttest.HumanUser{ID: "u-00003", Username: "someone", Email: "someone@example.com"})
	clk := newFakeClock()
	var calls []time.Time
	var got []Progress
	opts := Options{Progress: func(p Progress) {
		calls = append(calls, clk.Now())
		got = append(got, p)
	}}
	r := newRun(srv.Client(), opts, clk)
	input := func(yield func(User) bool) {
		for u := range testUsers(40) {
			if !yield(u) {
				return
			}
		}
		yield(User{ID: ""}) // Failed
	}
	// The clock moves on the goroutine that reports progress, between results, so that the
	// time Progress sees is the time the report was decided at.
	n := 0
	r.results(context.Background(), input, func(Result) bool {
		n++
		clk.Advance(100 * time.Millisecond)
		return true
	})
	if len(got) < 3 {
		t.Fatalf("%d Progress calls over %v", len(got), 41*100*time.Millisecond)
	}
	for i := 1; i < len(calls)-1; i++ {
		if d := calls[i].Sub(calls[i-1]); d < 250*time.Millisecond {
			t.Fatalf("Progress calls %d and %d %v apart", i-1, i, d)
		}
	}
	last := got[len(got)-1]
	want := Progress{Done: 41, Created: 39, Conflicts: 1, Failed: 1}
	if last.Done != want.Done || last.Created != want.Created || last.Conflicts != want.Conflicts || last.Failed != want.Failed || n != 41 {
		t.Fatalf("final progress %+v, want %+v", last, want)
	}
	if last.Concurrency < 1 || last.PerSecond <= 0 {
		t.Fatalf("final progress %+v: no concurrency or rate", last)
	}
}

// Refused credentials end the import: every further call would be refused too.
func TestRefusedCredentialsStopTheImport(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client(client.WithTokenSource(nil), client.WithoutRetries())
	var got []Result
	newRun(c, Options{MaxConcurrency: 1}, newFakeClock()).results(context.Background(), testUsers(500), func(res Result) bool {
		got = append(got, res)
		return true
	})
	if len(got) == 0 || len(got) > 10 {
		t.Fatalf("%d results for 500 users with refused credentials, want the few in flight", len(got))
	}
	if !errors.Is(got[0].Err, client.ErrUnauthenticated) {
		t.Fatalf("first result %v, want ErrUnauthenticated", got[0].Err)
	}
}

func TestNilClientFailsEveryUser(t *testing.T) {
	n := 0
	for r := range Import(context.Background(), nil, testUsers(3), Options{}) {
		if r.Outcome != Failed || r.Err == nil {
			t.Fatalf("%v %v", r.Outcome, r.Err)
		}
		n++
	}
	if n != 3 {
		t.Fatalf("%d results", n)
	}
}
