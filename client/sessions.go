package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/zitpass/zitpass-go/internal/api"
)

// SessionService calls ZITADEL's session service v2. The SDK uses it to check passwords.
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
// is deleted or expires; delete it with Delete when it is not needed.
//
// Errors: a wrong password is ErrInvalidArgument with id COMMAND-3M0fs, and
// APIError.FailedAttempts tells how many wrong passwords in a row the user has now; an
// unknown user is ErrNotFound (QUERY-Dfbg2); a user without a password is
// ErrFailedPrecondition (COMMAND-3nJ4t); a locked user is ErrFailedPrecondition
// (SESSION-Gj4ko), even with the right password.
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
	body := api.CreateSessionRequest{Checks: &api.Checks{User: check, Password: &api.CheckPassword{Password: password}}}
	cl := call{op: "SessionService.CreateSession", path: "/v2/sessions"}
	var out api.CreateSessionResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), &body, &out); err != nil {
		return nil, err
	}
	return &Session{ID: out.SessionId, Token: out.SessionToken, Details: detailsFrom(out.Details)}, nil
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

// cleanupTimeout bounds the deletion of VerifyPassword's session after the caller's
// context has ended.
const cleanupTimeout = 10 * time.Second

// VerifyPassword checks the user's password and deletes the session the check created:
// nil means the password is right. Errors are those of CreateWithPassword; a wrong
// password is ErrInvalidArgument with id COMMAND-3M0fs.
//
// The session is deleted also when ctx ends right after the check, on a context of its
// own bounded by ten seconds. If the deletion fails, the session simply expires; the
// password check has still succeeded, so VerifyPassword returns nil.
func (s *SessionService) VerifyPassword(ctx context.Context, user UserRef, password string, opts ...CallOption) error {
	sess, err := s.CreateWithPassword(ctx, user, password, opts...)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := s.Delete(dctx, sess.ID, sess.Token, opts...); err != nil && s.c.logger != nil {
		s.c.logger.DebugContext(ctx, "zitadel: deleting the session of a password check failed", "session_id", sess.ID, "error", err.Error())
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
