package clienttest_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client/clienttest"
)

// The token endpoint's refusals, as ZITADEL's OIDC server (internal/api/oidc) and the
// zitadel/oidc library (pkg/op, v3) word them; none was recorded.

// postToken posts a token request, with HTTP Basic credentials when id is not "".
func postToken(t *testing.T, srv *clienttest.Server, form url.Values, id, secret string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL()+"/oauth/v2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("body is not JSON: %s", raw)
	}
	return resp.StatusCode, body
}

// assertion signs claims with a key file's key, as a JWT profile grant carries them.
func assertion(t *testing.T, keyFile []byte, claims map[string]any) string {
	t.Helper()
	var kf struct{ KeyID, Key string }
	if err := json.Unmarshal(keyFile, &kf); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(kf.Key))
	key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "kid": kf.KeyID})
	payload, _ := json.Marshal(claims)
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(payload)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

const tokenScope = "openid urn:zitadel:iam:org:project:id:zitadel:aud"

// TestClientCredentialsRefusals: clientCredentialsAuth answers an unknown client with
// invalid_client "client not found", and its own errors (a user without a secret, a wrong
// secret) as invalid_request with the untranslated key; zitadel/oidc refuses a request
// without a client id, without a scope, or of an unknown grant type. All are 400.
func TestClientCredentialsRefusals(t *testing.T) {
	srv := newServer(t)
	svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "svc", Admin: true})
	id, secret := srv.ClientSecret(svc)
	srv.AddServiceUser(clienttest.ServiceUser{Username: "key-only"}) // a key, no secret
	grant := url.Values{"grant_type": {"client_credentials"}, "scope": {tokenScope}}
	for _, tc := range []struct {
		name, id, secret string
		form             url.Values
		code, desc       string
	}{
		{"no client id", "", "", grant, "invalid_request", "client_id or client_assertion must be provided"},
		{"unknown client", "nobody", "x", grant, "invalid_client", "client not found"},
		{"no secret", "key-only", "x", grant, "invalid_request", "Errors.User.Machine.Secret.NotExisting"},
		{"wrong secret", id, "wrong", grant, "invalid_request", "Errors.User.Machine.Secret.Invalid"},
		{"no scope", id, secret, url.Values{"grant_type": {"client_credentials"}}, "invalid_request",
			"The scope of your request is missing. Please ensure some scopes are requested. If you have any questions, you may contact the administrator of the application."},
		{"unknown grant", id, secret, url.Values{"grant_type": {"password"}, "scope": {tokenScope}}, "unsupported_grant_type", "password not supported"},
	} {
		status, body := postToken(t, srv, tc.form, tc.id, tc.secret)
		if status != 400 || body["error"] != tc.code || body["error_description"] != tc.desc {
			t.Errorf("%s: %d %v, want 400 %s %q", tc.name, status, body, tc.code, tc.desc)
		}
	}
	if status, body := postToken(t, srv, grant, id, secret); status != 200 || body["access_token"] == nil {
		t.Errorf("the right secret: %d %v", status, body)
	}
}

// TestJWTProfileRefusals: every failed check of zitadel/oidc's VerifyJWTAssertion is an
// error of no ZITADEL type, which ZITADEL answers 500 server_error "Errors.Internal"; its
// verifier refuses an iat more than an hour old or a second ahead and an exp less than a
// second ahead, and bounds nothing else (NewJWTProfileVerifier(..., time.Hour,
// time.Second) in internal/api/oidc/token_jwt_profile.go). A missing assertion is the
// library's 400.
func TestJWTProfileRefusals(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now))
	alice := addAlice(srv)
	svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "svc", Admin: true})
	key := srv.KeyFile(svc)
	now := clock.now.Unix()
	claims := func(iss string, aud any, iat, exp int64) map[string]any {
		return map[string]any{"iss": iss, "sub": iss, "aud": aud, "iat": iat, "exp": exp}
	}
	form := func(a string) url.Values {
		return url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {a}, "scope": {tokenScope}}
	}
	for name, a := range map[string]string{
		"not a JWT":         "abc",
		"expired":           assertion(t, key, claims(svc, srv.URL(), now-600, now)),
		"another audience":  assertion(t, key, claims(svc, "https://elsewhere.example", now, now+600)),
		"another user":      assertion(t, key, claims(alice, srv.URL(), now, now+600)),
		"iat two hours old": assertion(t, key, claims(svc, srv.URL(), now-7200, now+600)),
		"iat ahead":         assertion(t, key, claims(svc, srv.URL(), now+10, now+600)),
		"no iat":            assertion(t, key, claims(svc, srv.URL(), 0, now+600)),
	} {
		status, body := postToken(t, srv, form(a), "", "")
		if status != 500 || body["error"] != "server_error" || body["error_description"] != "Errors.Internal" {
			t.Errorf("%s: %d %v, want 500 server_error Errors.Internal", name, status, body)
		}
	}
	if status, body := postToken(t, srv, form(assertion(t, key, claims(svc, srv.URL(), now, now+7200))), "", ""); status != 200 {
		t.Errorf("an exp two hours after iat: %d %v, want 200", status, body)
	}
	if status, body := postToken(t, srv, form(""), "", ""); status != 400 || body["error"] != "invalid_request" || body["error_description"] != "assertion missing" {
		t.Errorf("no assertion: %d %v", status, body)
	}
}
