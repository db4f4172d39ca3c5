package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/internal/proctest"

	"github.com/zitpass/zitpass-go/internal/conformance"
)

// binaries builds cmd/zitadel-fake and cmd/zitpass once for the package's tests.
var binaries = struct {
	once      sync.Once
	dir       string
	fake, cmd string
	err       error
	out       []byte
}{}

func build(t *testing.T) (fake, cmd string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs binaries")
	}
	binaries.once.Do(func() {
		binaries.dir, binaries.err = os.MkdirTemp("", "zitpass-test")
		if binaries.err != nil {
			return
		}
		binaries.fake, binaries.cmd = filepath.Join(binaries.dir, "zitadel-fake"), filepath.Join(binaries.dir, "zitpass")
		binaries.out, binaries.err = exec.Command("go", "build", "-o", binaries.fake, "../zitadel-fake").CombinedOutput()
		if binaries.err == nil {
			binaries.out, binaries.err = exec.Command("go", "build", "-o", binaries.cmd, ".").CombinedOutput()
		}
	})
	if binaries.err != nil {
		t.Fatalf("go build: %v\n%s", binaries.err, binaries.out)
	}
	return binaries.fake, binaries.cmd
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaries.dir != "" {
		os.RemoveAll(binaries.dir)
	}
	os.Exit(code)
}

// fakeProcess is a running cmd/zitadel-fake.
type fakeProcess struct {
	URL, PAT string
	Orgs     map[string]string
}

// startFake starts cmd/zitadel-fake as a process, as its own TestProcess does, and stops
// it at the end of the test.
func startFake(t *testing.T, args ...string) fakeProcess {
	t.Helper()
	bin, _ := build(t)
	line := proctest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0", "-quiet"}, args...)...).Line
	var st fakeProcess
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		t.Fatalf("startup line %q: %v", line, err)
	}
	return st
}

// credentials points the environment at the process fake, as a user would, with no other
// ZITADEL_ variable in the way.
func credentials(t *testing.T, pat string) {
	for _, k := range []string{"ZITADEL_URL", "ZITADEL_DOMAIN", "ZITADEL_PAT_FILE", "ZITADEL_KEY_FILE", "ZITADEL_CLIENT_ID",
		"ZITADEL_CLIENT_SECRET", "ZITADEL_ORG_ID", "ZITADEL_ISSUER", "ZITADEL_INSECURE"} {
		t.Setenv(k, "")
	}
	t.Setenv("ZITADEL_PAT", pat)
}

// runCmd runs the conformance command in-process.
func runCmd(ctx context.Context, args []string, edit func(string, *conformance.Exchange)) (code int, stdout, stderr string) {
	var out, errOut proctest.Buffer
	env := cmdEnv{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, isTerminal: func() bool { return false }}
	code = conformanceMain(ctx, args, env, edit)
	return code, out.String(), errOut.String()
}

// fakeClock reads the process fake's clock.
func fakeClock(t *testing.T, f fakeProcess) time.Time {
	t.Helper()
	req, _ := http.NewRequest("GET", f.URL+"/_fake/clock", nil)
	req.Header.Set("Authorization", "Bearer "+f.PAT)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Now string }
	json.NewDecoder(resp.Body).Decode(&body)
	now, err := time.Parse(time.RFC3339Nano, body.Now)
	if err != nil {
		t.Fatalf("GET /_fake/clock: %d %q", resp.StatusCode, body.Now)
	}
	return now
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

var stepsLine = regexp.MustCompile(`(?m)^(\d+) steps: `)

// TestProcessFakeAgreesWithInProcessFake: the suite on the standalone fake, as the server,
// and on clienttest in-process agree at every step, with a lockout policy and an
// organization of their own; the session-expiry wait advanced the process fake's clock
// through its control API instead of sleeping.
func TestProcessFakeAgreesWithInProcessFake(t *testing.T) {
	seed := filepath.Join(t.TempDir(), "seed.json")
	os.WriteFile(seed, []byte(`{"orgs":["acme"]}`), 0o600)
	f := startFake(t, "-lockout", "3", "-seed", seed)
	credentials(t, f.PAT)
	for _, org := range []string{"", f.Orgs["acme"]} {
		before := fakeClock(t, f)
		start := time.Now()
		args := []string{"-url", f.URL}
		if org != "" {
			args = append(args, "-org", org)
		}
		code, out, errOut := runCmd(context.Background(), args, nil)
		if code != 0 {
			t.Fatalf("-org %q: exit %d\n%s\n%s", org, code, out, errOut)
		}
		m := stepsLine.FindStringSubmatch(out)
		if m == nil || !strings.Contains(out, m[1]+" steps: the server and the fake agree at every step") || atoi(m[1]) < 55 {
			t.Errorf("-org %q: the report does not show the whole suite agreeing:\n%s", org, out)
		}
		for _, want := range []string{"server: " + f.URL + ", ZITADEL v4.13.1", "lockout: 3 password attempts"} {
			if !strings.Contains(out, want) {
				t.Errorf("-org %q: the report lacks %q:\n%s", org, want, out)
			}
		}
		// The fake's clock moved by the suite's 2s wait more than the real time did. The
		// real time is measured inside the two clock reads, so it is at most theirs.
		elapsed := time.Since(start)
		if moved := fakeClock(t, f).Sub(before) - elapsed; moved < 2*time.Second {
			t.Errorf("-org %q: the process fake's clock moved %v beyond the real time, want 2s", org, moved)
		}
	}
}

// TestOneWrongAnswerIsTheOneRow: one answer of the fake changed shows as exactly that step
// in the command's table, and the exit status is 1.
func TestOneWrongAnswerIsTheOneRow(t *testing.T) {
	f := startFake(t)
	credentials(t, f.PAT)
	var mu sync.Mutex
	changed := false
	code, out, errOut := runCmd(context.Background(), []string{"-url", f.URL}, func(run string, e *conformance.Exchange) {
		mu.Lock()
		defer mu.Unlock()
		if run == "fake" && !changed && e.ErrorID == "COMMAND-lgws8wtsqf" {
			e.ErrorID, changed = "COMMAND-somethingelse", true
		}
	})
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	_, table, ok := strings.Cut(out, "STEP ")
	if !ok || !strings.Contains(out, "the server and the fake differ at 1:") {
		t.Fatalf("no table of one difference:\n%s", out)
	}
	rows := strings.Split(strings.TrimSpace(table), "\n")[1:]
	if len(rows) != 1 || !regexp.MustCompile(`^\d+ LockUser again +POST /v2/users/\{id\}/lock 400/9 COMMAND-lgws8wtsqf +POST /v2/users/\{id\}/lock 400/9 COMMAND-somethingelse +request 1: error id`).MatchString(rows[0]) {
		t.Errorf("rows %q, want the one step LockUser again", rows)
	}
}

// TestInterruptRemovesTheUsers: a run cancelled in the middle (Ctrl-C) still removes every
// user it created on the server, says so, and exits 1 without running the fake.
func TestInterruptRemovesTheUsers(t *testing.T) {
	f := startFake(t)
	credentials(t, f.PAT)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code, out, errOut := runCmd(ctx, []string{"-url", f.URL}, func(run string, e *conformance.Exchange) {
		if run == "server" && strings.HasSuffix(e.Path, "/lock") {
			cancel()
		}
	})
	if code != 1 || !strings.Contains(errOut, "context canceled") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	created := regexp.MustCompile(`(?m)^created user (\d+) `).FindAllStringSubmatch(out, -1)
	if len(created) < 3 {
		t.Fatalf("created %d users before the interrupt, want at least 3:\n%s", len(created), out)
	}
	for _, m := range created {
		if !strings.Contains(out, "removed user "+m[1]+"\n") {
			t.Errorf("user %s was not removed:\n%s", m[1], out)
		}
		req, _ := http.NewRequest("GET", f.URL+"/v2/users/"+m[1], nil)
		req.Header.Set("Authorization", "Bearer "+f.PAT)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("user %s after the interrupt: %d", m[1], resp.StatusCode)
		}
	}
	if strings.Contains(out, "steps: the server and the fake") {
		t.Errorf("the fake ran after the interrupt:\n%s", out)
	}
}

// TestCommandAsProcess runs the zitpass binary against the process fake: exit 0, the
// version line, what it created and removed, and a -record transcript that parses, with
// the token nowhere in it.
func TestCommandAsProcess(t *testing.T) {
	_, bin := build(t)
	f := startFake(t)
	record := filepath.Join(t.TempDir(), "zitadel-new.json")
	cmd := exec.Command(bin, "conformance", "-url", f.URL, "-yes", "-record", record)
	cmd.Env = append(os.Environ(), "ZITADEL_PAT="+f.PAT, "ZITADEL_URL=", "ZITADEL_DOMAIN=", "ZITADEL_KEY_FILE=", "ZITADEL_PAT_FILE=",
		"ZITADEL_CLIENT_ID=", "ZITADEL_CLIENT_SECRET=", "ZITADEL_ISSUER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("zitpass conformance: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"server: " + f.URL + ", ZITADEL v4.13.1\n", "\ncreated user ", "\nremoved user ", "agree at every step"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	raw, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	var records []struct {
		Call, Scenario string
		Request        struct {
			Method, Path string
			Query        map[string]string
			Headers      map[string]string
			Body         any
		}
		Response struct {
			Status  int
			Headers map[string]string
			Body    any
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&records); err != nil {
		t.Fatalf("the transcript does not parse: %v", err)
	}
	if len(records) < 50 || records[0].Scenario != "settings: password complexity" || records[0].Response.Status != 200 {
		t.Errorf("%d records, the first %+v", len(records), records[0])
	}
	entry := `{file: "testdata/zitadel-new.json", records: ` + strconv.Itoa(len(records)) + `, version: 4, advance: map[int]time.Duration{`
	if !strings.Contains(out, entry) {
		t.Errorf("stdout lacks the replay entry %s:\n%s", entry, out)
	}
	if bytes.Contains(raw, []byte(f.PAT)) || strings.Contains(out, f.PAT) {
		t.Error("the token is in the transcript or the report")
	}
}

// TestRefusesHostNotLoopback: without -yes, a host that is not loopback is refused before
// any request, whether stdin is a terminal that does not answer "yes" or no terminal.
func TestRefusesHostNotLoopback(t *testing.T) {
	credentials(t, "some-token")
	for name, env := range map[string]cmdEnv{
		"no terminal":  {stdin: strings.NewReader("yes\n"), isTerminal: func() bool { return false }},
		"answered no":  {stdin: strings.NewReader("no\n"), isTerminal: func() bool { return true }},
		"no answer":    {stdin: strings.NewReader(""), isTerminal: func() bool { return true }},
		"answered YES": {stdin: strings.NewReader("Yes please\n"), isTerminal: func() bool { return true }},
	} {
		var out, errOut proctest.Buffer
		env.stdout, env.stderr = &out, &errOut
		code := conformanceMain(context.Background(), []string{"-url", "https://zitadel.example.com"}, env, nil)
		if code != 2 || out.String() != "" || !strings.Contains(errOut.String(), "https://zitadel.example.com") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", name, code, out.String(), errOut.String())
		}
	}
}

func TestConfirm(t *testing.T) {
	ask := func(answer string) cmdEnv {
		return cmdEnv{stdin: strings.NewReader(answer), stderr: &bytes.Buffer{}, isTerminal: func() bool { return true }}
	}
	cases := []struct {
		url  string
		yes  bool
		env  cmdEnv
		want bool
	}{
		{"http://127.0.0.1:8080", false, cmdEnv{stderr: &bytes.Buffer{}}, true},
		{"http://[::1]:8080", false, cmdEnv{stderr: &bytes.Buffer{}}, true},
		{"http://localhost:8080", false, cmdEnv{stderr: &bytes.Buffer{}}, true},
		{"http://zitadel.localhost", false, cmdEnv{stderr: &bytes.Buffer{}}, true},
		{"https://zitadel.example.com", true, cmdEnv{stderr: &bytes.Buffer{}}, true},
		{"https://zitadel.example.com", false, ask("yes\n"), true},
		{"https://zitadel.example.com", false, ask(" yes \n"), true},
		{"https://zitadel.example.com", false, ask("y\n"), false},
		{"https://10.0.0.1", false, cmdEnv{stderr: &bytes.Buffer{}}, false},
		{"https://localhost.example.com", false, cmdEnv{stderr: &bytes.Buffer{}}, false},
	}
	for _, c := range cases {
		if got := confirm(c.url, c.yes, c.env); got != c.want {
			t.Errorf("confirm(%s, yes=%t) = %t, want %t", c.url, c.yes, got, c.want)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	credentials(t, "")
	for name, args := range map[string][]string{
		"unknown flag":     {"-nope"},
		"extra argument":   {"-url", "http://127.0.0.1:1", "more"},
		"no URL":           {},
		"no credentials":   {"-url", "http://127.0.0.1:1"},
		"URL not absolute": {"-url", "zitadel"},
	} {
		if code, _, _ := runCmd(context.Background(), args, nil); code != 2 {
			t.Errorf("%s: exit %d, want 2", name, code)
		}
	}
	var errOut bytes.Buffer
	env := cmdEnv{stdout: &bytes.Buffer{}, stderr: &errOut}
	if code := dispatch(context.Background(), []string{"frobnicate"}, env); code != 2 || !strings.Contains(errOut.String(), `unknown command "frobnicate"`) {
		t.Errorf("an unknown command: %d %q", code, errOut.String())
	}
	if code := dispatch(context.Background(), nil, env); code != 2 {
		t.Errorf("no command: %d", code)
	}
	if code := dispatch(context.Background(), []string{"conformance", "-help"}, env); code != 0 || !strings.Contains(errOut.String(), "Usage: zitpass conformance") {
		t.Errorf("conformance -help: %d", code)
	}
}
