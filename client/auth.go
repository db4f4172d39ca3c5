package client

import (
	"context"
	"net/http"

	"github.com/zitpass/zitpass-go/internal/api"
)

// AuthService calls ZITADEL's auth API v1: the signed-in user's own calls. It is
// deprecated in ZITADEL and offered for applications migrating to the user service v2.
// Its calls act on the user the token belongs to: the client's token, or the one AsUser
// gives for a call.
type AuthService struct{ c *Client }

// maxPasswordAuthV1 is the auth API's limit on old and new password, in bytes.
const maxPasswordAuthV1 = 70

// UpdateMyPassword changes the password of the user the token belongs to
// (PUT /auth/v1/users/me/password). It needs a user's own token: a session token from
// SessionService.CreateWithPassword works (pass it with AsUser); a service user's token is
// refused with ErrFailedPrecondition (COMMAND-G8dh3). Both passwords are 1 to 70 bytes,
// checked before sending. A wrong old password is ErrInvalidArgument (COMMAND-3M0fs, with
// APIError.FailedAttempts); a new password equal to the old one is ErrInternal
// (COMMAND-CahN2). After the change, the session token used stops working
// (ErrPermissionDenied, AUTHZ-Kl3p0).
//
// The old password is gone after a success, so the call is never repeated after a
// failure with an unknown outcome: it returns an error matching ErrOutcomeUnknown.
//
// Deprecated: ZITADEL deprecated the auth API v1. Use UserService.UpdateUser with
// UpdateUserRequest{NewPassword: newPassword, CurrentPassword: oldPassword}, which takes
// the user id, works with a service user's token, accepts up to 200 characters, and sends
// v2 SetPassword by itself on ZITADEL v3.
func (s *AuthService) UpdateMyPassword(ctx context.Context, oldPassword, newPassword string, opts ...CallOption) (*Details, error) {
	if err := checkBytes("oldPassword", oldPassword, 1, maxPasswordAuthV1); err != nil {
		return nil, err
	}
	if err := checkBytes("newPassword", newPassword, 1, maxPasswordAuthV1); err != nil {
		return nil, err
	}
	cl := call{
		op:     "AuthService.UpdateMyPassword",
		method: http.MethodPut,
		path:   "/auth/v1/users/me/password",
	}
	return s.c.doDetails(ctx, cl, newCallConfig(opts), &api.UpdateMyPasswordRequest{OldPassword: oldPassword, NewPassword: newPassword})
}
