package bulk

import (
	"context"
	"math"
	"testing"
	"time"
)

// maxInWindow returns the most events in any half-open window [t, t+w).
func maxInWindow(times []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

func waitN(t *testing.T, g *gate, clk *fakeClock, n int) []time.Time {
	t.Helper()
	var sent []time.Time
	for range n {
		if err := g.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, clk.Now())
	}
	return sent
}

func TestGateNeverExceedsTheToldRate(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 10)
	sent := waitN(t, g, clk, 50)
	if got := maxInWindow(sent, time.Second); got > 10 {
		t.Fatalf("%d requests in one second at RateLimit 10", got)
	}
	if span := sent[49].Sub(sent[0]); span < 4900*time.Millisecond || span > 5*time.Second {
		t.Fatalf("50 requests at 10/s took %v, want 4.9s", span)
	}
}

func TestGateWithoutRateDoesNotWait(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	start := clk.Now()
	waitN(t, g, clk, 1000)
	if d := clk.Now().Sub(start); d != 0 {
		t.Fatalf("waited %v without a rate limit", d)
	}
}

// A 429's Retry-After holds every request, not only the one that got it.
func TestGatePauseHoldsEveryRequest(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	at := clk.Now()
	g.throttled(at, at, 3*time.Second, true)
	for range 3 {
		sent := waitN(t, g, clk, 1)[0]
		if sent.Before(at.Add(3 * time.Second)) {
			t.Fatalf("a request went out %v after a 429 with Retry-After 3", sent.Sub(at))
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g.throttled(clk.Now(), clk.Now(), time.Minute, true)
	if err := g.wait(ctx); err == nil {
		t.Fatal("a wait in a pause outlived its context")
	}
}

// accepted records n answers spread evenly over the next second, and ends it.
func accepted(g *gate, clk *fakeClock, n int) {
	step := time.Second / time.Duration(n)
	for range n {
		g.accept(clk.Now())
		clk.Advance(step)
	}
}

func TestGateLearnsTheRateFromRefusals(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	accepted(g, clk, 40)
	g.throttled(clk.Now(), clk.Now(), 0, true)
	first := 40 * rateFactor
	if got := g.current(); math.Abs(got-first) > 0.01 {
		t.Fatalf("learned %.2f/s from a refusal after 40 accepted in a second, want %.2f", got, first)
	}
	// Refusals of requests sent before the cut answer the old rate: no second cut.
	before := clk.Now().Add(-time.Millisecond)
	clk.Advance(time.Millisecond)
	g.throttled(before, clk.Now(), 0, true)
	if got := g.current(); math.Abs(got-first) > 0.01 {
		t.Fatalf("a stale refusal cut the rate again to %.2f", got)
	}
	// A refusal of a request sent after the cut does cut, from the rate in force.
	clk.Advance(time.Millisecond)
	g.throttled(clk.Now(), clk.Now(), 0, true)
	second := first * rateFactor
	if got := g.current(); math.Abs(got-second) > 0.01 {
		t.Fatalf("second cut: %.2f, want %.2f", got, second)
	}
	sent := waitN(t, g, clk, 21)
	want := time.Duration(20 / second * float64(time.Second)) // 20 intervals
	if span := sent[20].Sub(sent[0]); span < want-time.Millisecond {
		t.Fatalf("21 requests in %v at a learned %.2f/s, want %v", span, second, want)
	}
}

func TestGateRaisesABindingRate(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	accepted(g, clk, 20)
	g.throttled(clk.Now(), clk.Now(), 0, true)
	g.ceiling = 100        // as if a much higher rate had been refused
	waitN(t, g, clk, 17*4) // seconds at the rate: it binds
	// The k-th binding second raises it by 5k %, far below the ceiling.
	want := 20 * rateFactor
	for k := 1; clk.Now().Sub(g.cutAt) >= time.Duration(k)*time.Second; k++ {
		want *= 1 + rateRaise*float64(k)
	}
	if got := g.current(); math.Abs(got-want) > 0.01 || want < 20*rateFactor*1.05*1.1 {
		t.Fatalf("after %v binding: %.2f/s, want %.2f", clk.Now().Sub(g.cutAt), got, want)
	}
}

func TestGateKeepsARateThatDoesNotBind(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	accepted(g, clk, 20)
	g.throttled(clk.Now(), clk.Now(), 0, true)
	for range 10 {
		clk.Advance(time.Second) // one request a second: far below the rate
		waitN(t, g, clk, 1)
	}
	if got := g.current(); math.Abs(got-20*rateFactor) > 0.01 {
		t.Fatalf("a rate that did not bind moved to %.2f", got)
	}
}

// A learned rate never exceeds the one the caller set: it is dropped once it reaches it.
func TestGateLearnedRateStaysBelowTheToldOne(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 20)
	accepted(g, clk, 20)
	g.throttled(clk.Now(), clk.Now(), 0, true)
	if got := g.current(); math.Abs(got-20*rateFactor) > 0.01 {
		t.Fatalf("learned %.2f below a told 20, want %.2f", got, 20*rateFactor)
	}
	waitN(t, g, clk, 20*30)
	if got := g.current(); got != 20 {
		t.Fatalf("after binding seconds: %.2f, want the told 20", got)
	}
	sent := waitN(t, g, clk, 100)
	if got := maxInWindow(sent, time.Second); got > 20 {
		t.Fatalf("%d requests in a second at RateLimit 20", got)
	}
}

// Before anything was answered there is nothing to learn from: the pause still holds.
func TestGateRefusalWithoutMeasure(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	g.throttled(clk.Now(), clk.Now(), time.Second, true)
	if got := g.current(); !math.IsInf(got, 1) {
		t.Fatalf("learned %.2f from nothing", got)
	}
}

func TestGateLearnedRateHasAFloor(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	for range 10 {
		clk.Advance(2 * time.Second)
		accepted(g, clk, 1)
		g.throttled(clk.Now(), clk.Now(), 0, true)
	}
	if got := g.current(); got != minRate {
		t.Fatalf("after ten cuts: %.2f, want the floor %.1f", got, minRate)
	}
}

// A server's limiter lets a burst through first: 200 answers in the first quarter of a
// second are 200 in that second, not 800 a second.
func TestGateMeasuresAWholeSecond(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	for range 200 {
		g.accept(clk.Now())
		clk.Advance(1250 * time.Microsecond)
	}
	g.throttled(clk.Now(), clk.Now(), 0, true)
	// The second measured ends in a slot begun 50 ms ago: 200 over 1.05 s.
	if got, want := g.current(), rateFactor*200/1.05; math.Abs(got-want) > 0.1 {
		t.Fatalf("learned %.1f/s from 200 answers in a quarter of a second, want %.1f", got, want)
	}
}

// Regrowth is fast up to near the rate that was refused, then a slow probe.
func TestGateRaisesFastToThePlateauThenProbes(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	accepted(g, clk, 50)
	g.throttled(clk.Now(), clk.Now(), 0, true) // ceiling 50
	var rates []float64
	for range 8 {
		waitN(t, g, clk, int(g.current())) // a binding second
		rates = append(rates, g.current())
	}
	// Each second's raise happens at its first request: rates[i] is after i raises.
	cut, plateau := 50*rateFactor, 50*nearCeiling
	if rates[0] != cut || math.Abs(rates[1]-cut*(1+rateRaise)) > 1e-9 || rates[2] != plateau {
		t.Fatalf("rates %v: want %.2f, ×%.2f, then the plateau %.2f", rates, cut, 1+rateRaise, plateau)
	}
	for i := 3; i < len(rates); i++ {
		if r := rates[i] / rates[i-1]; math.Abs(r-(1+probeRaise)) > 1e-9 {
			t.Fatalf("rates %v: above the plateau it grows %.1f%% a second", rates, 100*probeRaise)
		}
	}
}

// A refusal seen only as the client's retry may be a fault or a write conflict: one round
// of them teaches no rate, a round in calls begun after it does.
func TestGateLearnsFromRetriedRefusalsOnlyWhenTheyRecur(t *testing.T) {
	clk := newFakeClock()
	g := newGate(clk, 0)
	accepted(g, clk, 100)
	begun := clk.Now()
	clk.Advance(10 * time.Millisecond)
	for range 5 { // one round: calls begun before the first refusal
		g.throttled(begun, clk.Now(), 0, false)
		clk.Advance(time.Millisecond)
	}
	if got := g.current(); !math.IsInf(got, 1) {
		t.Fatalf("one round of retried refusals set a rate of %.1f", got)
	}
	begun = clk.Now()
	clk.Advance(10 * time.Millisecond)
	g.throttled(begun, clk.Now(), 0, false)
	if got := g.current(); math.IsInf(got, 1) {
		t.Fatal("refusals that recurred in a later call taught no rate")
	}
	// Long after, a new round starts over.
	g2 := newGate(clk, 0)
	accepted(g2, clk, 100)
	g2.throttled(clk.Now(), clk.Now(), 0, false)
	clk.Advance(recurWithin + time.Second)
	g2.throttled(clk.Now(), clk.Now(), 0, false)
	if got := g2.current(); !math.IsInf(got, 1) {
		t.Fatalf("two refusals %v apart set a rate of %.1f", recurWithin+time.Second, got)
	}
}

// A pause is over once slept through, even on a clock that does not move while it sleeps:
// a gate that looked only at the clock would sleep forever on one.
func TestGatePauseEndsOnceSleptThrough(t *testing.T) {
	clk := frozenClock{time.Unix(1_700_000_000, 0)}
	g := newGate(clk, 0)
	g.throttled(clk.Now(), clk.Now(), 2*time.Second, true)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.wait(ctx); err != nil {
		t.Fatalf("wait after a pause on a frozen clock: %v", err)
	}
}
