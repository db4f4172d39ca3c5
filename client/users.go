package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"text/template"
	"time"

	"github.com/zitpass/zitpass-go/internal/api"
)

// UserService calls ZITADEL's user service v2, the current API for passwords: CreateUser,
// UpdateUser, RequestPasswordReset, GetUser, HasPassword, LockUser, UnlockUser and
// DeleteUser, and the calls ZITADEL v4 deprecated, AddHumanUser and SetPassword.
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
	return s.getUser(ctx, seg, newCallConfig(opts))
}

func (s *UserService) getUser(ctx context.Context, seg string, cc callConfig) (*User, error) {
	cl := call{op: "UserService.GetUserByID", method: http.MethodGet, path: "/v2/users/" + seg, repeatable: true}
	var out api.GetUserByIDResponse
	if err := s.c.do(ctx, cl, cc, nil, &out); err != nil {
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
	return doneEarlier(d, err, "COMMAND-olb9vb0oca")
}

// doneEarlier turns err into success when it is the answer id to a repeat after an
// attempt whose outcome was unknown: that earlier attempt made the change the repeat now
// finds made (a lock finds the user locked, a delete finds the user gone).
func doneEarlier(d *Details, err error, id string) (*Details, error) {
	var ae *APIError
	if errors.As(err, &ae) && ae.afterUnknown && ae.ID == id {
		return &Details{}, nil
	}
	return d, err
}

// CreateUserRequest is the input of CreateUser: the same fields, meanings and checks as
// AddHumanUserRequest. It prints without its password and hash.
type CreateUserRequest struct {
	// UserID is your own id for the user; "" lets ZITADEL assign one. With your own id the
	// call can be retried safely after a failure with an unknown outcome: see CreateUser.
	UserID string
	// OrgID is the organization the user belongs to; "" means InOrg's, else WithOrgID's,
	// else the caller's own (see CreateUser).
	OrgID string
	// Username is the login name; "" means the email address.
	Username   string
	GivenName  string // required
	FamilyName string // required
	Email      string // required
	// EmailVerified marks the email address as verified; otherwise ZITADEL sends a
	// verification email. The user is active either way.
	EmailVerified bool
	Phone         string // optional
	// Password is the first password, checked against the organization's complexity
	// policy. At most one of Password and PasswordHash; with neither the user is active
	// without a password (UpdateUser or a reset can give it one).
	Password string
	// PasswordHash is a hash to import, as AddHumanUserRequest.PasswordHash: checked
	// before sending, not checked against the complexity policy.
	PasswordHash string
	// ChangeRequired makes the user choose a new password at the next login.
	ChangeRequired bool
}

// CreateUser creates a human user (POST /v2/users/new), with a first password, an
// imported password hash, or no password. It is ZITADEL v4's replacement of AddHumanUser.
//
// The organization is req.OrgID, else InOrg's, else WithOrgID's, else the caller's own:
// ZITADEL requires one, so the client looks up the organization of the user its token
// belongs to once (GET /auth/v1/users/me, whose resource owner it is) and remembers it.
// With AsUser the lookup uses that token and is not remembered.
//
// Errors: a password that breaks the complexity policy is ErrPasswordPolicy (COMMA-HuJf6,
// ...); a hash of a scheme the server cannot verify is ErrHashNotSupported (USER-JDk4t); a
// taken user id (COMMAND-7yiox1isql, answered as 400, not 409) or username (V3-DKcYh) is
// ErrUserExists; an unknown organization is ErrOrgNotFound (COMMAND-QXPGs). With ZITADEL's
// default hasher (bcrypt) a password over 72 bytes is ErrInternal and no user is made.
//
// Retries: without UserID a repeated request would create a second user, so after a
// failure with an unknown outcome the call returns an error matching ErrOutcomeUnknown.
// With UserID it is retried; when the repeat finds the id taken, CreateUser reads the user
// back and reports success only when it is the user requested (same id, username, email
// and organization).
//
// On a server without CreateUser (ZITADEL v3 answers 405, code 12) it sends AddHumanUser
// with the same request instead, and the client remembers that the server lacks it, so
// only the first such call costs an extra request.
func (s *UserService) CreateUser(ctx context.Context, req CreateUserRequest, opts ...CallOption) (*AddedUser, error) {
	old := AddHumanUserRequest(req)
	if err := old.validate(); err != nil {
		return nil, err
	}
	if err := checkContext(ctx); err != nil { // before waiting for another call's learning
		return nil, err
	}
	if err := ended(ctx, "UserService.UpdateUser"); err != nil {
		return nil, err
	}
	if err := ended(ctx, "UserService.CreateUser"); err != nil {
		return nil, err
	}
	cc := newCallConfig(opts)
	var added *AddedUser
	var err error
	lacks, ran, werr := s.c.lacksCreateUser.get(ctx, func() (bool, bool) {
		added, err = s.createUser(ctx, &req, cc)
		return lacksCall(err, "UserService.CreateUser")
	})
	switch {
	case werr != nil:
		return nil, &RequestError{Operation: "UserService.CreateUser", Err: werr}
	case lacks:
		old.OrgID = s.c.explicitOrg(req.OrgID, cc) // none: AddHumanUser's default is the caller's own
		return s.addHumanUser(ctx, &old, cc)
	case ran:
		return added, err
	}
	return s.createUser(ctx, &req, cc)
}

// createUser sends CreateUser for a validated request.
func (s *UserService) createUser(ctx context.Context, req *CreateUserRequest, cc callConfig) (*AddedUser, error) {
	org, err := s.c.orgFor(ctx, req.OrgID, cc)
	if err != nil {
		return nil, err
	}
	cl := call{op: "UserService.CreateUser", path: "/v2/users/new", repeatable: req.UserID != ""}
	var out api.CreateUserResponse
	err = s.c.do(ctx, cl, cc, createUserBody(req, org), &out)
	if err == nil {
		return &AddedUser{UserID: out.Id, Details: Details{CreationDate: parseTime(out.CreationDate), ResourceOwner: org}}, nil
	}
	want := newUserRef{id: req.UserID, username: req.Username, email: req.Email, org: org}
	return s.readBack(ctx, err, want, cc)
}

// lacksCall learns from the outcome of the call op whether the server has it: ZITADEL v3
// answers the v4 calls with 405 {"code":12,"message":"Method Not Allowed"}, and any other
// answer of ZITADEL's to op shows the call exists. A failure without such an answer tells
// nothing: the connection broke, a proxy answered (a 502, a 503 page, a bare 405), ZITADEL
// refused before routing the request (429, Unavailable), or op was never sent because the
// lookup of the caller's organization failed.
func lacksCall(err error, op string) (lacks, learned bool) {
	var ae *APIError
	if err == nil {
		return false, true
	}
	if !errors.As(err, &ae) || ae.Operation != op || !ae.zitadel || ae.StatusCode == http.StatusTooManyRequests || ae.Code == Unavailable {
		return false, false
	}
	return ae.StatusCode == http.StatusMethodNotAllowed && ae.Code == Unimplemented, true
}

// UpdateUserRequest is the input of UpdateUser: a new password (or an imported hash), and
// how the change is authorized. It prints without its secrets.
type UpdateUserRequest struct {
	// NewPassword is the new password, checked against the complexity policy. Exactly one
	// of NewPassword and NewPasswordHash.
	NewPassword string
	// NewPasswordHash is an imported hash to set as the password, checked before sending
	// as CreateUserRequest.PasswordHash. ZITADEL v3 cannot set a hash this way.
	NewPasswordHash string
	// ChangeRequired makes the user choose a new password at the next login.
	ChangeRequired bool
	// At most one of CurrentPassword (self-service) and VerificationCode (from
	// RequestPasswordReset); neither means an administrator sets the password (the caller
	// needs the user.write permission).
	CurrentPassword  string
	VerificationCode string
}

func (r *UpdateUserRequest) validate() error {
	switch {
	case r.NewPassword == "" && r.NewPasswordHash == "":
		return &ValidationError{Field: "NewPassword", Reason: "nothing to update: set NewPassword or NewPasswordHash"}
	case r.NewPassword != "" && r.NewPasswordHash != "":
		return &ValidationError{Field: "NewPasswordHash", Reason: "set at most one of NewPassword and NewPasswordHash"}
	case r.CurrentPassword != "" && r.VerificationCode != "":
		return &ValidationError{Field: "VerificationCode", Reason: "set at most one of CurrentPassword and VerificationCode"}
	}
	if r.NewPasswordHash != "" {
		if err := checkHash("NewPasswordHash", r.NewPasswordHash); err != nil {
			return err
		}
	} else if err := checkLength("NewPassword", r.NewPassword, 1, maxPasswordV2); err != nil {
		return err
	}
	if err := checkLength("CurrentPassword", r.CurrentPassword, 0, maxPasswordV2); err != nil {
		return err
	}
	return checkLength("VerificationCode", r.VerificationCode, 0, maxVerificationCode)
}

// UpdateUser sets or changes a user's password (PATCH /v2/users/{userId} with
// human.password), ZITADEL v4's replacement of SetPassword: with the current password
// (self-service), with a verification code from RequestPasswordReset, or with neither as
// an administrator; NewPasswordHash sets an imported hash instead of a password.
//
// Self-service with the user's own session token (AsUser) needs CurrentPassword; the
// session token used stops working afterwards (ErrPermissionDenied, AUTHZ-Kl3p0). Without
// CurrentPassword, or for another user's id, ZITADEL answers a user's token with
// ErrNotFound (AUTHZ-cdgFk).
//
// Errors: a wrong current password is ErrWrongPassword (COMMAND-3M0fs, with
// APIError.FailedAttempts; it counts toward the lockout policy); a wrong code while one is
// pending is ErrInvalidCode (CODE-woT0xc); no code pending or a used one is ErrCodeNotFound
// (COMMAND-2M9fs); a weak password is ErrPasswordPolicy (DOMAIN-HuJf6, ...); an unknown user
// is ErrUserNotFound (COMMAND-ugjs0upun6); a user in the INITIAL state is
// ErrUserNotInitialized (COMMAND-M9dse). A password over 72 bytes (bcrypt) and a new
// password equal to the current one are ErrInternal (COMMAND-CahN2); nothing is applied.
// The current password or the code is checked before the policy. A locked user's password
// can be set by an administrator or with a code; it stays locked. With CurrentPassword a
// locked user is ErrUserNotActive (COMMAND-JLK35).
//
// Retries: the administrator form is retried after failures with an unknown outcome
// (setting the same password twice is harmless); with CurrentPassword or VerificationCode
// a repeat after a success would fail, so the call returns an error matching
// ErrOutcomeUnknown instead.
//
// On a server without UpdateUser (ZITADEL v3 answers 405, code 12) a new password is set
// with SetPassword, with the same meaning, and the client remembers that the server lacks
// UpdateUser. A hash cannot be set that way: that is an *UnsupportedError matching
// ErrUnsupported.
func (s *UserService) UpdateUser(ctx context.Context, userID string, req UpdateUserRequest, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if err := checkContext(ctx); err != nil { // before waiting for another call's learning
		return nil, err
	}
	cc := newCallConfig(opts)
	var d *Details
	lacks, ran, werr := s.c.lacksUpdateUser.get(ctx, func() (bool, bool) {
		d, err = s.updateUser(ctx, seg, &req, cc)
		return lacksCall(err, "UserService.UpdateUser")
	})
	switch {
	case werr != nil:
		return nil, &RequestError{Operation: "UserService.UpdateUser", Err: werr}
	case lacks && req.NewPasswordHash != "":
		return nil, &UnsupportedError{Operation: "UserService.UpdateUser", Feature: "setting a password hash on an existing user", Need: "v4.0.0", Err: err}
	case lacks:
		return s.setPassword(ctx, seg, &SetPasswordRequest{NewPassword: req.NewPassword, ChangeRequired: req.ChangeRequired,
			CurrentPassword: req.CurrentPassword, VerificationCode: req.VerificationCode}, cc)
	case ran:
		return d, err
	}
	return s.updateUser(ctx, seg, &req, cc)
}

// updateUser sends UpdateUser for a validated request.
func (s *UserService) updateUser(ctx context.Context, seg string, req *UpdateUserRequest, cc callConfig) (*Details, error) {
	cl := call{
		op:         "UserService.UpdateUser",
		method:     http.MethodPatch,
		path:       "/v2/users/" + seg,
		repeatable: req.CurrentPassword == "" && req.VerificationCode == "",
	}
	var out api.UpdateUserResponse
	if err := s.c.do(ctx, cl, cc, updateUserBody(req), &out); err != nil {
		return nil, err
	}
	return &Details{ChangeDate: parseTime(out.ChangeDate)}, nil
}

// LockUser locks a user (POST /v2/users/{userId}/lock): every password check then fails
// with ErrUserNotActive (SESSION-Gj4ko), even with the right password, until UnlockUser.
// A user that is locked already is ErrUserNotActive (COMMAND-lgws8wtsqf); an unknown user
// is ErrUserNotFound (COMMAND-450yxuqrh1).
//
// The call is retried after a failure with an unknown outcome. When such a repeat finds
// the user locked, the first attempt locked it, and LockUser reports success with empty
// Details.
func (s *UserService) LockUser(ctx context.Context, userID string, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	cl := call{op: "UserService.LockUser", path: "/v2/users/" + seg + "/lock", repeatable: true}
	d, err := s.c.doDetails(ctx, cl, newCallConfig(opts), struct{}{})
	return doneEarlier(d, err, "COMMAND-lgws8wtsqf")
}

// DeleteUser deletes a user (DELETE /v2/users/{userId}). Its sessions stop working and
// its password checks answer ErrUserNotFound. A user that does not exist (or is deleted
// already) is ErrUserNotFound (COMMAND-bd4ir1mblj).
//
// The call is retried after a failure with an unknown outcome. When such a repeat finds
// the user gone, the first attempt deleted it, and DeleteUser reports success with empty
// Details.
func (s *UserService) DeleteUser(ctx context.Context, userID string, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	cl := call{op: "UserService.DeleteUser", method: http.MethodDelete, path: "/v2/users/" + seg, repeatable: true}
	d, err := s.c.doDetails(ctx, cl, newCallConfig(opts), nil)
	return doneEarlier(d, err, "COMMAND-bd4ir1mblj")
}
