package bulk

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The learned rate's constants; the package documentation explains them.
const (
	rateFactor = 0.85 // a refusal cuts the rate to this share of what the server accepted
	// rateRaise is the growth of a learned rate in the first second it binds without a
	// refusal; the k-th such second since the last cut grows it by k × rateRaise, so that a
	// rate learned too low soon recovers, but only up to near the rate that was refused
	// (nearCeiling of it). From there it probes by probeRaise a second: a limit is most
	// likely where it was (the plateau of TCP CUBIC, for the same reason).
	rateRaise   = 0.05
	nearCeiling = 0.95
	probeRaise  = 0.005
	rateBinding = 0.8 // the rate binds when requests go out at this share of it or more
	minRate     = 0.5 // the learned rate never falls below this, in requests per second
	// defaultPause is the shared pause after a 429 whose Retry-After is unknown: the
	// shortest a server can ask for in delay-seconds.
	defaultPause = time.Second
	// A refusal seen only as the client's retry counts as a rate limit's when it recurs: in
	// a call begun after the first refusal, within recurWithin of it. One round of
	// refusals may be a fault or a write conflict (the calls in flight refused at once); a
	// limit refuses again.
	recurWithin = 5 * time.Second
)

// gate is what every HTTP request of an import passes before it is sent: the shared pause
// after a 429 and the token bucket of the rate limit (golang.org/x/time/rate, burst 1, so
// that no window of a second holds more than the rate). The rate is Options.RateLimit, or a
// lower one learned from refusals.
type gate struct {
	clock clock
	lim   *rate.Limiter
	turn  chan struct{} // held by the one request waiting for its token

	mu       sync.Mutex
	told     float64   // Options.RateLimit; 0 = none
	learned  float64   // 0 = none learned yet
	until    time.Time // the shared pause ends then
	cutAt    time.Time // the last cut of the learned rate
	raisedAt time.Time // the last raise (or cut)
	raises   int       // binding seconds since the last cut
	ceiling  float64   // the rate the last cut answered: the limit was at or below it
	suspect  time.Time // the first of a round of refusals of unknown cause
	sent     meter     // requests let through
	accepted meter     // answers that were no refusal
}

func newGate(c clock, told float64) *gate {
	g := &gate{clock: c, lim: rate.NewLimiter(rate.Inf, 1), turn: make(chan struct{}, 1)}
	if told > 0 {
		g.told = told
		g.lim.SetLimitAt(c.Now(), rate.Limit(told))
	}
	return g
}

// wait blocks until a request may be sent: the shared pause is over and the token bucket
// has a token for it. Requests wait for their tokens one at a time, so that no token is
// promised to a request that then waits behind a pause, and one that wakes late (a timer
// fires when it can) delays nobody after it: the bucket counts from the time the token was
// due, and any second holds at most the rate, give or take that lateness.
func (g *gate) wait(ctx context.Context) error {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()
	var waited time.Time // the end of the last pause waited for
	for {
		var err error
		if waited, err = g.pause(ctx, waited); err != nil {
			return err
		}
		now := g.clock.Now()
		g.raise(now)
		r := g.lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			if err := g.clock.Sleep(ctx, d); err != nil {
				r.CancelAt(g.clock.Now())
				return err
			}
		}
		// A refusal may have begun a pause while this request waited for its token: then
		// it waits for the pause too, and for a token after it (the one it had is spent:
		// the rate errs low).
		if !g.pausedAfter(waited, g.clock.Now()) {
			break
		}
	}
	g.mu.Lock()
	g.sent.add(g.clock.Now())
	g.mu.Unlock()
	return nil
}

// pause waits for the shared pause to end, unless it ends at or before slept, the end of
// a pause already waited for, and returns the end it waited for. It sleeps again only when
// a refusal meanwhile moved the end later: once it has slept to an end, that end is over,
// whatever the clock says (a test's clock need not move while it sleeps).
func (g *gate) pause(ctx context.Context, slept time.Time) (time.Time, error) {
	for {
		g.mu.Lock()
		until := g.until
		g.mu.Unlock()
		d := until.Sub(g.clock.Now())
		if !until.After(slept) || d <= 0 {
			return slept, ctx.Err()
		}
		if err := g.clock.Sleep(ctx, d); err != nil {
			return slept, err
		}
		slept = until
	}
}

// pausedAfter reports a pause in force at now that ends after waited.
func (g *gate) pausedAfter(waited, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.until.After(waited) && g.until.After(now)
}

// accept records an answer that was no refusal, for measuring what the server accepts.
func (g *gate) accept(at time.Time) {
	g.mu.Lock()
	g.accepted.add(at)
	g.mu.Unlock()
}

// throttled records a refusal that says "too fast", refused at at, of a call begun at
// sent. retryAfter > 0 pauses every request until at+retryAfter. known says the refusal is
// known to be a rate limit's (a 429); otherwise (the client retried something) only one
// that recurs, in a call begun after the first of its round, counts.
//
// The rate is then cut to rateFactor of what the server accepted in the second before (or
// of the rate in force, when that is lower), once per refusal episode: refusals in calls
// begun before the last cut, their retries included, were answers to the old rate.
func (g *gate) throttled(sent, at time.Time, retryAfter time.Duration, known bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if end := at.Add(retryAfter); end.After(g.until) {
		g.until = end
	}
	if sent.Before(g.cutAt) {
		return
	}
	if !known {
		if g.suspect.IsZero() || at.Sub(g.suspect) > recurWithin {
			g.suspect = at // the first of a round
			return
		}
		if !sent.After(g.suspect) {
			return // the same round
		}
	}
	cur := g.rate()
	measured := g.accepted.perSecond(at)
	base := math.Min(cur, measured)
	if measured == 0 {
		base = cur // nothing answered lately: no measure, only the rate in force
	}
	if math.IsInf(base, 1) {
		return
	}
	g.learned = math.Max(minRate, base*rateFactor)
	g.ceiling = base
	now := g.clock.Now()
	g.cutAt, g.raisedAt, g.raises, g.suspect = now, now, 0, time.Time{}
	g.lim.SetLimitAt(now, rate.Limit(g.rate()))
}

// raise lets a learned rate grow for every whole second in which it bound without a
// refusal: the k-th such second since the last cut by k × rateRaise up to near the rate
// that cut answered, then by probeRaise; never above the rate the caller set. A rate that
// does not bind (the concurrency limit or the input is slower) stays: there is no evidence
// for more.
func (g *gate) raise(now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.learned == 0 {
		return
	}
	secs := int(now.Sub(g.raisedAt) / time.Second)
	if secs < 1 {
		return
	}
	g.raisedAt = g.raisedAt.Add(time.Duration(secs) * time.Second)
	if g.sent.perSecond(now) < rateBinding*g.learned {
		return
	}
	for range secs {
		g.raises++
		plateau := nearCeiling * g.ceiling
		switch {
		case g.learned >= plateau:
			g.learned *= 1 + probeRaise
		default:
			g.learned = math.Min(plateau, g.learned*(1+rateRaise*float64(g.raises)))
		}
	}
	if g.told > 0 && g.learned >= g.told {
		g.learned = 0
	}
	g.lim.SetLimitAt(now, rate.Limit(g.rate()))
}

// rate is the rate in force: the lower of the learned and the told one; +Inf for none.
func (g *gate) rate() float64 {
	r := math.Inf(1)
	if g.told > 0 {
		r = g.told
	}
	if g.learned > 0 && g.learned < r {
		r = g.learned
	}
	return r
}

// current returns the rate in force, for tests; +Inf for none.
func (g *gate) current() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rate()
}

// meter counts events per second, in slots of 100 ms that reach back meterSlots/10
// seconds, so that a refusal learned of late (when the client retries it) can still be
// measured against the second before it.
type meter struct {
	slots [meterSlots]struct {
		at int64 // the slot's index since the epoch
		n  int
	}
}

const (
	slotLen    = int64(100 * time.Millisecond)
	meterSlots = 80
)

func (m *meter) add(t time.Time) {
	i := t.UnixNano() / slotLen
	s := &m.slots[i%meterSlots]
	if s.at != i {
		s.at, s.n = i, 0
	}
	s.n++
}

// perSecond returns the rate of events over the second before t: the ten whole slots
// before t's slot and the part of t's slot up to t. It is a whole second even when the
// first event is more recent: a server's rate limiter lets a burst through first (a token
// bucket starts full), and a shorter measure would take that burst for its rate.
func (m *meter) perSecond(t time.Time) float64 {
	i := t.UnixNano() / slotLen
	n := 0
	for _, s := range m.slots {
		if s.at >= i-10 && s.at <= i {
			n += s.n
		}
	}
	span := time.Second + time.Duration(t.UnixNano()-i*slotLen)
	return float64(n) / span.Seconds()
}
