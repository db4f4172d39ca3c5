package bulk

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

const (
	defaultMaxConcurrency = 32
	// tries bounds the importer's own rounds for one call, after the client's retries.
	tries = 3
	// retryWait is the importer's wait before its second round; it doubles per round.
	retryWait = time.Second
	// progressEvery is the shortest interval between two Progress calls.
	progressEvery = 250 * time.Millisecond
	// maxBuffered bounds the results waiting for the caller.
	maxBuffered = 256
)

// Import creates the users with CreateUser, each exactly once however often it is run, and
// yields one Result per user as it completes, in the order they complete. The import runs
// while the caller ranges over the results; breaking out of the loop stops it, and Import
// returns only when nothing it started is still running.
//
// A user that exists already (an earlier run created it) is read back and reported
// AlreadyThere when it is the same user, Conflict when its id or username is another
// user's. So an import that stopped halfway is finished by running it again with the same
// input. When ctx ends, the import stops promptly: users not yet sent, and users whose
// call the cancellation cut short, have no Result; the next run does them (a create that
// took effect before the cut is then AlreadyThere).
//
// A user that fails the client's checks is Failed with the *client.ValidationError before
// anything is sent for it; an empty ID is such an error, naming "ID". Failures never stop
// the other users, with one exception: an answer that refuses the client's credentials
// (client.ErrUnauthenticated from the API's 401 or the token endpoint's 4xx) ends the
// import, since every later call would be refused too; a token that could not be had
// for another reason (the token endpoint unreachable) is retried like an unavailable
// server.
//
// c may be any client; Import observes each of its calls through an httptrace.ClientTrace
// (see the package documentation), so that the client's own retries are rate-limited and
// seen. A nil c fails every user; nil users is an empty input. A panic of the users
// iterator stops the import and reaches the caller, on its goroutine, once nothing of the
// import runs any more.
func Import(ctx context.Context, c *client.Client, users iter.Seq[User], opts Options) iter.Seq[Result] {
	return func(yield func(Result) bool) {
		newRun(c, opts, realClock{}).results(ctx, users, yield)
	}
}

// run is one import.
type run struct {
	c      *client.Client
	opts   Options
	clock  clock
	window *window
	gate   *gate
	start  time.Time

	stop context.CancelFunc // ends the import (set by results)
	// inputPanic is what the users iterator panicked with; written by dispatch before it
	// closes the results channel.
	inputPanic any

	// Written by the goroutine that ranges over the results only.
	progress     Progress
	lastProgress time.Time
}

func newRun(c *client.Client, opts Options, clk clock) *run {
	if opts.MaxConcurrency <= 0 {
		opts.MaxConcurrency = defaultMaxConcurrency
	}
	return &run{c: c, opts: opts, clock: clk, window: newWindow(clk, opts.MaxConcurrency), gate: newGate(clk, opts.RateLimit)}
}

// results runs the import and yields its results.
func (r *run) results(ctx context.Context, users iter.Seq[User], yield func(Result) bool) {
	ctx, cancel := context.WithCancel(ctx)
	r.stop = cancel
	r.start, r.lastProgress = r.clock.Now(), r.clock.Now()
	// Room for every worker's result up to a bound: a worker whose result waits holds its
	// slot, so a larger buffer would buy nothing but memory (MaxConcurrency may be huge).
	out := make(chan Result, min(r.opts.MaxConcurrency, maxBuffered))
	go r.dispatch(ctx, users, out)
	// Whatever ends the loop (the input is done, the caller broke out or panicked), every
	// goroutine is gone before this returns: cancel, then wait for out to close.
	defer func() {
		cancel()
		for range out {
		}
		if r.inputPanic != nil {
			panic(r.inputPanic)
		}
	}()
	var ticks <-chan time.Time
	if r.opts.Progress != nil {
		var stopTicks func()
		ticks, stopTicks = r.clock.Ticker(progressEvery)
		defer stopTicks()
	}
	for {
		select {
		case res, ok := <-out:
			if !ok {
				r.report(true)
				return
			}
			r.count(res)
			r.report(false)
			if !yield(res) {
				r.report(true)
				return
			}
		case <-ticks:
			r.report(false)
		}
	}
}

// dispatch feeds the users to workers, at most the concurrency limit at a time, and closes
// out when the last worker is done.
func (r *run) dispatch(ctx context.Context, users iter.Seq[User], out chan<- Result) {
	var wg sync.WaitGroup
	defer func() {
		if p := recover(); p != nil {
			r.inputPanic = p
			r.stop()
		}
		wg.Wait()
		close(out)
	}()
	if users == nil {
		return
	}
	for u := range users {
		if ctx.Err() != nil {
			return
		}
		if err := r.check(u); err != nil {
			out <- Result{User: u, Outcome: Failed, Err: err}
			continue
		}
		if r.window.acquire(ctx, u.kind()) != nil {
			return
		}
		wg.Go(func() {
			defer r.window.release(u.kind())
			if res, ok := r.importUser(ctx, u); ok {
				out <- res
			}
		})
	}
}

func (r *run) check(u User) error {
	if r.c == nil {
		return &client.ValidationError{Field: "client", Reason: "must not be nil"}
	}
	return precheck(r.c, u)
}

// importUser creates one user. ok is false when the import was stopped before the outcome
// was known: the user then has no Result.
func (r *run) importUser(ctx context.Context, u User) (res Result, ok bool) {
	req := u.request()
	mayExist := false // an earlier round of this run may have created the user
	var err error
	for round := range tries {
		if round > 0 && r.clock.Sleep(ctx, retryWait<<(round-1)) != nil {
			return Result{}, false
		}
		err = r.call(ctx, u.kind(), func(ctx context.Context, opt client.CallOption) error {
			_, err := r.c.Users.CreateUser(ctx, req, opt)
			return err
		})
		switch {
		case err == nil:
			return Result{User: u, Outcome: Created}, true
		case errors.Is(err, client.ErrUserExists):
			if ctx.Err() != nil {
				return Result{}, false
			}
			return r.existing(ctx, u, err, mayExist)
		case answered(err):
			return r.failed(u, err), true
		case ctx.Err() != nil:
			return Result{}, false
		case !retryable(err):
			return r.failed(u, err), true
		}
		mayExist = mayExist || errors.Is(err, client.ErrOutcomeUnknown)
	}
	if mayExist {
		return r.settle(ctx, u, err)
	}
	return r.failed(u, err), true
}

// settle reads back a user whose last round failed after a round whose outcome was
// unknown: that round may have created it. Failed says the user was not created, so only a
// user who is not there is Failed.
func (r *run) settle(ctx context.Context, u User, createErr error) (Result, bool) {
	var got *client.User
	err := r.call(ctx, kindRead, func(ctx context.Context, opt client.CallOption) error {
		var err error
		got, err = r.c.Users.GetUser(ctx, u.ID, opt)
		return err
	})
	switch {
	case err == nil && len(differs(u, got)) == 0:
		return Result{User: u, Outcome: Created}, true
	case err == nil:
		return Result{User: u, Outcome: Conflict, Err: &ConflictError{Differs: differs(u, got), Err: createErr}}, true
	case ctx.Err() != nil:
		return Result{}, false
	}
	return r.failed(u, createErr), true
}

// failed is a Failed result; refused credentials end the import.
func (r *run) failed(u User, err error) Result {
	if refused(err) {
		r.stop()
	}
	return Result{User: u, Outcome: Failed, Err: err}
}

// existing reads back the user whose create answered that the id or username is taken,
// and tells whether it is this user. createdHere says an earlier round of this run may
// have created it: then the same user is Created, not AlreadyThere.
func (r *run) existing(ctx context.Context, u User, createErr error, createdHere bool) (Result, bool) {
	var err error
	for round := range tries {
		if round > 0 && r.clock.Sleep(ctx, retryWait<<(round-1)) != nil {
			return Result{}, false
		}
		var got *client.User
		err = r.call(ctx, kindRead, func(ctx context.Context, opt client.CallOption) error {
			var err error
			got, err = r.c.Users.GetUser(ctx, u.ID, opt)
			return err
		})
		switch {
		case err == nil:
			if d := differs(u, got); len(d) > 0 {
				return Result{User: u, Outcome: Conflict, Err: &ConflictError{Differs: d, Err: createErr}}, true
			}
			if createdHere {
				return Result{User: u, Outcome: Created}, true
			}
			return Result{User: u, Outcome: AlreadyThere}, true
		case errors.Is(err, client.ErrNotFound) && !idTaken(createErr):
			// No user has the id: the username is another user's.
			return Result{User: u, Outcome: Conflict, Err: &ConflictError{Err: createErr}}, true
		case errors.Is(err, client.ErrNotFound):
			// The id is taken but not readable yet: ZITADEL's read model lags behind a
			// create of a moment ago. Read again.
		case ctx.Err() != nil:
			return Result{}, false
		case !retryable(err):
			return r.failed(u, err), true
		}
	}
	return r.failed(u, err), true
}

// idTaken reports ZITADEL's answer to a create whose user id exists (CreateUser's
// COMMAND-7yiox1isql), as against a taken username (V3-DKcYh, which AddHumanUser also
// answers for a taken id).
func idTaken(err error) bool {
	ae, ok := errors.AsType[*client.APIError](err)
	return ok && ae.ID == "COMMAND-7yiox1isql"
}

// differs names the fields in which the user read back is not u: the username (the email
// when u has none), the email (case-insensitively) and the organization when u names one,
// as the client compares a user it reads back after a repeated create.
func differs(u User, got *client.User) []string {
	var d []string
	username := u.Username
	if username == "" {
		username = u.Email
	}
	if got.Username != username {
		d = append(d, "username")
	}
	if !strings.EqualFold(got.Email, u.Email) {
		d = append(d, "email")
	}
	if u.OrgID != "" && got.OrgID != u.OrgID {
		d = append(d, "org")
	}
	return d
}

// call makes one client call through the gate, with a probe in its context, and feeds
// what it saw to the concurrency limit and the rate. fn makes the call with opt, which
// tells of every 429 as it is answered: its Retry-After then holds every request of the
// import (the shared pause), not only the client's retry of this call.
func (r *run) call(ctx context.Context, k kind, fn func(context.Context, client.CallOption) error) error {
	if err := r.gate.wait(ctx); err != nil {
		return err
	}
	started := r.clock.Now()
	p := &probe{r: r, ctx: ctx, started: started}
	limited := client.OnRateLimited(func(retryAfter time.Duration) {
		if retryAfter <= 0 {
			retryAfter = defaultPause
		}
		r.gate.throttled(started, r.clock.Now(), retryAfter, true)
	})
	r.window.begin()
	err := fn(httptrace.WithClientTrace(ctx, p.trace()), limited)
	seen := p.finish()
	if ctx.Err() != nil {
		r.window.end() // cut short: it tells nothing about the server
		return err
	}
	now := r.clock.Now()
	s := sample{started: started, kind: k, latency: seen.latency, congested: seen.refused > 0}
	if err != nil {
		// An error answer did not do the call's work (a taken id is answered before any
		// hashing): its latency is no measure of the server's load.
		s.latency = 0
	}
	switch {
	case err != nil && retryable(err): // a 429's pause began when it was answered (limited)
		s.congested = true
	default:
		r.gate.accept(now)
	}
	r.window.observe(s)
	return err
}

// answered reports an error that is ZITADEL's final answer: it says what happened, so a
// cancellation that came with it does not hide it.
func answered(err error) bool {
	ae, ok := errors.AsType[*client.APIError](err)
	return ok && !retryable(err) && !ae.OutcomeUnknown
}

// retryable reports a failure after which a later round may succeed: the server refused
// for now (429, 503, a write conflict), or the outcome is unknown (a create with the
// user's own id can be repeated: a repeat finds the user if the first one made it), or
// no connection could be made, or no token could be had for a reason that is no refusal.
func retryable(err error) bool {
	return errors.Is(err, client.ErrRateLimited) || errors.Is(err, client.ErrUnavailable) ||
		errors.Is(err, client.ErrOutcomeUnknown) || writeConflict(err) ||
		errors.Is(err, client.ErrUnauthenticated) && !refused(err)
}

// refused reports an answer that refuses the client's credentials: the API's 401 (or
// v1's 500 for a missing token), or the token endpoint's 4xx (invalid_client,
// invalid_grant). Every later call would be refused too. A token source that failed
// without such an answer (the token endpoint unreachable or answering 5xx) may work on a
// later round.
func refused(err error) bool {
	if !errors.Is(err, client.ErrUnauthenticated) {
		return false
	}
	if _, ok := errors.AsType[*client.APIError](err); ok {
		return true
	}
	re, ok := errors.AsType[*oauth2.RetrieveError](err)
	return ok && re.Response != nil && re.Response.StatusCode/100 == 4 && re.Response.StatusCode != http.StatusTooManyRequests
}

// writeConflict reports ZITADEL's write conflict: a 500 with code 2 and no id whose
// message carries PostgreSQL's unique violation (SQLSTATE 23505). Nothing was applied, and
// the same request succeeds when repeated.
func writeConflict(err error) bool {
	ae, ok := errors.AsType[*client.APIError](err)
	return ok && ae.Code == client.Unknown && ae.ID == "" && strings.Contains(ae.Message, "SQLSTATE 23505")
}

// count adds a result to the progress.
func (r *run) count(res Result) {
	p := &r.progress
	p.Done++
	switch res.Outcome {
	case Created:
		p.Created++
	case AlreadyThere:
		p.AlreadyThere++
	case Conflict:
		p.Conflicts++
	default:
		p.Failed++
	}
}

// report calls Progress, at most every progressEvery, and always when final.
func (r *run) report(final bool) {
	if r.opts.Progress == nil {
		return
	}
	now := r.clock.Now()
	if !final && now.Sub(r.lastProgress) < progressEvery {
		return
	}
	r.lastProgress = now
	p := r.progress
	p.Concurrency = r.window.current()
	if secs := now.Sub(r.start).Seconds(); secs > 0 {
		p.PerSecond = float64(p.Done) / secs
	}
	r.opts.Progress(p)
}
