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

// settle waits until no fetch is running: background fetches run on their own goroutine.
func (c *cache) settle(t *testing.T) {
	t.Helper()
	for range 5000 {
		if c.waiting() == nil {
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
	t.Fatal("a fetch did not end")
}

func (c *cache) waiting() *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flight
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
	first, err := c.Token()
	if err != nil {
		t.Fatal(err)
	}
	clock.Add(58*time.Minute + 59*time.Second) // 61s before expiry: fresh
	if tok, _ := c.Token(); tok != first || f.calls.Load() != 1 {
		t.Fatalf("refreshed too early: %d fetches", f.calls.Load())
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
	case <-time.After(5 * time.Second): // the callers wait for the held fetch: fail, not hang
		close(f.release)
		t.Fatal("callers blocked at the refresh point")
	}
	for i := 0; f.calls.Load() < 2 && i < 5000; i++ {
		time.Sleep(100 * time.Microsecond) // the refresh starts on its own goroutine
	}
	if n := f.calls.Load(); n != 2 || c.waiting() == nil {
		t.Errorf("%d fetches, want 1 running background refresh", n-1)
	}
	close(f.release)
	c.settle(t)
	if second, _ := c.Token(); second == first || second.AccessToken != "c" {
		t.Errorf("after the refresh: %v", second)
	}
}

func TestCacheRetriesAFailedBackgroundRefreshBeforeExpiry(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Hour, fail: []bool{false, true}}
	c := newCache(f.fetch)
	c.now = clock.Now
	first, _ := c.Token()
	clock.Add(59*time.Minute + 30*time.Second) // 30s left
	if tok, err := c.Token(); tok != first || err != nil {
		t.Fatalf("in the window: %v, %v", tok, err)
	}
	c.settle(t) // the refresh failed
	if tok, err := c.Token(); tok != first || err != nil || f.calls.Load() != 2 {
		t.Fatalf("right after the failure: %v, %v, %d fetches (want no new fetch yet)", tok, err, f.calls.Load())
	}
	clock.Add(maxRetryWait) // 20s left
	if tok, _ := c.Token(); tok != first {
		t.Fatal("the valid token was not kept while retrying")
	}
	c.settle(t)
	if f.calls.Load() != 3 {
		t.Fatalf("%d fetches, want the retry", f.calls.Load())
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
	c.Token()
	clock.Add(89 * time.Second) // the margin is a tenth of the lifetime: 10s
	c.Token()
	c.settle(t)
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("%d fetches after 89s of 100s", n)
	}
	clock.Add(2 * time.Second)
	c.Token()
	c.settle(t)
	if n := f.calls.Load(); n != 2 {
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
	c.Token()
	c.Token()
	c.settle(t)
	if fetches.Load() != 1 {
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
	for c.waitersOf() < 50 {
		time.Sleep(100 * time.Microsecond)
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

func (c *cache) waitersOf() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.flight == nil {
		return 0
	}
	return c.flight.waiters
}

// TestCallersLeaveAtTheirOwnDeadline: 20 callers share a fetch that hangs; each leaves at
// its own deadline with context.DeadlineExceeded (or context.Canceled), the abandoned
// fetch is canceled, and once the endpoint recovers the next call gets a token.
func TestCallersLeaveAtTheirOwnDeadline(t *testing.T) {
	clock := newClock()
	f := &scriptedFetch{clock: clock, life: time.Hour, release: make(chan struct{})}
	var canceled atomic.Int32
	c := newCache(func(ctx context.Context) (*oauth2.Token, error) {
		tok, err := f.fetch(ctx)
		if ctx.Err() != nil {
			canceled.Add(1)
		}
		return tok, err
	})
	c.now = clock.Now
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(2+i%4)*time.Millisecond)
			defer cancel()
			if i == 0 {
				var cancelNow context.CancelFunc
				ctx, cancelNow = context.WithCancel(context.Background())
				cancelNow()
			}
			_, errs[i] = c.TokenContext(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		want := context.DeadlineExceeded
		if i == 0 {
			want = context.Canceled
		}
		if !errors.Is(err, want) {
			t.Errorf("caller %d: %v, want %v", i, err, want)
		}
	}
	for i := 0; canceled.Load() < f.calls.Load() && i < 5000; i++ {
		time.Sleep(100 * time.Microsecond) // the canceled fetch ends on its own goroutine
	}
	// Callers that arrive together share one fetch; should the scheduler let every waiter
	// leave before the next arrives, that one starts another. Either way no abandoned fetch
	// lives on.
	fetches := f.calls.Load()
	if fetches < 1 || fetches > 3 || canceled.Load() != fetches {
		t.Errorf("%d fetches, %d canceled; want every abandoned fetch canceled", fetches, canceled.Load())
	}
	close(f.release) // the endpoint recovers
	tok, err := c.TokenContext(context.Background())
	if err != nil || tok == nil || f.calls.Load() != fetches+1 {
		t.Fatalf("after recovery: %v, %v after %d fetches", tok, err, f.calls.Load())
	}
}
