package client

import (
	"context"
	"net/http"

	"github.com/zitpass/zitpass-go/internal/api"
)

// explicitOrg is the organization a call names: the request's, else InOrg's, else
// WithOrgID's; "" when none does.
func (c *Client) explicitOrg(reqOrg string, cc callConfig) string {
	if reqOrg != "" {
		return reqOrg
	}
	return cc.org(c.orgID)
}

// orgFor is the organization of a call that needs one: the one it names, else the
// caller's own, looked up once per client (see ownOrg).
func (c *Client) orgFor(ctx context.Context, reqOrg string, cc callConfig) (string, error) {
	if org := c.explicitOrg(reqOrg, cc); org != "" {
		return org, nil
	}
	if cc.token != "" {
		return c.ownOrg(ctx, cc) // another principal's: not remembered
	}
	var err error
	org, _, werr := c.myOrg.get(ctx, func() (string, bool) {
		var org string
		org, err = c.ownOrg(ctx, cc)
		return org, err == nil
	})
	if werr != nil {
		return "", &RequestError{Operation: "AuthService.GetMyUser", Err: werr}
	}
	return org, err
}

// ownOrg asks ZITADEL for the organization of the user the call's token belongs to: the
// resource owner of GET /auth/v1/users/me (the auth API's GetMyUser), which works for
// service users and human users alike.
func (c *Client) ownOrg(ctx context.Context, cc callConfig) (string, error) {
	cl := call{op: "AuthService.GetMyUser", method: http.MethodGet, path: "/auth/v1/users/me", repeatable: true}
	var out api.GetMyUserResponse
	if err := c.do(ctx, cl, cc, nil, &out); err != nil {
		return "", err
	}
	if out.User == nil || out.User.Details == nil || out.User.Details.ResourceOwner == "" {
		return "", &RequestError{Operation: cl.op, Err: errNoOrg}
	}
	return out.User.Details.ResourceOwner, nil
}
