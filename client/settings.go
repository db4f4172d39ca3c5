package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/zitpass/zitpass-go/internal/api"
)

// SettingsService calls ZITADEL's settings service v2: the password policies.
type SettingsService struct{ c *Client }

// Lockout is the lockout policy: how many wrong passwords (or one-time passwords) in a
// row lock a user. 0 means no limit, ZITADEL's default.
type Lockout struct {
	MaxPasswordAttempts int
	MaxOTPAttempts      int
}

// PasswordExpiry is the password expiry policy: how old a password may get before the
// user must change it, and how many days ahead ZITADEL warns. 0 means never.
type PasswordExpiry struct {
	MaxAgeDays     int
	ExpireWarnDays int
}

// settingsCall builds a settings GET. InOrg selects an organization's settings (ZITADEL
// falls back to the instance's when the organization has none); without it ZITADEL
// answers the caller's organization's.
func settingsCall(op, path string, cc callConfig) call {
	cl := call{op: op, method: http.MethodGet, path: path, repeatable: true}
	if org := cc.org(""); org != "" {
		cl.query = "ctx.orgId=" + url.QueryEscape(org)
	}
	return cl
}

// PasswordComplexity returns the password complexity policy
// (GET /v2/settings/password/complexity). Show it to users before they choose a
// password, and check a password against it with PasswordComplexity.Check.
func (s *SettingsService) PasswordComplexity(ctx context.Context, opts ...CallOption) (*PasswordComplexity, error) {
	cc := newCallConfig(opts)
	var out api.GetPasswordComplexitySettingsResponse
	if err := s.c.do(ctx, settingsCall("SettingsService.GetPasswordComplexitySettings", "/v2/settings/password/complexity", cc), cc, nil, &out); err != nil {
		return nil, err
	}
	p := &PasswordComplexity{}
	if st := out.Settings; st != nil {
		*p = PasswordComplexity{MinLength: parseUint(st.MinLength), RequiresUppercase: st.RequiresUppercase,
			RequiresLowercase: st.RequiresLowercase, RequiresNumber: st.RequiresNumber, RequiresSymbol: st.RequiresSymbol}
	}
	return p, nil
}

// Lockout returns the lockout policy (GET /v2/settings/lockout).
func (s *SettingsService) Lockout(ctx context.Context, opts ...CallOption) (*Lockout, error) {
	cc := newCallConfig(opts)
	var out api.GetLockoutSettingsResponse
	if err := s.c.do(ctx, settingsCall("SettingsService.GetLockoutSettings", "/v2/settings/lockout", cc), cc, nil, &out); err != nil {
		return nil, err
	}
	l := &Lockout{}
	if st := out.Settings; st != nil {
		*l = Lockout{MaxPasswordAttempts: parseUint(st.MaxPasswordAttempts), MaxOTPAttempts: parseUint(st.MaxOtpAttempts)}
	}
	return l, nil
}

// PasswordExpiry returns the password expiry policy (GET /v2/settings/password/expiry).
func (s *SettingsService) PasswordExpiry(ctx context.Context, opts ...CallOption) (*PasswordExpiry, error) {
	cc := newCallConfig(opts)
	var out api.GetPasswordExpirySettingsResponse
	if err := s.c.do(ctx, settingsCall("SettingsService.GetPasswordExpirySettings", "/v2/settings/password/expiry", cc), cc, nil, &out); err != nil {
		return nil, err
	}
	e := &PasswordExpiry{}
	if st := out.Settings; st != nil {
		*e = PasswordExpiry{MaxAgeDays: parseUint(st.MaxAgeDays), ExpireWarnDays: parseUint(st.ExpireWarnDays)}
	}
	return e, nil
}
