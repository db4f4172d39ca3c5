package client

import (
	"context"
	"io"
	"strconv"
	"text/template"

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
		secrets:    [3]string{req.NewPassword, req.CurrentPassword, req.VerificationCode},
	}
	var out api.SetPasswordResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), &body, &out); err != nil {
		return nil, err
	}
	d := detailsFrom(out.Details)
	return &d, nil
}
