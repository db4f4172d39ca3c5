package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/bulk"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/crypto/bcrypt"
)

// hash is a bcrypt hash of "Imported-Passw0rd!" at the lowest cost, so that the fake's
// checks stay fast.
var hash = func() string {
	h, err := bcrypt.GenerateFromPassword([]byte("Imported-Passw0rd!"), bcrypt.MinCost)
	if err != nil {
		panic(err)
	}
	return string(h)
}()

func user(i int) bulk.User {
	return bulk.User{
		ID: fmt.Sprintf("u-%05d", i), Username: fmt.Sprintf("user%05d", i),
		GivenName: "Given", FamilyName: "Family", Email: fmt.Sprintf("user%05d@example.com", i),
		EmailVerified: true, PasswordHash: hash,
	}
}

func users(n int) []bulk.User {
	out := make([]bulk.User, n)
	for i := range out {
		out[i] = user(i)
	}
	return out
}

func collect(seq iter.Seq[bulk.Result]) map[string]bulk.Result {
	out := map[string]bulk.Result{}
	for r := range seq {
		out[r.User.ID] = r
	}
	return out
}

func outcomes(rs map[string]bulk.Result) map[bulk.Outcome]int {
	out := map[bulk.Outcome]int{}
	for _, r := range rs {
		out[r.Outcome]++
	}
	return out
}

// ids returns the ids of the fake's users.
func ids(srv *clienttest.Server) []string {
	var out []string
	for _, u := range srv.Users() {
		out = append(out, u.ID)
	}
	return out
}

// importedIDs returns the ids of the fake's users that the test created: every user but
// the fake's own seed.
func importedIDs(srv *clienttest.Server, before []string) []string {
	seed := map[string]bool{}
	for _, id := range before {
		seed[id] = true
	}
	var out []string
	for _, id := range ids(srv) {
		if !seed[id] {
			out = append(out, id)
		}
	}
	return out
}

func inputIDs(us []bulk.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	slices.Sort(out)
	return out
}

func TestSecondRunCreatesNothing(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	seed := ids(srv)
	in := users(300)

	first := collect(bulk.Import(context.Background(), c, slices.Values(in), bulk.Options{}))
	if got := outcomes(first); got[bulk.Created] != len(in) || len(first) != len(in) {
		t.Fatalf("first run: %v, want %d Created", got, len(in))
	}
	if got := importedIDs(srv, seed); !slices.Equal(got, inputIDs(in)) {
		t.Fatalf("the server has %d imported users, want the %d of the input", len(got), len(in))
	}
	creates := srv.RequestCount("POST", "/v2/users/new")

	second := collect(bulk.Import(context.Background(), c, slices.Values(in), bulk.Options{}))
	if got := outcomes(second); got[bulk.AlreadyThere] != len(in) || len(second) != len(in) {
		t.Fatalf("second run: %v, want %d AlreadyThere", got, len(in))
	}
	if got := importedIDs(srv, seed); len(got) != len(in) {
		t.Fatalf("after the second run the server has %d imported users, want %d", len(got), len(in))
	}
	// The second run tried each create once, and each found the user.
	if got := srv.RequestCount("POST", "/v2/users/new") - creates; got != len(in) {
		t.Fatalf("second run sent %d creates, want %d", got, len(in))
	}
	for _, r := range second {
		if r.Err != nil {
			t.Fatalf("%s: AlreadyThere with an error: %v", r.User.ID, r.Err)
		}
	}
}

// A run canceled halfway and run again ends with every user created exactly once.
func TestCanceledRunThenRerun(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	seed := ids(srv)
	in := users(400)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := map[string]bulk.Result{}
	for r := range bulk.Import(ctx, c, slices.Values(in), bulk.Options{}) {
		if _, dup := first[r.User.ID]; dup {
			t.Fatalf("%s reported twice", r.User.ID)
		}
		first[r.User.ID] = r
		if len(first) == 100 {
			cancel()
		}
	}
	if len(first) >= len(in) {
		t.Fatalf("the canceled run reported all %d users", len(first))
	}
	for id, r := range first {
		if r.Outcome != bulk.Created {
			t.Fatalf("%s: %v %v in the canceled run", id, r.Outcome, r.Err)
		}
	}

	second := collect(bulk.Import(context.Background(), c, slices.Values(in), bulk.Options{}))
	if len(second) != len(in) {
		t.Fatalf("the rerun reported %d users, want %d", len(second), len(in))
	}
	for id, r := range second {
		_, before := first[id]
		switch {
		case before && r.Outcome != bulk.AlreadyThere:
			t.Fatalf("%s: created in the first run, %v in the rerun", id, r.Outcome)
		case !before && r.Outcome != bulk.Created && r.Outcome != bulk.AlreadyThere:
			// AlreadyThere: the cancellation cut short a create that had been applied.
			t.Fatalf("%s: %v %v in the rerun", id, r.Outcome, r.Err)
		}
	}
	if got := importedIDs(srv, seed); !slices.Equal(got, inputIDs(in)) {
		t.Fatalf("the server has %d imported users, want each of the %d exactly once", len(got), len(in))
	}
}

func TestConflicts(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	srv.AddHumanUser(clienttest.HumanUser{ID: "taken-id", Username: "somebody", Email: "somebody@example.com"})
	srv.AddHumanUser(clienttest.HumanUser{ID: "other-id", Username: "bob", Email: "bob@example.com"})
	same := user(1)
	srv.AddHumanUser(clienttest.HumanUser{ID: same.ID, Username: same.Username, Email: "USER00001@example.com", GivenName: "Given", FamilyName: "Family"})

	idTaken := user(2)
	idTaken.ID = "taken-id"
	nameTaken := user(3)
	nameTaken.Username = "bob"
	in := []bulk.User{idTaken, nameTaken, same, user(4)}

	got := collect(bulk.Import(context.Background(), srv.Client(), slices.Values(in), bulk.Options{}))
	want := map[string]bulk.Outcome{"taken-id": bulk.Conflict, nameTaken.ID: bulk.Conflict, same.ID: bulk.AlreadyThere, user(4).ID: bulk.Created}
	for id, o := range want {
		if got[id].Outcome != o {
			t.Errorf("%s: %v (%v), want %v", id, got[id].Outcome, got[id].Err, o)
		}
	}
	for _, id := range []string{"taken-id", nameTaken.ID} {
		err := got[id].Err
		if !errors.Is(err, client.ErrUserExists) {
			t.Errorf("%s: Conflict error %v does not match ErrUserExists", id, err)
		}
		var ce *bulk.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: error %T, want a *bulk.ConflictError", id, err)
		}
		if id == "taken-id" && !slices.Equal(ce.Differs, []string{"username", "email"}) {
			t.Errorf("taken id: differs %v, want username and email", ce.Differs)
		}
		if id == nameTaken.ID && len(ce.Differs) != 0 {
			t.Errorf("taken username: differs %v, want none (no user has the id)", ce.Differs)
		}
	}
	if _, ok := slices.BinarySearch(ids(srv), nameTaken.ID); ok {
		t.Error("the user whose username was taken was created anyway")
	}
}

func TestBadInputFailsBeforeSending(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	truncated := user(1)
	truncated.PasswordHash = "$2a$10$" // ZITADEL v4.13.1 would store it; nobody could log in
	noID := user(2)
	noID.ID = ""
	noEmail := user(3)
	noEmail.Email = ""
	both := user(4)
	both.Password = "Plain-Passw0rd!"
	in := []bulk.User{truncated, noID, user(5), noEmail, both, user(6)}

	var got []bulk.Result
	for r := range bulk.Import(context.Background(), srv.Client(), slices.Values(in), bulk.Options{}) {
		got = append(got, r)
	}
	fields := map[string]string{}
	created := 0
	for _, r := range got {
		if r.Outcome == bulk.Created {
			created++
			continue
		}
		var ve *client.ValidationError
		if r.Outcome != bulk.Failed || !errors.As(r.Err, &ve) {
			t.Fatalf("%q: %v %v, want Failed with a *client.ValidationError", r.User.ID, r.Outcome, r.Err)
		}
		fields[r.User.Email] = ve.Field
	}
	want := map[string]string{truncated.Email: "PasswordHash", noID.Email: "ID", "": "Email", both.Email: "PasswordHash"}
	if !maps.Equal(fields, want) {
		t.Fatalf("failed fields %v, want %v", fields, want)
	}
	if created != 2 {
		t.Fatalf("%d created, want the 2 good users", created)
	}
	// Only the good users cost a request: the organization lookup and their creates.
	if n := srv.RequestCount("POST", "/v2/users/new"); n != 2 {
		t.Fatalf("%d creates sent, want 2", n)
	}
}

// bulkGoroutines lists the goroutines blocked in code of package bulk, other than the
// test's. A goroutine that has done its last work (closed a channel, called wg.Done) may
// still be on its way out when the import returns, running or runnable, and no
// synchronisation can wait for that; a leaked one waits for something that never comes:
// it is blocked, and has a frame of bulk's own on its stack ("created by" is not one).
func bulkGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, stack, _ := strings.Cut(g, "\n")
		if strings.Contains(header, "[running]") || strings.Contains(header, "[runnable]") {
			continue
		}
		for line := range strings.SplitSeq(stack, "\n") {
			if strings.HasPrefix(line, "created by ") {
				continue
			}
			if strings.Contains(line, "zitpass-go/bulk.") && !strings.Contains(g, "bulk_test.") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// Breaking out of the loop stops the import: nothing of it runs once the loop is left,
// and an endless input is not read to its end.
func TestBreakStopsEverything(t *testing.T) {
	srv := clienttest.NewServer(clienttest.WithLatency(5 * time.Millisecond))
	defer srv.Close()
	read := 0
	endless := func(yield func(bulk.User) bool) {
		for i := 0; ; i++ {
			read++
			if !yield(user(i)) {
				return
			}
		}
	}
	n := 0
	for r := range bulk.Import(context.Background(), srv.Client(), endless, bulk.Options{MaxConcurrency: 16}) {
		if r.Outcome != bulk.Created {
			t.Fatalf("%s: %v %v", r.User.ID, r.Outcome, r.Err)
		}
		if n++; n == 50 {
			break
		}
	}
	if g := bulkGoroutines(); len(g) > 0 {
		t.Fatalf("%d goroutines of the import still run after the loop ended:\n%s", len(g), strings.Join(g, "\n\n"))
	}
	// The input is read only as far as the workers need: at most the concurrency limit in
	// flight, as many finished and not yet taken, and the one the dispatcher holds, ahead
	// of the results.
	if read > n+2*16+1 {
		t.Fatalf("read %d users for %d results", read, n)
	}
}

// A canceled context stops the import promptly, even while the server holds every answer.
func TestCancelIsPrompt(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	sending := make(chan struct{}, 1000)
	c := srv.Client(client.WithHTTPClient(&http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		sending <- struct{}{}
		return http.DefaultTransport.RoundTrip(r)
	})}))
	ctx, cancel := context.WithCancel(context.Background())
	srv.InjectFault(clienttest.Fault{Count: 1000, Delay: time.Hour})
	done := make(chan map[string]bulk.Result)
	go func() { done <- collect(bulk.Import(ctx, c, slices.Values(users(100)), bulk.Options{})) }()
	<-sending // the server holds it: cancel, and expect every user absent
	cancel()
	got := <-done
	if len(got) != 0 {
		t.Fatalf("%d results from users whose creates the cancellation cut short, want none: %v", len(got), outcomes(got))
	}
	if g := bulkGoroutines(); len(g) > 0 {
		t.Fatalf("%d goroutines of the import outlived it", len(g))
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Told the rate, the import never exceeds it: every request counts, the organization
// lookup too, on the server's clock.
func TestRateLimitNeverExceeded(t *testing.T) {
	if testing.Short() {
		t.Skip("takes 1.5 s of real time")
	}
	const perSecond = 100
	srv := clienttest.NewServer(clienttest.WithRateLimit(perSecond))
	defer srv.Close()
	got := collect(bulk.Import(context.Background(), srv.Client(), slices.Values(users(150)), bulk.Options{RateLimit: perSecond}))
	if n := outcomes(got)[bulk.Created]; n != 150 {
		t.Fatalf("%d created, want 150: %v", n, outcomes(got))
	}
	var arrived []time.Time
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			t.Fatalf("the server answered 429 to %s %s", r.Method, r.Path)
		}
		if strings.HasPrefix(r.Path, "/v2/") || strings.HasPrefix(r.Path, "/auth/") {
			arrived = append(arrived, r.Time)
		}
	}
	if len(arrived) != 151 { // the organization lookup and the creates
		t.Fatalf("%d API requests, want 151", len(arrived))
	}
	// The token bucket (burst 1) spaces the requests' tokens 1/rate apart: a window of a
	// second holds rate+1 of them. A request arrives later than its token by the time
	// the client takes to send it and the server to log it, which varies with the load
	// (-race on one CPU): a second of arrivals can hold the tokens of a second and that
	// lag. The gate's own test measures its tokens exactly, on a test clock; this one
	// allows lag of up to 100 ms, and still fails an import that sends faster than the
	// rate by more than a tenth.
	const lag = 100 * time.Millisecond
	if most := maxIn(arrived, time.Second); most > perSecond+1+int(perSecond*lag.Seconds()) {
		t.Fatalf("%d requests arrived within one second at RateLimit %d", most, perSecond)
	}
}

// maxIn returns the most times in any window [t, t+w).
func maxIn(times []time.Time, w time.Duration) int {
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	most, j := 0, 0
	for i := range times {
		for times[i].Sub(times[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}
