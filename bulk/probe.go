package bulk

import (
	"context"
	"net/http/httptrace"
	"sync"
	"time"
)

// probe watches the HTTP attempts of one client call through an httptrace.ClientTrace in
// the call's context, since the client retries some answers itself (429, 503, write
// conflicts, lost connections) and shows only the last one:
//
//   - every attempt passes the import's gate (the shared pause and the rate limit) in
//     GetConn, which net/http calls before it takes a connection for the request, so the
//     client's own retries count toward the rate too;
//   - an attempt that was answered (or was sent and lost) and then repeated was refused:
//     the client repeats only answers that say "not now" (and, once, a request whose token
//     was refused, after refreshing it). A follow-up request of the same call is no
//     repeat: CreateUser may first look up the caller's organization (a GET, without a
//     body) or read a user back, so only an attempt with the same kind of body (a
//     Content-Type header or none) counts as a repeat of the one before;
//   - the last attempt's time from sending to the first byte of its answer is the call's
//     latency.
//
// The hooks run on the caller's goroutine (GetConn) and on the transport's (the others).
type probe struct {
	r       *run
	ctx     context.Context
	started time.Time // when the call began (and passed the gate): its refusals answer the rate in force then

	mu        sync.Mutex
	done      bool
	n         int // attempts started
	cur, prev attempt
	refused   int
}

// passFresh is how long the gate's pass of a call holds for its first attempt: the time
// the client takes from the call to sending, with room to spare.
const passFresh = 2 * time.Millisecond

type attempt struct {
	start, wrote, answered time.Time
	body                   bool // the request had a Content-Type: it carried a body
	judged                 bool
}

func (p *probe) trace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn:              p.getConn,
		WroteHeaderField:     p.wroteHeaderField,
		WroteHeaders:         p.wroteHeaders,
		WroteRequest:         p.wroteRequest,
		GotFirstResponseByte: p.gotFirstResponseByte,
	}
}

// getConn lets the attempt through the gate. The call passed it when it began; the
// first attempt goes on that pass only if it follows at once: a call that first waited
// (for the organization lookup of another call, for a token) would otherwise send with
// others that waited with it, all at once.
func (p *probe) getConn(string) {
	p.mu.Lock()
	paid := p.n == 0 && p.r.clock.Now().Sub(p.started) <= passFresh
	p.mu.Unlock()
	if !paid {
		// An error is the call's context ending; the transport sees that itself.
		_ = p.r.gate.wait(p.ctx)
	}
	now := p.r.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.n++
	p.prev, p.cur = p.cur, attempt{start: now}
}

func (p *probe) wroteHeaderField(key string, _ []string) {
	if key != "Content-Type" {
		return
	}
	p.mu.Lock()
	p.cur.body = true
	p.mu.Unlock()
}

// wroteHeaders judges the attempt before this one, now that this one's kind is known.
func (p *probe) wroteHeaders() {
	p.mu.Lock()
	prev := &p.prev
	repeat := !p.done && p.n >= 2 && !prev.judged && prev.body == p.cur.body &&
		(!prev.answered.IsZero() || !prev.wrote.IsZero())
	prev.judged = true
	at := prev.answered
	if at.IsZero() {
		at = p.cur.start // sent and lost: known when the repeat started
	}
	if repeat {
		p.refused++
	}
	p.mu.Unlock()
	if repeat {
		p.r.gate.throttled(p.started, at, 0, false)
	}
}

func (p *probe) wroteRequest(info httptrace.WroteRequestInfo) {
	if info.Err != nil {
		return
	}
	now := p.r.clock.Now()
	p.mu.Lock()
	if !p.done {
		p.cur.wrote = now
	}
	p.mu.Unlock()
}

func (p *probe) gotFirstResponseByte() {
	now := p.r.clock.Now()
	p.mu.Lock()
	if !p.done {
		p.cur.answered = now
	}
	p.mu.Unlock()
}

// probed is what a probe saw of a call.
type probed struct {
	attempts, refused int
	latency           time.Duration // of the last attempt, when it was answered
}

// finish ends the probe: later hooks (net/http may call some after the call returned) are
// ignored.
func (p *probe) finish() probed {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = true
	out := probed{attempts: p.n, refused: p.refused}
	if c := p.cur; !c.wrote.IsZero() && c.answered.After(c.wrote) {
		out.latency = c.answered.Sub(c.wrote)
	}
	return out
}
