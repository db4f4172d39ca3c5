package clienttest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// The management API v1 (/management/v1/...) and the admin API's lockout policy. v1 calls
// work in an organization context (the x-zitadel-orgid header, else the caller's
// organization), answer a missing token with a 500, and wrap request validation errors
// into a 500 as well.

// beginV1 starts a management call as begin does (it returns with s.mu held, error or
// not) and returns the call's organization.
func (s *Server) beginV1(r *http.Request, req any) (string, *zerr) {
	caller, e := s.begin(r, req, true)
	if e != nil {
		return "", e
	}
	if !caller.admin {
		return "", errNoPermissionV1
	}
	return caller.org, nil
}

// userToSetV1 finds the user of a v1 password call in the organization.
func (s *Server) userToSetV1(userID, orgID string) (*user, *zerr) {
	u := s.users[userID]
	switch {
	case u == nil || !u.human:
		return nil, errSetUnknownUser
	case u.org != orgID:
		return nil, errOtherOrg
	case u.state == stateInitial:
		return nil, errSetUninitialized
	}
	return u, nil
}

type initialPasswordRequest struct {
	Password *string `json:"password"`
}

// setInitialPassword is ManagementService.SetHumanInitialPassword. Despite its name it
// initializes nobody: it sets a change-required password on an active user and refuses
// INITIAL users like v2 SetPassword.
func (s *Server) setInitialPassword(r *http.Request, userID string) (any, *zerr) {
	var req initialPasswordRequest
	orgID, e := s.beginV1(r, &req)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return s.setPasswordV1(orgID, userID, req.Password, true, "SetHumanInitialPasswordRequest.Password")
}

type humanPasswordRequest struct {
	Password         *string `json:"password"`
	NoChangeRequired bool    `json:"noChangeRequired"`
}

// setHumanPassword is ManagementService.SetHumanPassword.
func (s *Server) setHumanPassword(r *http.Request, userID string) (any, *zerr) {
	var req humanPasswordRequest
	orgID, e := s.beginV1(r, &req)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return s.setPasswordV1(orgID, userID, req.Password, !req.NoChangeRequired, "SetHumanPasswordRequest.Password")
}

// setPasswordV1 is both v1 set calls. Callers hold s.mu.
func (s *Server) setPasswordV1(orgID, userID string, pw *string, changeRequired bool, field string) (any, *zerr) {
	pw = orEmpty(pw)
	if e := lengthErrorV1(field, pw, 1, 72); e != nil {
		return nil, e
	}
	u, e := s.userToSetV1(userID, orgID)
	if e != nil {
		return nil, e
	}
	if e := s.setNewPassword(u, *pw, changeRequired); e != nil {
		return nil, e
	}
	return map[string]any{"details": userDetails(u, false)}, nil
}

type resetNotificationRequest struct {
	Type json.RawMessage `json:"type"`
}

// v1NotificationType reads the v1 enum as ZITADEL does: TYPE_SMS (or 1) is SMS, and any
// other value, an unknown name included, is email.
func v1NotificationType(raw json.RawMessage) client.NotificationType {
	switch strings.Trim(string(raw), `"`) {
	case "TYPE_SMS", "1":
		return client.NotificationSMS
	}
	return client.NotificationEmail
}

// sendResetNotification is ManagementService.SendHumanResetPasswordNotification. The
// user's password stays valid; a new code replaces a pending one.
func (s *Server) sendResetNotification(r *http.Request, userID string) (any, *zerr) {
	var req resetNotificationRequest
	orgID, e := s.beginV1(r, &req)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	// RequestSetPassword reads the user in the caller's organization; a machine user is
	// ACTIVE to it, so it gets a code too (internal/command/user_human_password.go).
	u := s.users[userID]
	switch {
	case u == nil || u.org != orgID:
		return nil, errV1ResetUnknownUser
	case u.state == stateInitial:
		return nil, errV1ResetInitial
	}
	return s.newResetCode(u, v1NotificationType(req.Type), "", false), nil
}

// validate is the gateway's defined_only rule: a name it does not know was dropped as it
// was read (and means TYPE_EMAIL), but a number stays and must be one of the enum's.
func (req *resetNotificationRequest) validate() *zerr {
	switch t := strings.TrimSpace(string(req.Type)); {
	case t == "" || t == "null" || strings.HasPrefix(t, `"`), t == "0", t == "1":
		return nil
	}
	return errInvalidV1("invalid SendHumanResetPasswordNotificationRequest.Type: value must be one of the defined enum values")
}

type importHumanUserRequest struct {
	UserName *string `json:"userName"`
	Profile  *struct {
		FirstName *string `json:"firstName"`
		LastName  *string `json:"lastName"`
	} `json:"profile"`
	Email *struct {
		Email           *string `json:"email"`
		IsEmailVerified bool    `json:"isEmailVerified"`
	} `json:"email"`
	Password               string `json:"password"`
	PasswordChangeRequired bool   `json:"passwordChangeRequired"`
}

// importHumanUser is ManagementService.ImportHumanUser. A user without a password or with
// an unverified email is INITIAL.
func (s *Server) importHumanUser(r *http.Request, _ string) (any, *zerr) {
	var req importHumanUserRequest
	orgID, e := s.beginV1(r, &req)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if req.Profile == nil || req.Email == nil {
		return nil, errInvalidV1("invalid ImportHumanUserRequest.Profile: value is required")
	}
	for field, v := range map[string]*string{"ImportHumanUserRequest.UserName": req.UserName, "Profile.FirstName": req.Profile.FirstName,
		"Profile.LastName": req.Profile.LastName, "Email.Email": req.Email.Email} {
		if e := lengthErrorV1(field, orEmpty(v), 1, 200); e != nil {
			return nil, e
		}
	}
	if s.userByLogin(*req.UserName) != nil {
		return nil, errUserExists
	}
	if req.Password != "" {
		if err := s.complexity.Check(req.Password); err != nil {
			return nil, policyError(err, "DOMAIN")
		}
		if !s.hashable(req.Password) {
			return nil, errHashFailed
		}
	}
	u := s.addUser("", orgID, *req.UserName)
	u.human, u.email, u.emailVerified = true, *req.Email.Email, req.Email.IsEmailVerified
	u.givenName, u.familyName = *req.Profile.FirstName, *req.Profile.LastName
	if req.Password != "" {
		u.password, u.changeRequired, u.passwordChanged = req.Password, req.PasswordChangeRequired, u.created
	}
	// ZITADEL's rule (internal/domain/human.go, IsInitialState): an unverified email, or no
	// password, makes an imported user INITIAL.
	if !u.emailVerified || req.Password == "" {
		u.state = stateInitial
	}
	return map[string]any{"userId": u.id, "details": creationDetails(u.sequence, u.created, u.org)}, nil
}

// creationDetails are the details v1 answers for something it created.
func creationDetails(seq uint64, created time.Time, owner string) map[string]any {
	return map[string]any{"sequence": strconv.FormatUint(seq, 10), "creationDate": stamp(created), "resourceOwner": owner}
}

// userV1 is a user as the v1 APIs return it.
func userV1(u *user) map[string]any {
	d := userDetails(u, true)
	out := map[string]any{
		"id":                 u.id,
		"details":            d,
		"state":              userStateNames[u.state],
		"userName":           u.username,
		"loginNames":         []string{u.username},
		"preferredLoginName": u.username,
	}
	if !u.human {
		out["machine"] = map[string]any{"name": u.username}
		return out
	}
	email := map[string]any{"email": u.email}
	setTrue(email, "isEmailVerified", u.emailVerified)
	human := map[string]any{
		"profile": map[string]any{"firstName": u.givenName, "lastName": u.familyName,
			"displayName": u.givenName + " " + u.familyName, "preferredLanguage": "und"},
		"email": email,
		"phone": map[string]any{},
	}
	if !u.passwordChanged.IsZero() {
		human["passwordChanged"] = stamp(u.passwordChanged)
	}
	out["human"] = human
	return out
}

// getUserByIDV1 is ManagementService.GetUserByID, scoped to the organization.
func (s *Server) getUserByIDV1(r *http.Request, userID string) (any, *zerr) {
	orgID, e := s.beginV1(r, nil)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	// The user is read, then its organization compared with the caller's
	// (internal/api/grpc/management/user.go GetUserByID).
	u := s.users[userID]
	switch {
	case u == nil:
		return nil, errUserNotFound
	case u.org != orgID:
		return nil, errV1OtherOrgUser
	}
	return map[string]any{"user": userV1(u)}, nil
}

// lockoutPolicyV1 is a lockout policy as the v1 APIs return it.
func (s *Server) lockoutPolicyV1(o *org) map[string]any {
	l, owner, seq, changed := s.lockout, s.instanceID, uint64(1), s.created
	if o != nil && o.lockout != nil {
		l, owner, seq, changed = *o.lockout, o.id, o.sequence, o.changed
	}
	d := details(seq, changed, owner)
	d["creationDate"] = stamp(s.created)
	p := map[string]any{"details": d}
	setCount(p, "maxPasswordAttempts", l.MaxPasswordAttempts)
	setCount(p, "maxOtpAttempts", l.MaxOTPAttempts)
	setTrue(p, "isDefault", owner == s.instanceID)
	return p
}

// getLockoutPolicy is ManagementService.GetLockoutPolicy.
func (s *Server) getLockoutPolicy(r *http.Request, _ string) (any, *zerr) {
	orgID, e := s.beginV1(r, nil)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	p := s.lockoutPolicyV1(s.orgs[orgID])
	resp := map[string]any{"policy": p}
	if p["isDefault"] == true {
		resp["isDefault"] = true
	}
	return resp, nil
}

// getDefaultLockoutPolicy is AdminService.GetLockoutPolicy: the instance's policy.
func (s *Server) getDefaultLockoutPolicy(r *http.Request, _ string) (any, *zerr) {
	_, e := s.beginV1(r, nil)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return map[string]any{"policy": s.lockoutPolicyV1(nil)}, nil
}

// count reads a uint64 that JSON may hold as a number or a string.
func count(v any) int {
	switch t := v.(type) {
	case float64:
		return int(t)
	case string:
		n, _ := strconv.Atoi(t)
		return n
	}
	return 0
}

// addCustomLockoutPolicy is ManagementService.AddCustomLockoutPolicy.
func (s *Server) addCustomLockoutPolicy(r *http.Request, _ string) (any, *zerr) {
	var raw map[string]any
	orgID, e := s.beginV1(r, &raw)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	o := s.orgs[orgID]
	if o.lockout != nil {
		return nil, errLockoutPolicyExists
	}
	o.lockout = &client.Lockout{MaxPasswordAttempts: count(raw["maxPasswordAttempts"]), MaxOTPAttempts: count(raw["maxOtpAttempts"])}
	o.sequence++
	o.changed = s.now().UTC()
	return map[string]any{"details": creationDetails(o.sequence, o.changed, o.id)}, nil
}

// resetLockoutPolicy is ManagementService.ResetLockoutPolicyToDefault.
func (s *Server) resetLockoutPolicy(r *http.Request, _ string) (any, *zerr) {
	orgID, e := s.beginV1(r, nil)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	o := s.orgs[orgID]
	if o.lockout == nil {
		return nil, errLockoutPolicyNone
	}
	o.lockout = nil
	o.sequence++
	o.changed = s.now().UTC()
	return map[string]any{"details": details(o.sequence, o.changed, o.id)}, nil
}
