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

// route is an API endpoint of the fake: a method and a path pattern where "{id}" matches
// one escaped segment. Handlers return the JSON answer or ZITADEL's error.
type route struct {
	method  string
	pattern []string
	handle  func(s *Server, r *http.Request, id string) (any, *zerr)
}

var routes = []route{
	{"POST", []string{"management", "v1", "users", "{id}", "password", "_initialize"}, (*Server).setInitialPassword},
	{"POST", []string{"v2", "users", "{id}", "password_reset"}, (*Server).passwordReset},
	{"POST", []string{"v2", "users", "{id}", "password"}, (*Server).setPassword},
	{"GET", []string{"v2", "settings", "password", "complexity"}, (*Server).passwordComplexity},
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
	if r.URL.EscapedPath() == "/oauth/v2/token" {
		if r.Method != http.MethodPost {
			errMethodNotAllowed.write(w)
			return
		}
		s.token(w, r)
		return
	}
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
		s.withFaults(func(w http.ResponseWriter, r *http.Request) {
			resp, e := rt.handle(s, r, id)
			if e != nil {
				e.write(w)
				return
			}
			writeJSON(w, http.StatusOK, resp)
		})(w, r)
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
func (s *Server) setInitialPassword(r *http.Request, userID string) (any, *zerr) {
	var req initialPasswordRequest
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, true)
	if e != nil {
		return nil, e
	}
	org := r.Header.Get("X-Zitadel-Orgid")
	if org != "" && !s.orgs[org] {
		return nil, errUnknownOrg
	}
	if org == "" {
		org = caller.org
	}
	if !caller.admin {
		return nil, errNoPermissionV1
	}
	if req.Password == nil {
		req.Password = new(string)
	}
	if e := lengthError("SetHumanInitialPasswordRequest.Password", req.Password, 1, 72); e != nil {
		return nil, e
	}
	u := s.users[userID]
	switch {
	case u == nil || !u.human:
		return nil, errSetUnknownUser
	case u.org != org:
		return nil, errOtherOrg
	}
	if e := s.complexity.check(*req.Password); e != nil {
		return nil, e
	}
	u.password, u.changeRequired = *req.Password, true
	s.changed(u)
	return s.details(u), nil
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
func (s *Server) passwordReset(r *http.Request, userID string) (any, *zerr) {
	var req passwordResetRequest
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.SendLink != nil && req.ReturnCode != nil {
		return nil, errInvalid("proto: oneof zitadel.user.v2.PasswordResetRequest.medium is already set")
	}
	kind := client.NotificationEmail
	if req.SendLink != nil {
		var ok bool
		if kind, ok = notificationType(req.SendLink.NotificationType); !ok {
			return nil, errInvalid("proto: invalid value for enum field notificationType")
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, false)
	if e != nil {
		return nil, e
	}
	if e := lengthError("PasswordResetRequest.UserId", &userID, 1, 200); e != nil {
		return nil, e
	}
	var tmpl string
	if req.SendLink != nil && req.SendLink.URLTemplate != nil {
		if e := lengthError("SendPasswordResetLink.UrlTemplate", req.SendLink.URLTemplate, 1, 200); e != nil {
			return nil, e
		}
		tmpl = *req.SendLink.URLTemplate
	}
	u := s.users[userID]
	switch {
	case u == nil || !u.human:
		return nil, errResetUnknownUser
	case !caller.admin && caller.id != u.id:
		return nil, errNoPermissionV2
	case u.password == "":
		return nil, errResetUninitialized
	}
	code := s.newCode()
	var link string
	if tmpl != "" {
		if link, e = expand(tmpl, u, code); e != nil {
			return nil, e
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
	return resp, nil
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

// setPassword is UserService.SetPassword. A code is checked before the policy, the
// current password after it.
func (s *Server) setPassword(r *http.Request, userID string) (any, *zerr) {
	var req setPasswordRequest
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.CurrentPassword != nil && req.VerificationCode != nil {
		return nil, errInvalid("proto: oneof zitadel.user.v2.SetPasswordRequest.verification is already set")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	caller, e := s.authenticate(r, false)
	if e != nil {
		return nil, e
	}
	if e := s.validateSetPassword(&req, userID); e != nil {
		return nil, e
	}
	newPassword := *req.NewPassword.Password
	u := s.users[userID]
	verified := req.CurrentPassword != nil || req.VerificationCode != nil
	switch {
	case u == nil || !u.human:
		return nil, errSetUnknownUser
	case !caller.admin && (caller.id != u.id || !verified):
		return nil, errNoPermissionV2
	case u.password == "":
		return nil, errSetUninitialized
	}
	if req.VerificationCode != nil {
		if e := s.checkCode(u, *req.VerificationCode); e != nil {
			return nil, e
		}
	}
	if e := s.complexity.check(newPassword); e != nil {
		return nil, e
	}
	if req.CurrentPassword != nil {
		if *req.CurrentPassword != u.password {
			u.failedChecks++
			return nil, wrongPassword(u.failedChecks)
		}
		u.failedChecks = 0
	}
	if req.VerificationCode != nil {
		u.code = nil
	}
	u.password, u.changeRequired = newPassword, req.NewPassword.ChangeRequired
	s.changed(u)
	return s.details(u), nil
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
func (s *Server) passwordComplexity(r *http.Request, _ string) (any, *zerr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, e := s.authenticate(r, false); e != nil {
		return nil, e
	}
	p := s.complexity
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
	return map[string]any{"settings": settings}, nil
}
