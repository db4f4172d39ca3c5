package client

import (
	"context"

	"github.com/zitpass/zitpass-go/internal/api"
)

// ManagementService calls ZITADEL's management API v1. Only its deprecated password calls
// are offered, for applications migrating to the user service v2; see MIGRATING.md.
type ManagementService struct{ c *Client }

// SetHumanInitialPassword sets the initial password of a human user (POST
// /management/v1/users/{userId}/password/_initialize). The password is 1 to 72
// characters. ZITADEL always marks it as change-required at the next login, and
// overwrites a password the user already has.
//
// The organization context is the x-zitadel-orgid header from InOrg or WithOrgID, or the
// caller's own organization; a user outside it is not found (ErrFailedPrecondition,
// id COMMAND-3M0fs). The call is retried after failures that leave its outcome unknown,
// since setting the same password twice is harmless.
//
// Deprecated: ZITADEL deprecated the management API v1. Use UserService.UpdateUser with
// UpdateUserRequest{NewPassword: password, ChangeRequired: true} (v1 always forces a change
// at next login; v2 does so only when asked), which needs no organization header, accepts
// up to 200 characters, and sends v2 SetPassword by itself on ZITADEL v3.
func (s *ManagementService) SetHumanInitialPassword(ctx context.Context, userID, password string, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	if err := checkLength("password", password, 1, maxPasswordV1); err != nil {
		return nil, err
	}
	cl := call{
		op:         "ManagementService.SetHumanInitialPassword",
		path:       "/management/v1/users/" + seg + "/password/_initialize",
		org:        true,
		repeatable: true,
	}
	return s.c.doDetails(ctx, cl, newCallConfig(opts), &api.SetHumanInitialPasswordRequest{Password: password})
}

// SetHumanPassword sets the password of a human user (POST
// /management/v1/users/{userId}/password). The password is 1 to 72 characters, checked
// before sending: ZITADEL answers a longer one with HTTP 500. changeRequired makes the user
// choose a new password at the next login (v1 sends it inverted, as noChangeRequired).
// The organization context is as for SetHumanInitialPassword. Setting the same password
// twice is harmless, so the call is retried after failures with an unknown outcome.
//
// Deprecated: ZITADEL deprecated the management API v1. Use UserService.UpdateUser with
// UpdateUserRequest{NewPassword: password, ChangeRequired: changeRequired}, which needs no
// organization header, accepts up to 200 characters, and sends v2 SetPassword by itself on
// ZITADEL v3.
func (s *ManagementService) SetHumanPassword(ctx context.Context, userID, password string, changeRequired bool, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	if err := checkLength("password", password, 1, maxPasswordV1); err != nil {
		return nil, err
	}
	cl := call{
		op:         "ManagementService.SetHumanPassword",
		path:       "/management/v1/users/" + seg + "/password",
		org:        true,
		repeatable: true,
	}
	return s.c.doDetails(ctx, cl, newCallConfig(opts), &api.SetHumanPasswordRequest{Password: password, NoChangeRequired: !changeRequired})
}

// v1NotificationTypes are the names of the v1 enum. ZITADEL reads any other name as
// TYPE_EMAIL, so these exact bytes matter.
var v1NotificationTypes = map[NotificationType]api.V1NotificationType{
	NotificationUnspecified: api.TYPEEMAIL, // v1 has no "unspecified"; its default is email
	NotificationEmail:       api.TYPEEMAIL,
	NotificationSMS:         api.TYPESMS,
}

// SendHumanResetPasswordNotification makes ZITADEL send the user a password reset code by
// email or SMS (POST /management/v1/users/{userId}/password/_reset), as "type": "TYPE_EMAIL"
// or "TYPE_SMS" (NotificationUnspecified sends TYPE_EMAIL, v1's default). The user's
// current password stays valid. An unknown user is ErrUserNotFound (COMMAND-Hj9ds, code
// FailedPrecondition); a user in the INITIAL state is ErrUserNotInitialized (COMMAND-2M9sd);
// the organization context is as for SetHumanInitialPassword.
//
// The call sends a message, so it is never repeated after a failure with an unknown
// outcome: it returns an error matching ErrOutcomeUnknown.
//
// Deprecated: ZITADEL deprecated the management API v1. Use
// UserService.RequestPasswordReset with SendLink(n, urlTemplate) (the v2 enum is
// NOTIFICATION_TYPE_Email / NOTIFICATION_TYPE_SMS, and v2 can also put your own link in
// the message or return the code with ReturnCode).
func (s *ManagementService) SendHumanResetPasswordNotification(ctx context.Context, userID string, n NotificationType, opts ...CallOption) (*Details, error) {
	seg, err := userPath(userID)
	if err != nil {
		return nil, err
	}
	t, ok := v1NotificationTypes[n]
	if !ok {
		return nil, &ValidationError{Field: "NotificationType", Reason: "unknown notification type " + n.String()}
	}
	cl := call{
		op:   "ManagementService.SendHumanResetPasswordNotification",
		path: "/management/v1/users/" + seg + "/password/_reset",
		org:  true,
	}
	return s.c.doDetails(ctx, cl, newCallConfig(opts), &api.SendHumanResetPasswordNotificationRequest{Type: t})
}
