package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)} }

// guard bounds every wait of these tests, so that a bug fails the test instead of hanging
// it; none of them waits for it to pass.
const guard = 10 * time.Second

// flightLog records the fetches a cache starts. A fetch starts synchronously inside the
// call that needs it, so once that call has returned, its fetch is in the log.
type flightLog struct {
	mu      sync.Mutex
	flights []*flight
}

// watch makes c record its fetches in a new flightLog.
func watch(c *cache) *flightLog {
	l := &flightLog{}
	c.onStart = func(f *flight) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.flights = append(l.flights, f)
	}
	return l
}

// started returns the fetches started so far.
func (l *flightLog) started() []*flight {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*flight(nil), l.flights...)
}

// settle waits until every fetch started so far has ended and its result is stored:
// background fetches run on their own goroutine.
func (l *flightLog) settle(t *testing.T) {
	t.Helper()
	for _, f := range l.started() {
		ended(t, f)
	}
}

// ended waits for f to end.
func ended(t *testing.T, f *flight) {
	t.Helper()
	select {
	case <-f.done:
	case <-time.After(guard):
		t.Fatal("a fetch did not end")
	}
}

// joins returns a channel that receives a value each time a caller of c begins to wait
// for a fetch; it holds up to n values.
func joins(c *cache, n int) <-chan *flight {
	ch := make(chan *flight, n)
	c.onJoin = func(f *flight) { ch <- f }
	return ch
}

func (c *cache) waiting() *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flight
}

func (c *cache) waitersOf() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flight == nil {
		return 0
	}
	return c.flight.waiters
}

// scriptedFetch answers fetch n with results[n] (the last one repeats), each token valid
// for life on the clock; release, when not nil, holds each fetch until it is closed.
type scriptedFetch struct {
	clock   *fakeClock
	life    time.Duration
	fail    []bool
	release chan struct{}
	calls   atomic.Int32
}

var errDown = errors.New("endpoint down")

func (f *scriptedFetch) fetch(ctx context.Context) (*oauth2.Token, error) {
	n := int(f.calls.Add(1))
	if f.release != nil {
		select {
		case <-f.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if n-1 < len(f.fail) && f.fail[n-1] {
		return nil, errDown
	}
	return &oauth2.Token{AccessToken: string(rune('a' + n)), Expiry: f.clock.Now().Add(f.life)}, nil
}

func TestCacheRefreshesInTheBackground(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Hour}
	c := newCache(f.fetch)
	c.now = clock.Now
	log := watch(c)
	first, err := c.Token()
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(58*time.Minute + 59*time.Second) // 61s before expiry: fresh
	if tok, _ := c.Token(); tok != first || len(log.started()) != 1 {
		t.Fatalf("refreshed too early: %d fetches", len(log.started()))
	}
	// 59s before expiry: inside the one-minute window. The fetch hangs, and still no
	// caller waits for it: they all get the valid token at once.
	clock.Add(2 * time.Second)
	f.release = make(chan struct{})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tok, err := c.TokenContext(context.Background()); tok != first || err != nil {
				t.Errorf("a caller got %v, %v during the refresh", tok, err)
			}
		}()
	}
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(guard): // the callers wait for the held fetch: fail, not hang
		close(f.release)
		t.Fatal("callers blocked at the refresh point")
	}
	// Every caller has returned, so every fetch they started is in the log: exactly one
	// refresh, still running in the background.
	flights := log.started()
	if len(flights) != 2 || !flights[1].background || c.waiting() != flights[1] {
		t.Fatalf("%d fetches started, want the first and 1 running background refresh", len(flights))
	}
	close(f.release)
	log.settle(t)
	if second, _ := c.Token(); second == first || second.AccessToken != "c" || f.calls.Load() != 2 {
		t.Errorf("after the refresh: %v, %d fetches", second, f.calls.Load())
	}
}

func TestCacheRetriesAFailedBackgroundRefreshBeforeExpiry(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Hour, fail: []bool{false, true}}
	c := newCache(f.fetch)
	c.now = clock.Now
	log := watch(c)
	first, _ := c.Token()
	clock.Add(59*time.Minute + 30*time.Second) // 30s left
	if tok, err := c.Token(); tok != first || err != nil {
		t.Fatalf("in the window: %v, %v", tok, err)
	}
	log.settle(t) // the refresh failed
	if flights := log.started(); len(flights) != 2 || !errors.Is(flights[1].err, errDown) {
		t.Fatalf("%d fetches, want a failed refresh", len(flights))
	}
	if tok, err := c.Token(); tok != first || err != nil || len(log.started()) != 2 {
		t.Fatalf("right after the failure: %v, %v, %d fetches (want no new fetch yet)", tok, err, len(log.started()))
	}
	clock.Add(maxRetryWait) // 20s left
	if tok, _ := c.Token(); tok != first {
		t.Fatal("the valid token was not kept while retrying")
	}
	log.settle(t)
	if n := len(log.started()); n != 3 || f.calls.Load() != 3 {
		t.Fatalf("%d fetches, want the retry", n)
	}
	if tok, _ := c.Token(); tok == first {
		t.Error("the retry's token was not taken")
	}
}

func TestCacheMarginForShortLivedTokens(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: 100 * time.Second}
	c := newCache(f.fetch)
	c.now = clock.Now
	log := watch(c)
	c.Token()
	clock.Add(89 * time.Second) // the margin is a tenth of the lifetime: 10s
	c.Token()
	log.settle(t)
	if n := len(log.started()); n != 1 || f.calls.Load() != 1 {
		t.Fatalf("%d fetches after 89s of 100s", n)
	}
	clock.Add(2 * time.Second)
	c.Token()
	log.settle(t)
	if n := len(log.started()); n != 2 || f.calls.Load() != 2 {
		t.Fatalf("%d fetches after 91s of 100s", n)
	}
}

func TestCacheExpiredTokenWaitsForAFetch(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Minute}
	c := newCache(f.fetch)
	c.now = clock.Now
	first, _ := c.Token()
	clock.Add(2 * time.Minute)
	tok, err := c.Token()
	if err != nil || tok == first {
		t.Fatalf("an expired token was served: %v, %v", tok, err)
	}
}

func TestCacheTokenWithoutExpiryIsKept(t *testing.T) {
	var fetches atomic.Int32
	c := newCache(func(context.Context) (*oauth2.Token, error) {
		fetches.Add(1)
		return &oauth2.Token{AccessToken: "t"}, nil
	})
	log := watch(c)
	c.Token()
	c.Token()
	log.settle(t)
	if len(log.started()) != 1 || fetches.Load() != 1 {
		t.Fatalf("%d fetches", fetches.Load())
	}
}

func TestCacheSharesAFailure(t *testing.T) {
	release := make(chan struct{})
	var fetches atomic.Int32
	c := newCache(func(context.Context) (*oauth2.Token, error) {
		fetches.Add(1)
		<-release
		return nil, errDown
	})
	joined := joins(c, 50)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Token(); errors.Is(err, errDown) {
				failed.Add(1)
			}
		}()
	}
	for i := range 50 {
		select {
		case <-joined:
		case <-time.After(guard):
			close(release)
			t.Fatalf("%d of 50 callers waited for the fetch", i)
		}
	}
	if n := c.waitersOf(); n != 50 {
		t.Fatalf("%d callers wait for the fetch, want 50", n)
	}
	close(release)
	wg.Wait()
	if failed.Load() != 50 || fetches.Load() != 1 {
		t.Errorf("%d callers saw the failure of %d fetches, want 50 of 1", failed.Load(), fetches.Load())
	}
	// The failure is not cached: the next call tries again.
	if _, err := c.Token(); !errors.Is(err, errDown) || fetches.Load() != 2 {
		t.Errorf("failure cached: %v, %d fetches", err, fetches.Load())
	}
}

// testDeadline is a context whose deadline passes when the test calls expire: Done closes
// and Err is context.DeadlineExceeded, as for context.WithDeadline, at a point the test
// chooses.
type testDeadline struct {
	context.Context
	done chan struct{}
}

func newTestDeadline() *testDeadline {
	return &testDeadline{Context: context.Background(), done: make(chan struct{})}
}

func (c *testDeadline) Done() <-chan struct{} { return c.done }
func (c *testDeadline) expire()               { close(c.done) }
func (c *testDeadline) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

// TestCallersLeaveAtTheirOwnDeadline: callers share a fetch that hangs; each leaves at
// its own deadline with context.DeadlineExceeded (or context.Canceled), the fetch goes on
// while anyone waits for it and is canceled when the last waiter leaves, and once the
// endpoint recovers the next call gets a token.
func TestCallersLeaveAtTheirOwnDeadline(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Hour, release: make(chan struct{})}
	defer func() {
		select {
		case <-f.release:
		default:
			close(f.release)
		}
	}()
	c := newCache(f.fetch)
	c.now = clock.Now
	log := watch(c)
	joined := joins(c, 32)

	// A caller whose context has ended leaves at once, and as the only waiter cancels the
	// fetch it started.
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.TokenContext(canceled); !errors.Is(err, context.Canceled) {
		t.Fatalf("a canceled caller: %v, want context.Canceled", err)
	}
	<-joined
	first := log.started()[0]
	if c.waiting() != nil {
		t.Fatal("the abandoned fetch is still the one callers join")
	}
	ended(t, first)
	if !errors.Is(first.err, context.Canceled) {
		t.Fatalf("the abandoned fetch ended with %v, want it canceled", first.err)
	}

	// 19 callers share the next fetch.
	const n = 19
	ctxs := make([]*testDeadline, n)
	errs := make([]chan error, n)
	for i := range n {
		ctxs[i], errs[i] = newTestDeadline(), make(chan error, 1)
		go func() {
			_, err := c.TokenContext(ctxs[i])
			errs[i] <- err
		}()
		<-joined
	}
	flights := log.started()
	if len(flights) != 2 || c.waitersOf() != n {
		t.Fatalf("%d fetches for %d waiters, want 1 shared fetch after the canceled one", len(flights)-1, c.waitersOf())
	}
	shared := flights[1]

	// One more joins with a real deadline, and leaves at it; the others still wait.
	short, cancelShort := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancelShort()
	if _, err := c.TokenContext(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a caller with a 1ms deadline: %v, want context.DeadlineExceeded", err)
	}
	<-joined

	// Each leaves at its own deadline; the fetch lives while anyone waits.
	for i := range n {
		ctxs[i].expire()
		select {
		case err := <-errs[i]:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("caller %d: %v, want context.DeadlineExceeded", i, err)
			}
		case <-time.After(guard):
			t.Fatalf("caller %d did not leave at its deadline", i)
		}
		if i < n-1 && (c.waiting() != shared || c.waitersOf() != n-1-i) {
			t.Fatalf("after %d of %d waiters left, the fetch was dropped", i+1, n)
		}
	}
	if c.waiting() != nil {
		t.Fatal("the last waiter left, and the fetch is still the one callers join")
	}
	ended(t, shared)
	if !errors.Is(shared.err, context.Canceled) {
		t.Fatalf("the abandoned fetch ended with %v, want it canceled", shared.err)
	}
	if fetches := f.calls.Load(); fetches != 2 {
		t.Errorf("%d fetches, want 2 (both canceled)", fetches)
	}

	close(f.release) // the endpoint recovers
	tok, err := c.TokenContext(context.Background())
	if err != nil || tok == nil || len(log.started()) != 3 || f.calls.Load() != 3 {
		t.Fatalf("after recovery: %v, %v after %d fetches", tok, err, f.calls.Load())
	}
}
