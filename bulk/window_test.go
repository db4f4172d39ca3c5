package bulk

import (
	"context"
	"testing"
	"time"
)

// sim drives a window as the dispatcher and the workers do: every slot is taken while
// there is input, every call is on the wire, and a freed slot is taken again at once.
type sim struct {
	t   *testing.T
	clk *fakeClock
	w   *window
}

func newSim(t *testing.T, max int) *sim {
	s := &sim{t: t, clk: newFakeClock(), w: newWindow(newFakeClock(), max)}
	s.w.clock = s.clk
	s.refill()
	return s
}

// refill takes every free slot and puts its call on the wire.
func (s *sim) refill() {
	for s.w.inflight < int(s.w.limit) {
		if err := s.w.acquire(context.Background()); err != nil {
			s.t.Fatal(err)
		}
		s.w.begin()
	}
}

// complete ends one call with sample x and refills.
func (s *sim) complete(x sample) {
	s.w.observe(x)
	s.w.release()
	s.refill()
}

// round completes as many calls as the limit is, clean, with latency d: they started
// together, d ago.
func (s *sim) round(d time.Duration) {
	started := s.clk.Now()
	s.clk.Advance(d)
	for range s.w.current() {
		s.complete(sample{started: started, latency: d})
	}
}

func (s *sim) limit() int { return s.w.current() }

func TestWindowSlowStartDoublesPerRoundTrip(t *testing.T) {
	s := newSim(t, 64)
	if got := s.limit(); got != initialLimit {
		t.Fatalf("start = %d, want %d", got, initialLimit)
	}
	for round := range 3 {
		s.round(20 * time.Millisecond)
		if got, want := s.limit(), initialLimit<<(round+1); got != want {
			t.Fatalf("after round %d: limit %d, want %d", round+1, got, want)
		}
	}
}

func TestWindowNeverAboveMax(t *testing.T) {
	s := newSim(t, 6)
	for range 10 {
		s.round(time.Millisecond)
	}
	if got := s.limit(); got != 6 {
		t.Fatalf("limit %d, want the max 6", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.w.acquire(ctx); err == nil {
		t.Fatal("a seventh slot was granted above MaxConcurrency")
	}
}

func TestWindowAcquireWaitsForASlot(t *testing.T) {
	s := newSim(t, 64) // all 4 slots taken
	got := make(chan error)
	go func() { got <- s.w.acquire(context.Background()) }()
	select {
	case err := <-got:
		t.Fatalf("acquire returned %v with every slot taken", err)
	default:
	}
	s.w.end()
	s.w.release()
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// Calls held at the gate (a rate limit) or a slow input leave the window unused: growing
// it then would only let a burst through later.
func TestWindowUnusedDoesNotGrow(t *testing.T) {
	clk := newFakeClock()
	w := newWindow(clk, 64)
	for range 100 {
		if err := w.acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
		w.begin() // one call on the wire at a time
		w.observe(sample{started: clk.Now(), latency: 20 * time.Millisecond})
		w.release()
	}
	if got := w.current(); got != initialLimit {
		t.Fatalf("limit grew to %d with one call in flight", got)
	}
}

func TestWindowLossHalvesOncePerRoundTrip(t *testing.T) {
	s := newSim(t, 64)
	for s.limit() < 32 {
		s.round(20 * time.Millisecond)
	}
	started := s.clk.Now()
	s.clk.Advance(20 * time.Millisecond)
	// Every call of the round was refused; they all started before the first cut.
	for range 32 {
		s.complete(sample{started: started, congested: true})
	}
	if got := s.limit(); got != 16 {
		t.Fatalf("after a round of refusals: limit %d, want 16 (one halving)", got)
	}
	// A refusal of a call that started after the cut cuts again.
	s.complete(sample{started: s.clk.Now(), congested: true})
	if got := s.limit(); got != 8 {
		t.Fatalf("after a refusal in the next round: %d, want 8", got)
	}
	// After a cut, growth is additive: about one per round trip, not one per answer.
	s.round(20 * time.Millisecond)
	if got := s.w.limit; got < 8.9 || got >= 9.1 {
		t.Fatalf("one clean round after the cut: %.2f, want about 9", got)
	}
	for range 4 {
		s.round(20 * time.Millisecond)
	}
	if got := s.w.limit; got < 12.5 || got >= 13.1 {
		t.Fatalf("five clean rounds after the cut: %.2f, want about 13", got)
	}
}

func TestWindowRisingLatencyHoldsThenShrinks(t *testing.T) {
	s := newSim(t, 64)
	for s.limit() < 16 {
		s.round(20 * time.Millisecond)
	}
	// 1.6× the baseline: queueing has begun, growth stops once the smoothed ratio
	// passes holdRatio (a few samples).
	s.round(32 * time.Millisecond)
	held := s.limit()
	if held >= 32 {
		t.Fatalf("at 1.6× the baseline latency slow start went on to %d", held)
	}
	for range 5 {
		s.round(32 * time.Millisecond)
	}
	if got := s.limit(); got != held {
		t.Fatalf("at 1.6× the baseline latency: limit %d, want it held at %d", got, held)
	}
	// 3× the baseline: the limit shrinks, by a tenth per round trip.
	for range 3 {
		s.round(60 * time.Millisecond)
	}
	if got, want := s.w.limit, float64(held)*0.9*0.9*0.9; got < want-1 || got > want+0.01 {
		t.Fatalf("three rounds at 3× the baseline latency: limit %.2f, want about %.2f", got, want)
	}
}

// A plain password costs the server a hash: a second per call is its normal latency and
// must not count as queueing of the cheap calls, nor theirs as its baseline.
func TestWindowLatencyBaselinePerKind(t *testing.T) {
	s := newSim(t, 64)
	for range 3 {
		for i := range s.limit() {
			x := sample{started: s.clk.Now(), kind: kindHash, latency: 20 * time.Millisecond}
			if i%2 == 0 {
				x.kind, x.latency = kindPassword, time.Second
			}
			s.complete(x)
		}
	}
	if got, want := s.limit(), min(64, initialLimit<<3); got != want {
		t.Fatalf("mixed passwords and hashes: limit %d, want %d (slow start, each kind against its own baseline)", got, want)
	}
}

func TestLatencyBaselineForgetsOldMinimum(t *testing.T) {
	var l latency
	l.observe(time.Millisecond) // an outlier long ago
	for range 2 * latencyBucket {
		l.observe(40 * time.Millisecond)
	}
	var r float64
	for range 40 {
		r = l.observe(40 * time.Millisecond)
	}
	if r > 1.01 {
		t.Fatalf("ratio %.2f: the baseline still holds a minimum two buckets old", r)
	}
}
