package bulk

import (
	"context"
	"sync"
	"time"
)

// fakeClock is a test's time: it moves only when a test advances it, or when something
// sleeps (a sleep advances it by its duration, as if the sleeper were alone).
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

func (c *fakeClock) Ticker(time.Duration) (<-chan time.Time, func()) { return nil, func() {} }
