package bulk

import (
	"context"
	"sync"
	"time"
)

// The concurrency limit's constants; the package documentation explains the algorithm.
const (
	initialLimit = 8 // low enough for any server, and max (64) is three round trips away
	// lossFactor cuts the limit on a refusal: 429, 503, a write conflict, a timeout.
	lossFactor = 0.5
	// delayFactor cuts the limit when answers queue: latency at cutRatio × its baseline.
	delayFactor = 0.9
	holdRatio   = 1.5 // latency this far above its baseline: stop growing
	cutRatio    = 2.0 // and this far: shrink
	// latencyBucket is how many samples of a kind make one bucket of the windowed
	// minimum; the baseline is the minimum over the last one or two buckets.
	latencyBucket = 256
	latencyGain   = 0.25 // weight of a new sample in the smoothed latency ratio
	// minBaseline is the least baseline latency: a queue that adds less than a few
	// milliseconds is no congestion, and on a fast network the noise of sub-millisecond
	// answers would otherwise read as one.
	minBaseline = 5 * time.Millisecond
)

// window is the adaptive limit on calls in flight. Only the dispatcher acquires slots; the
// workers release them and report what each call saw.
type window struct {
	clock clock

	mu       sync.Mutex
	limit    float64
	max      float64
	slow     bool          // slow start: one more per clean answer, until the first sign of congestion
	inflight int           // slots taken: calls in flight or waiting at the gate
	active   int           // calls past the gate, on the wire
	cutAt    time.Time     // the last cut: calls that started before it saw the old limit
	free     chan struct{} // closed when a slot frees or the limit grows
	lat      [kinds]latency
}

func newWindow(c clock, max int) *window {
	return &window{clock: c, limit: float64(min(initialLimit, max)), max: float64(max), slow: true, free: make(chan struct{})}
}

// acquire waits for a slot and returns when the call may start.
func (w *window) acquire(ctx context.Context) error {
	for {
		w.mu.Lock()
		if w.inflight < int(w.limit) {
			w.inflight++
			w.mu.Unlock()
			return nil
		}
		free := w.free
		w.mu.Unlock()
		select {
		case <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release frees a slot.
func (w *window) release() {
	w.mu.Lock()
	w.inflight--
	w.wake()
	w.mu.Unlock()
}

// wake lets a waiting acquire look again.
func (w *window) wake() {
	close(w.free)
	w.free = make(chan struct{})
}

// current returns the limit as a number of calls.
func (w *window) current() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return int(w.limit)
}

// begin marks a call past the gate; observe (or end) ends it.
func (w *window) begin() {
	w.mu.Lock()
	w.active++
	w.mu.Unlock()
}

// end ends a call that tells nothing about the server (the import's context ended).
func (w *window) end() {
	w.mu.Lock()
	w.active--
	w.mu.Unlock()
}

// sample is what one call saw.
type sample struct {
	started time.Time // when the call began
	kind    kind
	// latency is the time from sending the last attempt to its answer; 0 when not
	// measured (no answer, or a transport that reports no trace).
	latency time.Duration
	// congested: an attempt was refused (429, 503, a write conflict) or got no answer.
	congested bool
}

// observe ends a call begun with begin and adjusts the limit to its sample: AIMD on
// refusals, a latency gradient on delay (see the package documentation).
func (w *window) observe(s sample) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// The window is in use when at least half of it is on the wire: growing a limit the
	// import does not reach (a slow input, a rate limit that holds calls at the gate)
	// would only let a later burst through.
	used := float64(w.active) >= w.limit/2
	w.active--
	switch {
	case s.congested:
		w.cut(s.started, lossFactor)
		return
	case s.latency > 0:
		switch r := w.lat[s.kind].observe(s.latency); {
		case r >= cutRatio:
			w.cut(s.started, delayFactor)
			return
		case r >= holdRatio:
			w.slow = false
			return
		}
	}
	if used {
		w.grow()
	}
}

// cut shrinks the limit by factor, once per round trip: a call that started before the
// last cut reports on the limit before it, which that cut already answered.
func (w *window) cut(started time.Time, factor float64) {
	if started.Before(w.cutAt) {
		return
	}
	w.limit = max(1, w.limit*factor)
	w.slow = false
	w.cutAt = w.clock.Now()
}

// grow raises the limit: by one per clean answer in slow start (doubling it each round
// trip), else by one per round trip (1/limit per answer).
func (w *window) grow() {
	old := int(w.limit)
	if w.slow {
		w.limit++
	} else {
		w.limit += 1 / w.limit
	}
	w.limit = min(w.limit, w.max)
	if int(w.limit) > old {
		w.wake()
	}
}

// latency tracks one kind's latency: its baseline is a windowed minimum, and ratio is the
// smoothed ratio of new samples to it.
type latency struct {
	cur, prev time.Duration // minimum of the current and the previous bucket; 0 = none
	n         int
	ratio     float64
}

// observe adds a sample and returns the smoothed ratio of latency to the baseline.
func (l *latency) observe(d time.Duration) float64 {
	if l.cur == 0 || d < l.cur {
		l.cur = d
	}
	base := l.cur
	if l.prev != 0 && l.prev < base {
		base = l.prev
	}
	if l.n++; l.n == latencyBucket {
		l.prev, l.cur, l.n = l.cur, 0, 0
	}
	r := float64(d) / float64(max(base, minBaseline))
	if l.ratio == 0 {
		l.ratio = r
	} else {
		l.ratio += latencyGain * (r - l.ratio)
	}
	return l.ratio
}
