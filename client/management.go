package client

import (
	"context"

	"github.com/zitpass/zitpass-go/internal/api"
)

// ManagementService calls ZITADEL's management API v1. Only the deprecated password call
// is offered, for applications migrating to the user service v2; see MIGRATING.md.
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
// Deprecated: ZITADEL deprecated the management API v1. Use UserService.SetPassword with
// ChangeRequired: true (v1 always forces a change at next login; v2 does so only when
// asked), which needs no organization header and accepts up to 200 characters.
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
		secrets:    [3]string{password},
	}
	var out api.SetHumanInitialPasswordResponse
	if err := s.c.do(ctx, cl, newCallConfig(opts), &api.SetHumanInitialPasswordRequest{Password: password}, &out); err != nil {
		return nil, err
	}
	d := detailsFrom(out.Details)
	return &d, nil
}
