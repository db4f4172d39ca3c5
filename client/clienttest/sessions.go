package clienttest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
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
	caller, checked, e := s.beginChecks(r, &req, func() *sessionChecks { return req.Checks })
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	now := s.now().UTC()
	sess := &session{id: s.id(), token: randomSessionToken(), creator: caller.user.id, sequence: 1, created: now, changed: now}
	if d, _ := parseLifetime(req.Lifetime); d > 0 {
		sess.expires = now.Add(d)
	}
	if _, e := s.applyChecks(sess, checked, req.Checks); e != nil {
		return nil, e
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

// setSession is SessionService.SetSession: more checks on a session, in ZITADEL's order
// (internal/api/grpc/session/v2/session.go, then internal/command/session.go): the user
// check's search, the session.write permission (an administrator's; a session's own user
// has none), the session's state, then the checks. It answers a new session token (the
// old one stops working) when something changed, and the details alone when nothing did.
// The deprecated sessionToken field is not checked (v4.13.1 accepted a wrong one from an
// administrator). An id that names no session is read as an empty session, as ZITADEL's
// event store gives one: a password check on it lacks a user (COMMAND-Sfw3f), and what
// else it writes makes a session that only SetSession and DeleteSession see.
func (s *Server) setSession(r *http.Request, sessionID string) (any, *zerr) {
	var req setSessionRequest
	_, checked, e := s.beginChecks(r, &req, func() *sessionChecks { return req.Checks })
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	now := s.now().UTC()
	sess, known := s.sessions[sessionID]
	if !known {
		sess = &session{id: sessionID, hidden: true, created: now}
	}
	switch {
	case sess.deleted:
		return nil, errSessionTerminated
	case s.expired(sess):
		return nil, errSessionExpired
	}
	changed, e := s.applyChecks(sess, checked, req.Checks)
	if e != nil {
		return nil, e
	}
	if d, _ := parseLifetime(req.Lifetime); d > 0 {
		sess.expires, changed = now.Add(d), true
	}
	if !changed {
		return map[string]any{"details": details(sess.sequence, sess.changed, s.instanceID)}, nil
	}
	if !known {
		s.sessions[sessionID] = sess
	}
	if sess.token != "" {
		sess.oldTokens = append(sess.oldTokens, sess.token)
	}
	sess.token = randomSessionToken()
	sess.sequence++
	sess.changed = now
	return map[string]any{"details": details(sess.sequence, sess.changed, s.instanceID), "sessionToken": sess.token}, nil
}

// beginChecks starts CreateSession and SetSession as ZITADEL runs them: the request, the
// user check's search (the API layer's), then the session.write permission (the command
// layer's; only an administrator has it here). checks gives the decoded request's checks.
// It returns with s.mu held, as begin does.
func (s *Server) beginChecks(r *http.Request, req any, checks func() *sessionChecks) (*caller, *user, *zerr) {
	caller, e := s.begin(r, req, false)
	if e != nil {
		return nil, nil, e
	}
	checked, e := s.checkUserOf(checks())
	switch {
	case e != nil:
		return nil, nil, e
	case !caller.admin:
		return nil, nil, errNoPermissionV2
	}
	return caller, checked, nil
}

// checkUserOf runs a user check's search, which ZITADEL's API layer does before any
// command (checksToCommand): an unknown user is QUERY-Dfbg2, a locked one SESSION-Gj4ko.
func (s *Server) checkUserOf(c *sessionChecks) (*user, *zerr) {
	if c == nil || c.User == nil {
		return nil, nil
	}
	u := s.findCheckUser(c.User.UserID, c.User.LoginName)
	switch {
	case u == nil:
		return nil, errUserNotFound
	case u.state == stateLocked:
		return nil, errUserNotActive
	}
	return u, nil
}

// applyChecks runs a session's checks, as ZITADEL's command layer does, and reports
// whether they changed the session. checked is the user the user check found; it may
// name the session's user only. A password check needs a user, and reads the user as
// ZITADEL's command layer does: a deleted user is COMMAND-3n77z and a locked one
// COMMAND-JLK35, not the user check's QUERY-Dfbg2 and SESSION-Gj4ko. Nothing changes when
// a check fails.
func (s *Server) applyChecks(sess *session, checked *user, c *sessionChecks) (bool, *zerr) {
	if c == nil {
		return false, nil
	}
	userID := sess.userID
	if checked != nil {
		if userID != "" && checked.id != userID {
			return false, errUserChange
		}
		userID = checked.id
	}
	if c.Password != nil {
		u := s.users[userID]
		switch {
		case userID == "":
			return false, errSessionNoUser
		case u == nil:
			return false, errCheckUserGone
		case u.state == stateLocked:
			return false, errUserLocked(u.failedChecks, false)
		}
		if e := s.sessionPasswordCheck(sess, u, *c.Password.Password); e != nil {
			return false, e
		}
	}
	if checked != nil {
		sess.userID, sess.userChecked = checked.id, s.now().UTC()
	}
	return checked != nil || c.Password != nil, nil
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
	if sess == nil || sess.deleted || sess.hidden {
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
	Queries []sessionQuery `json:"queries"`
}

// sessionQuery is one of ListSessions' queries, a oneof of six members.
type sessionQuery struct {
	IdsQuery *struct {
		Ids []string `json:"ids"`
	} `json:"idsQuery"`
	UserIDQuery *struct {
		ID string `json:"id"`
	} `json:"userIdQuery"`
	CreatorQuery *struct {
		ID *string `json:"id"`
	} `json:"creatorQuery"`
	UserAgentQuery *struct {
		FingerprintID *string `json:"fingerprintId"`
	} `json:"userAgentQuery"`
	CreationDateQuery   *dateQuery `json:"creationDateQuery"`
	ExpirationDateQuery *dateQuery `json:"expirationDateQuery"`
}

// dateQuery compares a session's date as ZITADEL's SQL does: a session without the date
// (no expiration) matches no comparison.
type dateQuery struct {
	CreationDate   *time.Time      `json:"creationDate"`
	ExpirationDate *time.Time      `json:"expirationDate"`
	Method         json.RawMessage `json:"method"`
}

func (q *dateQuery) matches(t time.Time) bool {
	if t.IsZero() {
		return false
	}
	var at time.Time // a missing date is the zero timestamp, as protobuf reads it
	switch {
	case q.CreationDate != nil:
		at = *q.CreationDate
	case q.ExpirationDate != nil:
		at = *q.ExpirationDate
	default:
		at = time.Unix(0, 0)
	}
	c := t.Truncate(time.Microsecond).Compare(at.Truncate(time.Microsecond)) // PostgreSQL keeps microseconds
	switch strings.Trim(string(q.Method), `"`) {
	case "TIMESTAMP_QUERY_METHOD_GREATER", "1":
		return c > 0
	case "TIMESTAMP_QUERY_METHOD_GREATER_OR_EQUALS", "2":
		return c >= 0
	case "TIMESTAMP_QUERY_METHOD_LESS", "3":
		return c < 0
	case "TIMESTAMP_QUERY_METHOD_LESS_OR_EQUALS", "4":
		return c <= 0
	}
	return c == 0
}

// validate is the gateway's check of the oneof, which is required.
func (req *listSessionsRequest) validate() *zerr {
	for i, q := range req.Queries {
		if q.IdsQuery == nil && q.UserIDQuery == nil && q.CreatorQuery == nil && q.UserAgentQuery == nil &&
			q.CreationDateQuery == nil && q.ExpirationDateQuery == nil {
			return errInvalid(fmt.Sprintf("invalid ListSessionsRequest.Queries[%d]: embedded message failed validation | caused by: invalid SearchQuery.Query: value is required", i))
		}
	}
	return nil
}

// listSessions is SessionService.ListSessions: the live sessions the caller may read,
// oldest first, filtered by its queries, which are read before any session
// (sessionQueriesToQuery in internal/api/grpc/session/v2/query.go).
func (s *Server) listSessions(r *http.Request, _ string) (any, *zerr) {
	var req listSessionsRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	filters := make([]func(*session) bool, len(req.Queries))
	for i := range req.Queries {
		if filters[i], e = req.Queries[i].filter(caller); e != nil {
			return nil, e
		}
	}
	var list []*session
	for _, sess := range s.sessions {
		if sess.deleted || sess.hidden || !caller.mayReadSession(sess) {
			continue
		}
		if !slices.ContainsFunc(filters, func(f func(*session) bool) bool { return !f(sess) }) {
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

// filter turns a query into a test of a session. A creator query without an id is the
// caller; one with an empty id is refused. A user agent query without a fingerprint needs
// the caller's, which the fake's tokens never carry; the fake records no user agents.
func (q *sessionQuery) filter(caller *caller) (func(*session) bool, *zerr) {
	switch {
	case q.IdsQuery != nil:
		return func(sess *session) bool { return slices.Contains(q.IdsQuery.Ids, sess.id) }, nil
	case q.UserIDQuery != nil:
		return func(sess *session) bool { return sess.userID == q.UserIDQuery.ID }, nil
	case q.CreatorQuery != nil:
		creator := caller.user.id
		if id := q.CreatorQuery.ID; id != nil {
			creator = *id
		}
		if creator == "" {
			return nil, errCreatorQueryInvalid
		}
		return func(sess *session) bool { return sess.creator == creator }, nil
	case q.UserAgentQuery != nil:
		if id := q.UserAgentQuery.FingerprintID; id == nil || *id == "" {
			return nil, errUserAgentQueryInvalid
		}
		return func(*session) bool { return false }, nil
	case q.CreationDateQuery != nil:
		return func(sess *session) bool { return q.CreationDateQuery.matches(sess.created) }, nil
	case q.ExpirationDateQuery != nil:
		return func(sess *session) bool { return q.ExpirationDateQuery.matches(sess.expires) }, nil
	}
	return nil, errListQueryInvalid
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
