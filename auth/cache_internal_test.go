package auth

import (
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

func TestCacheRefreshesAheadOfExpiry(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var fetches atomic.Int32
	c := newCache(func() (*oauth2.Token, error) {
		n := fetches.Add(1)
		return &oauth2.Token{AccessToken: string(rune('a' + n)), Expiry: clock.Now().Add(time.Hour)}, nil
	})
	c.now = clock.Now

	first, _ := c.Token()
	clock.Add(58*time.Minute + 59*time.Second) // 61s before expiry: still fresh
	if tok, _ := c.Token(); tok != first || fetches.Load() != 1 {
		t.Fatalf("refreshed too early: %d fetches", fetches.Load())
	}
	clock.Add(2 * time.Second) // 59s before expiry: inside the one-minute margin
	second, _ := c.Token()
	if second == first || fetches.Load() != 2 {
		t.Fatalf("not refreshed inside the margin: %d fetches", fetches.Load())
	}
}

func TestCacheMarginForShortLivedTokens(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	var fetches atomic.Int32
	c := newCache(func() (*oauth2.Token, error) {
		fetches.Add(1)
		return &oauth2.Token{AccessToken: "t", Expiry: clock.Now().Add(100 * time.Second)}, nil
	})
	c.now = clock.Now
	c.Token()
	clock.Add(89 * time.Second) // the margin is a tenth of the lifetime: 10s
	c.Token()
	if fetches.Load() != 1 {
		t.Fatalf("%d fetches after 89s of 100s", fetches.Load())
	}
	clock.Add(2 * time.Second)
	c.Token()
	if fetches.Load() != 2 {
		t.Fatalf("%d fetches after 91s of 100s", fetches.Load())
	}
}

func TestCacheTokenWithoutExpiryIsKept(t *testing.T) {
	var fetches atomic.Int32
	c := newCache(func() (*oauth2.Token, error) { fetches.Add(1); return &oauth2.Token{AccessToken: "t"}, nil })
	c.Token()
	c.Token()
	if fetches.Load() != 1 {
		t.Fatalf("%d fetches", fetches.Load())
	}
}

func TestCacheSharesAFailure(t *testing.T) {
	release := make(chan struct{})
	var fetches atomic.Int32
	boom := errors.New("endpoint down")
	c := newCache(func() (*oauth2.Token, error) {
		fetches.Add(1)
		<-release
		return nil, boom
	})
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Token(); errors.Is(err, boom) {
				failed.Add(1)
			}
		}()
	}
	// Let the callers pile up behind the first fetch before it fails.
	for c.waiting() == nil {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(2 * time.Millisecond)
	close(release)
	wg.Wait()
	if failed.Load() != 50 {
		t.Errorf("%d callers saw the failure, want 50", failed.Load())
	}
	if n := fetches.Load(); n >= 50 {
		t.Errorf("%d fetches for 50 concurrent callers", n)
	}
	// The failure is not cached: the next call tries again.
	if _, err := c.Token(); !errors.Is(err, boom) || fetches.Load() < 2 {
		t.Errorf("failure cached: %v, %d fetches", err, fetches.Load())
	}
}

func (c *cache) waiting() *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.flight
}
