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
