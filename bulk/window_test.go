package bulk

import (
	"context"
	"math"
	"testing"
	"time"
)

// sim drives a window as the dispatcher and the workers do: every slot is taken while
// there is input, every call is on the wire, and a freed slot is taken again at once.
type sim struct {
	t    *testing.T
	clk  *fakeClock
	w    *window
	kind kind // of the calls refill starts
}

func newSim(t *testing.T, max int) *sim {
	s := &sim{t: t, clk: newFakeClock(), w: newWindow(newFakeClock(), max)}
	s.w.clock = s.clk
	s.refill()
	return s
}

// refill takes every free slot and puts its call on the wire.
func (s *sim) refill() {
	for s.take() {
		s.w.begin()
	}
}

func (s *sim) take() bool {
	s.w.mu.Lock()
	defer s.w.mu.Unlock()
	return s.w.take(s.kind)
}

// complete ends one call with sample x and refills.
func (s *sim) complete(x sample) {
	s.w.observe(x)
	s.w.release(x.kind)
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
	if err := s.w.acquire(ctx, kindHash); err == nil {
		t.Fatal("a seventh slot was granted above MaxConcurrency")
	}
}

func TestWindowAcquireWaitsForASlot(t *testing.T) {
	s := newSim(t, 64) // all 4 slots taken
	got := make(chan error)
	go func() { got <- s.w.acquire(context.Background(), kindHash) }()
	select {
	case err := <-got:
		t.Fatalf("acquire returned %v with every slot taken", err)
	default:
	}
	s.w.end()
	s.w.release(kindHash)
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
		if err := w.acquire(context.Background(), kindHash); err != nil {
			t.Fatal(err)
		}
		w.begin() // one call on the wire at a time
		w.observe(sample{started: clk.Now(), latency: 20 * time.Millisecond})
		w.release(kindHash)
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
	held := s.w.limit
	if held >= 32 {
		t.Fatalf("at 1.6× the baseline latency slow start went on to %.1f", held)
	}
	for range 5 {
		s.round(32 * time.Millisecond)
	}
	if got := s.w.limit; got != held {
		t.Fatalf("at 1.6× the baseline latency: limit %.2f, want it held at %.2f", got, held)
	}
	// 3× the baseline: the limit shrinks, by a tenth per round trip.
	for range 3 {
		s.round(60 * time.Millisecond)
	}
	if got, want := s.w.limit, held*0.9*0.9*0.9; math.Abs(got-want) > 0.01 {
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

// The baseline only falls, except when even one call at a time is slow: then the server
// itself is slower, and the baseline starts over.
func TestLatencyBaselineStartsOverOnlyAtTheFloor(t *testing.T) {
	var l latency
	l.observe(20*time.Millisecond, false)
	var r float64
	for range 1000 {
		r = l.observe(60*time.Millisecond, false)
	}
	if r < 2.9 {
		t.Fatalf("ratio %.2f after 1000 slow samples above the floor: the baseline crept up", r)
	}
	for range staleAfter - 1 {
		l.observe(60*time.Millisecond, true)
	}
	if r = l.observe(60*time.Millisecond, true); r != 1 {
		t.Fatalf("ratio %.2f after %d slow samples at the floor, want a new baseline", r, staleAfter)
	}
}

// Plain passwords: each costs the server about a second of CPU (bcrypt cost 14) and it has
// two cores, so answers queue once more than two are in flight. The first goes alone and
// measures one hash; the limit then settles near the knee, instead of collapsing to one or
// growing into the client's 30 s timeout.
func TestWindowSettlesOnAServerBoundByHashing(t *testing.T) {
	s := &sim{t: t, clk: newFakeClock(), kind: kindPassword}
	s.w = newWindow(s.clk, 32)
	s.refill()
	if s.w.inflight != 1 {
		t.Fatalf("%d plain-password calls started before the first answered, want 1", s.w.inflight)
	}
	latency := func() time.Duration {
		return time.Duration(max(1, float64(s.w.inflight)/2) * float64(time.Second))
	}
	lo, hi := 1<<30, 0
	for round := range 200 {
		started := s.clk.Now()
		d := latency()
		s.clk.Advance(d)
		for range s.w.inflight {
			s.complete(sample{started: started, kind: kindPassword, latency: d})
		}
		if round >= 20 {
			lo, hi = min(lo, s.limit()), max(hi, s.limit())
		}
	}
	if lo < 2 || hi > 5 {
		t.Fatalf("the limit ranged %d..%d, want it near the knee of 2 (latency up to %v)", lo, hi, time.Duration(hi/2)*time.Second)
	}
}

// The first plain-password create goes alone, to measure one hash; an answer that did no
// hashing (a rerun's "exists") measures nothing, but ends that rule: otherwise a rerun
// whose users all exist would go one at a time.
func TestWindowErrorAnswerEndsTheFirstAlone(t *testing.T) {
	w := newWindow(newFakeClock(), 32)
	tryTake := func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.take(kindPassword)
	}
	if first, second := tryTake(), tryTake(); !first || second {
		t.Fatal("the first plain-password call does not go alone")
	}
	w.begin()
	w.observe(sample{started: w.clock.Now(), kind: kindPassword}) // answered, no latency
	w.release(kindPassword)
	if w.lat[kindPassword].base != 0 {
		t.Fatalf("an error answer set the baseline %v", w.lat[kindPassword].base)
	}
	if first, second := tryTake(), tryTake(); !first || !second {
		t.Fatal("after an answer, plain-password calls still go one at a time")
	}
}
