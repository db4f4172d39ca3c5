package client

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/zitpass/zitpass-go/internal/api"
)

// SettingsService calls ZITADEL's settings service v2: the password complexity, lockout
// and expiry policies, and the login settings.
type SettingsService struct{ c *Client }

// Lockout is the lockout policy: how many wrong passwords (or one-time passwords) in a
// row lock a user. 0 means no limit, ZITADEL's default.
type Lockout struct {
	MaxPasswordAttempts int
	MaxOTPAttempts      int
}

// PasswordExpiry is the password expiry policy: how old a password may get before the
// user must change it, and how many days ahead ZITADEL warns. 0 means never.
//
// ZITADEL's own login enforces it; an application with its own login must do so itself:
// compare ExpiresAt(user.PasswordChanged) with the time of the login.
type PasswordExpiry struct {
	MaxAgeDays     int
	ExpireWarnDays int
}

// ExpiresAt is when a password set at changed expires under the policy: MaxAgeDays days of
// 24 hours later, as ZITADEL's login counts them. It is the zero time when the policy has no
// maximum age or changed is zero (the user has never set a password).
func (p PasswordExpiry) ExpiresAt(changed time.Time) time.Time {
	if p.MaxAgeDays <= 0 || changed.IsZero() {
		return time.Time{}
	}
	return changed.Add(time.Duration(p.MaxAgeDays) * 24 * time.Hour)
}

// WarnFrom is when the warning of a coming expiry starts for a password set at changed:
// ExpireWarnDays before ExpiresAt. It is the zero time when the password never expires or
// the policy gives no warning.
func (p PasswordExpiry) WarnFrom(changed time.Time) time.Time {
	exp := p.ExpiresAt(changed)
	if exp.IsZero() || p.ExpireWarnDays <= 0 {
		return time.Time{}
	}
	return exp.Add(-time.Duration(p.ExpireWarnDays) * 24 * time.Hour)
}

// LoginSettings are the login settings of an organization (or the instance's): which ways
// of logging in ZITADEL allows, and how long a check stays valid. A custom login reads them
// to offer what the instance allows. Durations are zero when the server sent none.
type LoginSettings struct {
	AllowUsernamePassword    bool // a password login is allowed
	AllowRegister            bool // users may register themselves
	AllowExternalIDP         bool // login with an external identity provider
	AllowLocalAuthentication bool
	AllowDomainDiscovery     bool
	ForceMFA                 bool // a second factor is required
	ForceMFALocalOnly        bool // ... only for local logins
	HidePasswordReset        bool
	IgnoreUnknownUsernames   bool
	DisableLoginWithEmail    bool
	DisableLoginWithPhone    bool
	// PasskeysAllowed: passkeys may be used (passkeysType PASSKEYS_TYPE_ALLOWED).
	PasskeysAllowed    bool
	DefaultRedirectURI string
	// PasswordCheckLifetime is how long a password check counts before the user must enter
	// the password again (ZITADEL's default: 240 hours).
	PasswordCheckLifetime      time.Duration
	ExternalLoginCheckLifetime time.Duration
	MFAInitSkipLifetime        time.Duration
	SecondFactorCheckLifetime  time.Duration
	MultiFactorCheckLifetime   time.Duration
	// SecondFactors and MultiFactors are ZITADEL's names of the factors allowed, e.g.
	// "SECOND_FACTOR_TYPE_OTP", "MULTI_FACTOR_TYPE_U2F_WITH_VERIFICATION".
	SecondFactors []string
	MultiFactors  []string
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

// Login returns the login settings (GET /v2/settings/login).
func (s *SettingsService) Login(ctx context.Context, opts ...CallOption) (*LoginSettings, error) {
	cc := newCallConfig(opts)
	var out api.GetLoginSettingsResponse
	if err := s.c.do(ctx, settingsCall("SettingsService.GetLoginSettings", "/v2/settings/login", cc), cc, nil, &out); err != nil {
		return nil, err
	}
	return loginSettingsFrom(out.Settings), nil
}
