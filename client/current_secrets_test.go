package client_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// Secrets of the current calls, with characters Go's JSON encoder escapes ("<", ">", "&"
// become \u003c, \u003e, \u0026), so that the body on the wire holds them only escaped.
const (
	curPassword = "Cur<Passw0rd>&1"
	curOld      = "0ld<Passw0rd>&2"
	curCode     = "Q<W>E&RT"
	curToken    = "c2Vzc2lvbi10b2tlbi1z<ZWNyZXQ>&"
	curHash     = recordedBcrypt
)

var curSecrets = []string{curPassword, curOld, curCode, curToken, curHash, testToken}

// wireForms are the ways a secret can appear in an answer that repeats the request: as it
// is, as Go's JSON encoder escapes it, with upper-case escapes, without HTML escaping, and
// URL-escaped.
func wireForms(secret string) []string {
	quoted, _ := json.Marshal(secret)
	goJSON := strings.Trim(string(quoted), `"`)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	enc.Encode(secret)
	forms := []string{secret, goJSON, strings.NewReplacer(`\u003c`, `\u003C`, `\u003e`, `\u003E`).Replace(goJSON),
		strings.Trim(strings.TrimSpace(plain.String()), `"`), url.QueryEscape(secret), url.PathEscape(secret), url.QueryEscape(goJSON)}
	return forms
}

// assertNoSecretForms fails when s holds any secret in any of its wire forms.
func assertNoSecretForms(t *testing.T, where, s string) {
	t.Helper()
	for _, secret := range curSecrets {
		for _, form := range wireForms(secret) {
			if strings.Contains(s, form) {
				t.Errorf("%s contains %q (a form of a secret):\n%s", where, form, s)
			}
		}
	}
}

// TestCurrentRequestsPrintRedacted: the new request types print their secrets masked under
// every verb and in slog, and the rest of their fields as they are.
func TestCurrentRequestsPrintRedacted(t *testing.T) {
	create := client.CreateUserRequest{UserID: "my-own-id", OrgID: "org-9", Username: "cr-02", GivenName: "Create", FamilyName: "User",
		Email: "cr-02@example.com", Phone: "+41790000000", Password: curPassword, ChangeRequired: true}
	createHash := create
	createHash.Password, createHash.PasswordHash = "", curHash
	update := client.UpdateUserRequest{NewPassword: curPassword, CurrentPassword: curOld, ChangeRequired: true}
	updateCode := client.UpdateUserRequest{NewPasswordHash: curHash, VerificationCode: curCode}
	type wrapper struct {
		C client.CreateUserRequest
		U *client.UpdateUserRequest
	}
	values := []any{create, &create, createHash, &createHash, update, &update, updateCode, &updateCode,
		wrapper{create, &update}, []any{createHash, updateCode}, map[string]any{"u": update}}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v", "%60v", "%-v"} {
			assertNoSecretForms(t, verb, fmt.Sprintf(verb, v))
		}
		assertNoSecretForms(t, "Sprint", fmt.Sprint(v))
		assertNoSecretForms(t, "Sprintln", fmt.Sprintln(v))
	}
	for _, v := range []any{create, &create, createHash, update, &update, updateCode} {
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "req", v)
		slog.New(slog.NewTextHandler(&buf, nil)).Info("x", "req", v)
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", slog.Any("req", v))
		assertNoSecretForms(t, "slog", buf.String())
		if !strings.Contains(buf.String(), redactedMark) {
			t.Errorf("slog shows no masked field: %s", buf.String())
		}
	}
	got := fmt.Sprint(create)
	for _, want := range []string{`Username:"cr-02"`, `OrgID:"org-9"`, `Email:"cr-02@example.com"`, `Password:"[REDACTED]"`, `PasswordHash:""`, `ChangeRequired:true`} {
		if !strings.Contains(got, want) {
			t.Errorf("CreateUserRequest prints %s, without %s", got, want)
		}
	}
	got = fmt.Sprintf("%#v", updateCode)
	for _, want := range []string{`NewPassword:""`, `NewPasswordHash:"[REDACTED]"`, `VerificationCode:"[REDACTED]"`, `CurrentPassword:""`} {
		if !strings.Contains(got, want) {
			t.Errorf("UpdateUserRequest prints %s, without %s", got, want)
		}
	}
}

const redactedMark = "[REDACTED]"

// echo answers every request with an error that repeats the whole request: its body, its
// Authorization header and its URL, in the ways servers and proxies do.
type echo func(r *http.Request, body []byte) (status int, contentType, answer string)

var echoes = map[string]echo{
	// ZITADEL's error JSON with the body in the message: the body's escapes become text.
	"zitadel message": func(r *http.Request, body []byte) (int, string, string) {
		msg := "invalid request " + string(body) + " with " + r.Header.Get("Authorization")
		return 400, "application/json", jsonString(map[string]any{"code": 3, "message": msg, "details": []any{
			map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": "COMMAND-x", "message": msg}}})
	},
	// A proxy's JSON that embeds the body as JSON: the secrets stay JSON-escaped.
	"proxy JSON": func(r *http.Request, body []byte) (int, string, string) {
		return 400, "application/json", `{"error":"rejected","request":` + string(body) + `,"authorization":` + jsonString(r.Header.Get("Authorization")) + `}`
	},
	// A proxy's page, the body and the header as they came, and URL-escaped.
	"proxy page": func(r *http.Request, body []byte) (int, string, string) {
		return 502, "text/html", "<html><body><pre>" + string(body) + "\n" + r.Header.Get("Authorization") + "\n" +
			url.QueryEscape(string(body)) + "</pre></body></html>"
	},
	// The body as JSON in a message, escaped twice over.
	"zitadel message, escaped twice": func(r *http.Request, body []byte) (int, string, string) {
		return 400, "application/json", jsonString(map[string]any{"code": 3, "message": "bad " + jsonString(string(body))})
	},
}

// secretCalls are the current calls, each with the secrets its request carries; every one
// also carries the bearer token.
var secretCalls = []struct {
	name string
	call func(*client.Client) error
}{
	{"CreateUser password", func(c *client.Client) error {
		r := createReq(ownOrg)
		r.Password = curPassword
		_, err := c.Users.CreateUser(ctx, r)
		return err
	}},
	{"CreateUser hash", func(c *client.Client) error {
		r := createReq(ownOrg)
		r.Password, r.PasswordHash = "", curHash
		_, err := c.Users.CreateUser(ctx, r)
		return err
	}},
	{"CreateUser, own organization looked up", func(c *client.Client) error {
		r := createReq("")
		r.Password = curPassword
		_, err := c.Users.CreateUser(ctx, r)
		return err
	}},
	{"UpdateUser current", func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: curPassword, CurrentPassword: curOld})
		return err
	}},
	{"UpdateUser code", func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: curPassword, VerificationCode: curCode})
		return err
	}},
	{"UpdateUser hash", func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPasswordHash: curHash})
		return err
	}},
	{"UpdateUser as the user", func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: curPassword, CurrentPassword: curOld}, client.AsUser(curToken))
		return err
	}},
	{"CheckPassword", func(c *client.Client) error {
		_, err := c.Sessions.CheckPassword(ctx, "s1", curToken, curPassword, client.SessionLifetime(time.Minute))
		return err
	}},
	{"CreateWithPassword lifetime", func(c *client.Client) error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), curPassword, client.SessionLifetime(time.Minute))
		return err
	}},
	{"VerifyPassword", func(c *client.Client) error {
		return c.Sessions.VerifyPassword(ctx, client.ByLoginName("u1"), curPassword)
	}},
	{"LockUser", func(c *client.Client) error { _, err := c.Users.LockUser(ctx, "u1"); return err }},
	{"DeleteUser", func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, "u1"); return err }},
	{"Settings.Login", func(c *client.Client) error { _, err := c.Settings.Login(ctx); return err }},
}

// TestCurrentErrorsNeverRepeatSecrets: an answer that echoes the request in any form never
// brings a secret into the error (Error, %+v, %#v) or the debug log.
func TestCurrentErrorsNeverRepeatSecrets(t *testing.T) {
	for echoName, e := range echoes {
		for _, sc := range secretCalls {
			t.Run(echoName+"/"+sc.name, func(t *testing.T) {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(r.Body)
					status, ct, answer := e(r, body)
					w.Header().Set("Content-Type", ct)
					w.WriteHeader(status)
					io.WriteString(w, answer)
				}))
				defer srv.Close()
				var logs bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				c, err := client.New(srv.URL, client.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})),
					client.WithLogger(logger), client.WithoutRetries())
				if err != nil {
					t.Fatal(err)
				}
				err = sc.call(c)
				if err == nil {
					t.Fatal("want an error")
				}
				for verb, s := range map[string]string{"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "%#v": fmt.Sprintf("%#v", err)} {
					assertNoSecretForms(t, verb, s)
				}
				var ae *client.APIError
				if errorsAs(err, &ae) {
					assertNoSecretForms(t, "Message", ae.Message)
					assertNoSecretForms(t, "ID", ae.ID)
				}
				assertNoSecretForms(t, "log", logs.String())
			})
		}
	}
}

// TestFallbackErrorsNeverRepeatSecrets: the deprecated call a v3 server gets instead keeps
// the secrets out of its errors too.
func TestFallbackErrorsNeverRepeatSecrets(t *testing.T) {
	e := echoes["proxy JSON"]
	echoing := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		status, ct, answer := e(r, body)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		io.WriteString(w, answer)
	}
	rt := v3()
	rt["POST /v2/users/human"], rt["POST /v2/users/{id}/password"] = echoing, echoing
	srv := httptest.NewServer(rt.serve())
	defer srv.Close()
	c, err := client.New(srv.URL, client.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: testToken})))
	if err != nil {
		t.Fatal(err)
	}
	r := createReq(ownOrg)
	r.Password = curPassword
	_, cerr := c.Users.CreateUser(ctx, r)
	_, uerr := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: curPassword, VerificationCode: curCode})
	for _, err := range []error{cerr, uerr} {
		if err == nil {
			t.Fatal("want an error")
		}
		assertNoSecretForms(t, "Error()", err.Error())
		assertNoSecretForms(t, "%+v", fmt.Sprintf("%+v", err))
	}
	_, herr := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPasswordHash: curHash})
	if herr == nil {
		t.Fatal("want an error")
	}
	assertNoSecretForms(t, "UnsupportedError", herr.Error()+fmt.Sprintf("%+v %#v", herr, herr))
}

// TestCurrentResultsPrintRedacted: the session CheckPassword returns prints its new token
// masked.
func TestCurrentResultsPrintRedacted(t *testing.T) {
	srv := newRecorder(t, respond(200, strings.Replace(newTokenBody, "bmV3LXNlc3Npb24tdG9rZW4tYWZ0ZXItY2hlY2s", "c2Vzc2lvbi10b2tlbi1z\\u003cZWNyZXQ\\u003e\\u0026", 1)))
	s, err := srv.client(t).Sessions.CheckPassword(ctx, "s1", "old-token", "Sess-Passw0rd!1")
	if err != nil || s.Token != curToken {
		t.Fatalf("got %+v (token %q), %v", s, s.Token, err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assertNoSecretForms(t, verb, fmt.Sprintf(verb, s))
		assertNoSecretForms(t, verb, fmt.Sprintf(verb, *s))
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "session", s)
	assertNoSecretForms(t, "slog", buf.String())
}
