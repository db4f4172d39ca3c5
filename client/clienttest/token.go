package clienttest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitpass/zitpass-go/auth"
)

// caller is who a bearer token belongs to, and the organization the call is made in.
type caller struct {
	user  *user
	admin bool
	// org is the organization context: the x-zitadel-orgid header, else the caller's own
	// organization. ZITADEL's auth interceptor reads the header for every call, v1 and v2
	// alike, and refuses an organization that does not exist (AUTH-Bs7Ds); v2 calls
	// without an organization of their own use it (internal/api/authz: CtxData.OrgID).
	org string
}

// authenticate checks the bearer token of an API call: an access token, or the token of a
// session whose password check passed and whose user has not changed the password since.
// Callers hold s.mu. The v1 APIs of v4 answer a missing header with a 500, as ZITADEL
// v4.13.1 does (v3.4.9: 401). A session token works while its password check stands and
// its lifetime lasts.
func (s *Server) authenticate(r *http.Request, v1 bool) (*caller, *zerr) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if v1 && s.version >= 4 {
			return nil, errAuthMissingV1 // v4's gateway wraps the interceptor's error; v3.4.9 answered 401
		}
		return nil, errAuthMissingV2
	}
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, errTokenInvalid
	}
	tok = strings.TrimSpace(tok)
	if p := s.tokens[tok]; p != nil {
		u := s.users[p.userID]
		if u == nil || !p.api || (!p.expires.IsZero() && !s.now().Before(p.expires)) {
			return nil, errTokenInvalid
		}
		return &caller{user: u, admin: u.admin}, nil
	}
	if sess, current := s.sessionByToken(tok); sess != nil {
		// ZITADEL reads the session, then checks the token, the expiration and the factors
		// (verifySessionToken in internal/authz/repository/eventsourcing/eventstore/
		// token_verifier.go); the read's errors are not Unauthenticated, so they are
		// answered as they are.
		switch {
		case sess.deleted || sess.hidden:
			return nil, errSessionNotFound
		case !current:
			return nil, errSessionTokenQuery
		case s.expired(sess):
			return nil, errSessionTokenExpired
		}
		u := s.users[sess.userID]
		if u == nil || !sess.passwordChecked || sess.passwordGen != u.passwordGen {
			return nil, errAuthRequired
		}
		return &caller{user: u}, nil
	}
	return nil, errTokenInvalid
}

// sessionByToken finds the session a token was issued for, and whether it is the
// session's current token. ZITADEL's session tokens name their session, so a deleted
// session's token or one SetSession replaced is still told apart from a token that is none.
func (s *Server) sessionByToken(tok string) (*session, bool) {
	if tok == "" {
		return nil, false
	}
	for _, sess := range s.sessions {
		if sameString(sess.token, tok) {
			return sess, true
		}
		for _, old := range sess.oldTokens {
			if sameString(old, tok) {
				return sess, false
			}
		}
	}
	return nil, false
}

// oauthError is an RFC 6749 error answer.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// token is the OAuth token endpoint: the JWT profile grant and client credentials. Its
// errors are OAuth errors, not ZITADEL's API errors, so it writes its own answers, as
// ZITADEL's OIDC server and the zitadel/oidc library word them (internal/api/oidc,
// pkg/op in zitadel/oidc v3): ZITADEL's own errors below 500 become invalid_request with
// the error's untranslated key as description, and errors of no known type, which is
// every failed check of a JWT assertion, a 500 server_error "Errors.Internal".
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "error parsing form")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var userID string
	switch grant := r.PostForm.Get("grant_type"); grant {
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		assertion := r.PostForm.Get("assertion")
		if assertion == "" {
			oauthError(w, http.StatusBadRequest, "invalid_request", "assertion missing")
			return
		}
		id, ok := s.verifyAssertion(assertion, s.issuerFor(r))
		if !ok {
			oauthError(w, http.StatusInternalServerError, "server_error", "Errors.Internal")
			return
		}
		userID = id
	case "client_credentials":
		id, status, code, desc := s.verifyClient(r)
		if desc != "" {
			oauthError(w, status, code, desc)
			return
		}
		userID = id
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type missing")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", grant+" not supported")
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	if len(scopes) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The scope of your request is missing. Please ensure some scopes are requested. "+
			"If you have any questions, you may contact the administrator of the application.")
		return
	}
	tok := s.issueToken(userID, s.now().Add(s.tokenTTL), slices.Contains(scopes, auth.ScopeZitadelAPI))
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(s.tokenTTL/time.Second) - 1})
}

// verifyClient checks client_secret_basic (URL-encoded id and secret) or
// client_secret_post, and answers a refusal as ZITADEL's clientCredentialsAuth does: no
// client id, an unknown one (the id is the service user's login name), a user without a
// secret, or a wrong secret.
func (s *Server) verifyClient(r *http.Request) (userID string, status int, code, desc string) {
	id, secret, basic := r.BasicAuth()
	if basic {
		var err1, err2 error
		id, err1 = url.QueryUnescape(id)
		secret, err2 = url.QueryUnescape(secret)
		if err1 != nil || err2 != nil {
			return "", http.StatusBadRequest, "invalid_request", "error parsing form"
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id == "" {
		return "", http.StatusBadRequest, "invalid_request", "client_id or client_assertion must be provided"
	}
	cs := s.secrets[id]
	switch {
	case cs == nil || s.users[cs.userID] == nil:
		if s.userByLogin(id) != nil {
			return "", http.StatusBadRequest, "invalid_request", "Errors.User.Machine.Secret.NotExisting"
		}
		return "", http.StatusBadRequest, "invalid_client", "client not found"
	case !sameString(cs.secret, secret):
		return "", http.StatusBadRequest, "invalid_request", "Errors.User.Machine.Secret.Invalid"
	}
	return cs.userID, 0, "", ""
}

// issuerFor is the issuer a request addresses: the public URL, else, as ZITADEL derives it,
// the origin of the host the request names.
func (s *Server) issuerFor(r *http.Request) string {
	if s.publicURL != "" {
		return s.publicURL
	}
	host := r.Header.Get("X-Zitadel-Instance-Host")
	if host == "" {
		host = r.Host
	}
	return "http://" + host
}

// verifyAssertion checks a JWT profile assertion as zitadel/oidc's VerifyJWTAssertion
// does, with ZITADEL's verifier (an iat at most an hour old and a second ahead, an exp at
// least a second ahead, no bound on exp - iat), and returns its user. ZITADEL answers every
// failure alike, so the fake does not say which check failed.
func (s *Server) verifyAssertion(assertion, issuer string) (userID string, ok bool) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "", false
	}
	var header struct{ Alg, Kid string }
	var claims struct {
		Iss, Sub string
		Aud      json.RawMessage
		Iat, Exp int64
	}
	if !decodePart(parts[0], &header) || !decodePart(parts[1], &claims) {
		return "", false
	}
	now := s.now()
	iat := time.Unix(claims.Iat, 0)
	switch {
	case !audienceContains(claims.Aud, issuer),
		!now.Add(time.Second).Before(time.Unix(claims.Exp, 0)),
		claims.Iat == 0, iat.After(now.Add(time.Second).Round(time.Second)), iat.Before(now.Add(-time.Hour).Round(time.Second)),
		claims.Iss != claims.Sub:
		return "", false
	}
	key := s.keys[header.Kid]
	if header.Alg != "RS256" || key == nil || key.userID != claims.Iss {
		return "", false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || rsa.VerifyPKCS1v15(key.key, crypto.SHA256, digest[:], sig) != nil {
		return "", false
	}
	return key.userID, true
}

func decodePart(part string, v any) bool {
	raw, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && json.Unmarshal(raw, v) == nil
}

// audienceContains accepts aud as a string or an array of strings.
func audienceContains(raw json.RawMessage, want string) bool {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one == want
	}
	var many []string
	return json.Unmarshal(raw, &many) == nil && slices.Contains(many, want)
}
