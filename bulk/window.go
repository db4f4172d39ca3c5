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
	// staleAfter is how many samples in a row, with the limit at its floor of one call,
	// must stay congested before the baseline is taken for stale: with one call in flight
	// nothing of the import queues, so the server itself has become slower.
	staleAfter  = 32
	latencyGain = 0.25 // weight of a new sample in the smoothed latency ratio
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
	slow     bool // slow start: one more per clean answer, until the first sign of congestion
	inflight int  // slots taken: calls in flight or waiting at the gate
	active   int  // calls past the gate, on the wire
	// probing counts the calls in flight of a kind that must measure its baseline alone.
	probing [kinds]int
	// answered says a call of the kind was answered without congestion. An answer that
	// did no work (a rerun's "exists") sets no baseline, but ends the rule that the kind's
	// first call goes alone: a rerun whose users all exist would go one at a time.
	answered [kinds]bool
	cutAt    time.Time     // the last cut: calls that started before it saw the old limit
	free     chan struct{} // closed when a slot frees or the limit grows
	lat      [kinds]latency
}

func newWindow(c clock, max int) *window {
	return &window{clock: c, limit: float64(min(initialLimit, max)), max: float64(max), slow: true, free: make(chan struct{})}
}

// acquire waits for a slot for a call of kind k and returns when the call may start.
func (w *window) acquire(ctx context.Context, k kind) error {
	for {
		w.mu.Lock()
		if w.take(k) {
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

// take takes a slot if there is one. The first call of a kind whose calls cost the server
// real work (kindPassword: a hash) goes alone among its kind, so that its latency, the
// baseline, is the server's time for one call and not for a queue of them: the first calls
// of an import all start together.
func (w *window) take(k kind) bool {
	if w.inflight >= int(w.limit) {
		return false
	}
	if k == kindPassword && w.lat[k].base == 0 && !w.answered[k] {
		if w.probing[k] > 0 {
			return false
		}
		w.probing[k]++
	}
	w.inflight++
	return true
}

// release frees the slot of a call of kind k.
func (w *window) release(k kind) {
	w.mu.Lock()
	w.inflight--
	if w.probing[k] > 0 {
		w.probing[k]-- // measured, or it failed: the next one of its kind may try
	}
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
	if !s.congested {
		w.answered[s.kind] = true
	}
	switch {
	case s.congested:
		w.cut(s.started, lossFactor)
		return
	case s.latency > 0:
		switch r := w.lat[s.kind].observe(s.latency, w.limit < 2); {
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

// latency tracks one kind's latency: its baseline is the least latency seen, and ratio
// the smoothed ratio of new samples to it.
//
// The baseline is not a windowed minimum: under load that never ends, a window would come
// to hold only queued answers and take them for the server's speed, and the limit would
// creep up into the client's timeouts. A minimum only falls: every cut that shortens the
// queue shows a lower latency, and the limit settles where answers take holdRatio to
// cutRatio times the fastest. Only when the limit is down to one call, and answers are
// still slow, is the server itself slower: then the baseline starts over.
type latency struct {
	base  time.Duration // 0 = no sample yet
	ratio float64
	stale int // congested samples in a row at the floor
}

// observe adds a sample and returns the smoothed ratio of latency to the baseline; floor
// says the limit is at one call.
func (l *latency) observe(d time.Duration, floor bool) float64 {
	if l.base == 0 || d < l.base {
		l.base = d
	}
	r := float64(d) / float64(max(l.base, minBaseline))
	if l.ratio == 0 {
		l.ratio = r
	} else {
		l.ratio += latencyGain * (r - l.ratio)
	}
	if !floor || l.ratio < cutRatio {
		l.stale = 0
		return l.ratio
	}
	if l.stale++; l.stale >= staleAfter {
		l.base, l.ratio, l.stale = d, 1, 0
	}
	return l.ratio
}
