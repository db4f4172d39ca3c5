package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// assertionLifetime is how long a signed assertion is valid; ZITADEL accepts at most an
// hour, and the assertion is used at once.
const assertionLifetime = 10 * time.Minute

// JWTProfile returns a token source for a ZITADEL key file (the JSON ZITADEL downloads
// when a key is added to a service user; application key files, with "clientId", work
// too). The key file is checked at once: a *KeyFileError says what is wrong with it.
//
// Tokens are fetched from {issuer}/oauth/v2/token with the JWT bearer grant, scope
// DefaultScopes unless scopes are given, and cached until shortly before they expire. The
// assertion's audience is the issuer, the instance's public URL. ctx supplies an
// *http.Client under oauth2.HTTPClient and the settings of WithAddress and
// WithInsecureHTTP; it is not kept.
func JWTProfile(ctx context.Context, issuer string, keyJSON []byte, scopes ...string) (oauth2.TokenSource, error) {
	return newJWTProfile(ctx, issuer, keyJSON, "", scopes)
}

// JWTProfileFile is JWTProfile with the key file read from path.
func JWTProfileFile(ctx context.Context, issuer, path string, scopes ...string) (oauth2.TokenSource, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "cannot be read", Err: err}
	}
	return newJWTProfile(ctx, issuer, data, path, scopes)
}

// newJWTProfile returns the source as an interface, so that a failure is a nil interface
// rather than a typed nil pointer.
func newJWTProfile(ctx context.Context, issuer string, keyJSON []byte, path string, scopes []string) (oauth2.TokenSource, error) {
	t, err := parseTarget(ctx, issuer)
	if err != nil {
		return nil, err
	}
	key, err := parseKeyFile(keyJSON, time.Now())
	if err != nil {
		err.(*KeyFileError).Path = path
		return nil, err
	}
	s := &jwtProfile{
		key:      key,
		audience: t.audience,
		endpoint: t.tokenURL,
		scope:    strings.Join(scopesOrDefault(scopes), " "),
		hc:       httpClient(ctx, t.instanceHost),
	}
	s.cache = newCache(s.exchange)
	return s, nil
}

// jwtProfile exchanges a self-signed assertion for an access token.
type jwtProfile struct {
	*cache
	key      *signingKey
	audience string
	endpoint string
	scope    string
	hc       *http.Client
}

// Format prints the source without its key, for every verb.
func (s *jwtProfile) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "auth.JWTProfile(%s, key %s, [REDACTED])", s.endpoint, s.key.keyID)
}

// LogValue logs the source without its key.
func (s *jwtProfile) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", s.endpoint), slog.String("keyId", s.key.keyID))
}

func (s *jwtProfile) exchange(ctx context.Context) (*oauth2.Token, error) {
	assertion, err := s.assertion(s.now())
	if err != nil {
		return nil, &TokenError{Endpoint: s.endpoint, Err: err}
	}
	form := url.Values{
		"grant_type": {jwtBearerGrant},
		"assertion":  {assertion},
		"scope":      {s.scope},
	}
	return postToken(ctx, s.hc, s.endpoint, form, nil, s.now)
}

// assertion signs the JWT ZITADEL's JWT profile grant expects: RS256, kid = key id,
// iss = sub = the user (or client) id, aud = the issuer.
func (s *jwtProfile) assertion(now time.Time) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": s.key.keyID})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}{s.key.subject, s.key.subject, s.audience, now.Unix(), now.Add(assertionLifetime).Unix()})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signed := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("signing the assertion: %w", err)
	}
	return signed + "." + enc.EncodeToString(sig), nil
}

// tokenResponse is a successful answer of the token endpoint (RFC 6749 section 5.1).
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   json.RawMessage `json:"expires_in"`
}

// jwtBearerGrant is the grant type of the JWT profile (RFC 7523).
const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// errorResponse is an error answer of the token endpoint (RFC 6749 section 5.2).
type errorResponse struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	URI         string `json:"error_uri"`
}

// postToken sends a token request, authenticated by setAuth when not nil, and reads the
// answer. Its errors describe the answer without quoting it: a malformed answer may still
// hold a valid token.
func postToken(ctx context.Context, hc *http.Client, endpoint string, form url.Values, setAuth func(*http.Request), now func() time.Time) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &TokenError{Endpoint: endpoint, Err: err}
	}
	if setAuth != nil {
		setAuth(req)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	start := now()
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &TokenError{Endpoint: endpoint, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &TokenError{Endpoint: endpoint, StatusCode: resp.StatusCode, Err: err}
	}
	if resp.StatusCode/100 != 2 {
		var e errorResponse
		_ = json.Unmarshal(body, &e)
		te := &TokenError{Endpoint: endpoint, StatusCode: resp.StatusCode, ErrorCode: e.Error, Description: e.Description,
			Err: retrieveError(resp, body, e.Error, e.Description, e.URI)}
		if form.Get("grant_type") == jwtBearerGrant && resp.StatusCode == http.StatusInternalServerError && e.Error == "server_error" {
			// ZITADEL answers every assertion it refuses so (internal/api/oidc/error.go):
			// the likely cause is on the caller's side, and nothing in the answer says so.
			te.hint = "ZITADEL answers a refused JWT assertion this way: check the key file's keyId and userId, that the key is not expired or removed, and this machine's clock"
		}
		return nil, te
	}
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
		ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		return nil, &TokenError{Endpoint: endpoint, StatusCode: resp.StatusCode,
			Err: fmt.Errorf("the answer (%s) holds no access token", ct)}
	}
	tok := &oauth2.Token{AccessToken: tr.AccessToken, TokenType: tr.TokenType}
	if secs := expiresIn(tr.ExpiresIn); secs > 0 {
		tok.ExpiresIn = secs
		tok.Expiry = start.Add(time.Duration(secs) * time.Second)
	}
	return tok, nil
}

// expiresIn reads expires_in as a number or, as some servers send it, a string.
func expiresIn(raw json.RawMessage) int64 {
	s := strings.Trim(string(raw), `"`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
