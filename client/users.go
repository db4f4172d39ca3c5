package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/zitpass/zitpass-go/internal/api"
)

// UserService calls ZITADEL's user service v2, the current API for passwords.
type UserService struct{ c *Client }

// NotificationType says how ZITADEL sends a reset link.
type NotificationType int

// The notification types of SendLink.
const (
	NotificationUnspecified NotificationType = iota // the server's default: email
	NotificationEmail
	NotificationSMS
)

// String returns "Unspecified", "Email" or "SMS".
func (n NotificationType) String() string {
	switch n {
	case NotificationUnspecified:
		return "Unspecified"
	case NotificationEmail:
		return "Email"
	case NotificationSMS:
		return "SMS"
	}
	return "NotificationType(" + strconv.Itoa(int(n)) + ")"
}

// ResetDelivery chooses how the reset code reaches the user: SendLink or ReturnCode. A nil
// ResetDelivery lets the server choose its default, an email with ZITADEL's own link.
type ResetDelivery interface {
	// medium validates the delivery and fills in the request's oneof.
	medium(*api.PasswordResetRequest) error
}

// SendLink makes ZITADEL send the code by email or SMS. urlTemplate, if not "", is a Go
// text/template for the link, with the placeholders {{.UserID}}, {{.Code}} and {{.OrgID}},
// e.g. "https://app.example/reset?user={{.UserID}}&code={{.Code}}"; "" uses ZITADEL's
// default link. An invalid template is reported by RequestPasswordReset before anything
// is sent.
func SendLink(n NotificationType, urlTemplate string) ResetDelivery {
	return sendLink{n: n, urlTemplate: urlTemplate}
}

// ReturnCode makes ZITADEL send nothing and return the code in PasswordReset, for
// applications that deliver it themselves.
func ReturnCode() ResetDelivery { return returnCode{} }

type sendLink struct {
	n           NotificationType
	urlTemplate string
}

// templateData has the fields ZITADEL offers to a reset link template.
type templateData struct{ UserID, Code, OrgID string }

func (s sendLink) medium(r *api.PasswordResetRequest) error {
	nt, ok := notificationTypes[s.n]
	if !ok {
		return &ValidationError{Field: "NotificationType", Reason: "unknown notification type " + s.n.String()}
	}
	if s.urlTemplate != "" {
		if err := checkLength("urlTemplate", s.urlTemplate, 1, maxURLTemplate); err != nil {
			return err
		}
		// ZITADEL executes the template with UserID, Code and OrgID; executing it here
		// catches both syntax errors and unknown fields before the call.
		t, err := template.New("url").Parse(s.urlTemplate)
		if err == nil {
			err = t.Execute(io.Discard, templateData{})
		}
		if err != nil {
			return &ValidationError{Field: "urlTemplate", Reason: "not a valid template: " + err.Error()}
		}
	}
	r.SendLink = &api.SendPasswordResetLink{NotificationType: nt, UrlTemplate: s.urlTemplate}
	return nil
}

var notificationTypes = map[NotificationType]api.NotificationType{
	NotificationUnspecified: api.NOTIFICATIONTYPEUnspecified,
	NotificationEmail:       api.NOTIFICATIONTYPEEmail,
	NotificationSMS:         api.NOTIFICATIONTYPESMS,
}

type returnCode struct{}

func (returnCode) medium(r *api.PasswordResetRequest) error {
	r.ReturnCode = &api.ReturnPasswordResetCode{}
	return nil
}

// PasswordReset is the answer to RequestPasswordReset.
type PasswordReset struct {
	Details          Details
	VerificationCode string // set only for ReturnCode()
}

// RequestPasswordReset asks ZITADEL for a password reset code for the user (POST
// /v2/users/{userId}/password_reset). delivery chooses whether ZITADEL sends a link
// (SendLink), returns the code (ReturnCode) or sends its default email (nil).
//
// Every call creates a new code and invalidates the previous one, and unless the code is
// returned, sends another message. So a call that sends a message is not retried after a
// failure that leaves its outcome unknown: it returns an error matching ErrOutcomeUnknown
// instead. With ReturnCode, such failures are retried, since a new code supersedes the
// old one and nothing is sent.
func (s *UserService) RequestPasswordReset(ctx context.Context, userID string, delivery ResetDelivery, opts ...CallOption) (*PasswordReset, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	var body api.PasswordResetRequest
	if delivery != nil {
		if err := delivery.medium(&body); err != nil {
			return nil, err
		}
	}
	cl := call{
		op:         "UserService.PasswordReset",
		path:       "/v2/users/" + seg + "/password_reset",
		repeatable: body.ReturnCode != nil,
	}
	var out api.PasswordResetResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), &body, &out); err != nil {
		return nil, err
	}
	return &PasswordReset{Details: detailsFrom(out.Details), VerificationCode: out.VerificationCode}, nil
}

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
func (s *UserService) SetPassword(ctx context.Context, userID string, req SetPasswordRequest, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
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
	return s.c.doDetails(ctx, cl, newCallConfig(opts), &body)
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
	// PasswordHash is a hash ZITADEL imports from another user store, in modular crypt
	// format: bcrypt ($2a$, $2b$, $2y$), argon2, scrypt, pbkdf2, md5 as the instance
	// allows. A hash is not checked against the complexity policy, since the password
	// cannot be read from it: ZITADEL accepts a bcrypt hash of "abc".
	PasswordHash string
	// ChangeRequired makes the user choose a new password at the next login.
	ChangeRequired bool
}

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
		{"Email", r.Email, 1}, {"Phone", r.Phone, 0}, {"PasswordHash", r.PasswordHash, 0},
	} {
		if err := checkLength(f.name, f.v, f.lo, maxField); err != nil {
			return err
		}
	}
	if r.Email != "" && !strings.Contains(r.Email, "@") {
		return &ValidationError{Field: "Email", Reason: "must be an email address"}
	}
	if r.Password != "" && r.PasswordHash != "" {
		return &ValidationError{Field: "PasswordHash", Reason: "set at most one of Password and PasswordHash"}
	}
	if r.PasswordHash != "" && !strings.HasPrefix(r.PasswordHash, "$") {
		return &ValidationError{Field: "PasswordHash", Reason: `must be a hash in modular crypt format ("$2a$...", "$argon2id$...")`}
	}
	return checkLength("Password", r.Password, 0, maxPasswordV2)
}

// AddedUser is the answer to AddHumanUser.
type AddedUser struct {
	UserID  string
	Details Details
}

// AddHumanUser creates a human user (POST /v2/users/human), with a first password, an
// imported password hash, or no password. The organization is req.OrgID, else InOrg's,
// else the caller's own.
//
// Errors: a password that breaks the complexity policy is ErrInvalidArgument with an id
// ending in -HuJf6 (too short), -VoaRj, -co3Xw, -ZBv4H or -ZDLwA (this call reports them
// as COMMA-..., the others as DOMAIN-...); a hash ZITADEL cannot read is USER-JDk4t; a
// username or user id that exists is ErrAlreadyExists (V3-DKcYh). With ZITADEL's default
// hasher (bcrypt) a password over 72 bytes is refused with ErrInternal and no user is made.
//
// Retries: without UserID, a repeated request would create a second user (or fail on the
// username), so after a failure with an unknown outcome the call returns an error matching
// ErrOutcomeUnknown. With UserID it is retried: the repeat cannot create a second user. If
// the repeat finds the user already there (409), the first attempt most likely created it;
// AddHumanUser then reads the user back and reports success when its username, email and
// organization are those requested, and the 409 otherwise.
func (s *UserService) AddHumanUser(ctx context.Context, req AddHumanUserRequest, opts ...CallOption) (*AddedUser, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	cc := newCallConfig(opts)
	body := addHumanUserBody(&req, cc.org(""))
	cl := call{
		op:         "UserService.AddHumanUser",
		path:       "/v2/users/human",
		repeatable: req.UserID != "",
	}
	var out api.AddHumanUserResponse
	err := s.c.do(ctx, cl, cc, body, &out)
	if err == nil {
		return &AddedUser{UserID: out.UserId, Details: detailsFrom(out.Details)}, nil
	}
	var ae *APIError
	if req.UserID != "" && errors.As(err, &ae) && ae.afterUnknown && ae.Code == AlreadyExists {
		if u, gerr := s.GetUser(ctx, req.UserID, opts...); gerr == nil && u.matches(&req, body) {
			return &AddedUser{UserID: u.ID, Details: u.Details}, nil
		}
	}
	return nil, err
}

// matches reports whether u is the user req asked for: the check after a repeated
// AddHumanUser found its id taken.
func (u *User) matches(req *AddHumanUserRequest, body *api.AddHumanUserRequest) bool {
	username := req.Username
	if username == "" {
		username = req.Email
	}
	org := ""
	if body.Organization != nil {
		org = body.Organization.OrgId
	}
	return u.ID == req.UserID && u.Username == username && strings.EqualFold(u.Email, req.Email) && (org == "" || u.OrgID == org)
}

// UserState is the state of a user.
type UserState int

// The user states of ZITADEL.
const (
	UserStateUnspecified UserState = iota
	UserStateActive
	UserStateInactive
	UserStateDeleted
	// UserStateLocked: too many wrong passwords (or LockUser); UnlockUser ends it.
	UserStateLocked
	// UserStateInitial: created through the v1 API without a password and with an
	// unverified email. No password call works on such a user until it verifies its email.
	UserStateInitial
)

var userStateNames = [...]string{"Unspecified", "Active", "Inactive", "Deleted", "Locked", "Initial"}

// String returns the state's name, e.g. "Locked".
func (s UserState) String() string {
	if s >= 0 && int(s) < len(userStateNames) {
		return userStateNames[s]
	}
	return "UserState(" + strconv.Itoa(int(s)) + ")"
}

// User is a user as GetUser returns it: the fields that matter for passwords.
type User struct {
	ID       string
	Username string
	Email    string
	// OrgID is the user's organization (its resource owner).
	OrgID                  string
	State                  UserState
	EmailVerified          bool
	PasswordChangeRequired bool
	// PasswordChanged is when the password was last set; zero when the user has never had
	// one (or is a service user).
	PasswordChanged time.Time
	Details         Details
}

// GetUser returns a user (GET /v2/users/{userId}). An unknown user is ErrNotFound
// (QUERY-Dfbg2); a user created a moment ago can briefly be not found as well, while
// ZITADEL's read model catches up.
func (s *UserService) GetUser(ctx context.Context, userID string, opts ...CallOption) (*User, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	cl := call{op: "UserService.GetUserByID", method: http.MethodGet, path: "/v2/users/" + seg, repeatable: true}
	var out api.GetUserByIDResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), nil, &out); err != nil {
		return nil, err
	}
	return userFrom(out.User), nil
}

// HasPassword reports whether the user has a password
// (GET /v2/users/{userId}/authentication_methods).
//
// ZITADEL answers this for an unknown user as for a user without any authentication
// method: false, without an error. Use GetUser to tell the two apart.
func (s *UserService) HasPassword(ctx context.Context, userID string, opts ...CallOption) (bool, error) {
	seg, err := userPath(userID)
	if err != nil {
		return false, err
	}
	cl := call{op: "UserService.ListAuthenticationMethodTypes", method: http.MethodGet,
		path: "/v2/users/" + seg + "/authentication_methods", repeatable: true}
	var out api.ListAuthenticationMethodTypesResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), nil, &out); err != nil {
		return false, err
	}
	return slices.Contains(out.AuthMethodTypes, api.AUTHENTICATIONMETHODTYPEPASSWORD), nil
}

// UnlockUser unlocks a user that too many wrong passwords (or LockUser) locked
// (POST /v2/users/{userId}/unlock), and starts its failed-attempt count over. A user that
// is not locked is ErrFailedPrecondition (COMMAND-olb9vb0oca); an unknown user is
// ErrNotFound (COMMAND-x377t913pw).
//
// The call is retried after a failure with an unknown outcome. When such a repeat finds
// the user no longer locked, the first attempt unlocked it, and UnlockUser reports success
// with empty Details.
func (s *UserService) UnlockUser(ctx context.Context, userID string, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	cl := call{op: "UserService.UnlockUser", path: "/v2/users/" + seg + "/unlock", repeatable: true}
	d, err := s.c.doDetails(ctx, cl, newCallConfig(opts), struct{}{})
	var ae *APIError
	if errors.As(err, &ae) && ae.afterUnknown && ae.ID == "COMMAND-olb9vb0oca" {
		return &Details{}, nil
	}
	return d, err
}
