package clienttest

import (
	"net/http"
)

// The session service v2: /v2/sessions. Sessions check passwords; a session whose password
// check passed has a token that works as a bearer token until the password changes.

type createSessionRequest struct {
	Checks *struct {
		User *struct {
			UserID    *string `json:"userId"`
			LoginName *string `json:"loginName"`
		} `json:"user"`
		Password *struct {
			Password *string `json:"password"`
		} `json:"password"`
	} `json:"checks"`
}

const checksInvalid = "invalid CreateSessionRequest.Checks: embedded message failed validation | caused by: "

func (req *createSessionRequest) validate() *zerr {
	c := req.Checks
	if c == nil || c.User == nil {
		return nil
	}
	if c.User.UserID == nil && c.User.LoginName == nil {
		return errInvalid(checksInvalid + "invalid Checks.User: embedded message failed validation | caused by: invalid CheckUser.Search: value is required")
	}
	for name, v := range map[string]*string{"CheckUser.UserId": c.User.UserID, "CheckUser.LoginName": c.User.LoginName} {
		if msg := lengthRule(name, v, 1, 200); msg != "" {
			return errInvalid(checksInvalid + "invalid Checks.User: embedded message failed validation | caused by: " + msg)
		}
	}
	if c.Password != nil {
		if msg := lengthRule("CheckPassword.Password", orEmpty(c.Password.Password), 1, 200); msg != "" {
			return errInvalid(checksInvalid + "invalid Checks.Password: embedded message failed validation | caused by: " + msg)
		}
	}
	return nil
}

// createSession is SessionService.CreateSession; it answers 201.
func (s *Server) createSession(r *http.Request, _ string) (any, *zerr) {
	var req createSessionRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if !caller.admin {
		return nil, errNoPermissionV2
	}
	sess := &session{id: s.id(), token: randomSessionToken(), sequence: 1, changed: s.now().UTC()}
	if c := req.Checks; c != nil && c.User != nil {
		u := s.findCheckUser(c.User.UserID, c.User.LoginName)
		if u == nil {
			return nil, errUserNotFound
		}
		if u.state == stateLocked {
			return nil, errUserNotActive
		}
		if c.Password != nil {
			if !u.hasPassword() {
				return nil, errNoPassword
			}
			if e := s.checkPassword(u, *c.Password.Password); e != nil {
				return nil, e
			}
			sess.passwordChecked, sess.passwordGen = true, u.passwordGen
			sess.sequence++
		}
		sess.userID = u.id
	}
	s.sessions[sess.id] = sess
	return map[string]any{
		"details":      details(sess.sequence, sess.changed, s.instanceID),
		"sessionId":    sess.id,
		"sessionToken": sess.token,
	}, nil
}

func (s *Server) findCheckUser(userID, loginName *string) *user {
	if userID != nil {
		return s.users[*userID]
	}
	return s.userByLogin(*loginName)
}

type deleteSessionRequest struct {
	SessionToken *string `json:"sessionToken"`
}

// deleteSession is SessionService.DeleteSession: an unknown or deleted session is not an
// error; a token that is not the session's is. Without a token the caller needs the
// session.delete permission.
func (s *Server) deleteSession(r *http.Request, sessionID string) (any, *zerr) {
	var req deleteSessionRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	sess := s.sessions[sessionID]
	switch {
	case req.SessionToken != nil && *req.SessionToken != "":
		if sess == nil || sess.token != *req.SessionToken {
			return nil, errSessionToken
		}
	case !caller.admin:
		return nil, errNoPermissionV2
	}
	if sess == nil {
		return map[string]any{"details": map[string]any{}}, nil
	}
	if !sess.deleted {
		sess.deleted = true
		sess.sequence++
		sess.changed = s.now().UTC()
	}
	return map[string]any{"details": details(sess.sequence, sess.changed, s.instanceID)}, nil
}
