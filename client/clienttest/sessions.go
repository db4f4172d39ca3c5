package clienttest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// The session service v2: /v2/sessions. Sessions check passwords; a session whose password
// check passed has a token that works as a bearer token until the password changes (the
// change clears the check, as ZITADEL's session projection does). A session with a
// lifetime expires; without one it never does.

type sessionChecks struct {
	User *struct {
		UserID    *string `json:"userId"`
		LoginName *string `json:"loginName"`
	} `json:"user"`
	Password *struct {
		Password *string `json:"password"`
	} `json:"password"`
}

type createSessionRequest struct {
	Checks   *sessionChecks `json:"checks"`
	Lifetime *string        `json:"lifetime"`
}

// durationPattern is protojson's google.protobuf.Duration: seconds with up to nine
// fractional digits and an "s".
var durationPattern = regexp.MustCompile(`^-?[0-9]+(\.[0-9]{1,9})?s$`)

// lifetimeRules are a session request's: a lifetime is a google.protobuf.Duration.
var lifetimeRules = &protoRules{values: map[string]valueRule{"lifetime": durationRule}}

// parseLifetime reads a lifetime as protojson does; a malformed one is a parse error.
func parseLifetime(v *string) (time.Duration, *zerr) {
	if v == nil {
		return 0, nil
	}
	if !durationPattern.MatchString(*v) {
		return 0, errInvalid("proto: invalid google.protobuf.Duration value \"" + *v + "\"")
	}
	d, err := time.ParseDuration(*v)
	if err != nil {
		return 0, errInvalid("proto: invalid google.protobuf.Duration value \"" + *v + "\"")
	}
	return d, nil
}

func (*createSessionRequest) protoRules() *protoRules { return lifetimeRules }

func (req *createSessionRequest) validate() *zerr {
	if e := checksRule("CreateSessionRequest", req.Checks); e != nil {
		return e
	}
	return lifetimeRule("CreateSessionRequest", req.Lifetime)
}

// lifetimeRule is the rule of a session lifetime: greater than zero.
func lifetimeRule(msg string, v *string) *zerr {
	if d, _ := parseLifetime(v); v != nil && d <= 0 {
		return errInvalid("invalid " + msg + ".Lifetime: value must be greater than 0s")
	}
	return nil
}

// checksRule applies the validation rules of a session's checks.
func checksRule(msg string, c *sessionChecks) *zerr {
	invalid := "invalid " + msg + ".Checks: embedded message failed validation | caused by: "
	if c == nil {
		return nil
	}
	if c.User != nil {
		if c.User.UserID == nil && c.User.LoginName == nil {
			return errInvalid(invalid + "invalid Checks.User: embedded message failed validation | caused by: invalid CheckUser.Search: value is required")
		}
		for _, f := range []struct {
			name string
			v    *string
		}{{"CheckUser.UserId", c.User.UserID}, {"CheckUser.LoginName", c.User.LoginName}} {
			if r := lengthRule(f.name, f.v, 1, 200); r != "" {
				return errInvalid(invalid + "invalid Checks.User: embedded message failed validation | caused by: " + r)
			}
		}
	}
	if c.Password != nil {
		if r := lengthRule("CheckPassword.Password", orEmpty(c.Password.Password), 1, 200); r != "" {
			return errInvalid(invalid + "invalid Checks.Password: embedded message failed validation | caused by: " + r)
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
	now := s.now().UTC()
	sess := &session{id: s.id(), token: randomSessionToken(), creator: caller.user.id, sequence: 1, created: now, changed: now}
	if d, _ := parseLifetime(req.Lifetime); d > 0 {
		sess.expires = now.Add(d)
	}
	if c := req.Checks; c != nil && c.User == nil && c.Password != nil {
		return nil, errSessionNoUser // ZITADEL's password check needs a user check before it
	}
	if c := req.Checks; c != nil && c.User != nil {
		u := s.findCheckUser(c.User.UserID, c.User.LoginName)
		if u == nil {
			return nil, errUserNotFound
		}
		if u.state == stateLocked {
			return nil, errUserNotActive
		}
		sess.userID, sess.userChecked = u.id, now
		if c.Password != nil {
			if e := s.sessionPasswordCheck(sess, u, *c.Password.Password); e != nil {
				return nil, e
			}
		}
	}
	s.sessions[sess.id] = sess
	return map[string]any{
		"details":      details(sess.sequence, sess.changed, s.instanceID),
		"sessionId":    sess.id,
		"sessionToken": sess.token,
	}, nil
}

// sessionPasswordCheck checks a password for a session of u. Callers hold s.mu, which an
// imported hash releases: the user's state is checked again after it, as ZITADEL does.
func (s *Server) sessionPasswordCheck(sess *session, u *user, pw string) *zerr {
	if !u.hasPassword() {
		return errNoPassword
	}
	if e, gone := s.checkPassword(u, pw); e != nil || gone {
		return e
	}
	if u.state == stateLocked {
		return errUserLocked(u.failedChecks, true) // locked while the hash was computed
	}
	sess.passwordChecked, sess.passwordGen, sess.passwordCheckedAt = true, u.passwordGen, s.now().UTC()
	sess.sequence++
	return nil
}

func (s *Server) findCheckUser(userID, loginName *string) *user {
	if userID != nil {
		return s.users[*userID]
	}
	return s.userByLogin(*loginName)
}

type setSessionRequest struct {
	SessionToken *string        `json:"sessionToken"`
	Checks       *sessionChecks `json:"checks"`
	Lifetime     *string        `json:"lifetime"`
}

func (*setSessionRequest) protoRules() *protoRules { return lifetimeRules }

func (req *setSessionRequest) validate() *zerr {
	if e := checksRule("SetSessionRequest", req.Checks); e != nil {
		return e
	}
	return lifetimeRule("SetSessionRequest", req.Lifetime)
}

// setSession is SessionService.SetSession: more checks on a live session, which answers a
// new session token (the old one stops working). The deprecated sessionToken field is not
// checked (v4.13.1 accepted a wrong one from an administrator).
func (s *Server) setSession(r *http.Request, sessionID string) (any, *zerr) {
	var req setSessionRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	sess := s.sessions[sessionID]
	switch {
	case sess == nil || sess.deleted:
		return nil, errSessionTerminated
	case !caller.admin && caller.user.id != sess.userID && caller.user.id != sess.creator:
		return nil, errNoPermissionV2
	case s.expired(sess):
		return nil, errSessionExpired
	}
	if e := s.applyChecks(sess, req.Checks); e != nil {
		return nil, e
	}
	if d, _ := parseLifetime(req.Lifetime); d > 0 {
		sess.expires = s.now().UTC().Add(d)
	}
	sess.token = randomSessionToken()
	sess.sequence++
	sess.changed = s.now().UTC()
	return map[string]any{"details": details(sess.sequence, sess.changed, s.instanceID), "sessionToken": sess.token}, nil
}

// applyChecks runs SetSession's checks: a user check may name the session's user only, a
// password check needs a user. Without a user check in the same request, the password
// check reads the user as ZITADEL's command layer does: a deleted user is COMMAND-3n77z and
// a locked one COMMAND-JLK35, not the user check's QUERY-Dfbg2 and SESSION-Gj4ko.
func (s *Server) applyChecks(sess *session, c *sessionChecks) *zerr {
	if c == nil {
		return nil
	}
	if c.User != nil {
		u := s.findCheckUser(c.User.UserID, c.User.LoginName)
		switch {
		case u == nil:
			return errUserNotFound
		case sess.userID != "" && u.id != sess.userID:
			return errSessionNoUser
		case u.state == stateLocked:
			return errUserNotActive
		}
		sess.userID, sess.userChecked = u.id, s.now().UTC()
	}
	if c.Password == nil {
		return nil
	}
	u := s.users[sess.userID]
	switch {
	case sess.userID == "":
		return errSessionNoUser
	case u == nil:
		return errCheckUserGone
	case u.state == stateLocked:
		return errUserLocked(u.failedChecks, false)
	}
	return s.sessionPasswordCheck(sess, u, *c.Password.Password)
}

// expired reports whether the session's lifetime has elapsed on the server's clock.
func (s *Server) expired(sess *session) bool {
	return !sess.expires.IsZero() && !s.now().Before(sess.expires)
}

// sessionV2 is a session as GetSession and ListSessions return it. A password check the
// user's password has changed since is gone.
func (s *Server) sessionV2(sess *session) map[string]any {
	out := map[string]any{"id": sess.id, "creationDate": stamp(sess.created), "changeDate": stamp(sess.changed),
		"sequence": strconv.FormatUint(sess.sequence, 10)}
	if u := s.users[sess.userID]; u != nil {
		factors := map[string]any{"user": map[string]any{"verifiedAt": stamp(sess.userChecked), "id": u.id, "loginName": u.username,
			"displayName": u.givenName + " " + u.familyName, "organizationId": u.org}}
		if sess.passwordChecked && sess.passwordGen == u.passwordGen {
			factors["password"] = map[string]any{"verifiedAt": stamp(sess.passwordCheckedAt)}
		}
		out["factors"] = factors
	}
	if !sess.expires.IsZero() {
		out["expirationDate"] = stamp(sess.expires)
	}
	return out
}

// mayReadSession is ZITADEL's session permission: the creator, the session's user, or an
// administrator.
func (c *caller) mayReadSession(sess *session) bool {
	return c.admin || c.user.id == sess.creator || (sess.userID != "" && c.user.id == sess.userID)
}

// getSession is SessionService.GetSession: with the sessionToken query parameter it must be
// the session's current token; without, the caller needs permission. An expired session is
// still there; a deleted one is not.
func (s *Server) getSession(r *http.Request, sessionID string) (any, *zerr) {
	caller, e := s.begin(r, nil, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	sess := s.sessions[sessionID]
	if sess == nil || sess.deleted {
		return nil, errSessionNotFound
	}
	tok := r.URL.Query().Get("sessionToken")
	if tok == "" {
		tok = r.URL.Query().Get("session_token")
	}
	switch {
	case tok != "" && !sameString(tok, sess.token):
		return nil, errSessionTokenQuery
	case tok == "" && !caller.mayReadSession(sess):
		return nil, errNoPermissionV2
	}
	return map[string]any{"session": s.sessionV2(sess)}, nil
}

type listSessionsRequest struct {
	Queries []struct {
		IdsQuery *struct {
			Ids []string `json:"ids"`
		} `json:"idsQuery"`
		UserIDQuery *struct {
			ID string `json:"id"`
		} `json:"userIdQuery"`
		CreatorQuery *struct {
			ID string `json:"id"`
		} `json:"creatorQuery"`
	} `json:"queries"`
}

// listSessions is SessionService.ListSessions: the live sessions the caller may read,
// oldest first, filtered by ids, user or creator (an empty creator query is the caller).
func (s *Server) listSessions(r *http.Request, _ string) (any, *zerr) {
	var req listSessionsRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	var list []*session
	for _, sess := range s.sessions {
		if sess.deleted || !caller.mayReadSession(sess) {
			continue
		}
		ok, e := sessionMatches(sess, &req, caller)
		if e != nil {
			return nil, e
		}
		if ok {
			list = append(list, sess)
		}
	}
	slices.SortFunc(list, func(a, b *session) int { return compareIDs(a.id, b.id) })
	d := map[string]any{"timestamp": stamp(s.now())}
	resp := map[string]any{"details": d}
	if len(list) > 0 {
		d["totalResult"] = strconv.Itoa(len(list))
		out := make([]any, len(list))
		for i, sess := range list {
			out[i] = s.sessionV2(sess)
		}
		resp["sessions"] = out
	}
	return resp, nil
}

func sessionMatches(sess *session, req *listSessionsRequest, caller *caller) (bool, *zerr) {
	for _, q := range req.Queries {
		switch {
		case q.IdsQuery != nil:
			if !slices.Contains(q.IdsQuery.Ids, sess.id) {
				return false, nil
			}
		case q.UserIDQuery != nil:
			if sess.userID != q.UserIDQuery.ID {
				return false, nil
			}
		case q.CreatorQuery != nil:
			creator := q.CreatorQuery.ID
			if creator == "" {
				creator = caller.user.id
			}
			if sess.creator != creator {
				return false, nil
			}
		default:
			return false, errListQueryInvalid
		}
	}
	return true, nil
}

// compareIDs orders the fake's decimal ids by creation: shorter first, then by digits.
func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

type deleteSessionRequest struct {
	SessionToken *string `json:"sessionToken"`
}

// deleteSession is SessionService.DeleteSession: an unknown or deleted session is not an
// error; a token that is not the session's is. Without a token the caller needs permission:
// an administrator, the session's creator or its user (a user ending their own session).
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
		if sess == nil || !sameString(sess.token, *req.SessionToken) {
			return nil, errSessionToken
		}
	case sess == nil:
		if !caller.admin {
			return nil, errNoPermissionV2
		}
	case !caller.mayReadSession(sess):
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
