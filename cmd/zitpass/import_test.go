package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/internal/proctest"

	"golang.org/x/crypto/bcrypt"
)

// importLine is a user line of the input, in the format -help documents.
func importLine(id, username, password, hash string) string {
	b, _ := json.Marshal(map[string]any{
		"id": id, "username": username, "givenName": "Given", "familyName": "Family",
		"email": username + "@example.com", "emailVerified": true, "password": password, "passwordHash": hash,
	})
	return string(b)
}

// readResults reads a results file: its lines by id (or "line N" for unreadable lines).
func readResults(t *testing.T, path string) (map[string]resultLine, string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]resultLine{}
	sc := bufio.NewScanner(strings.NewReader(string(raw)))
	for sc.Scan() {
		var l resultLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("result line %q: %v", sc.Text(), err)
		}
		key := l.ID
		if key == "" {
			key = fmt.Sprintf("line %d", l.Line)
		}
		out[key] = l
	}
	return out, string(raw)
}

// wireOutcome is the outcome as the results file names it.
func wireOutcome(l resultLine) string {
	b, _ := l.Outcome.MarshalText()
	return string(b)
}

// The command as a user runs it: a process, against the standalone fake as a process,
// credentials from the environment; the results file and the exit status tell the outcome,
// and a second run finishes the job without creating anyone twice.
func TestImportAsProcess(t *testing.T) {
	_, bin := build(t)
	f := startFake(t, "-user", "bob:")
	credentials(t, f.PAT)
	t.Setenv("ZITADEL_URL", f.URL)
	dir := t.TempDir()

	h, err := bcrypt.GenerateFromPassword([]byte("Imported-Passw0rd!"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash, password := string(h), "Plain-Passw0rd!1"
	var good []string
	for i := range 30 {
		good = append(good, importLine(fmt.Sprintf("u-%03d", i), fmt.Sprintf("user%03d", i), "", hash))
	}
	good = append(good, importLine("u-plain", "plain", password, ""))
	bad := []string{
		importLine("u-truncated", "truncated", "", "$2a$10$"), // Failed before sending
		importLine("u-bob", "bob", "", hash),                  // bob is taken: Conflict
		`{"id":"u-typo","login":"typo","givenName":"G"}`,      // an unknown field: line 34
		`{"id":"u-broken","password":"` + password + `"`,      // not JSON: line 35
	}
	in := filepath.Join(dir, "users.jsonl")
	if err := os.WriteFile(in, []byte(strings.Join(append(append([]string{}, good...), bad...), "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "results.jsonl")
	cmd := exec.Command(bin, "import", "-in", in, "-out", out, "-rate", "200", "-max-concurrency", "8")
	var stderr proctest.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("first run: %v, want exit status 1\n%s", err, stderr.String())
	}
	results, raw := readResults(t, out)
	for _, l := range good {
		var u struct{ ID string }
		json.Unmarshal([]byte(l), &u)
		if got := wireOutcome(results[u.ID]); got != "created" {
			t.Errorf("%s: %q, want created", u.ID, got)
		}
	}
	want := map[string]string{"u-truncated": "failed", "u-bob": "conflict", "line 34": "failed", "line 35": "failed"}
	for key, o := range want {
		if got := wireOutcome(results[key]); got != o {
			t.Errorf("%s: %q, want %q (%s)", key, got, o, results[key].Error)
		}
	}
	if len(results) != len(good)+len(want) {
		t.Errorf("%d result lines, want %d:\n%s", len(results), len(good)+len(want), raw)
	}
	if id := results["u-bob"].ErrorID; id != "V3-DKcYh" {
		t.Errorf("the conflict's error id %q, want ZITADEL's V3-DKcYh", id)
	}
	for _, secret := range []string{hash, password, "$2a$10$"} {
		if strings.Contains(raw, secret) || strings.Contains(stderr.String(), secret) {
			t.Fatalf("a password or hash is in the output:\n%s\n%s", raw, stderr.String())
		}
	}
	if !strings.Contains(stderr.String(), "31 created, 0 already there, 1 conflicts, 1 failed, 2 unreadable lines") {
		t.Errorf("summary: %s", stderr.String())
	}

	// The second run, of the good users only, creates nobody and exits 0.
	if err := os.WriteFile(in, []byte(strings.Join(good, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(bin, "import", "-in", in, "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second run: %v\n%s", err, b)
	}
	results, _ = readResults(t, out)
	for id, l := range results {
		if got := wireOutcome(l); got != "alreadyThere" {
			t.Errorf("second run: %s %q, want alreadyThere", id, got)
		}
	}
	if len(results) != len(good) {
		t.Errorf("second run: %d results, want %d", len(results), len(good))
	}
}

// runImportCmd runs the import command in-process.
func runImportCmd(args []string, stdin string) (code int, stdout, stderr string) {
	var out, errOut proctest.Buffer
	env := cmdEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, isTerminal: func() bool { return false }}
	code = runImport(context.Background(), args, env)
	return code, out.String(), errOut.String()
}

func TestImportHelpDocumentsTheInput(t *testing.T) {
	code, _, stderr := runImportCmd([]string{"-help"}, "")
	if code != 0 {
		t.Fatalf("-help: exit %d", code)
	}
	// The example line is a valid user.
	var example string
	for l := range strings.Lines(stderr) {
		if s := strings.TrimSpace(l); strings.HasPrefix(s, `{"id":`) && strings.Contains(s, "givenName") {
			example = s
		}
	}
	if example == "" {
		t.Fatalf("-help shows no example line:\n%s", stderr)
	}
	u, err := parseUser([]byte(example))
	if err != nil || u.ID == "" || u.Email == "" || u.PasswordHash == "" {
		t.Fatalf("the example line %s: %+v %v", example, u, err)
	}
	for _, field := range []string{"orgId", "emailVerified", "passwordHash", "changeRequired", "-rate", "-max-concurrency", "-out"} {
		if !strings.Contains(stderr, field) {
			t.Errorf("-help does not mention %s", field)
		}
	}
}

func TestImportUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-in"}, {"-in", "x", "extra"}, {"-nope"}} {
		if code, _, _ := runImportCmd(args, ""); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if code, _, stderr := runImportCmd([]string{"-in", filepath.Join(t.TempDir(), "missing.jsonl")}, ""); code != 1 || !strings.Contains(stderr, "missing.jsonl") {
		t.Errorf("a missing input: exit %d, %s", code, stderr)
	}
}

// Standard input works too, results go to standard output, and progress lines never
// carry a secret.
func TestImportFromStdin(t *testing.T) {
	f := startFake(t)
	credentials(t, f.PAT)
	t.Setenv("ZITADEL_URL", f.URL)
	in := importLine("s-1", "stdin1", "Plain-Passw0rd!1", "") + "\n\n" + importLine("s-2", "stdin2", "Plain-Passw0rd!2", "") + "\n"
	code, stdout, stderr := runImportCmd([]string{"-in", "-"}, in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(stdout, `"outcome":"created"`); n != 2 {
		t.Fatalf("stdout: %s", stdout)
	}
	if strings.Contains(stdout+stderr, "Plain-Passw0rd") {
		t.Fatalf("a password in the output: %s %s", stdout, stderr)
	}
}

func TestParseUserNeverQuotesTheLine(t *testing.T) {
	for _, line := range []string{
		`{"id":"x","password":"S3cret-Value!" "more"}`,
		`{"id":"x","password":12}`,
		`{"id":"x","passwrd":"S3cret-Value!"}`,
		`{"id":"x"} {"password":"S3cret-Value!"}`,
	} {
		_, err := parseUser([]byte(line))
		if err == nil {
			t.Fatalf("%s: no error", line)
		}
		if strings.Contains(err.Error(), "S3cret") {
			t.Fatalf("%s: the error quotes it: %v", line, err)
		}
	}
}

func TestCountLines(t *testing.T) {
	for in, want := range map[string]int{"": 0, "a": 1, "a\n": 1, "a\n\n  \nb": 2, "a\r\nb\r\n": 2} {
		if got, err := countLines(strings.NewReader(in)); err != nil || got != want {
			t.Errorf("countLines(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}
