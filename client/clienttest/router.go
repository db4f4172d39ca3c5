package clienttest

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
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
}

// routes lists every endpoint the fake serves, by service (see the file of each handler).
var routes = []route{
	// user service v2 (users.go)
	{"POST", "/v2/users/human", 0, (*Server).addHumanUser},
	{"GET", "/v2/users/{id}", 0, (*Server).getUserByID},
	{"GET", "/v2/users/{id}/authentication_methods", 0, (*Server).listAuthenticationMethodTypes},
	{"POST", "/v2/users/{id}/lock", 0, (*Server).lockUser},
	{"POST", "/v2/users/{id}/unlock", 0, (*Server).unlockUser},
	{"POST", "/v2/users/{id}/password_reset", 0, (*Server).passwordReset},
	{"POST", "/v2/users/{id}/password", 0, (*Server).setPassword},
	// session service v2 (sessions.go)
	{"POST", "/v2/sessions", http.StatusCreated, (*Server).createSession},
	{"DELETE", "/v2/sessions/{id}", 0, (*Server).deleteSession},
	// settings service v2 (settings.go)
	{"GET", "/v2/settings", 0, (*Server).generalSettings},
	{"GET", "/v2/settings/password/complexity", 0, (*Server).passwordComplexity},
	{"GET", "/v2/settings/lockout", 0, (*Server).lockoutSettings},
	{"GET", "/v2/settings/password/expiry", 0, (*Server).passwordExpiry},
	// management API v1 (management.go)
	{"POST", "/management/v1/users/{id}/password/_initialize", 0, (*Server).setInitialPassword},
	{"POST", "/management/v1/users/{id}/password/_reset", 0, (*Server).sendResetNotification},
	{"POST", "/management/v1/users/{id}/password", 0, (*Server).setHumanPassword},
	{"POST", "/management/v1/users/human/_import", 0, (*Server).importHumanUser},
	{"GET", "/management/v1/users/{id}", 0, (*Server).getUserByIDV1},
	{"GET", "/management/v1/policies/lockout", 0, (*Server).getLockoutPolicy},
	{"POST", "/management/v1/policies/lockout", 0, (*Server).addCustomLockoutPolicy},
	{"DELETE", "/management/v1/policies/lockout", 0, (*Server).resetLockoutPolicy},
	{"GET", "/admin/v1/policies/lockout", 0, (*Server).getDefaultLockoutPolicy},
	// auth API v1 (auth.go)
	{"GET", "/auth/v1/users/me", 0, (*Server).getMyUser},
	{"PUT", "/auth/v1/users/me/password", 0, (*Server).updateMyPassword},
	{"GET", "/auth/v1/policies/passwords/complexity", 0, (*Server).getMyPasswordComplexityPolicy},
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
// wins over "{id}" for the same method, as in grpc-gateway.
func find(method string, seg []string) (route, string, *zerr) {
	pathKnown := false
	for _, rt := range routes {
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

// serveHTTP routes on the escaped path, so that an escaped "/" or ".." in a user id stays
// inside its segment, as it does in grpc-gateway.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Like ZITADEL, every answer names its request, so that errors and logs can quote it.
	w.Header().Set("X-Request-Id", randomRequestID())
	if s.logger != nil {
		lw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() { s.logRequest(r, lw, time.Since(start)) }()
		w = lw
	}
	if e := s.checkInstance(r); e != nil {
		e.write(w)
		return
	}
	if r.URL.EscapedPath() == "/oauth/v2/token" {
		if r.Method != http.MethodPost {
			errMethodNotAllowed.write(w)
			return
		}
		s.token(w, r)
		return
	}
	seg := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	rt, id, e := find(r.Method, seg)
	if e != nil {
		e.write(w)
		return
	}
	s.withFaults(func(w http.ResponseWriter, r *http.Request) {
		resp, e := rt.handle(s, r, id)
		if e != nil {
			e.write(w)
			return
		}
		status := rt.status
		if status == 0 {
			status = http.StatusOK
		}
		writeJSON(w, status, resp)
	})(w, r)
}

// checkInstance answers like ZITADEL when the request names another instance: ZITADEL
// picks the instance by x-zitadel-instance-host, else by the Host header.
func (s *Server) checkInstance(r *http.Request) *zerr {
	if s.publicURL == "" {
		return nil
	}
	u, err := url.Parse(s.publicURL)
	if err != nil {
		return errInstanceNotFound
	}
	host := r.Header.Get("X-Zitadel-Instance-Host")
	if host == "" {
		host = r.Host
	}
	if !strings.EqualFold(host, u.Host) {
		return errInstanceNotFound
	}
	return nil
}

// statusWriter remembers the status and the error id of an answer, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
	errID  string
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if w.status >= 400 && w.errID == "" {
		var body struct{ Details []struct{ ID string } }
		if json.Unmarshal(b, &body) == nil && len(body.Details) > 0 {
			w.errID = body.Details[0].ID
		}
	}
	return w.ResponseWriter.Write(b)
}

// logRequest logs one request without its body, query or headers: they can hold
// passwords, codes and tokens.
func (s *Server) logRequest(r *http.Request, w *statusWriter, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.EscapedPath()),
		slog.Int("status", w.status),
		slog.Duration("duration", d.Round(time.Microsecond)),
	}
	if w.errID != "" {
		attrs = append(attrs, slog.String("error_id", w.errID))
	}
	attrs = append(attrs, slog.String("request_id", w.Header().Get("X-Request-Id")))
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// validator is a request with protoc-gen-validate rules, which ZITADEL applies after
// authentication.
type validator interface{ validate() *zerr }

// parseChecker is a request with rules protojson enforces while parsing (a oneof set
// twice, an unknown enum name): the gateway answers them before authentication.
type parseChecker interface{ parseCheck() *zerr }

// begin starts a handler as ZITADEL's gateway does: it decodes the JSON body into req (nil
// reads none) and applies the parse rules, then locks the server and authenticates the
// caller, the v1 way when v1, then applies the request's validation rules. It returns with
// s.mu held, error or not: the handler unlocks.
func (s *Server) begin(r *http.Request, req any, v1 bool) (*caller, *zerr) {
	var e *zerr
	if req != nil {
		e = decodeBody(r, req)
	}
	if pc, ok := req.(parseChecker); ok && e == nil {
		e = pc.parseCheck()
	}
	s.mu.Lock()
	if e != nil {
		return nil, e
	}
	c, e := s.authenticate(r, v1)
	if v, ok := req.(validator); ok && e == nil {
		e = v.validate()
	}
	return c, e
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
