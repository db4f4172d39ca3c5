package client

import (
	"context"
	"errors"
	"strings"

	"github.com/zitpass/zitpass-go/internal/api"
	"github.com/zitpass/zitpass-go/internal/pgv"
)

// The user service v2 calls that ZITADEL v4 deprecated, kept for servers older than v4
// (ZITADEL v3 has neither CreateUser nor UpdateUser) and for code written against them.

// SetPasswordRequest is the input of SetPassword. It prints without its secrets.
type SetPasswordRequest struct {
	NewPassword    string
	ChangeRequired bool // user must change it at next login
	// At most one of CurrentPassword and VerificationCode; neither means an administrator
	// sets the password (the caller needs the user.write permission).
	CurrentPassword  string
	VerificationCode string
}

func (r *SetPasswordRequest) validate() error {
	if err := checkLength("NewPassword", r.NewPassword, 1, maxPasswordV2); err != nil {
		return err
	}
	if r.CurrentPassword != "" && r.VerificationCode != "" {
		return &ValidationError{Field: "VerificationCode", Reason: "set at most one of CurrentPassword and VerificationCode"}
	}
	if err := checkLength("CurrentPassword", r.CurrentPassword, 0, maxPasswordV2); err != nil {
		return err
	}
	return checkLength("VerificationCode", r.VerificationCode, 0, maxVerificationCode)
}

// SetPassword sets a user's password (POST /v2/users/{userId}/password): with the current
// password (self-service), with a verification code from RequestPasswordReset, or with
// neither as an administrator.
//
// A repeated call after a success fails (the code is used up, the current password has
// changed), so a call with CurrentPassword or VerificationCode is not retried after a
// failure that leaves its outcome unknown: it returns an error matching ErrOutcomeUnknown.
// The administrator form is retried, since setting the same password twice is harmless.
// An unknown user is ErrNoPassword (COMMAND-G8dh3: this call cannot tell the two apart).
//
// Deprecated: ZITADEL v4.1.0 deprecated SetPassword. Use UpdateUser with
// UpdateUserRequest{NewPassword: ..., CurrentPassword or VerificationCode: ...}, which can
// also set an imported hash; on a server without UpdateUser (ZITADEL v3) it falls back to
// this call by itself. SetPassword stays for code written against it.
func (s *UserService) SetPassword(ctx context.Context, userID string, req SetPasswordRequest, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.setPassword(ctx, seg, &req, newCallConfig(opts))
}

// setPassword sends SetPassword for a validated request.
func (s *UserService) setPassword(ctx context.Context, seg string, req *SetPasswordRequest, cc callConfig) (*Details, error) {
	body := api.SetPasswordRequest{
		NewPassword:      api.Password{Password: req.NewPassword, ChangeRequired: req.ChangeRequired},
		CurrentPassword:  req.CurrentPassword,
		VerificationCode: req.VerificationCode,
	}
	cl := call{
		op:         "UserService.SetPassword",
		path:       "/v2/users/" + seg + "/password",
		repeatable: req.CurrentPassword == "" && req.VerificationCode == "",
	}
	return s.c.doDetails(ctx, cl, cc, &body)
}

// AddHumanUserRequest is the input of AddHumanUser. It prints without its password and
// hash.
type AddHumanUserRequest struct {
	// UserID is your own id for the user; "" lets ZITADEL assign one. With your own id the
	// call can be retried safely after a failure with an unknown outcome: see AddHumanUser.
	UserID string
	// OrgID is the organization the user belongs to; "" means the caller's organization
	// (InOrg sets it too; OrgID wins).
	OrgID string
	// Username is the login name; "" means the email address.
	Username   string
	GivenName  string // required
	FamilyName string // required
	Email      string // required
	// EmailVerified marks the email address as verified; otherwise ZITADEL sends a
	// verification email.
	EmailVerified bool
	Phone         string // optional
	// Password is the first password, checked against the organization's complexity
	// policy. At most one of Password and PasswordHash; with neither the user is active
	// without a password (SetPassword or a reset can give it one).
	Password string
	// PasswordHash is a hash ZITADEL imports from another user store, in Modular Crypt
	// Format: bcrypt ($2a$, $2b$, $2y$), argon2, scrypt, pbkdf2, md5crypt, sha-crypt,
	// phpass as the instance verifies them (ZITADEL's default: bcrypt only). It is checked
	// before sending: a malformed hash (such as a truncated "$2a$10$", which ZITADEL would
	// store, leaving a user who can never log in) is a *ValidationError. A hash is not
	// checked against the complexity policy, since the password cannot be read from it.
	PasswordHash string
	// ChangeRequired makes the user choose a new password at the next login.
	ChangeRequired bool
}

// validate applies ZITADEL's request rules, and checks an imported hash (see checkHash).
func (r *AddHumanUserRequest) validate() error {
	if r.UserID != "" {
		if err := checkLength("UserID", r.UserID, 1, maxUserID); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		name, v string
		lo      int
	}{
		{"Username", r.Username, 0}, {"GivenName", r.GivenName, 1}, {"FamilyName", r.FamilyName, 1},
		{"Email", r.Email, 1}, {"Phone", r.Phone, 0},
	} {
		if err := checkLength(f.name, f.v, f.lo, maxField); err != nil {
			return err
		}
	}
	// ZITADEL trims the names before it requires them (AddHuman.Validate): blank is empty.
	for _, f := range []struct{ name, v string }{{"Username", r.Username}, {"GivenName", r.GivenName}, {"FamilyName", r.FamilyName}} {
		if f.v != "" && strings.TrimSpace(f.v) == "" {
			return &ValidationError{Field: f.name, Reason: "must not be blank"}
		}
	}
	if err := pgv.Email(r.Email); err != nil {
		// The gateway's own rule, so that no address it refuses is sent.
		return &ValidationError{Field: "Email", Reason: "must be a valid email address (" + err.Error() + ")"}
	}
	if r.Password != "" && r.PasswordHash != "" {
		return &ValidationError{Field: "PasswordHash", Reason: "set at most one of Password and PasswordHash"}
	}
	if r.PasswordHash != "" {
		return checkHash("PasswordHash", r.PasswordHash)
	}
	return checkLength("Password", r.Password, 0, maxPasswordV2)
}

// AddedUser is the answer to CreateUser and AddHumanUser.
type AddedUser struct {
	UserID  string
	Details Details
}

// AddHumanUser creates a human user (POST /v2/users/human), with a first password, an
// imported password hash, or no password. The organization is req.OrgID, else InOrg's,
// else the caller's own.
//
// Errors: a password that breaks the complexity policy is ErrPasswordPolicy (ids COMMA-HuJf6,
// -VoaRj, -co3Xw, -ZBv4H, -ZDLwA); a hash of a scheme the server cannot verify is
// ErrHashNotSupported (USER-JDk4t); a username or user id that exists is ErrUserExists
// (V3-DKcYh); an unknown organization is ErrOrgNotFound (AUTH-Bs7Ds). With ZITADEL's
// default hasher (bcrypt) a password over 72 bytes is refused with ErrInternal and no user
// is made.
//
// Retries: without UserID, a repeated request would create a second user (or fail on the
// username), so after a failure with an unknown outcome the call returns an error matching
// ErrOutcomeUnknown. With UserID it is retried: the repeat cannot create a second user. If
// the repeat finds the user already there, the first attempt most likely created it;
// AddHumanUser then reads the user back and reports success when its username, email and
// organization are those requested, and the error otherwise.
//
// Deprecated: ZITADEL v4.1.0 deprecated AddHumanUser. Use CreateUser with the same fields,
// which falls back to this call by itself on a server without it (ZITADEL v3).
// AddHumanUser stays for code written against it.
func (s *UserService) AddHumanUser(ctx context.Context, req AddHumanUserRequest, opts ...CallOption) (*AddedUser, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.addHumanUser(ctx, &req, newCallConfig(opts))
}

// addHumanUser sends AddHumanUser for a validated request.
func (s *UserService) addHumanUser(ctx context.Context, req *AddHumanUserRequest, cc callConfig) (*AddedUser, error) {
	body := addHumanUserBody(req, cc.org(""))
	cl := call{op: "UserService.AddHumanUser", path: "/v2/users/human", repeatable: req.UserID != ""}
	var out api.AddHumanUserResponse
	err := s.c.do(ctx, cl, cc, body, &out)
	if err == nil {
		return &AddedUser{UserID: out.UserId, Details: detailsFrom(out.Details)}, nil
	}
	org := ""
	if body.Organization != nil {
		org = body.Organization.OrgId
	}
	want := newUserRef{id: req.UserID, username: req.Username, email: req.Email, org: org}
	return s.readBack(ctx, err, want, cc)
}

// newUserRef is what a created user must look like: the check after a repeated create
// found its id taken.
type newUserRef struct{ id, username, email, org string }

// readBack turns err, the failure of a create with the caller's own user id, into success
// when it says the user exists because an earlier attempt of the same call, whose outcome
// was unknown, created it: the user read back has the id, username, email and organization
// requested. Otherwise it returns err.
func (s *UserService) readBack(ctx context.Context, err error, want newUserRef, cc callConfig) (*AddedUser, error) {
	var ae *APIError
	if want.id == "" || !errors.As(err, &ae) || !ae.afterUnknown || !errors.Is(ae, ErrUserExists) {
		return nil, err
	}
	u, gerr := s.getUser(ctx, pathSegment(want.id), cc)
	if gerr != nil || !u.is(want) {
		return nil, err
	}
	return &AddedUser{UserID: u.ID, Details: u.Details}, nil
}

// is reports whether u is the user want describes.
func (u *User) is(want newUserRef) bool {
	username := want.username
	if username == "" {
		username = want.email
	}
	return u.ID == want.id && u.Username == username && strings.EqualFold(u.Email, want.email) && (want.org == "" || u.OrgID == want.org)
}
