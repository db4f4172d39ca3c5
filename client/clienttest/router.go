package clienttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// route is an API endpoint of the fake: a method and a path pattern where "{id}" matches
// one escaped segment. Handlers return the JSON answer or ZITADEL's error.
type route struct {
	method  string
	pattern string
	status  int // the success status; 0 means 200
	handle  func(s *Server, r *http.Request, id string) (any, *zerr)
	since   int // the first major version that serves it; 0 means every one
}

// routes lists every endpoint the fake serves, by service (see the file of each handler).
var routes = []route{
	// user service v2 (users.go)
	{"POST", "/v2/users/new", 0, (*Server).createUser, 4},
	{"POST", "/v2/users/human", 0, (*Server).addHumanUser, 0},
	{"GET", "/v2/users/{id}", 0, (*Server).getUserByID, 0},
	{"PATCH", "/v2/users/{id}", 0, (*Server).updateUser, 4},
	{"DELETE", "/v2/users/{id}", 0, (*Server).deleteUser, 0},
	{"GET", "/v2/users/{id}/authentication_methods", 0, (*Server).listAuthenticationMethodTypes, 0},
	{"POST", "/v2/users/{id}/lock", 0, (*Server).lockUser, 0},
	{"POST", "/v2/users/{id}/unlock", 0, (*Server).unlockUser, 0},
	{"POST", "/v2/users/{id}/password_reset", 0, (*Server).passwordReset, 0},
	{"POST", "/v2/users/{id}/password", 0, (*Server).setPassword, 0},
	{"POST", "/v2/users/{id}/invite_code", 0, (*Server).createInviteCode, 0},
	{"POST", "/v2/users/{id}/invite_code/verify", 0, (*Server).verifyInviteCode, 0},
	// session service v2 (sessions.go)
	{"POST", "/v2/sessions", http.StatusCreated, (*Server).createSession, 0},
	{"POST", "/v2/sessions/search", 0, (*Server).listSessions, 0},
	{"GET", "/v2/sessions/{id}", 0, (*Server).getSession, 0},
	{"PATCH", "/v2/sessions/{id}", 0, (*Server).setSession, 0},
	{"DELETE", "/v2/sessions/{id}", 0, (*Server).deleteSession, 0},
	// settings service v2 (settings.go)
	{"GET", "/v2/settings", 0, (*Server).generalSettings, 0},
	{"GET", "/v2/settings/login", 0, (*Server).loginSettings, 0},
	{"GET", "/v2/settings/password/complexity", 0, (*Server).passwordComplexity, 0},
	{"GET", "/v2/settings/lockout", 0, (*Server).lockoutSettings, 0},
	{"GET", "/v2/settings/password/expiry", 0, (*Server).passwordExpiry, 0},
	// management API v1 (management.go)
	{"POST", "/management/v1/users/{id}/password/_initialize", 0, (*Server).setInitialPassword, 0},
	{"POST", "/management/v1/users/{id}/password/_reset", 0, (*Server).sendResetNotification, 0},
	{"POST", "/management/v1/users/{id}/password", 0, (*Server).setHumanPassword, 0},
	{"POST", "/management/v1/users/human/_import", 0, (*Server).importHumanUser, 0},
	{"GET", "/management/v1/users/{id}", 0, (*Server).getUserByIDV1, 0},
	{"GET", "/management/v1/policies/lockout", 0, (*Server).getLockoutPolicy, 0},
	{"POST", "/management/v1/policies/lockout", 0, (*Server).addCustomLockoutPolicy, 0},
	{"DELETE", "/management/v1/policies/lockout", 0, (*Server).resetLockoutPolicy, 0},
	// admin API v1 (instance.go, management.go)
	{"GET", "/admin/v1/instances/me", 0, (*Server).getMyInstance, 0},
	{"GET", "/admin/v1/policies/lockout", 0, (*Server).getDefaultLockoutPolicy, 0},
	// auth API v1 (auth.go)
	{"GET", "/auth/v1/users/me", 0, (*Server).getMyUser, 0},
	{"PUT", "/auth/v1/users/me/password", 0, (*Server).updateMyPassword, 0},
	{"GET", "/auth/v1/policies/passwords/complexity", 0, (*Server).getMyPasswordComplexityPolicy, 0},
}

// match reports whether the escaped path segments fit the pattern, and the unescaped id.
func (rt route) match(seg []string) (string, bool) {
	pattern := strings.Split(strings.TrimPrefix(rt.pattern, "/"), "/")
	if len(seg) != len(pattern) {
		return "", false
	}
	var id string
	for i, p := range pattern {
		if p != "{id}" {
			if seg[i] != p {
				return "", false
			}
			continue
		}
		v, err := url.PathUnescape(seg[i])
		if err != nil || v == "" {
			return "", false
		}
		id = v
	}
	return id, true
}

// find returns the route for the request, or the gateway's 404 or 405. A literal segment
// wins over "{id}" for the same method, as in grpc-gateway. Routes of a later version than
// the server's do not exist: on v3, POST /v2/users/new is a POST to GET /v2/users/{userId}'s
// path, so 405.
func (s *Server) find(method string, seg []string) (route, string, *zerr) {
	pathKnown := false
	for _, rt := range routes {
		if rt.since > s.version {
			continue
		}
		id, ok := rt.match(seg)
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method == method {
			return rt, id, nil
		}
	}
	if pathKnown {
		return route{}, "", errMethodNotAllowed
	}
	return route{}, "", errNotFoundRoute
}

// serveHTTP answers a request as ZITADEL's front does: it names the request, picks the
// instance, serves the few paths outside the API (health, discovery, the token endpoint),
// applies the rate limit, and routes the API call to Connect or the REST gateway. The answer
// is written at the end, after the latency of WithLatency, and recorded in the request log.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Like ZITADEL, every answer names its request, so that errors and logs can quote it.
	w.Header().Set("X-Request-Id", randomRequestID())
	start, arrived := time.Now(), s.now()
	buf := &bufferedWriter{header: w.Header()}
	pattern := s.dispatch(buf, r)
	s.record(r, buf, pattern, arrived, time.Since(start))
	if buf.status == 0 || (s.latency > 0 && !s.wait(r, s.latency)) {
		// A delayed call whose caller left, or the server closed: the answer is lost, as
		// on a dropped connection.
		panic(http.ErrAbortHandler)
	}
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
}

// wait holds an answer for d; false when the caller left or the server closed first.
func (s *Server) wait(r *http.Request, d time.Duration) bool {
	s.mu.Lock()
	hook := s.latencyHook
	s.mu.Unlock()
	if hook != nil {
		hook()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-s.closing:
	}
	return false
}

// dispatch answers the request into w and returns the pattern of what it served, for the
// request log.
func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) string {
	path := r.URL.EscapedPath()
	if h, ok := s.healthHandler(path); ok {
		h(w, r)
		return path
	}
	if msg, text := s.checkInstance(r); msg != nil {
		switch {
		case path == "/oauth/v2/token" || path == discoveryPath:
			writeText(w, http.StatusNotFound, text)
		case isConnectPath(path):
			writeConnectError(w, msg)
		default:
			s.writeErr(w, msg)
		}
		return path
	}
	switch path {
	case "/oauth/v2/token":
		if r.Method != http.MethodPost {
			s.writeErr(w, errMethodNotAllowed)
			return path
		}
		s.token(w, r)
		return path
	case discoveryPath:
		s.discovery(w, r)
		return path
	}
	if e := s.rateLimit(w); e != nil {
		s.writeErr(w, e)
		return path
	}
	if isConnectPath(path) {
		return s.serveConnect(w, r)
	}
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	rt, id, e := s.find(r.Method, seg)
	if e != nil {
		s.writeErr(w, e)
		return path
	}
	s.withFaults(func(w http.ResponseWriter, r *http.Request) {
		resp, e := rt.handle(s, r, id)
		if e != nil {
			s.writeErr(w, e)
			return
		}
		status := rt.status
		if status == 0 {
			status = http.StatusOK
		}
		if status == http.StatusOK && rt.pattern == "/v2/users/human" && s.version == 3 {
			status = http.StatusCreated // v3.4.9 answered AddHumanUser with the 201 its proto declares
		}
		writeJSON(w, status, resp)
	})(w, r)
	return rt.pattern
}

// checkInstance answers like ZITADEL when the request names another instance: ZITADEL
// picks the instance by x-zitadel-instance-host, else by the Host header. It returns the
// API's error and the text of the token endpoint, or nil.
func (s *Server) checkInstance(r *http.Request) (*zerr, string) {
	if s.publicURL == "" {
		return nil, ""
	}
	u, err := url.Parse(s.publicURL)
	if err != nil {
		return instanceNotFound(r.Host, "")
	}
	host := r.Header.Get("X-Zitadel-Instance-Host")
	if host == "" {
		host = r.Host
	}
	if !strings.EqualFold(host, u.Host) {
		return instanceNotFound(host, u.Hostname())
	}
	return nil, ""
}

// bufferedWriter holds an answer until the server writes it (after its latency).
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// writeText answers plain text, as ZITADEL's OIDC handlers and http.Error do.
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, text)
}

// validator is a request with protoc-gen-validate rules, which ZITADEL applies after
// authentication.
type validator interface{ validate() *zerr }

// begin starts a handler as ZITADEL's gateway does: it decodes the JSON body into req (nil
// reads none) and applies protojson's rules (protoRules), then locks the server and authenticates the
// caller, the v1 way when v1, then applies the request's validation rules. It returns with
// s.mu held, error or not: the handler unlocks.
func (s *Server) begin(r *http.Request, req any, v1 bool) (*caller, *zerr) {
	var e *zerr
	if req != nil {
		e = decodeBody(r, req)
	}
	s.mu.Lock()
	if e != nil {
		return nil, e
	}
	c, e := s.authenticate(r, v1)
	if e == nil {
		e = s.orgContext(r, c)
	}
	if a, ok := req.(authorizer); ok && e == nil {
		e = a.authorize(s, c)
	}
	if v, ok := req.(validator); ok && e == nil {
		e = v.validate()
	}
	return c, e
}

// authorizer is a request whose call needs a permission named in its proto options, which
// ZITADEL's authorization interceptor checks after the token and the organization and
// before the request is validated (internal/api/api.go). Callers hold s.mu.
type authorizer interface {
	authorize(s *Server, c *caller) *zerr
}

// orgContext sets the caller's organization context from the x-zitadel-orgid header.
func (s *Server) orgContext(r *http.Request, c *caller) *zerr {
	c.org = r.Header.Get("X-Zitadel-Orgid")
	if c.org == "" {
		c.org = c.user.org
		return nil
	}
	if s.orgs[c.org] == nil {
		return errUnknownOrg
	}
	return nil
}

// decodeBody reads a JSON request body the way the gateway does: snake_case and
// lowerCamelCase names both work, unknown fields are ignored, and anything that is not a
// JSON object is a 400 without details. An empty body is an empty object.
func decodeBody(r *http.Request, v any) *zerr {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return errInvalid("cannot read body")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return errInvalid("proto: syntax error: " + err.Error())
	}
	if _, ok := tree.(map[string]any); !ok {
		return errInvalid("proto: syntax error: expected a JSON object")
	}
	if pr, ok := v.(protoRuled); ok {
		if e := pr.protoRules().check(raw); e != nil {
			return e
		}
	}
	norm, _ := json.Marshal(camelKeys(tree))
	if err := json.Unmarshal(norm, v); err != nil {
		return errInvalid("proto: syntax error: " + err.Error())
	}
	return nil
}

// camelKeys renames snake_case object keys to lowerCamelCase, recursively.
func camelKeys(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			out[camel(k)] = camelKeys(val)
		}
		return out
	case []any:
		for i := range t {
			t[i] = camelKeys(t[i])
		}
	}
	return v
}

func camel(k string) string {
	if !strings.Contains(k, "_") {
		return k
	}
	parts := strings.Split(k, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// lengthRule is protoc-gen-validate's message for a min_len/max_len violation, or "".
func lengthRule(field string, v *string, lo, hi int) string {
	if v == nil {
		return ""
	}
	if n := utf8.RuneCountInString(*v); n < lo || n > hi {
		return "invalid " + field + ": value length must be between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi) + " runes, inclusive"
	}
	return ""
}

// maxLengthRule is a max_len rule alone, as protoc-gen-validate words it.
func maxLengthRule(field string, v *string, hi int) string {
	if v != nil && utf8.RuneCountInString(*v) > hi {
		return "invalid " + field + ": value length must be at most " + strconv.Itoa(hi) + " runes"
	}
	return ""
}

// lengthError is a min_len/max_len violation on the v2 gateway.
func lengthError(field string, v *string, lo, hi int) *zerr {
	if msg := lengthRule(field, v, lo, hi); msg != "" {
		return errInvalid(msg)
	}
	return nil
}

// lengthErrorV1 is a min_len/max_len violation on the v1 gateway, which answers 500.
func lengthErrorV1(field string, v *string, lo, hi int) *zerr {
	if msg := lengthRule(field, v, lo, hi); msg != "" {
		return errInvalidV1(msg)
	}
	return nil
}

// details is the object details of a change: the sequence and date of the last event of
// the resource, and its owner.
func details(seq uint64, changed time.Time, owner string) map[string]any {
	d := map[string]any{"resourceOwner": owner}
	if seq > 0 {
		d["sequence"] = strconv.FormatUint(seq, 10)
	}
	if !changed.IsZero() {
		d["changeDate"] = stamp(changed)
	}
	return d
}

// stamp formats a time as protojson does: RFC 3339 in UTC with 0, 3, 6 or 9 fractional
// digits.
func stamp(t time.Time) string {
	t = t.UTC()
	switch {
	case t.Nanosecond() == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case t.Nanosecond()%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case t.Nanosecond()%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

// userDetails is a user's object details, with its creation date when withCreation.
func userDetails(u *user, withCreation bool) map[string]any {
	d := details(u.sequence, u.changed, u.org)
	if withCreation {
		d["creationDate"] = stamp(u.created)
	}
	return d
}

// changed records an event on the user.
func (s *Server) changed(u *user) {
	u.sequence++
	u.changed = s.now().UTC()
}
