package client_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

var secrets = []string{"N3w-Passw0rd!", "0ld-Passw0rd!", "QWERTY", "Init-Passw0rd!", testToken}

func assertNoSecrets(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s contains secret %q:\n%s", where, secret, s)
		}
	}
}

func TestLoggerLogsAttemptsWithoutSecrets(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newRecorder(t, respond(400, `{"code":3,"message":"Code is invalid (CODE-woT0xc)"}`))
	c := srv.client(t, client.WithLogger(logger))
	_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "QWERTY"})
	if err == nil {
		t.Fatal("want an error")
	}
	_, _ = c.Management.SetHumanInitialPassword(ctx, "u1", "Init-Passw0rd!")
	_, _ = c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"})
	out := buf.String()
	for _, want := range []string{`"operation":"UserService.SetPassword"`, `"method":"POST"`, `"path":"/v2/users/u1/password"`,
		`"status":400`, `"attempt":1`, `"request_id":"req-42"`, `"duration":`, `"operation":"ManagementService.SetHumanInitialPassword"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 3 {
		t.Errorf("%d log lines, want 3", n)
	}
	assertNoSecrets(t, "log", out)
	assertNoSecrets(t, "error", err.Error())
}

func TestNoLogsByDefaultAndBelowDebug(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := newRecorder(t, nil)
	if _, err := srv.client(t, client.WithLogger(logger)).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("logged at info level: %s", buf.String())
	}
}

func TestSecretBearingTypesPrintRedacted(t *testing.T) {
	req := client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!", VerificationCode: "QWERTY", ChangeRequired: true}
	reset := client.PasswordReset{VerificationCode: "QWERTY", Details: client.Details{Sequence: 4}}
	type wrapper struct {
		Req   client.SetPasswordRequest
		Reset *client.PasswordReset
	}
	values := []any{req, &req, reset, &reset, wrapper{req, &reset}}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
			assertNoSecrets(t, verb, fmt.Sprintf(verb, v))
		}
		if _, isWrapper := v.(wrapper); isWrapper {
			continue // slog encodes a struct it does not know with encoding/json, as data
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "v", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "v", v)
		assertNoSecrets(t, "slog", buf.String())
	}
	if got := fmt.Sprint(req); !strings.Contains(got, "[REDACTED]") || !strings.Contains(got, "ChangeRequired:true") {
		t.Errorf("Sprint = %s", got)
	}
	if got := fmt.Sprint(client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!"}); !strings.Contains(got, `VerificationCode:""`) {
		t.Errorf("an unset secret should print empty: %s", got)
	}
}

func TestClientPrintsWithoutToken(t *testing.T) {
	srv := newRecorder(t, nil)
	c := srv.client(t)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecrets(t, verb, fmt.Sprintf(verb, c))
		assertNoSecrets(t, verb, fmt.Sprintf(verb, *c))
	}
}

// TestLifecycleSecretsNeverPrinted: passwords, hashes and session tokens of the new calls
// stay out of logs, errors and every way of printing their types.
func TestLifecycleSecretsNeverPrinted(t *testing.T) {
	const (
		pw      = "Minn1e-Passw0rd!"
		hash    = "$2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW"
		token   = "c2Vzc2lvbi10b2tlbi1zZWNyZXQ"
		oldPw   = "Probe-Passw0rd!1"
		echoing = `{"code":3,"message":"bad Minn1e-Passw0rd! c2Vzc2lvbi10b2tlbi1zZWNyZXQ Probe-Passw0rd!1 $2a$10$BGdB8QTMg55HV9kaC1TP1u9IuUuX7VYMpsMpCzUxPsGhGpENuNwnW"}`
	)
	all := []string{pw, hash, token, oldPw}
	check := func(where, s string) {
		t.Helper()
		for _, secret := range all {
			if strings.Contains(s, secret) {
				t.Errorf("%s contains %q: %s", where, secret, s)
			}
		}
	}
	req := client.AddHumanUserRequest{GivenName: "M", FamilyName: "M", Email: "m@example.com", Password: pw}
	hreq := client.AddHumanUserRequest{GivenName: "M", FamilyName: "M", Email: "m@example.com", PasswordHash: hash}
	sess := client.Session{ID: "s1", Token: token}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		check("AddHumanUserRequest "+verb, fmt.Sprintf(verb, req))
		check("AddHumanUserRequest hash "+verb, fmt.Sprintf(verb, hreq))
		check("Session "+verb, fmt.Sprintf(verb, sess))
		check("*Session "+verb, fmt.Sprintf(verb, &sess))
	}
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	logger.Info("x", "req", req, "hreq", hreq, "session", sess)
	srv := newRecorder(t, respond(400, echoing))
	c := srv.client(t, client.WithLogger(logger))
	// Each answer echoes every secret; each call must scrub its own, its bearer token too.
	calls := []struct {
		secrets []string
		err     func() error
	}{
		{[]string{pw}, func() error { _, err := c.Users.AddHumanUser(ctx, req); return err }},
		{[]string{hash}, func() error { _, err := c.Users.AddHumanUser(ctx, hreq); return err }},
		{[]string{pw}, func() error { _, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), pw); return err }},
		{[]string{token}, func() error { return c.Sessions.Delete(ctx, "s1", token) }},
		{[]string{oldPw, pw, token}, func() error { _, err := c.Auth.UpdateMyPassword(ctx, oldPw, pw, client.AsUser(token)); return err }},
		{[]string{pw}, func() error { _, err := c.Management.SetHumanPassword(ctx, "u1", pw, true); return err }},
	}
	for i, call := range calls {
		err := call.err()
		if err == nil {
			t.Fatalf("call %d: want an error", i)
		}
		for _, secret := range call.secrets {
			for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err)} {
				if strings.Contains(s, secret) {
					t.Errorf("call %d: error contains %q: %s", i, secret, s)
				}
			}
		}
	}
	check("log", buf.String())
}
