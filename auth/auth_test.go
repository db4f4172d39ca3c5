package auth_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"golang.org/x/oauth2"
)

func TestPAT(t *testing.T) {
	tok, err := auth.PAT("pat-secret-value").Token()
	if err != nil || tok.AccessToken != "pat-secret-value" || tok.Type() != "Bearer" {
		t.Fatalf("Token() = %+v, %v", tok, err)
	}
	if _, err := auth.PAT("").Token(); err == nil {
		t.Error("an empty PAT gave a token")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x"} {
		if s := fmt.Sprintf(verb, auth.PAT("pat-secret-value")); strings.Contains(s, "pat-secret-value") || strings.Contains(s, hexOf("pat-secret-value")) {
			t.Errorf("%s prints the token: %s", verb, s)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "ts", auth.PAT("pat-secret-value"))
	if strings.Contains(buf.String(), "pat-secret-value") {
		t.Errorf("slog prints the token: %s", buf.String())
	}
}

func hexOf(s string) string { return fmt.Sprintf("%x", s) }

// TestPATTrimsSurroundingWhitespace: a token read from a file or a mounted secret ends
// with a line break, which must not reach the Authorization header.
func TestPATTrimsSurroundingWhitespace(t *testing.T) {
	for _, raw := range []string{"pat-secret-value\n", "pat-secret-value\r\n", " \tpat-secret-value \n\n"} {
		ts := auth.PAT(raw)
		tok, err := ts.Token()
		if err != nil || tok.AccessToken != "pat-secret-value" {
			t.Fatalf("PAT(%q).Token() = %+v, %v", raw, tok, err)
		}
		again, _ := ts.(auth.ContextTokenSource).TokenContext(context.Background())
		if again != tok {
			t.Errorf("PAT(%q): a new *oauth2.Token per call; callers recognise an unchanged token by its pointer", raw)
		}
	}
}

// TestPATRefusesWhatCannotBeAToken: an empty token, or one with whitespace or a control
// character inside, fails Token and TokenContext with a *ConfigError that names the cause
// and never the token, raw or JSON-escaped.
func TestPATRefusesWhatCannotBeAToken(t *testing.T) {
	const a, b = "pat-secr", "et-value"
	tests := map[string]struct{ token, reason string }{
		"empty":           {"", "empty"},
		"blank":           {" \r\n\t", "empty"},
		"line break":      {a + "\n" + b, "whitespace"},
		"crlf":            {a + "\r\n" + b, "whitespace"},
		"space":           {a + " " + b, "whitespace"},
		"tab":             {a + "\t" + b, "whitespace"},
		"no-break space":  {a + "\u00a0" + b, "whitespace"},
		"NUL":             {a + "\x00" + b, "control"},
		"DEL":             {a + "\x7f" + b, "control"},
		"escape sequence": {a + "\x1b[0m" + b, "control"},
		"byte order mark": {"\ufeff" + a + b, "non-ASCII"},
		"non-ASCII":       {a + "é" + b, "non-ASCII"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ts := auth.PAT(tt.token)
			tok, err := ts.Token()
			_, errCtx := ts.(auth.ContextTokenSource).TokenContext(context.Background())
			ce, ok := errors.AsType[*auth.ConfigError](err)
			if tok != nil || !ok || errCtx == nil || errCtx.Error() != err.Error() {
				t.Fatalf("Token() = %v, %v; TokenContext error %v; want a *ConfigError from both", tok, err, errCtx)
			}
			if ce.Field != "personal access token" || !strings.Contains(err.Error(), tt.reason) ||
				!strings.HasPrefix(err.Error(), "zitpass: invalid personal access token: ") {
				t.Errorf("Error() = %q, want the prefix zitpass: and the reason %q", err, tt.reason)
			}
			for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), fmt.Sprintf("%q", err), jsonString(err.Error())} {
				for _, part := range []string{a, b, jsonString(a), jsonString(b)} {
					if strings.Contains(out, strings.Trim(part, `"`)) {
						t.Errorf("error output leaks the token: %s", out)
					}
				}
			}
		})
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("segment not base64url: %v", err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("segment not JSON: %v", err)
	}
}

func TestJWTProfileAssertionAndForm(t *testing.T) {
	key := testKey(t)
	for name, pemKey := range map[string]string{"pkcs1": pkcs1PEM(key), "pkcs8": pkcs8PEM(t, key)} {
		t.Run(name, func(t *testing.T) {
			srv := newTokenServer(t)
			kf := keyFileJSON(map[string]any{"type": "serviceaccount", "keyId": "key-1", "key": pemKey, "userId": "user-1",
				"expirationDate": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)})
			ts, err := auth.JWTProfile(context.Background(), srv.URL+"/", kf)
			if err != nil {
				t.Fatal(err)
			}
			before := time.Now().Unix()
			tok, err := ts.Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "at-1" || tok.Type() != "Bearer" || time.Until(tok.Expiry) < 12*time.Hour-time.Minute {
				t.Errorf("token = %+v", tok)
			}
			req := srv.lastRequest()
			if req.Path != "/oauth/v2/token" || req.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
				t.Errorf("request to %s with %q", req.Path, req.Header.Get("Content-Type"))
			}
			if g := req.Form.Get("grant_type"); g != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
				t.Errorf("grant_type = %q", g)
			}
			if s := req.Form.Get("scope"); s != "openid urn:zitadel:iam:org:project:id:zitadel:aud" {
				t.Errorf("scope = %q", s)
			}
			if len(req.Form) != 3 {
				t.Errorf("form has fields %v, want grant_type, assertion, scope", req.Form)
			}
			parts := strings.Split(req.Form.Get("assertion"), ".")
			if len(parts) != 3 {
				t.Fatalf("assertion has %d parts", len(parts))
			}
			var header map[string]string
			decodeSegment(t, parts[0], &header)
			if header["alg"] != "RS256" || header["kid"] != "key-1" {
				t.Errorf("header = %v", header)
			}
			var claims map[string]any
			decodeSegment(t, parts[1], &claims)
			iat, exp := int64(claims["iat"].(float64)), int64(claims["exp"].(float64))
			if claims["iss"] != "user-1" || claims["sub"] != "user-1" || claims["aud"] != srv.URL {
				t.Errorf("claims = %v", claims)
			}
			if iat < before-1 || iat > time.Now().Unix()+1 || exp <= iat || exp > iat+3600 {
				t.Errorf("iat %d exp %d (now %d)", iat, exp, before)
			}
			if _, ok := claims["scope"]; ok {
				t.Error("scope inside the JWT; ZITADEL reads the form field")
			}
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil {
				t.Fatal(err)
			}
			digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
			if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
				t.Errorf("signature does not verify: %v", err)
			}
		})
	}
}

func TestJWTProfileApplicationKeyAndScopes(t *testing.T) {
	srv := newTokenServer(t)
	kf := keyFileJSON(map[string]any{"type": "application", "keyId": "k2", "key": pkcs1PEM(testKey(t)), "appId": "app-1", "clientId": "client-1@project"})
	ts, err := auth.JWTProfile(context.Background(), srv.URL, kf, "openid", "profile", auth.ScopeZitadelAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	req := srv.lastRequest()
	var claims map[string]any
	decodeSegment(t, strings.Split(req.Form.Get("assertion"), ".")[1], &claims)
	if claims["iss"] != "client-1@project" || claims["sub"] != "client-1@project" {
		t.Errorf("claims = %v", claims)
	}
	if s := req.Form.Get("scope"); s != "openid profile "+auth.ScopeZitadelAPI {
		t.Errorf("scope = %q", s)
	}
}

func TestJWTProfileFile(t *testing.T) {
	srv := newTokenServer(t)
	path := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(path, serviceAccountKey(t), 0o600); err != nil {
		t.Fatal(err)
	}
	ts, err := auth.JWTProfileFile(context.Background(), srv.URL, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Token(); err != nil {
		t.Fatal(err)
	}
	_, err = auth.JWTProfileFile(context.Background(), srv.URL, filepath.Join(t.TempDir(), "missing.json"))
	var kfe *auth.KeyFileError
	if !errors.As(err, &kfe) || !errors.Is(err, os.ErrNotExist) || !strings.HasPrefix(err.Error(), `zitpass: key file "`) {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestBadKeyFiles(t *testing.T) {
	key := testKey(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := map[string]any{"type": "serviceaccount", "keyId": "key-1", "key": pkcs1PEM(key), "userId": "user-1"}
	with := func(k string, v any) []byte {
		m := map[string]any{}
		for kk, vv := range good {
			m[kk] = vv
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return keyFileJSON(m)
	}
	encrypted := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"}, Bytes: []byte("ciphertext")}))
	encrypted8 := string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte("ciphertext")}))
	tests := map[string]struct {
		data   []byte
		reason string
	}{
		"not json":        {[]byte(pkcs1PEM(key)), "not JSON"},
		"json array":      {[]byte(`[1,2]`), "not a ZITADEL key file"},
		"missing type":    {with("type", nil), `missing "type"`},
		"wrong type":      {with("type", "user"), `"type" must be`},
		"missing keyId":   {with("keyId", nil), `missing "keyId"`},
		"missing key":     {with("key", nil), `missing "key"`},
		"missing userId":  {with("userId", nil), `missing "userId"`},
		"app no clientId": {with("type", "application"), `missing "clientId"`},
		"not pem":         {with("key", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC"), "not a PEM block"},
		"encrypted pkcs1": {with("key", encrypted), "encrypted"},
		"encrypted pkcs8": {with("key", encrypted8), "encrypted"},
		"ec key":          {with("key", pkcs8PEM(t, ec)), "not an RSA key"},
		"public key":      {with("key", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}))), `type "PUBLIC KEY"`},
		"garbage pkcs1":   {with("key", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: []byte("junk")}))), "not a valid PKCS#1"},
		"expired":         {with("expirationDate", "2020-01-01T00:00:00Z"), "expired"},
		"bad expiration":  {with("expirationDate", "tomorrow"), "expirationDate"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			ts, err := auth.JWTProfile(context.Background(), "https://acme.zitadel.cloud", tt.data)
			var kfe *auth.KeyFileError
			if ts != nil || !errors.As(err, &kfe) {
				t.Fatalf("JWTProfile = %v, %v; want a *KeyFileError", ts, err)
			}
			if !strings.Contains(err.Error(), tt.reason) || !strings.HasPrefix(err.Error(), "zitpass: key file: ") {
				t.Errorf("Error() = %q, want the prefix zitpass: and the reason %q", err, tt.reason)
			}
			for _, out := range errorOutputs(err) {
				if strings.Contains(out, "MII") || strings.Contains(out, "BEGIN") {
					t.Errorf("error output quotes key material: %s", out)
				}
			}
		})
	}
}

func TestBadIssuer(t *testing.T) {
	for _, issuer := range []string{"", "acme.zitadel.cloud", "http://acme.zitadel.cloud", "https://u:p@acme.zitadel.cloud"} {
		if _, err := auth.JWTProfile(context.Background(), issuer, serviceAccountKey(t)); err == nil {
			t.Errorf("JWTProfile accepted issuer %q", issuer)
		}
		_, err := auth.ClientCredentials(context.Background(), issuer, "id", "secret").Token()
		var ce *auth.ConfigError
		if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "zitpass: invalid issuer: ") {
			t.Errorf("ClientCredentials(%q).Token() = %v, want *ConfigError", issuer, err)
		}
	}
}

func TestClientCredentials(t *testing.T) {
	srv := newTokenServer(t)
	ts := auth.ClientCredentials(context.Background(), srv.URL, "svc@acme:1", "s3cr:et@/+", "openid", auth.ScopeZitadelAPI)
	tok, err := ts.Token()
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != "at-1" {
		t.Errorf("token = %+v", tok)
	}
	req := srv.lastRequest()
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("svc%40acme%3A1:s3cr%3Aet%40%2F%2B"))
	if got := req.Header.Get("Authorization"); got != want {
		t.Errorf("Authorization = %q, want %q", got, want)
	}
	if req.Form.Get("grant_type") != "client_credentials" || req.Form.Get("scope") != "openid "+auth.ScopeZitadelAPI {
		t.Errorf("form = %v", req.Form)
	}
	if req.Form.Get("client_secret") != "" || req.Form.Get("client_id") != "" {
		t.Error("credentials sent in the form as well")
	}
	if _, err := auth.ClientCredentials(context.Background(), srv.URL, "", "x").Token(); err == nil {
		t.Error("empty client id accepted")
	}
}

func TestDefaultScopes(t *testing.T) {
	srv := newTokenServer(t)
	if _, err := auth.ClientCredentials(context.Background(), srv.URL, "id", "secret").Token(); err != nil {
		t.Fatal(err)
	}
	if s := srv.lastRequest().Form.Get("scope"); s != strings.Join(auth.DefaultScopes, " ") || s != "openid "+auth.ScopeZitadelAPI {
		t.Errorf("scope = %q", s)
	}
}

// sources returns one of each exchanging source against srv.
func sources(t *testing.T, srv *tokenServer) map[string]oauth2.TokenSource {
	jwt, err := auth.JWTProfile(context.Background(), srv.URL, serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return map[string]oauth2.TokenSource{"jwt": jwt, "client credentials": auth.ClientCredentials(context.Background(), srv.URL, "id", "cc-secret-value")}
}

func TestCachingAndConcurrentColdStart(t *testing.T) {
	for _, name := range []string{"jwt", "client credentials"} {
		t.Run(name, func(t *testing.T) {
			srv := newTokenServer(t)
			ts := sources(t, srv)[name]
			srv.release = make(chan struct{})
			var wg sync.WaitGroup
			tokens := make([]string, 100)
			errs := make([]error, 100)
			for i := range 100 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tok, err := ts.Token()
					if err == nil {
						tokens[i] = tok.AccessToken
					}
					errs[i] = err
				}()
			}
			close(srv.release)
			wg.Wait()
			for i := range 100 {
				if errs[i] != nil || tokens[i] != "at-1" {
					t.Fatalf("caller %d: %q, %v", i, tokens[i], errs[i])
				}
			}
			for range 10 {
				if _, err := ts.Token(); err != nil {
					t.Fatal(err)
				}
			}
			if n := srv.count.Load(); n != 1 {
				t.Errorf("%d token requests, want 1", n)
			}
		})
	}
}

// TestCapabilities: what the constructors return keeps the capabilities package client
// looks for, and a PAT, which cannot be refreshed, does not claim Invalidate (the client
// would retry a refused PAT once in vain).
func TestCapabilities(t *testing.T) {
	srv := newTokenServer(t)
	for name, ts := range sources(t, srv) {
		if _, ok := ts.(auth.ContextTokenSource); !ok {
			t.Errorf("%s is not a ContextTokenSource", name)
		}
		if _, ok := ts.(auth.Invalidator); !ok {
			t.Errorf("%s is not an Invalidator", name)
		}
	}
	for _, pat := range []oauth2.TokenSource{auth.PAT("pat-secret-value"), auth.PAT("")} {
		if _, ok := pat.(auth.ContextTokenSource); !ok {
			t.Error("PAT is not a ContextTokenSource")
		}
		if _, ok := pat.(auth.Invalidator); ok {
			t.Error("PAT claims Invalidate")
		}
	}
}

func TestInvalidate(t *testing.T) {
	srv := newTokenServer(t)
	srv.set(200, "")
	ts := sources(t, srv)["jwt"]
	inv := ts.(auth.Invalidator)
	tok1, _ := ts.Token()
	inv.Invalidate("some-other-token")
	if tok, _ := ts.Token(); tok.AccessToken != tok1.AccessToken || srv.count.Load() != 1 {
		t.Fatalf("invalidating another token refetched: %q, %d requests", tok.AccessToken, srv.count.Load())
	}
	inv.Invalidate(tok1.AccessToken)
	tok2, err := ts.Token()
	if err != nil || tok2.AccessToken == tok1.AccessToken || srv.count.Load() != 2 {
		t.Fatalf("after Invalidate: %v, %v, %d requests", tok2, err, srv.count.Load())
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	for _, name := range []string{"jwt", "client credentials"} {
		t.Run(name, func(t *testing.T) {
			srv := newTokenServer(t)
			srv.set(400, `{"error":"invalid_grant","error_description":"assertion invalid"}`)
			ts := sources(t, srv)[name]
			_, err := ts.Token()
			var te *auth.TokenError
			var re *oauth2.RetrieveError
			if !errors.As(err, &te) || !errors.As(err, &re) {
				t.Fatalf("err = %#v, want *TokenError wrapping *oauth2.RetrieveError", err)
			}
			if te.StatusCode != 400 || te.ErrorCode != "invalid_grant" || te.Description != "assertion invalid" || re.ErrorCode != "invalid_grant" {
				t.Errorf("TokenError = %+v", te)
			}
			msg := err.Error()
			if !strings.Contains(msg, "invalid_grant") || !strings.Contains(msg, "assertion invalid") {
				t.Errorf("Error() = %q lacks code or description", msg)
			}
			if want := "zitpass: token request to " + srv.URL + "/oauth/v2/token failed (HTTP 400): "; !strings.HasPrefix(msg, want) {
				t.Errorf("Error() = %q, want it to start with %q", msg, want)
			}
			assertion := srv.lastRequest().Form.Get("assertion")
			for _, secret := range []string{"cc-secret-value", assertion, "BEGIN"} {
				if secret != "" && (strings.Contains(msg, secret) || strings.Contains(fmt.Sprintf("%+v", te), secret)) {
					t.Errorf("error leaks %q", secret)
				}
			}
			if re.Response != nil && re.Response.Request != nil {
				t.Error("RetrieveError keeps the request, which carries the credential")
			}
		})
	}
}

func TestTokenEndpointBadAnswers(t *testing.T) {
	for body, status := range map[string]int{`{"token_type":"Bearer"}`: 200, `<html>`: 200, ``: 502} {
		srv := newTokenServer(t)
		srv.set(status, body)
		for name, ts := range sources(t, srv) {
			_, err := ts.Token()
			var te *auth.TokenError
			if !errors.As(err, &te) || te.StatusCode != status {
				t.Errorf("%s, body %q: err = %v", name, body, err)
			}
		}
	}
}

func TestConstructorContextIsNotKept(t *testing.T) {
	srv := newTokenServer(t)
	cctx, cancel := context.WithCancel(context.Background())
	jwt, err := auth.JWTProfile(cctx, srv.URL, serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	cc := auth.ClientCredentials(cctx, srv.URL, "id", "secret")
	cancel()
	for name, ts := range map[string]oauth2.TokenSource{"jwt": jwt, "cc": cc} {
		if _, err := ts.Token(); err != nil {
			t.Errorf("%s: a canceled constructor context broke Token: %v", name, err)
		}
	}
}

func TestHTTPClientFromContext(t *testing.T) {
	srv := newTokenServer(t)
	var used int
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	for _, ts := range []oauth2.TokenSource{must(auth.JWTProfile(ctx, srv.URL, serviceAccountKey(t))), auth.ClientCredentials(ctx, srv.URL, "id", "secret")} {
		if _, err := ts.Token(); err != nil {
			t.Fatal(err)
		}
	}
	if used != 2 {
		t.Errorf("context HTTP client used %d times, want 2", used)
	}
}

func TestTokenEndpointRedirectNotFollowed(t *testing.T) {
	srv := newTokenServer(t)
	var redirected int
	target := newTokenServer(t)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		redirected++
		http.Redirect(w, r, target.URL+"/oauth/v2/token", http.StatusTemporaryRedirect)
	})
	_, err := auth.ClientCredentials(context.Background(), srv.URL, "id", "secret").Token()
	if err == nil || target.count.Load() != 0 {
		t.Errorf("err = %v, redirect target saw %d requests", err, target.count.Load())
	}
}

func TestSourcesPrintWithoutSecrets(t *testing.T) {
	srv := newTokenServer(t)
	for name, ts := range sources(t, srv) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
			s := fmt.Sprintf(verb, ts)
			if strings.Contains(s, "cc-secret-value") || strings.Contains(s, "PRIVATE") || strings.Contains(s, "MII") {
				t.Errorf("%s %s prints a secret: %s", name, verb, s)
			}
		}
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "ts", ts)
		if strings.Contains(buf.String(), "cc-secret-value") || strings.Contains(buf.String(), "PRIVATE") {
			t.Errorf("%s: slog prints a secret: %s", name, buf.String())
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestWithAddress: the token request goes to the address, names the issuer's host in
// x-zitadel-instance-host, and the assertion's audience stays the public issuer.
func TestWithAddress(t *testing.T) {
	srv := newTokenServer(t)
	actx := auth.WithAddress(context.Background(), srv.URL)
	jwt, err := auth.JWTProfile(actx, "http://localhost:8080", serviceAccountKey(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, ts := range map[string]oauth2.TokenSource{"jwt": jwt, "client credentials": auth.ClientCredentials(actx, "http://localhost:8080", "id", "secret")} {
		if _, err := ts.Token(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		req := srv.lastRequest()
		if req.Path != "/oauth/v2/token" || req.Header.Get("X-Zitadel-Instance-Host") != "localhost:8080" {
			t.Errorf("%s: %s with x-zitadel-instance-host %q", name, req.Path, req.Header.Get("X-Zitadel-Instance-Host"))
		}
		if a := req.Form.Get("assertion"); a != "" {
			var claims map[string]any
			decodeSegment(t, strings.Split(a, ".")[1], &claims)
			if claims["aud"] != "http://localhost:8080" {
				t.Errorf("aud = %v, want the public issuer", claims["aud"])
			}
		}
	}
	// The same host needs no header.
	same := auth.ClientCredentials(auth.WithAddress(context.Background(), srv.URL+"/"), srv.URL, "id", "secret")
	if _, err := same.Token(); err != nil {
		t.Fatal(err)
	}
	if _, sent := srv.lastRequest().Header["X-Zitadel-Instance-Host"]; sent {
		t.Error("header sent although address and issuer have the same host")
	}
	if _, err := auth.JWTProfile(auth.WithAddress(context.Background(), "ftp://x"), "https://acme.zitadel.cloud", serviceAccountKey(t)); err == nil {
		t.Error("a bad address was accepted")
	}
}

// TestTokenContextEndsTheWait: a source's TokenContext returns at the context's deadline
// when the endpoint hangs.
func TestTokenContextEndsTheWait(t *testing.T) {
	srv := newTokenServer(t)
	srv.release = make(chan struct{})
	defer close(srv.release)
	ts := auth.ClientCredentials(context.Background(), srv.URL, "id", "secret")
	tc := ts.(auth.ContextTokenSource)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Millisecond)
	defer cancel()
	if _, err := tc.TokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
}

// TestRefusedAssertionHint: ZITADEL answers every JWT assertion it refuses with 500
// server_error "Errors.Internal" (internal/api/oidc/error.go), which names no cause; the
// error says where to look. Client credentials get no such hint: ZITADEL names their cause.
func TestRefusedAssertionHint(t *testing.T) {
	for name, want := range map[string]bool{"jwt": true, "client credentials": false} {
		t.Run(name, func(t *testing.T) {
			srv := newTokenServer(t)
			srv.set(500, `{"error":"server_error","error_description":"Errors.Internal"}`)
			_, err := sources(t, srv)[name].Token()
			var te *auth.TokenError
			if !errors.As(err, &te) || te.StatusCode != 500 || te.ErrorCode != "server_error" {
				t.Fatalf("err = %v", err)
			}
			if got := strings.Contains(err.Error(), "check the key file's keyId and userId"); got != want {
				t.Errorf("Error() = %q: hint %v, want %v", err, got, want)
			}
		})
	}
}
