package main

//lint:file-ignore SA1019 the fake answers the deprecated calls too, and these tests drive them on purpose

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// syncBuffer collects a process's stderr while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestProcess builds the command, starts it as a process seeded from a file and flags,
// drives it with the SDK through every kind of credential, reads its request log, and
// stops it with SIGTERM.
func TestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "zitadel-fake")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-seed", seedPath, "-user", "bob:Bob-Passw0rd!1", "-out", outPath, "-pat", "fixed-admin-token")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("no startup line: %v; stderr:\n%s", err, stderr.String())
	}
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

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err // for the cleanup
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the process did not stop after SIGTERM")
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
