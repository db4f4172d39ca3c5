package clienttest

import (
	"encoding/json"
	"net/http"
	"strings"
	"text/template"

	"github.com/zitpass/zitpass-go/client"
)

// The user service v2: /v2/users/...

type addHumanUserRequest struct {
	UserID       *string `json:"userId"`
	Username     *string `json:"username"`
	Organization *struct {
		OrgID string `json:"orgId"`
	} `json:"organization"`
	Profile *struct {
		GivenName  *string `json:"givenName"`
		FamilyName *string `json:"familyName"`
	} `json:"profile"`
	Email *struct {
		Email      *string `json:"email"`
		IsVerified bool    `json:"isVerified"`
	} `json:"email"`
	Phone *struct {
		Phone string `json:"phone"`
	} `json:"phone"`
	Password *struct {
		Password       *string `json:"password"`
		ChangeRequired bool    `json:"changeRequired"`
	} `json:"password"`
	HashedPassword *struct {
		Hash           *string `json:"hash"`
		ChangeRequired bool    `json:"changeRequired"`
	} `json:"hashedPassword"`
}

func (req *addHumanUserRequest) parseCheck() *zerr {
	if req.Password != nil && req.HashedPassword != nil {
		return errInvalid("proto: error parsing \"hashedPassword\", oneof zitadel.user.v2.AddHumanUserRequest.password_type is already set")
	}
	return nil
}

func (req *addHumanUserRequest) validate() *zerr {
	if e := lengthError("AddHumanUserRequest.UserId", req.UserID, 1, 200); e != nil {
		return e
	}
	if e := lengthError("AddHumanUserRequest.Username", req.Username, 1, 200); e != nil {
		return e
	}
	if req.Profile == nil {
		return errInvalid("invalid AddHumanUserRequest.Profile: value is required")
	}
	if e := lengthError("SetHumanProfile.GivenName", orEmpty(req.Profile.GivenName), 1, 200); e != nil {
		return e
	}
	if e := lengthError("SetHumanProfile.FamilyName", orEmpty(req.Profile.FamilyName), 1, 200); e != nil {
		return e
	}
	if req.Email == nil {
		return errInvalid("invalid AddHumanUserRequest.Email: value is required")
	}
	if e := lengthError("SetHumanEmail.Email", orEmpty(req.Email.Email), 1, 200); e != nil {
		return e
	}
	if !strings.Contains(*req.Email.Email, "@") {
		return errInvalid("invalid SetHumanEmail.Email: value must be a valid email address")
	}
	if req.Password != nil {
		if e := lengthError("Password.Password", orEmpty(req.Password.Password), 1, 200); e != nil {
			return e
		}
	}
	if req.HashedPassword != nil {
		return lengthError("HashedPassword.Hash", orEmpty(req.HashedPassword.Hash), 1, 200)
	}
	return nil
}

func orEmpty(p *string) *string {
	if p == nil {
		return new(string)
	}
	return p
}

// addHumanUser is UserService.AddHumanUser: it answers 200, not the 201 its proto declares.
func (s *Server) addHumanUser(r *http.Request, _ string) (any, *zerr) {
	var req addHumanUserRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if !caller.admin {
		return nil, errNoPermissionV2
	}
	orgID := caller.user.org
	if req.Organization != nil && req.Organization.OrgID != "" {
		orgID = req.Organization.OrgID
	}
	if s.orgs[orgID] == nil {
		return nil, errUnknownOrg
	}
	username := *req.Email.Email
	if req.Username != nil {
		username = *req.Username
	}
	if (req.UserID != nil && s.users[*req.UserID] != nil) || s.userByLogin(username) != nil {
		return nil, errUserExists
	}
	if req.Password != nil {
		pw := *req.Password.Password
		if err := s.complexity.Check(pw); err != nil {
			return nil, policyError(err, "COMMA")
		}
		if !s.hashable(pw) {
			return nil, errBcryptLimit(s.hasherLimit)
		}
	}
	if req.HashedPassword != nil && !validHash(*req.HashedPassword.Hash) {
		return nil, errHashUnsupported
	}
	id := ""
	if req.UserID != nil {
		id = *req.UserID
	}
	u := s.addUser(id, orgID, username)
	u.human, u.email, u.emailVerified = true, *req.Email.Email, req.Email.IsVerified
	u.givenName, u.familyName = *req.Profile.GivenName, *req.Profile.FamilyName
	if req.Phone != nil {
		u.phone = req.Phone.Phone
	}
	switch {
	case req.Password != nil:
		u.password, u.changeRequired = *req.Password.Password, req.Password.ChangeRequired
		u.passwordChanged = u.created
	case req.HashedPassword != nil:
		u.hash, u.changeRequired = *req.HashedPassword.Hash, req.HashedPassword.ChangeRequired
		u.passwordChanged = u.created
	}
	return map[string]any{"userId": u.id, "details": userDetails(u, false)}, nil
}

// userByLogin finds a user by login name: the username, case-insensitively.
func (s *Server) userByLogin(loginName string) *user {
	for _, u := range s.users {
		if strings.EqualFold(u.username, loginName) {
			return u
		}
	}
	return nil
}

var userStateNames = map[userState]string{stateActive: "USER_STATE_ACTIVE", stateLocked: "USER_STATE_LOCKED", stateInitial: "USER_STATE_INITIAL"}

// userV2 is a user as the user service v2 returns it.
func userV2(u *user) map[string]any {
	out := map[string]any{
		"userId":             u.id,
		"details":            userDetails(u, true),
		"state":              userStateNames[u.state],
		"username":           u.username,
		"loginNames":         []string{u.username},
		"preferredLoginName": u.username,
	}
	if !u.human {
		out["machine"] = map[string]any{"name": u.username, "accessTokenType": "ACCESS_TOKEN_TYPE_BEARER"}
		return out
	}
	email := map[string]any{"email": u.email}
	if u.emailVerified {
		email["isVerified"] = true
	}
	phone := map[string]any{}
	if u.phone != "" {
		phone["phone"] = u.phone
	}
	human := map[string]any{
		"profile": map[string]any{"givenName": u.givenName, "familyName": u.familyName, "nickName": "",
			"displayName": u.givenName + " " + u.familyName, "preferredLanguage": "und", "gender": "GENDER_UNSPECIFIED"},
		"email": email,
		"phone": phone,
	}
	if u.changeRequired {
		human["passwordChangeRequired"] = true
	}
	if !u.passwordChanged.IsZero() {
		human["passwordChanged"] = stamp(u.passwordChanged)
	}
	out["human"] = human
	return out
}

// mayRead reports whether the caller may read u: an administrator, or the user itself.
func (c *caller) mayRead(u *user) bool { return c.admin || c.user.id == u.id }

// getUserByID is UserService.GetUserByID.
func (s *Server) getUserByID(r *http.Request, userID string) (any, *zerr) {
	caller, e := s.begin(r, nil, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	u := s.users[userID]
	if u == nil || !caller.mayRead(u) {
		return nil, errUserNotFound
	}
	return map[string]any{"details": userDetails(u, true), "user": userV2(u)}, nil
}

// listAuthenticationMethodTypes is UserService.ListAuthenticationMethodTypes. An unknown
// user has no methods, as in ZITADEL.
func (s *Server) listAuthenticationMethodTypes(r *http.Request, userID string) (any, *zerr) {
	caller, e := s.begin(r, nil, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	d := map[string]any{"timestamp": stamp(s.now())}
	resp := map[string]any{"details": d}
	if u := s.users[userID]; u != nil && caller.mayRead(u) && u.hasPassword() {
		d["totalResult"] = "1"
		resp["authMethodTypes"] = []string{"AUTHENTICATION_METHOD_TYPE_PASSWORD"}
	}
	return resp, nil
}

// lockUser is UserService.LockUser.
func (s *Server) lockUser(r *http.Request, userID string) (any, *zerr) {
	return s.changeLock(r, userID, true)
}

// unlockUser is UserService.UnlockUser: the failed-attempt count starts over.
func (s *Server) unlockUser(r *http.Request, userID string) (any, *zerr) {
	return s.changeLock(r, userID, false)
}

func (s *Server) changeLock(r *http.Request, userID string, lock bool) (any, *zerr) {
	caller, e := s.begin(r, &struct{}{}, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if !caller.admin {
		return nil, errNoPermissionV2
	}
	u := s.users[userID]
	switch {
	case u == nil:
		return nil, errUnlockUnknown
	case lock && u.state != stateActive:
		return nil, errLockNotActive
	case !lock && u.state != stateLocked:
		return nil, errNotLocked
	}
	if lock {
		u.state = stateLocked
	} else {
		u.state, u.failedChecks = stateActive, 0
	}
	s.changed(u)
	return map[string]any{"details": userDetails(u, false)}, nil
}

type passwordResetRequest struct {
	SendLink *struct {
		NotificationType json.RawMessage `json:"notificationType"`
		URLTemplate      *string         `json:"urlTemplate"`
	} `json:"sendLink"`
	ReturnCode *struct{} `json:"returnCode"`
}

func (req *passwordResetRequest) parseCheck() *zerr {
	if req.SendLink != nil && req.ReturnCode != nil {
		return errInvalid("proto: oneof zitadel.user.v2.PasswordResetRequest.medium is already set")
	}
	if req.SendLink != nil {
		if _, ok := notificationType(req.SendLink.NotificationType); !ok {
			return errInvalid("proto: invalid value for enum field notificationType")
		}
	}
	return nil
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
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	kind := client.NotificationEmail
	if req.SendLink != nil {
		kind, _ = notificationType(req.SendLink.NotificationType)
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
	case u.state == stateInitial:
		return nil, errResetUninitialized
	case !caller.admin && caller.user.id != u.id:
		return nil, errNoPermissionV2
	}
	resp, e := s.newResetCode(u, kind, tmpl, req.ReturnCode != nil)
	if e != nil {
		return nil, e
	}
	return resp, nil
}

// newResetCode replaces the user's pending code and sends it, or returns it when
// returnCode. Callers hold s.mu.
func (s *Server) newResetCode(u *user, kind client.NotificationType, tmpl string, returnCode bool) (map[string]any, *zerr) {
	code := s.newCode()
	var link string
	if tmpl != "" {
		var e *zerr
		if link, e = expand(tmpl, u, code); e != nil {
			return nil, e
		}
	}
	u.code = &verificationCode{value: code, expires: s.now().Add(s.codeTTL)}
	s.changed(u)
	resp := map[string]any{"details": userDetails(u, false)}
	if returnCode {
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

func (req *setPasswordRequest) parseCheck() *zerr {
	if req.CurrentPassword != nil && req.VerificationCode != nil {
		return errInvalid("proto: oneof zitadel.user.v2.SetPasswordRequest.verification is already set")
	}
	return nil
}

// setPassword is UserService.SetPassword. The user's state comes first, then a code, the
// policy, the current password, and last the hasher.
func (s *Server) setPassword(r *http.Request, userID string) (any, *zerr) {
	var req setPasswordRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
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
	case !caller.admin && (caller.user.id != u.id || !verified):
		return nil, errNoPermissionV2
	case u.state == stateInitial:
		return nil, errSetUninitialized
	}
	if req.VerificationCode != nil {
		if e := s.checkCode(u, *req.VerificationCode); e != nil {
			return nil, e
		}
	}
	if req.CurrentPassword != nil {
		if e := s.changeOwnPassword(u, *req.CurrentPassword, newPassword, req.NewPassword.ChangeRequired, "DOMAIN"); e != nil {
			return nil, e
		}
		return map[string]any{"details": userDetails(u, false)}, nil
	}
	if e := s.setNewPassword(u, newPassword, req.NewPassword.ChangeRequired); e != nil {
		return nil, e
	}
	return map[string]any{"details": userDetails(u, false)}, nil
}

// setNewPassword sets a password without a current one (an administrator, a code):
// policy, then hasher. Callers hold s.mu.
func (s *Server) setNewPassword(u *user, pw string, changeRequired bool) *zerr {
	if err := s.complexity.Check(pw); err != nil {
		return policyError(err, "DOMAIN")
	}
	if !s.hashable(pw) {
		return errHashFailed
	}
	s.setUserPassword(u, pw, changeRequired)
	return nil
}

// changeOwnPassword changes a password given the current one: policy, the current
// password (a wrong one counts toward lockout), then ZITADEL's hasher, which refuses the
// current password as the new one with COMMAND-CahN2 and counts that as a failed check
// too (seen on v4.13.1). Callers hold s.mu.
func (s *Server) changeOwnPassword(u *user, current, pw string, changeRequired bool, idPrefix string) *zerr {
	if err := s.complexity.Check(pw); err != nil {
		return policyError(err, idPrefix)
	}
	if !u.hasPassword() {
		return errPasswordNotSet
	}
	// Unlike a session's check, a right current password does not start the count over
	// (v4.13.1 counted a wrong one, then the CahN2 below, as two failures in a row).
	if !u.passwordIs(current) {
		return s.failCheck(u)
	}
	if pw == current || !s.hashable(pw) {
		s.failCheck(u)
		return errHashFailed
	}
	s.setUserPassword(u, pw, changeRequired)
	return nil
}

func (s *Server) validateSetPassword(req *setPasswordRequest, userID string) *zerr {
	if e := lengthError("SetPasswordRequest.UserId", &userID, 1, 200); e != nil {
		return e
	}
	if req.NewPassword == nil {
		return errInvalid("invalid SetPasswordRequest.NewPassword: value is required")
	}
	if e := lengthError("Password.Password", orEmpty(req.NewPassword.Password), 1, 200); e != nil {
		return e
	}
	req.NewPassword.Password = orEmpty(req.NewPassword.Password)
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
