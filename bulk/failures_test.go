package bulk

// Failures and odd input, as a review found them: each test failed before its fix.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
)

func oneUser(id string) User {
	return User{ID: id, GivenName: "G", FamilyName: "F", Email: "one@example.com"}
}

func runAll(t *testing.T, r *run, users []User) []Result {
	t.Helper()
	var got []Result
	r.results(context.Background(), func(yield func(User) bool) {
		for _, u := range users {
			if !yield(u) {
				return
			}
		}
	}, func(res Result) bool {
		got = append(got, res)
		return true
	})
	return got
}

// An ID that is not valid UTF-8 is Failed before anything is sent: JSON would carry
// U+FFFD instead of the bad bytes, so the server would hold the user under another id,
// and a rerun could never find it.
func TestIDNotUTF8FailsBeforeSending(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	got := runAll(t, newRun(srv.Client(), Options{}, newFakeClock()), []User{oneUser("u-\xff")})
	var ve *client.ValidationError
	if len(got) != 1 || got[0].Outcome != Failed || !errors.As(got[0].Err, &ve) || ve.Field != "UserID" {
		t.Fatalf("%v, want one Failed with a *ValidationError naming UserID", got)
	}
	if n := srv.RequestCount("POST", "/v2/users/new"); n != 0 {
		t.Fatalf("%d creates sent", n)
	}
}

// MaxConcurrency means "at most": a huge one (no limit of the caller's) neither panics nor
// allocates for every slot up front.
func TestHugeMaxConcurrency(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	var got []Result
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("Import with MaxConcurrency math.MaxInt panicked: %v", p)
			}
		}()
		for r := range Import(context.Background(), srv.Client(), testUsers(2), Options{MaxConcurrency: math.MaxInt}) {
			got = append(got, r)
		}
	}()
	if len(got) != 2 {
		t.Fatalf("%d results, want 2", len(got))
	}
}

// A nil input is empty; a panicking one stops the import, and its panic reaches the
// caller on the caller's goroutine, once nothing of the import runs any more.
func TestInputNilOrPanicking(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	for range Import(context.Background(), srv.Client(), nil, Options{}) {
		t.Fatal("a result from a nil input")
	}
	started := make(chan struct{})
	input := func(yield func(User) bool) {
		yield(oneUser("u-1"))
		close(started)
		panic("input broke")
	}
	func() {
		defer func() {
			if p := recover(); p != "input broke" {
				t.Fatalf("recovered %v, want the input's panic", p)
			}
			<-started
		}()
		for range Import(context.Background(), srv.Client(), input, Options{}) {
		}
		t.Fatal("Import returned without the input's panic")
	}()
}

// Every round's outcome was unknown and the first one created the user: it is read back
// and reported Created, since Failed says the user was not created.
func TestUnknownOutcomesThenCreatedIsNotFailed(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	srv.InjectFault(clienttest.Fault{Status: 502, Applied: true}) // created, answer lost
	srv.FailNext(tries-1, 502)                                    // later rounds: unknown too
	c := srv.Client(client.WithoutRetries())
	u := oneUser("u-1")
	u.OrgID = srv.DefaultOrgID() // no organization lookup: the faults hit the creates
	got := runAll(t, newRun(c, Options{}, newFakeClock()), []User{u})
	exists := false
	for _, su := range srv.Users() {
		exists = exists || su.ID == "u-1"
	}
	if !exists {
		t.Fatal("the fault did not create the user")
	}
	if len(got) != 1 || got[0].Outcome == Failed {
		t.Fatalf("user exists on the server, reported %v (%v)", got[0].Outcome, got[0].Err)
	}
}

// flakyTokens fails while down, as a token endpoint that is briefly unreachable does,
// and otherwise returns the PAT.
type flakyTokens struct {
	down atomic.Bool
	ts   oauth2.TokenSource
}

func (f *flakyTokens) Token() (*oauth2.Token, error) {
	if f.down.Load() {
		return nil, errors.New("dial tcp 10.0.0.1:443: connect: connection refused")
	}
	return f.ts.Token()
}

// A token source that fails without a refusal of the credentials (its endpoint
// unreachable) does not end the import: the user is tried again in the importer's rounds,
// and the users after it are imported once the endpoint is back.
func TestTokenSourceDownIsRetriedNotTheEnd(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	ts := &flakyTokens{ts: auth.PAT(srv.PAT())}
	ts.down.Store(true)
	c := srv.Client(client.WithTokenSource(ts))
	r := newRun(c, Options{MaxConcurrency: 1}, newFakeClock())
	var got []Result
	r.results(context.Background(), slices.Values([]User{
		oneUser("u-1"), {ID: "u-2", GivenName: "G", FamilyName: "F", Email: "two@example.com"},
		{ID: "u-3", GivenName: "G", FamilyName: "F", Email: "three@example.com"},
	}), func(res Result) bool {
		ts.down.Store(false) // the token endpoint is back
		got = append(got, res)
		return true
	})
	if len(got) != 3 {
		t.Fatalf("%d results for 3 users after a failed token fetch (context not canceled): first %v %v", len(got), got[0].Outcome, got[0].Err)
	}
}

// stepClock is a test clock whose sleeps block until the test lets them end.
type stepClock struct {
	*fakeClock
	sleeping chan time.Duration // a Sleep has begun, for this long
	wake     chan struct{}      // ends it (the clock moves on by its duration)
}

func (c *stepClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.sleeping <- d
	<-c.wake
	c.Advance(d)
	return nil
}

// A pause that begins while a request sleeps for its token holds that request too.
func TestGatePauseHoldsARequestWaitingForItsToken(t *testing.T) {
	clk := &stepClock{fakeClock: newFakeClock(), sleeping: make(chan time.Duration), wake: make(chan struct{})}
	g := newGate(clk, 1) // one request a second
	if err := g.wait(context.Background()); err != nil {
		t.Fatal(err) // the bucket's one token
	}
	sent := make(chan time.Time)
	go func() {
		if err := g.wait(context.Background()); err != nil {
			t.Error(err)
		}
		sent <- clk.Now()
	}()
	<-clk.sleeping // waiting a second for its token
	at := clk.Now()
	g.throttled(at, at, 5*time.Second, true) // a 429: every request pauses 5 s
	clk.wake <- struct{}{}
	var when time.Time
	for when.IsZero() {
		select {
		case when = <-sent:
		case <-clk.sleeping: // a wait for the rest of the pause
			clk.wake <- struct{}{}
		}
	}
	if when.Before(at.Add(5 * time.Second)) {
		t.Fatalf("a request went out %v into a 5 s pause", when.Sub(at))
	}
}

// answer makes one call through r.call the way net/http drives the probe: sent, answered
// after lat, with err as the client's result.
func answer(t *testing.T, r *run, clk *fakeClock, k kind, lat time.Duration, err error) {
	t.Helper()
	got := r.call(context.Background(), k, func(ctx context.Context, _ client.CallOption) error {
		tr := httptrace.ContextClientTrace(ctx)
		tr.GetConn("zitadel:443")
		tr.WroteHeaderField("Content-Type", []string{"application/json"})
		tr.WroteHeaders()
		tr.WroteRequest(httptrace.WroteRequestInfo{})
		clk.Advance(lat)
		tr.GotFirstResponseByte()
		return err
	})
	if got != err {
		t.Fatalf("call returned %v", got)
	}
}

// The latency baseline of plain-password creates is one hash. An answer that did no
// hashing (on a rerun, the user exists) is no measure of it: were it the baseline, the
// creates that do hash would look 200 times congested, and the limit would fall to one.
func TestRefusalSetsNoPasswordBaseline(t *testing.T) {
	exists := &client.APIError{StatusCode: 400, Code: client.FailedPrecondition, ID: "COMMAND-7yiox1isql", Message: "Errors.User.AlreadyExists"}
	if !errors.Is(exists, client.ErrUserExists) {
		t.Fatal("not ErrUserExists")
	}
	clk := newFakeClock()
	r := newRun(nil, Options{MaxConcurrency: 32}, clk)
	answer(t, r, clk, kindPassword, 5*time.Millisecond, exists) // a rerun: the first user exists
	before := r.window.current()
	for range 20 { // the missing users: each create hashes, a second, one after another
		answer(t, r, clk, kindPassword, time.Second, nil)
	}
	if got := r.window.current(); got < before {
		t.Fatalf("20 plain-password creates at one hash each, never more than one in flight: limit %d -> %d", before, got)
	}
}

// A create this run made whose answer was lost, and whose repeats were refused (429), is
// Created: the client says the outcome is unknown, and the next round finds the user.
func TestCreatedWhenALostAnswerWasApplied(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	u := oneUser("u-1")
	u.OrgID = srv.DefaultOrgID()
	srv.InjectFault(clienttest.Fault{Status: 502, Applied: true}) // created, answer lost
	srv.FailNext(3, 429)                                          // the client's other attempts
	got := runAll(t, newRun(fastRetries(srv), Options{}, newFakeClock()), []User{u})
	if len(got) != 1 || got[0].Outcome != Created {
		t.Fatalf("a user this run created: %v, want Created", got)
	}
}

// A 429's Retry-After holds every request of the import from the moment the client hears
// of it (client.OnRateLimited), not only the client's own retry of the call that got it.
func TestRetryAfterHoldsEveryRequest(t *testing.T) {
	var refusedAt, u2At atomic.Int64 // on the server, in real time
	srv := clienttest.NewServer(clienttest.WithMiddleware(func(next http.Handler) http.Handler {
		var first atomic.Bool
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			switch {
			case r.URL.Path != "/v2/users/new":
			case bytes.Contains(body, []byte(`"u-1"`)) && first.CompareAndSwap(false, true):
				refusedAt.Store(time.Now().UnixNano())
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"code":8,"message":"Quota exceeded (QUOTA-vjAy8)","details":[]}`)
				return
			case bytes.Contains(body, []byte(`"u-2"`)):
				u2At.CompareAndSwap(0, time.Now().UnixNano())
			}
			next.ServeHTTP(w, r)
		})
	}))
	defer srv.Close()
	// The client logs each attempt after it has told OnRateLimited of it: once the 429 is
	// logged, the import has heard of it.
	heard := make(chan struct{})
	logger := slog.New(onStatus{status: http.StatusTooManyRequests, f: sync.OnceFunc(func() { close(heard) })})
	c := srv.Client(client.WithLogger(logger), client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Second}))
	org := srv.DefaultOrgID()
	created := make(chan struct{})
	input := func(yield func(User) bool) {
		// u-0 first, so that the client knows the server has CreateUser.
		if !yield(User{ID: "u-0", OrgID: org, GivenName: "G", FamilyName: "F", Email: "zero@example.com"}) {
			return
		}
		<-created
		if !yield(User{ID: "u-1", OrgID: org, GivenName: "G", FamilyName: "F", Email: "one@example.com"}) {
			return
		}
		<-heard
		yield(User{ID: "u-2", OrgID: org, GivenName: "G", FamilyName: "F", Email: "two@example.com"})
	}
	n := 0
	for r := range Import(context.Background(), c, input, Options{}) {
		if r.Outcome != Created {
			t.Fatalf("%s: %v %v", r.User.ID, r.Outcome, r.Err)
		}
		if r.User.ID == "u-0" {
			close(created)
		}
		n++
	}
	if n != 3 || u2At.Load() == 0 {
		t.Fatalf("%d results; u-2 sent: %v", n, u2At.Load() != 0)
	}
	if d := time.Duration(u2At.Load() - refusedAt.Load()); d < time.Second {
		t.Fatalf("u-2 was sent %v after a 429 with Retry-After: 1 that the import had heard of", d)
	}
}

// onStatus is a slog.Handler that calls f for each record with the attribute status.
type onStatus struct {
	status int
	f      func()
}

func (onStatus) Enabled(context.Context, slog.Level) bool { return true }
func (h onStatus) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "status" && a.Value.Int64() == int64(h.status) {
			h.f()
		}
		return true
	})
	return nil
}
func (h onStatus) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onStatus) WithGroup(string) slog.Handler      { return h }
