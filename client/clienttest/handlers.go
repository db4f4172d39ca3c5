package clienttest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/zitpass/zitpass-go/client"
)

// route is an endpoint of the fake: a method and a path pattern where "{id}" matches one
// escaped segment.
type route struct {
	method  string
	pattern []string
	api     bool // an API call: faults apply
	handle  func(s *Server, w http.ResponseWriter, r *http.Request, id string)
}

var routes = []route{
	{"POST", []string{"management", "v1", "users", "{id}", "password", "_initialize"}, true, (*Server).setInitialPassword},
	{"POST", []string{"v2", "users", "{id}", "password_reset"}, true, (*Server).passwordReset},
	{"POST", []string{"v2", "users", "{id}", "password"}, true, (*Server).setPassword},
	{"GET", []string{"v2", "settings", "password", "complexity"}, true, (*Server).passwordComplexity},
	{"POST", []string{"oauth", "v2", "token"}, false, (*Server).token},
}

// match reports whether the escaped path segments fit the pattern, and the unescaped id.
func (rt route) match(seg []string) (string, bool) {
	if len(seg) != len(rt.pattern) {
		return "", false
	}
	var id string
	for i, p := range rt.pattern {
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

// serveHTTP routes on the escaped path, so that an escaped "/" or ".." in a user id stays
// inside its segment, as it does in grpc-gateway.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	seg := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for _, rt := range routes {
		id, ok := rt.match(seg)
		if !ok {
			continue
		}
		if r.Method != rt.method {
			errMethodNotAllowed.write(w)
			return
		}
		h := func(w http.ResponseWriter, r *http.Request) { rt.handle(s, w, r, id) }
		if rt.api {
			h = s.withFaults(h)
		}
		h(w, r)
		return
	}
	errNotFoundRoute.write(w)
}

// decodeBody reads a JSON request body the way the gateway does: snake_case and
// lowerCamelCase names both work, unknown fields are ignored, and anything that is not a
// JSON object is a 400 without details.
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

// lengthError is protoc-gen-validate's message for a min_len/max_len violation.
func lengthError(field string, v *string, lo, hi int) *zerr {
	if v == nil {
		return nil
	}
	if n := utf8.RuneCountInString(*v); n < lo || n > hi {
		return errInvalid("invalid " + field + ": value length must be between " + strconv.Itoa(lo) + " and " + strconv.Itoa(hi) + " runes, inclusive")
	}
	return nil
}

func (s *Server) details(u *user) map[string]any {
	return map[string]any{"details": map[string]any{
		"sequence":      strconv.FormatUint(u.sequence, 10),
		"changeDate":    u.changed.Format(time.RFC3339Nano),
		"resourceOwner": u.org,
	}}
}

// changed records an event on the user.
func (s *Server) changed(u *user) {
	u.sequence++
	u.changed = s.now().UTC()
}

type initialPasswordRequest struct {
	Password *string `json:"password"`
}

// setInitialPassword is ManagementService.SetHumanInitialPassword.
func (s *Server) setInitialPassword(w http.ResponseWriter, r *http.Request, userID string) {
	var req initialPasswordRequest
	if e := decodeBody(r, &req); e != nil {
		e.write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, true)
	if e != nil {
		e.write(w)
		return
	}
	org := r.Header.Get("X-Zitadel-Orgid")
	if org != "" && !s.orgs[org] {
		errUnknownOrg.write(w)
		return
	}
	if org == "" {
		org = caller.org
	}
	if !caller.admin {
		errNoPermissionV1.write(w)
		return
	}
	if req.Password == nil {
		req.Password = new(string)
	}
	if e := lengthError("SetHumanInitialPasswordRequest.Password", req.Password, 1, 72); e != nil {
		e.write(w)
		return
	}
	u := s.users[userID]
	switch {
	case u == nil || !u.human:
		errSetUnknownUser.write(w)
		return
	case u.org != org:
		errOtherOrg.write(w)
		return
	}
	if e := s.complexity.check(*req.Password); e != nil {
		e.write(w)
		return
	}
	u.password, u.changeRequired = *req.Password, true
	s.changed(u)
	writeJSON(w, http.StatusOK, s.details(u))
}

type passwordResetRequest struct {
	SendLink *struct {
		NotificationType json.RawMessage `json:"notificationType"`
		URLTemplate      *string         `json:"urlTemplate"`
	} `json:"sendLink"`
	ReturnCode *struct{} `json:"returnCode"`
}

// notificationType parses the enum as protojson does: its name or its number.
func notificationType(raw json.RawMessage) (client.NotificationType, bool) {
	switch strings.Trim(string(raw), `"`) {
	case "", "null", "NOTIFICATION_TYPE_Unspecified", "0", "NOTIFICATION_TYPE_Email", "1":
		return client.NotificationEmail, true // Unspecified means email
	case "NOTIFICATION_TYPE_SMS", "2":
		return client.NotificationSMS, true
	}
	return 0, false
}

// passwordReset is UserService.PasswordReset.
func (s *Server) passwordReset(w http.ResponseWriter, r *http.Request, userID string) {
	var req passwordResetRequest
	if e := decodeBody(r, &req); e != nil {
		e.write(w)
		return
	}
	if req.SendLink != nil && req.ReturnCode != nil {
		errInvalid("proto: oneof zitadel.user.v2.PasswordResetRequest.medium is already set").write(w)
		return
	}
	kind := client.NotificationEmail
	if req.SendLink != nil {
		var ok bool
		if kind, ok = notificationType(req.SendLink.NotificationType); !ok {
			errInvalid("proto: invalid value for enum field notificationType").write(w)
			return
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, false)
	if e != nil {
		e.write(w)
		return
	}
	if e := lengthError("PasswordResetRequest.UserId", &userID, 1, 200); e != nil {
		e.write(w)
		return
	}
	var tmpl string
	if req.SendLink != nil && req.SendLink.URLTemplate != nil {
		if e := lengthError("SendPasswordResetLink.UrlTemplate", req.SendLink.URLTemplate, 1, 200); e != nil {
			e.write(w)
			return
		}
		tmpl = *req.SendLink.URLTemplate
	}
	u := s.users[userID]
	if u == nil || !u.human {
		errResetUnknownUser.write(w)
		return
	}
	if !caller.admin && caller.id != u.id {
		errNoPermissionV2.write(w)
		return
	}
	if u.password == "" {
		errResetUninitialized.write(w)
		return
	}
	code := s.newCode()
	var link string
	if tmpl != "" {
		var e *zerr
		if link, e = expand(tmpl, u, code); e != nil {
			e.write(w)
			return
		}
	}
	u.code = &verificationCode{value: code, expires: s.now().Add(s.codeTTL)}
	s.changed(u)
	resp := s.details(u)
	if req.ReturnCode != nil {
		resp["verificationCode"] = code
	} else {
		s.outbox = append(s.outbox, Notification{UserID: u.id, Type: kind, Code: code, Link: link})
	}
	writeJSON(w, http.StatusOK, resp)
}

// expand renders a link template as ZITADEL does, with UserID, Code and OrgID.
func expand(tmpl string, u *user, code string) (string, *zerr) {
	t, err := template.New("").Parse(tmpl)
	if err != nil {
		return "", errTemplateParse
	}
	var b strings.Builder
	if err := t.Execute(&b, struct{ UserID, Code, OrgID string }{u.id, code, u.org}); err != nil {
		return "", errTemplateExec
	}
	return b.String(), nil
}

type setPasswordRequest struct {
	NewPassword *struct {
		Password       *string `json:"password"`
		ChangeRequired bool    `json:"changeRequired"`
	} `json:"newPassword"`
	CurrentPassword  *string `json:"currentPassword"`
	VerificationCode *string `json:"verificationCode"`
}

// setPassword is UserService.SetPassword.
func (s *Server) setPassword(w http.ResponseWriter, r *http.Request, userID string) {
	var req setPasswordRequest
	if e := decodeBody(r, &req); e != nil {
		e.write(w)
		return
	}
	if req.CurrentPassword != nil && req.VerificationCode != nil {
		errInvalid("proto: oneof zitadel.user.v2.SetPasswordRequest.verification is already set").write(w)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, false)
	if e != nil {
		e.write(w)
		return
	}
	if e := s.validateSetPassword(&req, userID); e != nil {
		e.write(w)
		return
	}
	newPassword := *req.NewPassword.Password
	u := s.users[userID]
	if u == nil || !u.human {
		errSetUnknownUser.write(w)
		return
	}
	verified := req.CurrentPassword != nil || req.VerificationCode != nil
	if !caller.admin && (caller.id != u.id || !verified) {
		errNoPermissionV2.write(w)
		return
	}
	if u.password == "" {
		errSetUninitialized.write(w)
		return
	}
	switch {
	case req.VerificationCode != nil:
		if e := s.checkCode(u, *req.VerificationCode); e != nil {
			e.write(w)
			return
		}
		if e := s.complexity.check(newPassword); e != nil {
			e.write(w)
			return
		}
		u.code = nil
	case req.CurrentPassword != nil:
		if e := s.complexity.check(newPassword); e != nil {
			e.write(w)
			return
		}
		if *req.CurrentPassword != u.password {
			u.failedChecks++
			wrongPassword(u.failedChecks).write(w)
			return
		}
		u.failedChecks = 0
	default:
		if e := s.complexity.check(newPassword); e != nil {
			e.write(w)
			return
		}
	}
	u.password, u.changeRequired = newPassword, req.NewPassword.ChangeRequired
	s.changed(u)
	writeJSON(w, http.StatusOK, s.details(u))
}

func (s *Server) validateSetPassword(req *setPasswordRequest, userID string) *zerr {
	if e := lengthError("SetPasswordRequest.UserId", &userID, 1, 200); e != nil {
		return e
	}
	if req.NewPassword == nil {
		return errInvalid("invalid SetPasswordRequest.NewPassword: value is required")
	}
	if req.NewPassword.Password == nil {
		req.NewPassword.Password = new(string)
	}
	if e := lengthError("Password.Password", req.NewPassword.Password, 1, 200); e != nil {
		return e
	}
	if e := lengthError("SetPasswordRequest.CurrentPassword", req.CurrentPassword, 1, 200); e != nil {
		return e
	}
	return lengthError("SetPasswordRequest.VerificationCode", req.VerificationCode, 1, 20)
}

// checkCode verifies a password reset code: pending, not expired, equal.
func (s *Server) checkCode(u *user, code string) *zerr {
	switch {
	case u.code == nil:
		return errNoCode
	case !s.now().Before(u.code.expires):
		return errExpiredCode
	case u.code.value != code:
		return errWrongCode
	}
	return nil
}

// passwordComplexity is SettingsService.GetPasswordComplexitySettings.
func (s *Server) passwordComplexity(w http.ResponseWriter, r *http.Request, _ string) {
	s.mu.Lock()
	_, e := s.authenticate(r, false)
	p := s.complexity
	s.mu.Unlock()
	if e != nil {
		e.write(w)
		return
	}
	settings := map[string]any{"resourceOwnerType": "RESOURCE_OWNER_TYPE_INSTANCE"}
	if p.MinLength > 0 {
		settings["minLength"] = strconv.Itoa(p.MinLength)
	}
	for name, on := range map[string]bool{"requiresUppercase": p.RequiresUppercase, "requiresLowercase": p.RequiresLowercase,
		"requiresNumber": p.RequiresNumber, "requiresSymbol": p.RequiresSymbol} {
		if on {
			settings[name] = true
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"settings": settings})
}
