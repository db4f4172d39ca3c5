package main

//lint:file-ignore SA1019 the fake answers the deprecated calls too, and these tests drive them on purpose

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/internal/proctest"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// TestProcess builds the command, starts it as a process seeded from a file and flags,
// drives it with the SDK through every kind of credential, reads its request log, and
// stops it with SIGTERM.
func TestProcess(t *testing.T) {
	bin := proctest.Build(t, ".", "zitadel-fake")
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "app-key.json")
	seedPath := filepath.Join(dir, "seed.json")
	seedJSON := `{"orgs":["acme"],
		"users":[{"username":"alice","password":"Alice-Passw0rd!1","org":"acme"},{"username":"ivy","initial":true}],
		"serviceUsers":[{"username":"app","admin":true,"keyFile":"` + keyPath + `","clientSecret":true}],
		"lockout":{"maxPasswordAttempts":3}}`
	if err := os.WriteFile(seedPath, []byte(seedJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "state.json")
	proc := proctest.Start(t, bin, "-addr", "127.0.0.1:0", "-seed", seedPath, "-user", "bob:Bob-Passw0rd!1", "-out", outPath, "-pat", "fixed-admin-token")
	line, stderr := proc.Line, proc.Stderr
	var st state
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		t.Fatalf("startup line %q: %v", line, err)
	}
	if written, _ := os.ReadFile(outPath); strings.TrimSpace(string(written)) != strings.TrimSpace(line) {
		t.Errorf("-out has %q, stdout %q", written, line)
	}
	if st.PAT != "fixed-admin-token" || st.Users["alice"] == "" || st.Users["bob"] == "" || st.Orgs["acme"] == "" ||
		st.ServiceUsers["app"].ClientSecret == "" || st.Issuer != st.URL {
		t.Fatalf("state = %+v", st)
	}

	ctx := context.Background()
	pat, err := client.New(st.URL, client.WithTokenSource(auth.PAT(st.PAT)))
	if err != nil {
		t.Fatal(err)
	}
	alice := st.Users["alice"]
	reset, err := pat.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pat.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: reset.VerificationCode}); err != nil {
		t.Fatal(err)
	}
	if err := pat.Sessions.VerifyPassword(ctx, client.ByLoginName("alice"), "N3w-Passw0rd!"); err != nil {
		t.Errorf("alice's new password: %v", err)
	}
	if err := pat.Sessions.VerifyPassword(ctx, client.ByUserID(st.Users["bob"]), "Bob-Passw0rd!1"); err != nil {
		t.Errorf("bob from -user: %v", err)
	}
	if u, err := pat.Users.GetUser(ctx, st.Users["ivy"]); err != nil || u.State != client.UserStateInitial {
		t.Errorf("ivy: %+v, %v", u, err)
	}
	if l, err := pat.Settings.Lockout(ctx); err != nil || l.MaxPasswordAttempts != 3 {
		t.Errorf("lockout: %+v, %v", l, err)
	}

	jwt, err := auth.JWTProfileFile(ctx, st.Issuer, keyPath)
	if err != nil {
		t.Fatal(err)
	}
	cc := auth.ClientCredentials(ctx, st.Issuer, st.ServiceUsers["app"].ClientID, st.ServiceUsers["app"].ClientSecret)
	for name, c := range map[string]*client.Client{"jwt": mustClient(t, st.URL, jwt), "client credentials": mustClient(t, st.URL, cc)} {
		if _, err := c.Users.RequestPasswordReset(ctx, st.Users["bob"], client.ReturnCode()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// The request log names each call, and never a token or password.
	log := stderr.String()
	for _, want := range []string{"path=/v2/users/" + alice + "/password_reset status=200", "path=/oauth/v2/token status=200", "method=POST"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{st.PAT, "N3w-Passw0rd!", reset.VerificationCode, st.ServiceUsers["app"].ClientSecret} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q", secret)
		}
	}

	if err := proc.Stop(t, syscall.SIGTERM, 10*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "zitadel-fake stopping") {
		t.Errorf("no stop message:\n%s", stderr.String())
	}
}

func mustClient(t *testing.T, url string, ts oauth2.TokenSource) *client.Client {
	t.Helper()
	c, err := client.New(url, client.WithTokenSource(ts))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestFlags runs the command in-process with the flags of version, rate limit, latency and
// hash verifiers, and checks that the server answers accordingly.
func TestFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-quiet", "-version", "3", "-rate-limit", "2", "-latency", "1ms",
			"-hash-verifiers", "bcrypt, argon2", "-user", "alice:Alice-Passw0rd!1"}, outW, io.Discard)
		outW.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	var st state
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		t.Fatal(err)
	}
	get := func(path string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", st.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+st.PAT)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if status, body := get("/admin/v1/instances/me"); status != 200 || body["instance"].(map[string]any)["version"] != "v3.4.9" {
		t.Errorf("instance = %d %v", status, body)
	}
	limited := false
	for range 4 {
		status, _ := get("/v2/settings")
		limited = limited || status == 429
	}
	if !limited {
		t.Error("-rate-limit 2: four calls in a row were not limited")
	}
}

func TestFlagErrors(t *testing.T) {
	for _, args := range [][]string{{"-version", "5"}, {"-hash-verifiers", "rot13"}, {"-latency", "-1s"}} {
		err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0", "-quiet"}, args...), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// startFake builds the command and starts it as a process with args, and returns its
// startup state. The process is killed at the end of the test.
func startFake(t *testing.T, args ...string) state {
	t.Helper()
	bin := proctest.Build(t, ".", "zitadel-fake")
	line := proctest.Start(t, bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...).Line
	var st state
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		t.Fatalf("startup line %q: %v", line, err)
	}
	return st
}

// httpCall makes one plain HTTP call, as a harness in another language would, and returns
// the status and the decoded JSON answer.
func httpCall(t *testing.T, method, url, token string, body any) (int, any) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %q", method, url, resp.StatusCode, raw)
		}
	}
	if resp.StatusCode >= 400 && strings.Contains(url, "/_fake/") {
		if m, _ := out.(map[string]any); m == nil || m["error"] == "" || m["error"] == nil {
			t.Errorf("%s %s: %d without {\"error\": ...}: %q", method, url, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func field(v any, keys ...string) any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

// TestControlAPI drives the process with plain HTTP only: a reset by link whose code the
// harness reads from the outbox, the password set with it and checked, users added,
// locked and unlocked, the clock advanced past a session's lifetime, and a reset back to
// the seed.
func TestControlAPI(t *testing.T) {
	dir := t.TempDir()
	seedPath := filepath.Join(dir, "seed.json")
	const seedPassword, newPassword = "Alice-Passw0rd!1", "N3w-Passw0rd!2"
	if err := os.WriteFile(seedPath, []byte(`{"orgs":["acme"],"users":[{"username":"alice","password":"`+seedPassword+`","org":"acme"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	st := startFake(t, "-seed", seedPath, "-pat", "control-admin-token", "-quiet")
	u, pat, alice := st.URL, st.PAT, st.Users["alice"]
	call := func(method, path string, body any) (int, any) { return httpCall(t, method, u+path, pat, body) }
	session := func(userID, password string) int {
		status, _ := call("POST", "/v2/sessions", map[string]any{"checks": map[string]any{
			"user": map[string]any{"userId": userID}, "password": map[string]any{"password": password}}})
		return status
	}

	// Only the administrator's token opens the control API.
	for _, tok := range []string{"", "wrong-token"} {
		if status, _ := httpCall(t, "GET", u+"/_fake/outbox", tok, nil); status != http.StatusUnauthorized {
			t.Errorf("token %q: %d, want 401", tok, status)
		}
	}
	if status, _ := call("GET", "/_fake/nothing", nil); status != http.StatusNotFound {
		t.Errorf("an unknown control path: %d", status)
	}
	if status, _ := call("GET", "/_fake/reset", nil); status != http.StatusMethodNotAllowed {
		t.Errorf("GET /_fake/reset: %d", status)
	}

	// A reset by link: the harness reads the code from the outbox.
	status, _ := call("POST", "/v2/users/"+alice+"/password_reset", map[string]any{"sendLink": map[string]any{
		"notificationType": "NOTIFICATION_TYPE_Email", "urlTemplate": "https://app.example/reset?user={{.UserID}}&code={{.Code}}"}})
	if status != http.StatusOK {
		t.Fatalf("password_reset: %d", status)
	}
	_, outbox := call("GET", "/_fake/outbox", nil)
	list, _ := outbox.([]any)
	if len(list) != 1 {
		t.Fatalf("outbox %v, want one notification", outbox)
	}
	code, _ := field(list[0], "code").(string)
	if field(list[0], "userId") != alice || field(list[0], "type") != "email" || len(code) != 6 ||
		field(list[0], "link") != "https://app.example/reset?user="+alice+"&code="+code {
		t.Fatalf("notification %v", list[0])
	}
	status, _ = call("PATCH", "/v2/users/"+alice, map[string]any{"human": map[string]any{"password": map[string]any{
		"password": map[string]any{"password": newPassword}, "verificationCode": code}}})
	if status != http.StatusOK {
		t.Fatalf("UpdateUser with the outbox's code: %d", status)
	}
	if s := session(alice, newPassword); s != http.StatusCreated {
		t.Errorf("the new password: %d", s)
	}
	if s := session(alice, seedPassword); s == http.StatusCreated {
		t.Error("the seed password still works after the change")
	}
	if status, body := call("DELETE", "/_fake/outbox", nil); status != http.StatusOK || field(body, "cleared") != 1.0 {
		t.Errorf("DELETE /_fake/outbox: %d %v", status, body)
	}
	if _, body := call("GET", "/_fake/outbox", nil); body == nil || len(body.([]any)) != 0 {
		t.Errorf("outbox after DELETE: %v", body)
	}

	// Users: added as the seed file has them; bad input is a 400 that says why.
	status, added := call("POST", "/_fake/users", map[string]any{"username": "carol", "password": "Carol-Passw0rd!1", "org": "acme"})
	carol, _ := field(added, "userId").(string)
	if status != http.StatusOK || carol == "" || field(added, "orgId") != st.Orgs["acme"] {
		t.Fatalf("POST /_fake/users: %d %v", status, added)
	}
	if s := session(carol, "Carol-Passw0rd!1"); s != http.StatusCreated {
		t.Errorf("carol's password: %d", s)
	}
	for body, want := range map[string]string{
		`{"username":"dave","pasword":"x"}`:                            "pasword",
		`{"password":"Dave-Passw0rd!1"}`:                               "no username",
		`{"username":"ALICE"}`:                                         "taken",
		`{"username":"erin","id":"` + alice + `"}`:                     "taken",
		`{"username":"erin","password":"a","passwordHash":"$2a$04$x"}`: "exclusive",
		`[1]`: "seed file",
	} {
		status, resp := call("POST", "/_fake/users", body)
		if msg, _ := field(resp, "error").(string); status != http.StatusBadRequest || !strings.Contains(msg, want) {
			t.Errorf("POST /_fake/users %s: %d %v, want 400 naming %q", body, status, resp, want)
		}
	}

	// Lock and unlock.
	if status, body := call("POST", "/_fake/users/"+carol+"/lock", nil); status != http.StatusOK || field(body, "state") != "USER_STATE_LOCKED" {
		t.Errorf("lock: %d %v", status, body)
	}
	if s := session(carol, "Carol-Passw0rd!1"); s == http.StatusCreated {
		t.Error("a locked user logged in")
	}
	if status, body := call("POST", "/_fake/users/"+carol+"/unlock", nil); status != http.StatusOK || field(body, "state") != "USER_STATE_ACTIVE" {
		t.Errorf("unlock: %d %v", status, body)
	}
	if s := session(carol, "Carol-Passw0rd!1"); s != http.StatusCreated {
		t.Errorf("the unlocked user: %d", s)
	}
	for _, action := range []string{"lock", "unlock"} {
		if status, _ := call("POST", "/_fake/users/999999/"+action, nil); status != http.StatusNotFound {
			t.Errorf("%s of an unknown user: %d", action, status)
		}
	}

	// The clock: a session of one second has ended after an advance of two.
	_, before := call("GET", "/_fake/clock", nil)
	t0, err := time.Parse(time.RFC3339Nano, field(before, "now").(string))
	if err != nil {
		t.Fatal(err)
	}
	status, created := call("POST", "/v2/sessions", map[string]any{"lifetime": "1s", "checks": map[string]any{
		"user": map[string]any{"userId": carol}, "password": map[string]any{"password": "Carol-Passw0rd!1"}}})
	if status != http.StatusCreated {
		t.Fatalf("session with a lifetime: %d", status)
	}
	_, after := call("POST", "/_fake/clock", map[string]any{"advance": "2s"})
	t1, err := time.Parse(time.RFC3339Nano, field(after, "now").(string))
	if err != nil || t1.Sub(t0) < 2*time.Second {
		t.Fatalf("clock %v after %v, want two seconds later (%v)", t1, t0, err)
	}
	status, body := call("PATCH", "/v2/sessions/"+field(created, "sessionId").(string), map[string]any{
		"checks": map[string]any{"password": map[string]any{"password": "Carol-Passw0rd!1"}}})
	if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body), "COMMAND-Hkl3d") {
		t.Errorf("SetSession after the lifetime: %d %v, want COMMAND-Hkl3d", status, body)
	}
	for _, bad := range []string{`{"advance":"-1s"}`, `{"advance":"soon"}`, `{}`, `{"advance":"1s","by":"x"}`} {
		if status, _ := call("POST", "/_fake/clock", bad); status != http.StatusBadRequest {
			t.Errorf("POST /_fake/clock %s: %d, want 400", bad, status)
		}
	}

	// Reset: the seed's password is back, carol is gone, the outbox is empty, the clock
	// runs at the real time again, and the next user gets carol's id again.
	call("POST", "/v2/users/"+alice+"/password_reset", map[string]any{"sendLink": map[string]any{}})
	if status, _ := call("POST", "/_fake/reset", nil); status != http.StatusOK {
		t.Fatalf("reset: %d", status)
	}
	if s := session(alice, seedPassword); s != http.StatusCreated {
		t.Errorf("the seed password after the reset: %d", s)
	}
	if s := session(alice, newPassword); s == http.StatusCreated {
		t.Error("the changed password survived the reset")
	}
	if status, _ := call("GET", "/v2/users/"+carol, nil); status != http.StatusNotFound {
		t.Errorf("carol after the reset: %d", status)
	}
	if _, body := call("GET", "/_fake/outbox", nil); len(body.([]any)) != 0 {
		t.Errorf("outbox after the reset: %v", body)
	}
	_, now := call("GET", "/_fake/clock", nil)
	if t2, _ := time.Parse(time.RFC3339Nano, field(now, "now").(string)); !t2.Before(t1) {
		t.Errorf("clock %v after the reset, %v before: the offset stayed", t2, t1)
	}
	if _, again := call("POST", "/_fake/users", map[string]any{"username": "carol", "org": "acme"}); field(again, "userId") != carol {
		t.Errorf("carol again: %v, want the id %s", again, carol)
	}
}

// TestControlBeforeTheSeed: until the seed is applied and snapshotted, the control API
// answers 503, and the fake's own paths pass through.
func TestControlBeforeTheSeed(t *testing.T) {
	ctl := &control{clock: &offsetClock{}}
	passed := false
	h := ctl.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { passed = true }))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/_fake/reset", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), `"error"`) {
		t.Errorf("before the seed: %d %s", rec.Code, rec.Body)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/v2/settings", nil))
	if !passed {
		t.Error("a ZITADEL path did not reach the fake")
	}
}

// TestControlLog: control calls are logged by method, path and status, never with the
// token or a body.
func TestControlLog(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	var stderr proctest.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-user", "alice:Alice-Passw0rd!1"}, outW, &stderr)
		outW.Close()
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	var st state
	if err := json.Unmarshal([]byte(line), &st); err != nil {
		t.Fatal(err)
	}
	if status, _ := httpCall(t, "POST", st.URL+"/_fake/users", st.PAT, `{"username":"bob","password":"Bob-Secret-Passw0rd!1"}`); status != http.StatusOK {
		t.Fatalf("POST /_fake/users: %d", status)
	}
	log := stderr.String()
	if !strings.Contains(log, "msg=control method=POST path=/_fake/users status=200") {
		t.Errorf("the control call is not logged:\n%s", log)
	}
	for _, secret := range []string{st.PAT, "Bob-Secret-Passw0rd!1"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log contains %q", secret)
		}
	}
}

// TestUsageHidesThePATFromTheEnvironment: -help and a flag error print the flags' defaults
// to stderr, which CI keeps in its logs; ZITADEL_FAKE_PAT is a credential and must not be
// one of them. The environment's PAT still applies.
func TestUsageHidesThePATFromTheEnvironment(t *testing.T) {
	const pat = "env-pat-Sup3rSecret"
	t.Setenv("ZITADEL_FAKE_PAT", pat)
	for _, args := range [][]string{{"-help"}, {"-no-such-flag"}} {
		var stderr bytes.Buffer
		run(context.Background(), args, io.Discard, &stderr)
		if !strings.Contains(stderr.String(), "-pat") {
			t.Errorf("%v: stderr shows no usage:\n%s", args, stderr.String())
		}
		if strings.Contains(stderr.String(), pat) {
			t.Errorf("%v: stderr shows the PAT of ZITADEL_FAKE_PAT:\n%s", args, stderr.String())
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-quiet"}, outW, io.Discard)
		outW.Close()
	}()
	line, err := bufio.NewReader(outR).ReadString('\n')
	cancel()
	go io.Copy(io.Discard, outR)
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	var st state
	if err := json.Unmarshal([]byte(line), &st); err != nil || st.PAT != pat {
		t.Errorf("startup PAT %q (%v), want the environment's", st.PAT, err)
	}
}
