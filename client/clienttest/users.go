package clienttest

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"text/template"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/internal/pgv"
)

// The user service v2: /v2/users/...

// humanProfile, humanEmail, humanPhone and the password kinds are the parts of a human
// user that AddHumanUser and CreateUser share.
type humanProfile struct {
	GivenName  *string `json:"givenName"`
	FamilyName *string `json:"familyName"`
}

type humanEmail struct {
	Email      *string `json:"email"`
	IsVerified bool    `json:"isVerified"`
}

type humanPhone struct {
	Phone      string `json:"phone"`
	IsVerified bool   `json:"isVerified"`
}

type plainPassword struct {
	Password       *string `json:"password"`
	ChangeRequired bool    `json:"changeRequired"`
}

type hashedPassword struct {
	Hash           *string `json:"hash"`
	ChangeRequired bool    `json:"changeRequired"`
}

type addHumanUserRequest struct {
	UserID       *string `json:"userId"`
	Username     *string `json:"username"`
	Organization *struct {
		OrgID string `json:"orgId"`
	} `json:"organization"`
	Profile        *humanProfile   `json:"profile"`
	Email          *humanEmail     `json:"email"`
	Phone          *humanPhone     `json:"phone"`
	Password       *plainPassword  `json:"password"`
	HashedPassword *hashedPassword `json:"hashedPassword"`
}

var addHumanUserRules = &protoRules{oneofs: map[string]string{
	"password":       "zitadel.user.v2.AddHumanUserRequest.password_type",
	"hashedPassword": "zitadel.user.v2.AddHumanUserRequest.password_type",
}}

func (*addHumanUserRequest) protoRules() *protoRules { return addHumanUserRules }

// validate is protoc-gen-validate's order: the plain fields, then the oneofs, then the
// proto3 optional fields (userId, username), which its generated code checks last
// (templates/goshared/msg.go).
func (req *addHumanUserRequest) validate() *zerr {
	if msg := humanRule("AddHumanUserRequest", req.Profile, req.Email, req.Password, req.HashedPassword); msg != "" {
		return errInvalid(msg)
	}
	if e := lengthError("AddHumanUserRequest.UserId", req.UserID, 1, 200); e != nil {
		return e
	}
	return lengthError("AddHumanUserRequest.Username", req.Username, 1, 200)
}

// humanRule applies the validation rules of a human's profile, email and password, the
// fields of msg (AddHumanUserRequest, CreateUserRequest_Human), and returns the
// protoc-gen-validate message of the first broken one, or "".
func humanRule(msg string, p *humanProfile, e *humanEmail, pw *plainPassword, h *hashedPassword) string {
	embedded := func(field, rule string) string {
		return "invalid " + msg + "." + field + ": embedded message failed validation | caused by: " + rule
	}
	if p == nil {
		return "invalid " + msg + ".Profile: value is required"
	}
	if r := lengthRule("SetHumanProfile.GivenName", orEmpty(p.GivenName), 1, 200); r != "" {
		return embedded("Profile", r)
	}
	if r := lengthRule("SetHumanProfile.FamilyName", orEmpty(p.FamilyName), 1, 200); r != "" {
		return embedded("Profile", r)
	}
	if e == nil {
		return "invalid " + msg + ".Email: value is required"
	}
	if r := lengthRule("SetHumanEmail.Email", orEmpty(e.Email), 1, 200); r != "" {
		return embedded("Email", r)
	}
	if err := pgv.Email(*e.Email); err != nil {
		return embedded("Email", "invalid SetHumanEmail.Email: value must be a valid email address | caused by: "+err.Error())
	}
	if pw != nil {
		if r := lengthRule("Password.Password", orEmpty(pw.Password), 1, 200); r != "" {
			return embedded("Password", r)
		}
	}
	if h != nil {
		if r := lengthRule("HashedPassword.Hash", orEmpty(h.Hash), 1, 200); r != "" {
			return embedded("HashedPassword", r)
		}
	}
	return ""
}

func orEmpty(p *string) *string {
	if p == nil {
		return new(string)
	}
	return p
}

// newHuman is a human user to create, read from AddHumanUser or CreateUser.
type newHuman struct {
	id, org, username     string
	givenName, familyName string
	email                 string
	emailVerified         bool
	phone                 string
	password, hash        *string
	changeRequired        bool
}

func humanFrom(id, username *string, org string, p *humanProfile, e *humanEmail, ph *humanPhone, pw *plainPassword, h *hashedPassword) newHuman {
	n := newHuman{org: org, givenName: *p.GivenName, familyName: *p.FamilyName, email: *e.Email, emailVerified: e.IsVerified, username: *e.Email}
	if id != nil {
		n.id = *id
	}
	if username != nil {
		n.username = *username // without one, the email is the username
	}
	if ph != nil {
		n.phone = ph.Phone
	}
	if pw != nil {
		n.password, n.changeRequired = pw.Password, pw.ChangeRequired
	}
	if h != nil {
		n.hash, n.changeRequired = h.Hash, h.ChangeRequired
	}
	return n
}

// addHuman creates a human user in ZITADEL's order of checks (AddUserHuman, shared by
// AddHumanUser and CreateUser): the hash's scheme, the caller's permission, the user id,
// the organization (CreateUser only: AddHumanUser's interceptor checked it), the password
// policy and the hasher, and last, when the events are written, the username. Callers hold
// s.mu.
func (s *Server) addHuman(caller *caller, n newHuman, checkOrg bool) (*user, *zerr) {
	// AddHuman.Validate, then the permission, the organization and the id, as ZITADEL's
	// AddUserHuman runs them (internal/command/user_v2_human.go, user_human.go).
	n.username, n.givenName, n.familyName = strings.TrimSpace(n.username), strings.TrimSpace(n.givenName), strings.TrimSpace(n.familyName)
	switch {
	case n.username == "":
		return nil, errBlankUsername
	case n.givenName == "":
		return nil, errBlankGivenName
	case n.familyName == "":
		return nil, errBlankFamilyName
	case n.hash != nil && !s.hashSupported(*n.hash):
		return nil, errHashUnsupported
	case !caller.admin:
		return nil, errNoPermissionV2
	case checkOrg && s.orgs[n.org] == nil:
		return nil, errOrgNotFound
	case n.id != "" && s.users[n.id] != nil:
		return nil, errIDTaken
	}
	if n.password != nil {
		if err := s.complexity.Check(*n.password); err != nil {
			return nil, policyError(err, "COMMA")
		}
		if !s.hashable(*n.password) {
			return nil, errBcryptLimit(s.hasherLimit)
		}
	}
	if s.userByLogin(n.username) != nil {
		return nil, errUserExists
	}
	u := s.addUser(n.id, n.org, n.username)
	u.human, u.email, u.emailVerified, u.phone = true, n.email, n.emailVerified, n.phone
	u.givenName, u.familyName = n.givenName, n.familyName
	switch {
	case n.password != nil:
		u.password, u.changeRequired, u.passwordChanged = *n.password, n.changeRequired, u.created
	case n.hash != nil:
		u.hash, u.changeRequired, u.passwordChanged = *n.hash, n.changeRequired, u.created
	}
	return u, nil
}

// addHumanUser is UserService.AddHumanUser (deprecated in v4): it answers 200 on v4, not
// the 201 its proto declares (v3.4.9 answered 201: see dispatch).
func (s *Server) addHumanUser(r *http.Request, _ string) (any, *zerr) {
	var req addHumanUserRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	orgID := req.orgID(caller)
	n := humanFrom(req.UserID, req.Username, orgID, req.Profile, req.Email, req.Phone, req.Password, req.HashedPassword)
	u, e := s.addHuman(caller, n, false)
	if e != nil {
		return nil, e
	}
	return map[string]any{"userId": u.id, "details": userDetails(u, false)}, nil
}

// orgID is the organization of the body, else the caller's.
func (req *addHumanUserRequest) orgID(c *caller) string {
	if req.Organization != nil && req.Organization.OrgID != "" {
		return req.Organization.OrgID
	}
	return c.org
}

// authorize is what ZITADEL's authorization interceptor checks before AddHumanUser's
// request is validated: the organization of the body (orgIDAndDomainFromRequest), then
// user.write in it (user_service.proto).
func (req *addHumanUserRequest) authorize(s *Server, c *caller) *zerr {
	switch {
	case s.orgs[req.orgID(c)] == nil:
		return errUnknownOrg
	case !c.admin:
		return errNoPermissionV2
	}
	return nil
}

type createUserRequest struct {
	OrganizationID *string `json:"organizationId"`
	UserID         *string `json:"userId"`
	Username       *string `json:"username"`
	Human          *struct {
		Profile        *humanProfile   `json:"profile"`
		Email          *humanEmail     `json:"email"`
		Phone          *humanPhone     `json:"phone"`
		Password       *plainPassword  `json:"password"`
		HashedPassword *hashedPassword `json:"hashedPassword"`
	} `json:"human"`
	Machine *struct {
		Name        *string `json:"name"`
		Description string  `json:"description"`
	} `json:"machine"`
}

var createUserRules = &protoRules{oneofs: map[string]string{
	"human":                "zitadel.user.v2.CreateUserRequest.user_type",
	"machine":              "zitadel.user.v2.CreateUserRequest.user_type",
	"human.password":       "zitadel.user.v2.CreateUserRequest.Human.password_type",
	"human.hashedPassword": "zitadel.user.v2.CreateUserRequest.Human.password_type",
}}

func (*createUserRequest) protoRules() *protoRules { return createUserRules }

// validate is protoc-gen-validate's order, as for AddHumanUser: the organization, the
// user type, then the optional userId and username.
func (req *createUserRequest) validate() *zerr {
	if e := lengthError("CreateUserRequest.OrganizationId", orEmpty(req.OrganizationID), 1, 200); e != nil {
		return e
	}
	if e := req.userTypeRule(); e != nil {
		return e
	}
	if e := lengthError("CreateUserRequest.UserId", req.UserID, 1, 200); e != nil {
		return e
	}
	return lengthError("CreateUserRequest.Username", req.Username, 1, 200)
}

func (req *createUserRequest) userTypeRule() *zerr {
	switch h := req.Human; {
	case h != nil:
		if msg := humanRule("CreateUserRequest_Human", h.Profile, h.Email, h.Password, h.HashedPassword); msg != "" {
			return errInvalid("invalid CreateUserRequest.Human: embedded message failed validation | caused by: " + msg)
		}
	case req.Machine != nil:
		if msg := lengthRule("CreateUserRequest_Machine.Name", orEmpty(req.Machine.Name), 1, 200); msg != "" {
			return errInvalid("invalid CreateUserRequest.Machine: embedded message failed validation | caused by: " + msg)
		}
	default:
		return errInvalid("invalid CreateUserRequest.UserType: value is required")
	}
	return nil
}

// createUser is UserService.CreateUser (v4): a human, as AddHumanUser makes it, or a
// machine user. The organization is required; an unknown one is COMMAND-QXPGs, and a taken
// user id COMMAND-7yiox1isql (400/9, not a 409).
func (s *Server) createUser(r *http.Request, _ string) (any, *zerr) {
	var req createUserRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if req.Machine != nil {
		return s.createMachine(caller, &req)
	}
	h := req.Human
	n := humanFrom(req.UserID, req.Username, *req.OrganizationID, h.Profile, h.Email, h.Phone, h.Password, h.HashedPassword)
	u, e := s.addHuman(caller, n, true)
	if e != nil {
		return nil, e
	}
	return map[string]any{"id": u.id, "creationDate": stamp(u.created)}, nil
}

// createMachine is CreateUser of a machine user, in ZITADEL's order (AddMachine in
// internal/command/user_machine.go): the permission, the organization, a taken id
// (COMMAND-k2una), then the username, which is the user's id when the request names none
// (AddMachineWithUsernameToIDFallback).
func (s *Server) createMachine(caller *caller, req *createUserRequest) (any, *zerr) {
	switch {
	case !caller.admin:
		return nil, errNoPermissionV2
	case s.orgs[*req.OrganizationID] == nil:
		return nil, errOrgNotFound
	case req.UserID != nil && s.users[*req.UserID] != nil:
		return nil, errMachineIDTaken
	}
	id := *orEmpty(req.UserID)
	if id == "" {
		id = s.id()
	}
	username := id
	if req.Username != nil {
		username = *req.Username
	}
	if s.userByLogin(username) != nil {
		return nil, errUserExists
	}
	u := s.addUser(id, *req.OrganizationID, username)
	u.machineName, u.description = *req.Machine.Name, req.Machine.Description
	return map[string]any{"id": u.id, "creationDate": stamp(u.created)}, nil
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
		m := map[string]any{"name": u.username, "accessTokenType": "ACCESS_TOKEN_TYPE_BEARER"}
		if u.machineName != "" {
			m["name"] = u.machineName
		}
		if u.description != "" {
			m["description"] = u.description
		}
		out["machine"] = m
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
	// The user is read first, then the permission (user.read, unless it is the caller:
	// userCheckPermission in ZITADEL's internal/query/user.go).
	u := s.users[userID]
	switch {
	case u == nil:
		return nil, errUserNotFound
	case !caller.mayRead(u):
		return nil, errNoPermissionV2
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

// changeLock is LockUser and UnlockUser, in ZITADEL's order: the user, its state, then the
// caller's permission, without self-management (LockUserV2 and UnlockUserV2 in ZITADEL's
// internal/command/user_v2.go): a user may not lock or unlock itself.
func (s *Server) changeLock(r *http.Request, userID string, lock bool) (any, *zerr) {
	caller, e := s.begin(r, &struct{}{}, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	u := s.users[userID]
	switch {
	case u == nil && lock:
		return nil, errLockUnknown
	case u == nil:
		return nil, errUnlockUnknown
	case lock && u.state != stateActive && u.state != stateInitial:
		return nil, errLockNotActive
	case !lock && u.state != stateLocked:
		return nil, errNotLocked
	case !caller.admin:
		return nil, errNoPermissionV2
	}
	if lock {
		s.lock(u)
	} else {
		u.state, u.failedChecks = stateActive, 0
	}
	s.changed(u)
	return map[string]any{"details": userDetails(u, false)}, nil
}

// mayChange reports whether the caller may change u (ZITADEL's checkPermissionUpdateUser):
// an administrator, or the user itself.
func (c *caller) mayChange(u *user) bool { return c.admin || c.user.id == u.id }

// deleteUser is UserService.DeleteUser: the user is gone, its username free again, its
// sessions' tokens stop working; a second delete is COMMAND-bd4ir1mblj. A user deleting
// itself needs user.self.delete, which only a membership grants
// (checkPermissionDeleteUser in ZITADEL's internal/command/permission_checks.go); the
// fake's users have none.
func (s *Server) deleteUser(r *http.Request, userID string) (any, *zerr) {
	caller, e := s.begin(r, nil, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	u := s.users[userID]
	switch {
	case u == nil:
		return nil, errDeleteUnknown
	case !caller.admin:
		return nil, errNoPermissionV2
	}
	delete(s.users, userID)
	s.hideSessionsOf(userID)
	s.changed(u)
	return map[string]any{"details": details(u.sequence, u.changed, u.org)}, nil
}

type passwordResetRequest struct {
	SendLink *struct {
		NotificationType json.RawMessage `json:"notificationType"`
		URLTemplate      *string         `json:"urlTemplate"`
	} `json:"sendLink"`
	ReturnCode *struct{} `json:"returnCode"`
}

var passwordResetRules = &protoRules{
	oneofs: map[string]string{
		"sendLink":   "zitadel.user.v2.PasswordResetRequest.medium",
		"returnCode": "zitadel.user.v2.PasswordResetRequest.medium",
	},
	values: map[string]valueRule{"sendLink.notificationType": enumRule("notificationType")},
}

func (*passwordResetRequest) protoRules() *protoRules { return passwordResetRules }

// notificationType reads the enum as the gateway does: NOTIFICATION_TYPE_SMS (or 2) is
// SMS; Unspecified, Email and any name it does not know (which it discards) are email,
// as v1 does with its own enum.
func notificationType(raw json.RawMessage) client.NotificationType {
	switch strings.Trim(string(raw), `"`) {
	case "NOTIFICATION_TYPE_SMS", "2":
		return client.NotificationSMS
	}
	return client.NotificationEmail
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
		kind = notificationType(req.SendLink.NotificationType)
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
	if e := checkTemplate(tmpl, userID); e != nil {
		return nil, e
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
	return s.newResetCode(u, kind, tmpl, req.ReturnCode != nil), nil
}

// newResetCode replaces the user's pending code and sends it, or returns it when
// returnCode. Callers hold s.mu.
func (s *Server) newResetCode(u *user, kind client.NotificationType, tmpl string, returnCode bool) map[string]any {
	code := s.newCode()
	link := expand(tmpl, u.id, code, u.org)
	u.code = &verificationCode{value: code, expires: s.now().Add(s.codeTTL)}
	s.changed(u)
	resp := map[string]any{"details": userDetails(u, false)}
	if returnCode {
		resp["verificationCode"] = code
	} else {
		s.outbox = append(s.outbox, Notification{UserID: u.id, Type: kind, Code: code, Link: link})
	}
	return resp
}

// checkTemplate renders a link template with placeholders, as ZITADEL does before it
// looks at the user (RenderConfirmURLTemplate in its domain package), so that a broken
// template is refused whoever the user is.
func checkTemplate(tmpl, userID string) *zerr {
	if tmpl == "" {
		return nil
	}
	t, err := template.New("").Parse(tmpl)
	if err != nil {
		return errTemplateParse
	}
	if err := t.Execute(io.Discard, confirmURLData{userID, "code", "orgID"}); err != nil {
		return errTemplateExec
	}
	return nil
}

// confirmURLData is what a link template sees, as in ZITADEL.
type confirmURLData struct{ UserID, Code, OrgID string }

// expand renders a checked link template with the real values. ZITADEL does that in its
// notification worker, after answering: a template that fails only with the real values
// (an index beyond the placeholder's length) sends no link and answers 200 all the same.
func expand(tmpl, userID, code, orgID string) string {
	t, err := template.New("").Parse(tmpl)
	if tmpl == "" || err != nil {
		return ""
	}
	var b strings.Builder
	if t.Execute(&b, confirmURLData{userID, code, orgID}) != nil {
		return ""
	}
	return b.String()
}

type setPasswordRequest struct {
	NewPassword *struct {
		Password       *string `json:"password"`
		ChangeRequired bool    `json:"changeRequired"`
	} `json:"newPassword"`
	CurrentPassword  *string `json:"currentPassword"`
	VerificationCode *string `json:"verificationCode"`
}

var setPasswordRules = &protoRules{oneofs: map[string]string{
	"currentPassword":  "zitadel.user.v2.SetPasswordRequest.verification",
	"verificationCode": "zitadel.user.v2.SetPasswordRequest.verification",
}}

func (*setPasswordRequest) protoRules() *protoRules { return setPasswordRules }

// setPassword is UserService.SetPassword, in ZITADEL's order (setPasswordCommand): the
// user's state, then the verification (a code, the current password, or else the
// user.write permission, which a user lacks even for itself), the policy, and last the
// hasher. A code or the current password is all the authorization there is: ZITADEL's
// ChangePassword and SetPasswordWithVerifyCode check no permission.
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
	case u.state == stateInitial:
		return nil, errSetUninitialized
	case !caller.admin && !verified:
		return nil, errNoPermissionV2
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

// changeOwnPassword changes a password given the current one, in ZITADEL's order
// (command/user_human_password.go, setPasswordCommand with checkCurrentPassword): a locked
// user, a user without a password, the current password (a wrong one counts toward
// lockout), ZITADEL's hasher, which refuses the current password as the new one with
// COMMAND-CahN2 and counts that as a failed check too (seen on v4.13.1), and only then the
// policy. Callers hold s.mu, which an imported hash releases while it is verified. hash,
// when not "", is a new imported hash instead of pw.
func (s *Server) changeOwnPassword(u *user, current, pw string, changeRequired bool, idPrefix string) *zerr {
	return s.changeWithCurrent(u, current, pw, "", changeRequired, idPrefix)
}

func (s *Server) changeWithCurrent(u *user, current, pw, hash string, changeRequired bool, idPrefix string) *zerr {
	switch {
	case u.state == stateLocked:
		return errUserLocked(u.failedChecks, false)
	case !u.hasPassword():
		return errNoPassword
	}
	// Unlike a session's check, a right current password does not start the count over
	// (v4.13.1 counted a wrong one, then the CahN2 below, as two failures in a row).
	match, broken, gone := s.passwordMatches(u, current)
	switch {
	case gone:
		return errUpdateUnknown
	case broken:
		s.countFailure(u)
		return errHashFailed
	case !match:
		return s.failCheck(u)
	}
	if hash == "" && (pw == current || !s.hashable(pw)) {
		s.countFailure(u)
		return errHashFailed
	}
	if u.state == stateLocked {
		return errUserLocked(u.failedChecks, true) // locked while the hash was computed
	}
	if hash == "" {
		if err := s.complexity.Check(pw); err != nil {
			return policyError(err, idPrefix)
		}
	}
	s.storePassword(u, pw, hash, changeRequired)
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

type updateUserRequest struct {
	Username *string `json:"username"`
	Human    *struct {
		Profile *struct {
			GivenName         *string `json:"givenName"`
			FamilyName        *string `json:"familyName"`
			NickName          *string `json:"nickName"`
			DisplayName       *string `json:"displayName"`
			PreferredLanguage *string `json:"preferredLanguage"`
		} `json:"profile"`
		Email    *humanEmail `json:"email"`
		Phone    *humanPhone `json:"phone"`
		Password *struct {
			Password         *plainPassword  `json:"password"`
			HashedPassword   *hashedPassword `json:"hashedPassword"`
			CurrentPassword  *string         `json:"currentPassword"`
			VerificationCode *string         `json:"verificationCode"`
		} `json:"password"`
	} `json:"human"`
	Machine *struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	} `json:"machine"`
}

var updateUserRules = &protoRules{oneofs: map[string]string{
	"human":                           "zitadel.user.v2.UpdateUserRequest.user_type",
	"machine":                         "zitadel.user.v2.UpdateUserRequest.user_type",
	"human.password.password":         "zitadel.user.v2.SetPassword.password_type",
	"human.password.hashedPassword":   "zitadel.user.v2.SetPassword.password_type",
	"human.password.currentPassword":  "zitadel.user.v2.SetPassword.verification",
	"human.password.verificationCode": "zitadel.user.v2.SetPassword.verification",
}}

func (*updateUserRequest) protoRules() *protoRules { return updateUserRules }

// validate is protoc-gen-validate's order: the user type's member (the human's profile,
// email and password, each optional), then the optional username, as its generated code
// checks proto3 optional fields after the oneofs (templates/goshared/msg.go).
func (req *updateUserRequest) validate() *zerr {
	if msg := req.humanRule(); msg != "" {
		return errInvalid("invalid UpdateUserRequest.Human: embedded message failed validation | caused by: " + msg)
	}
	if m := req.Machine; m != nil {
		rule := maxLengthRule("UpdateUserRequest_Machine.Name", m.Name, 200)
		if rule == "" {
			rule = maxLengthRule("UpdateUserRequest_Machine.Description", m.Description, 500)
		}
		if rule != "" {
			return errInvalid("invalid UpdateUserRequest.Machine: embedded message failed validation | caused by: " + rule)
		}
	}
	return lengthError("UpdateUserRequest.Username", req.Username, 1, 200)
}

// humanRule is the first broken rule of UpdateUserRequest.Human, or "".
func (req *updateUserRequest) humanRule() string {
	h := req.Human
	if h == nil {
		return ""
	}
	embedded := func(field, rule string) string {
		return "invalid UpdateUserRequest_Human." + field + ": embedded message failed validation | caused by: " + rule
	}
	if p := h.Profile; p != nil {
		for _, f := range []struct {
			name string
			v    *string
			max  int
		}{{"GivenName", p.GivenName, 200}, {"FamilyName", p.FamilyName, 200}, {"NickName", p.NickName, 200},
			{"DisplayName", p.DisplayName, 200}, {"PreferredLanguage", p.PreferredLanguage, 10}} {
			if r := lengthRule("UpdateUserRequest_Human_Profile."+f.name, f.v, 1, f.max); r != "" {
				return embedded("Profile", r)
			}
		}
	}
	if e := h.Email; e != nil {
		if r := lengthRule("SetHumanEmail.Email", orEmpty(e.Email), 1, 200); r != "" {
			return embedded("Email", r)
		}
		if err := pgv.Email(*e.Email); err != nil {
			return embedded("Email", "invalid SetHumanEmail.Email: value must be a valid email address | caused by: "+err.Error())
		}
	}
	pw := h.Password
	if pw == nil {
		return ""
	}
	rule := ""
	switch {
	case pw.Password != nil:
		if r := lengthRule("Password.Password", orEmpty(pw.Password.Password), 1, 200); r != "" {
			rule = "invalid SetPassword.Password: embedded message failed validation | caused by: " + r
		}
	case pw.HashedPassword != nil:
		if r := lengthRule("HashedPassword.Hash", orEmpty(pw.HashedPassword.Hash), 1, 200); r != "" {
			rule = "invalid SetPassword.HashedPassword: embedded message failed validation | caused by: " + r
		}
	}
	if rule == "" {
		rule = lengthRule("SetPassword.CurrentPassword", pw.CurrentPassword, 1, 200)
	}
	if rule == "" {
		rule = lengthRule("SetPassword.VerificationCode", pw.VerificationCode, 1, 20)
	}
	if rule != "" {
		return embedded("Password", rule)
	}
	return ""
}

// updateUser is UserService.UpdateUser (v4), in ZITADEL's order: the body names a user type
// (else 501 "user type is not implemented"), the new password's hash scheme, the user, the
// caller's permission to change it (an administrator or the user itself), then each change;
// the password last: the user's state, the policy, the verification (a code, the current
// password, or else the caller's permission to set anyone's password), the hasher. Nothing
// is applied unless everything passes. It answers only the change date.
func (s *Server) updateUser(r *http.Request, userID string) (any, *zerr) {
	var req updateUserRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if e := lengthError("UpdateUserRequest.UserId", &userID, 1, 200); e != nil {
		return nil, e
	}
	if req.Human == nil && req.Machine == nil {
		return nil, errUserTypeMissing
	}
	if pw := humanPassword(&req); pw != nil {
		if pw.HashedPassword != nil && !s.hashSupported(*pw.HashedPassword.Hash) {
			return nil, errHashUnsupportedUpd
		}
		if pw.Password == nil && pw.HashedPassword == nil {
			return nil, errPasswordEmpty
		}
	}
	u := s.users[userID]
	if u == nil || u.human != (req.Human != nil) {
		return nil, errUpdateUnknown
	}
	if req.Username != nil || req.Machine != nil || (req.Human != nil && (req.Human.Profile != nil || req.Human.Email != nil ||
		req.Human.Phone != nil || req.Human.Password != nil)) {
		// Marking an address verified needs user.write, without self-management
		// (ChangeUserHuman in ZITADEL's internal/command/user_v2_human.go).
		verifies := req.Human != nil && (req.Human.Email != nil && req.Human.Email.IsVerified || req.Human.Phone != nil && req.Human.Phone.IsVerified)
		if !caller.mayChange(u) || verifies && !caller.admin {
			return nil, errNoPermissionV2
		}
	}
	if req.Username != nil && *req.Username != u.username {
		if other := s.userByLogin(*req.Username); other != nil && other != u {
			return nil, errUserExists
		}
	}
	if pw := humanPassword(&req); pw != nil {
		if e := s.updatePassword(caller, u, pw.Password, pw.HashedPassword, pw.CurrentPassword, pw.VerificationCode); e != nil {
			return nil, e
		}
	}
	s.applyProfile(u, &req)
	return map[string]any{"changeDate": stamp(u.changed)}, nil
}

func humanPassword(req *updateUserRequest) *struct {
	Password         *plainPassword  `json:"password"`
	HashedPassword   *hashedPassword `json:"hashedPassword"`
	CurrentPassword  *string         `json:"currentPassword"`
	VerificationCode *string         `json:"verificationCode"`
} {
	if req.Human == nil {
		return nil
	}
	return req.Human.Password
}

// updatePassword is UpdateUser's password change. Callers hold s.mu.
func (s *Server) updatePassword(caller *caller, u *user, pw *plainPassword, h *hashedPassword, current, code *string) *zerr {
	newPassword, hash, changeRequired := "", "", false
	if pw != nil {
		newPassword, changeRequired = *pw.Password, pw.ChangeRequired
	} else {
		hash, changeRequired = *h.Hash, h.ChangeRequired
	}
	if u.state == stateInitial {
		return errSetUninitialized
	}
	if current != nil {
		return s.changeWithCurrent(u, *current, newPassword, hash, changeRequired, "DOMAIN")
	}
	// The code or the permission first, then the policy (setPasswordCommand in ZITADEL's
	// command/user_human_password.go).
	switch {
	case code != nil:
		if e := s.checkCode(u, *code); e != nil {
			return e
		}
	case !caller.admin:
		return errNoPermissionV2
	}
	if hash == "" {
		if err := s.complexity.Check(newPassword); err != nil {
			return policyError(err, "DOMAIN")
		}
	}
	if hash == "" && !s.hashable(newPassword) {
		return errHashFailed
	}
	s.storePassword(u, newPassword, hash, changeRequired)
	return nil
}

// applyProfile applies UpdateUser's other changes: username, names, email, phone.
func (s *Server) applyProfile(u *user, req *updateUserRequest) {
	changed := false
	set := func(dst *string, v *string) {
		if v != nil && *v != "" && *v != *dst {
			*dst, changed = *v, true
		}
	}
	set(&u.username, req.Username)
	if h := req.Human; h != nil {
		if h.Profile != nil {
			set(&u.givenName, h.Profile.GivenName)
			set(&u.familyName, h.Profile.FamilyName)
		}
		// A new address is verified only when the request says so; the same address can
		// be marked verified, never unverified (changeUserEmail in ZITADEL's
		// internal/command/user_v2_human.go).
		if e := h.Email; e != nil {
			switch addr := orEmpty(e.Email); {
			case *addr != "" && *addr != u.email:
				u.email, u.emailVerified, changed = *addr, e.IsVerified, true
			case e.IsVerified && !u.emailVerified:
				u.emailVerified, changed = true, true
			}
		}
		if h.Phone != nil && h.Phone.Phone != u.phone {
			u.phone, changed = h.Phone.Phone, true // "" removes it
		}
	}
	if changed {
		s.changed(u)
	}
}

type inviteCodeRequest struct {
	SendCode *struct {
		URLTemplate     *string `json:"urlTemplate"`
		ApplicationName *string `json:"applicationName"`
	} `json:"sendCode"`
	ReturnCode *struct{} `json:"returnCode"`
}

var inviteCodeRules = &protoRules{oneofs: map[string]string{
	"sendCode":   "zitadel.user.v2.CreateInviteCodeRequest.verification",
	"returnCode": "zitadel.user.v2.CreateInviteCodeRequest.verification",
}}

func (*inviteCodeRequest) protoRules() *protoRules { return inviteCodeRules }

// inviteCodeTTL is how long an invite code is valid: ZITADEL's default, 72 hours.
const inviteCodeTTL = 72 * time.Hour

// createInviteCode is UserService.CreateInviteCode, for a user without a password. The
// code comes back with returnCode, else it goes to the outbox (its Link is the expanded
// urlTemplate, if any). A new code replaces a pending one.
func (s *Server) createInviteCode(r *http.Request, userID string) (any, *zerr) {
	var req inviteCodeRequest
	caller, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	var tmpl string
	if req.SendCode != nil && req.SendCode.URLTemplate != nil {
		if e := lengthError("SendInviteCode.UrlTemplate", req.SendCode.URLTemplate, 1, 200); e != nil {
			return nil, e
		}
		tmpl = *req.SendCode.URLTemplate
	}
	if e := checkTemplate(tmpl, userID); e != nil {
		return nil, e
	}
	// A user may invite itself; anyone else needs user.write (sendInviteCode in ZITADEL's
	// internal/command/user_v2_invite.go checks the permission before the user's state).
	u := s.users[userID]
	switch {
	case !caller.admin && caller.user.id != userID:
		return nil, errNoPermissionV2
	case u == nil || !u.human:
		return nil, errInviteUnknownUser
	case u.hasPassword():
		return nil, errInviteInitialised
	}
	code := s.newCode()
	link := expand(tmpl, u.id, code, u.org)
	u.invite = &verificationCode{value: code, expires: s.now().Add(inviteCodeTTL)}
	s.changed(u)
	resp := map[string]any{"details": userDetails(u, false)}
	if req.ReturnCode != nil {
		resp["inviteCode"] = code
	} else {
		s.outbox = append(s.outbox, Notification{UserID: u.id, Type: client.NotificationEmail, Code: code, Link: link})
	}
	return resp, nil
}

type verifyInviteCodeRequest struct {
	VerificationCode *string `json:"verificationCode"`
}

// verifyInviteCode is UserService.VerifyInviteCode: the code verifies the user's email and
// is used up; a wrong, used or expired one is COMMAND-Wgn4q. An invite code is no password
// code: UpdateUser and SetPassword do not take it.
func (s *Server) verifyInviteCode(r *http.Request, userID string) (any, *zerr) {
	var req verifyInviteCodeRequest
	_, e := s.begin(r, &req, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if e := lengthError("VerifyInviteCodeRequest.VerificationCode", orEmpty(req.VerificationCode), 1, 20); e != nil {
		return nil, e
	}
	u := s.users[userID]
	if u == nil || !u.human {
		return nil, errInviteVerifyUnknown
	}
	if c := u.invite; c == nil || !s.now().Before(c.expires) || subtle.ConstantTimeCompare([]byte(c.value), []byte(*req.VerificationCode)) != 1 {
		return nil, errInviteWrong
	}
	u.invite, u.emailVerified = nil, true
	s.changed(u)
	return map[string]any{"details": userDetails(u, false)}, nil
}
