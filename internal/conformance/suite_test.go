package conformance

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// clock is a server clock that the suite's Wait advances, so that session lifetimes pass
// without waiting.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) wait(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return nil
}

// fake starts an in-process fake and returns how to build a client for it and a Wait that
// advances its clock.
func fake(t *testing.T, opts ...clienttest.ServerOption) (*clienttest.Server, Build, func(context.Context, time.Duration) error) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	srv := clienttest.NewServer(append([]clienttest.ServerOption{clienttest.WithClock(clk.Now)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, func(o ...client.Option) (*client.Client, error) { return srv.Client(o...), nil }, clk.wait
}

func runOn(t *testing.T, build Build, wait func(context.Context, time.Duration) error, edit func(*Exchange)) []Step {
	t.Helper()
	steps, err := Run(context.Background(), build, Config{Prefix: "zpconf-test", Wait: wait, Edit: edit})
	if err != nil {
		t.Fatal(err)
	}
	return steps
}

// TestTwoFakesAgree: the suite on two fakes gives the same answers at every step, and
// leaves no user behind.
func TestTwoFakesAgree(t *testing.T) {
	srvA, a, waitA := fake(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 3}))
	_, b, waitB := fake(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 3}))
	before := len(srvA.Users())
	stepsA := runOn(t, a, waitA, nil)
	stepsB := runOn(t, b, waitB, nil)
	if len(stepsA) < 50 {
		t.Errorf("%d steps, want the whole suite", len(stepsA))
	}
	for _, d := range Diff(stepsA, stepsB) {
		t.Errorf("step %d %s: %s\n  a: %s\n  b: %s", d.Step, d.Name, d.Description, d.Want, d.Got)
	}
	if n := len(srvA.Users()); n != before {
		t.Errorf("%d users after the run, %d before: the cleanup left some", n, before)
	}
	// Every step made a request, and the answers cover the outcomes that matter.
	seen := map[string]bool{}
	for _, s := range stepsA {
		if len(s.Exchanges) == 0 {
			t.Errorf("step %q made no request", s.Name)
		}
		for _, e := range s.Exchanges {
			seen[e.ErrorID] = true
		}
	}
	for _, id := range []string{"COMMAND-7yiox1isql", "V3-DKcYh", "COMMA-HuJf6", "COMMAND-3M0fs", "COMMAND-3nJ4t",
		"CODE-woT0xc", "COMMAND-2M9fs", "COMMAND-CahN2", "DOMAIN-HuJf6", "COMMAND-ugjs0upun6", "COMMAND-SAF4f",
		"COMMAND-Hkl3d", "COMMAND-lgws8wtsqf", "SESSION-Gj4ko", "COMMAND-olb9vb0oca", "COMMAND-bd4ir1mblj",
		"QUERY-Dfbg2", "COMMAND-G8dh3"} {
		if !seen[id] {
			t.Errorf("no step answered %s", id)
		}
	}
}

// TestOneWrongAnswerIsReported: one answer changed in one run shows as exactly that step.
func TestOneWrongAnswerIsReported(t *testing.T) {
	_, a, waitA := fake(t)
	_, b, waitB := fake(t)
	stepsA := runOn(t, a, waitA, nil)
	changed := false
	stepsB := runOn(t, b, waitB, func(e *Exchange) {
		if !changed && e.ErrorID == "COMMAND-lgws8wtsqf" {
			e.ErrorID, changed = "COMMAND-somethingelse", true
		}
	})
	diffs := Diff(stepsA, stepsB)
	if len(diffs) != 1 || diffs[0].Name != "LockUser again" || !strings.Contains(diffs[0].Description, "error id") {
		t.Fatalf("differences %+v, want exactly the step LockUser again", diffs)
	}
}

// TestTranscriptHasNoVaryingValues: a recorded run names ids, dates, codes and tokens by
// their shape, as the transcripts in client/clienttest/testdata do, and its own users by
// canonical names and ids: two runs of different prefixes write the same file.
func TestTranscriptHasNoVaryingValues(t *testing.T) {
	write := func(prefix string) string {
		_, a, wait := fake(t)
		steps, err := Run(context.Background(), a, Config{Prefix: prefix, Wait: wait})
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := WriteTranscript(&b, steps); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	out := write("zpconf-one")
	for _, want := range []string{`"<sessionId: 18-digit decimal string>"`, `"<sequence: uint64 as decimal string>"`,
		`"<sessionToken: 78 chars base64url without padding [A-Za-z0-9_-]>"`, `"<verificationCode: 6 chars [A-Z0-9]>"`,
		`"/v2/users/1000000000000000001"`, `"/v2/sessions/{sessionId}"`, `"zpconf-recorded-1@example.com"`,
		`"organizationId": "<orgId: 18-digit decimal string>"`, `"call": "UserService.CreateUser"`,
		`"Authorization": "Bearer <PAT>"`, `"Authorization": "Bearer <user token>"`,
		`"verificationCode": "ZZZZZZ"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %s", want)
		}
	}
	for _, leak := range []string{"2026-12-01T12:", "zpconf-one"} {
		if strings.Contains(out, leak) {
			t.Errorf("the transcript keeps %q", leak)
		}
	}
	if other := write("zpconf-two"); other != out {
		t.Error("two runs of different prefixes wrote different transcripts")
	}
}

// TestTranscriptInfo: the entry of a recording counts its records and puts the suite's wait
// before the first record of the step after it.
func TestTranscriptInfo(t *testing.T) {
	_, a, wait := fake(t)
	steps := runOn(t, a, wait, nil)
	info := Transcript(steps)
	n, at := 0, -1
	for _, s := range steps {
		if s.Name == "CheckPassword on the expired session" {
			at = n
		}
		n += len(s.Exchanges)
	}
	if info.Records != n || len(info.Advance) != 1 || info.Advance[at] != 2*time.Second {
		t.Errorf("info %+v, want %d records and 2s before record %d", info, n, at)
	}
}

// TestShapeOfATokenLikeAnEnum: a session token of upper-case letters and underscores is a
// string in the shape, not a value that differs between two runs.
func TestShapeOfATokenLikeAnEnum(t *testing.T) {
	tok := "E7F_GPF8gIC7OebswxMplEmpyTip3usOMR8qyoOoLorbJWHtxRg_D3AJbhxkibGFoMF2MzoEmu2Gpw"
	if got := shapeOf([]byte(`{"sessionToken":"` + tok + `","state":"USER_STATE_LOCKED"}`)); got != `{sessionToken:string,state:"USER_STATE_LOCKED"}` {
		t.Errorf("shape %s", got)
	}
}

// TestTranscriptNeverKeepsACode: an instance's code generator is its configuration (length,
// letters, digits), so a recording never writes a code the server returned, whatever it
// looks like: not in the answer, and not when the run sends it back.
func TestTranscriptNeverKeepsACode(t *testing.T) {
	var mu sync.Mutex
	var codes []string
	gen := func() string {
		mu.Lock()
		defer mu.Unlock()
		c := "k7q" + strconv.Itoa(len(codes)) + "xPz9w" // 9+ characters with lower-case letters
		codes = append(codes, c)
		return c
	}
	_, a, wait := fake(t, clienttest.WithCodeGenerator(gen))
	steps, err := Run(context.Background(), a, Config{Prefix: "zpconf-codes", Wait: wait})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteTranscript(&b, steps); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(codes) == 0 {
		t.Fatal("the run asked for no code")
	}
	for _, c := range codes {
		if strings.Contains(b.String(), c) {
			t.Errorf("the transcript keeps the code %q the server returned", c)
		}
	}
}
