package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zitpass/zitpass-go/internal/api"
)

// SessionService calls ZITADEL's session service v2. The SDK uses it to check passwords:
// CreateWithPassword, CheckPassword, Delete and VerifyPassword.
type SessionService struct{ c *Client }

// UserRef names the user of a password check: ByUserID or ByLoginName.
type UserRef interface {
	// checkUser validates the reference and returns it for the request.
	checkUser() (*api.CheckUser, error)
}

// ByUserID names a user by id.
func ByUserID(userID string) UserRef { return userRef{userID: userID} }

// ByLoginName names a user by login name (the username, or username@domain).
func ByLoginName(loginName string) UserRef { return userRef{loginName: loginName, byLogin: true} }

type userRef struct {
	userID, loginName string
	byLogin           bool
}

func (r userRef) checkUser() (*api.CheckUser, error) {
	if r.byLogin {
		if err := checkLength("loginName", r.loginName, 1, maxField); err != nil {
			return nil, err
		}
		return &api.CheckUser{LoginName: r.loginName}, nil
	}
	if err := checkLength("userID", r.userID, 1, maxUserID); err != nil {
		return nil, err
	}
	return &api.CheckUser{UserId: r.userID}, nil
}

// Session is a session whose password check passed. Token is a secret: it authorizes
// calls as the user (it works as a bearer token for AuthService calls, see AsUser) and
// deletes the session. Session prints it masked.
type Session struct {
	ID      string
	Token   string
	Details Details
}

// CreateWithPassword checks the user's password by creating a session with a password
// check (POST /v2/sessions, answered with 201). On success the session exists until it
// is deleted or, with SessionLifetime, expires: without a lifetime a ZITADEL session never
// expires, so delete it with Delete when it is not needed, or give it a lifetime.
//
// Errors: a wrong password is ErrWrongPassword (COMMAND-3M0fs, also ErrInvalidArgument),
// and APIError.FailedAttempts tells how many wrong passwords in a row the user has now; an
// unknown user is ErrUserNotFound (QUERY-Dfbg2); a user without a password is
// ErrNoPassword (COMMAND-3nJ4t); a locked user is ErrUserNotActive (SESSION-Gj4ko), even
// with the right password. A user created a moment ago can briefly be ErrUserNotFound while
// ZITADEL's read model catches up.
//
// A wrong password counts toward the lockout policy, so the call is never repeated after
// a failure with an unknown outcome: it returns an error matching ErrOutcomeUnknown.
func (s *SessionService) CreateWithPassword(ctx context.Context, user UserRef, password string, opts ...CallOption) (*Session, error) {
	if user == nil {
		return nil, &ValidationError{Field: "user", Reason: "must not be nil; use ByUserID or ByLoginName"}
	}
	check, err := user.checkUser()
	if err != nil {
		return nil, err
	}
	if err := checkLength("password", password, 1, maxPasswordV2); err != nil {
		return nil, err
	}
	cc := newCallConfig(opts)
	lifetime, err := cc.sessionLifetime()
	if err != nil {
		return nil, err
	}
	body := api.CreateSessionRequest{Checks: &api.Checks{User: check, Password: &api.CheckPassword{Password: password}}, Lifetime: lifetime}
	cl := call{op: "SessionService.CreateSession", path: "/v2/sessions"}
	var out api.CreateSessionResponse
	if err := s.c.do(ctx, cl, cc, &body, &out); err != nil {
		return nil, err
	}
	return &Session{ID: out.SessionId, Token: out.SessionToken, Details: detailsFrom(out.Details)}, nil
}

// CheckPassword checks the user's password again on an existing session (PATCH
// /v2/sessions/{sessionId}), for a step-up or a re-authentication, and returns the session
// with its new token: the old token stops working. sessionToken is the session's current
// token (ZITADEL does not check it for a caller with the session.write permission, such as
// an administrator's token). SessionLifetime sets a new lifetime from now.
//
// Errors: a wrong password is ErrWrongPassword (COMMAND-3M0fs, with
// APIError.FailedAttempts); an expired session is ErrSessionExpired (COMMAND-Hkl3d); a
// user locked since is ErrUserNotActive (COMMAND-JLK35, with APIError.FailedAttempts), a
// user deleted since ErrUserNotFound (COMMAND-3n77z). Like CreateWithPassword, the call
// counts toward the lockout policy and is never repeated after a failure with an unknown
// outcome.
func (s *SessionService) CheckPassword(ctx context.Context, sessionID, sessionToken, password string, opts ...CallOption) (*Session, error) {
	if err := checkLength("sessionID", sessionID, 1, maxField); err != nil {
		return nil, err
	}
	if err := checkLength("password", password, 1, maxPasswordV2); err != nil {
		return nil, err
	}
	cc := newCallConfig(opts)
	lifetime, err := cc.sessionLifetime()
	if err != nil {
		return nil, err
	}
	body := api.SetSessionRequest{SessionToken: sessionToken, Checks: &api.Checks{Password: &api.CheckPassword{Password: password}}, Lifetime: lifetime}
	cl := call{op: "SessionService.SetSession", method: http.MethodPatch, path: "/v2/sessions/" + pathSegment(sessionID)}
	var out api.SetSessionResponse
	if err := s.c.do(ctx, cl, cc, &body, &out); err != nil {
		return nil, err
	}
	return &Session{ID: sessionID, Token: out.SessionToken, Details: detailsFrom(out.Details)}, nil
}

// sessionLifetime is the call's SessionLifetime as a protobuf Duration ("300s"), "" for
// none.
func (cc callConfig) sessionLifetime() (string, error) {
	if !cc.lifetimeSet {
		return "", nil
	}
	if cc.lifetime <= 0 {
		return "", &ValidationError{Field: "SessionLifetime", Reason: "must be greater than zero"}
	}
	return durationJSON(cc.lifetime), nil
}

// durationJSON formats d as protojson encodes a google.protobuf.Duration: seconds with
// up to nine fractional digits and an "s", e.g. "300s" or "1.5s".
func durationJSON(d time.Duration) string {
	secs, nanos := int64(d/time.Second), int64(d%time.Second)
	out := strconv.FormatInt(secs, 10)
	if nanos != 0 {
		frac := strconv.FormatInt(nanos+1e9, 10)[1:] // nine digits, leading zeros kept
		out += "." + strings.TrimRight(frac, "0")
	}
	return out + "s"
}

// Delete deletes (terminates) a session (DELETE /v2/sessions/{sessionId}) with its token.
// An unknown or already deleted session is not an error. A wrong token is
// ErrPermissionDenied (COMMAND-sGr42). With sessionToken "" the caller needs the
// session.delete permission instead. Deleting is idempotent, so the call is retried after
// failures with an unknown outcome.
func (s *SessionService) Delete(ctx context.Context, sessionID, sessionToken string, opts ...CallOption) error {
	if err := checkLength("sessionID", sessionID, 1, maxField); err != nil {
		return err
	}
	cl := call{
		op:         "SessionService.DeleteSession",
		method:     http.MethodDelete,
		path:       "/v2/sessions/" + pathSegment(sessionID),
		repeatable: true,
	}
	_, err := s.c.doDetails(ctx, cl, newCallConfig(opts), &api.DeleteSessionRequest{SessionToken: sessionToken})
	return err
}

// verifyLifetime is the lifetime of VerifyPassword's session: long enough for the delete
// that follows the check, short enough that a session whose delete did not happen is soon
// useless.
const verifyLifetime = 30 * time.Second

// VerifyPassword checks the user's password and deletes the session the check created:
// nil means the password is right. Errors are those of CreateWithPassword; a wrong
// password is ErrWrongPassword (COMMAND-3M0fs).
//
// The session gets a lifetime of 30 seconds (or SessionLifetime's, if shorter), and is then
// deleted within ctx: VerifyPassword never outlives its context. When ctx has ended by the
// time the check answers, or the delete fails, the session is left to expire by itself;
// the password check has succeeded, so VerifyPassword returns nil.
func (s *SessionService) VerifyPassword(ctx context.Context, user UserRef, password string, opts ...CallOption) error {
	cc := newCallConfig(opts)
	if _, err := cc.sessionLifetime(); err != nil {
		return err
	}
	lifetime := verifyLifetime
	if cc.lifetimeSet && cc.lifetime < lifetime {
		lifetime = cc.lifetime
	}
	// A copy: appending to opts could write into the caller's array, shared by other calls.
	sess, err := s.CreateWithPassword(ctx, user, password, append(opts[:len(opts):len(opts)], SessionLifetime(lifetime))...)
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := s.Delete(ctx, sess.ID, sess.Token, opts...); err != nil && s.c.logger != nil {
		s.c.logger.DebugContext(ctx, "zitpass: deleting the session of a password check failed; it expires by itself", "session_id", sess.ID, "error", err.Error())
	}
	return nil
}

// pathSegment escapes an id for a path, as userPath does.
func pathSegment(id string) string {
	switch id {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(id)
}
