package clienttest

import (
	"net/http"
	"strconv"
	"time"
)

// The settings service v2: /v2/settings/...

// settingsOrg reads the request context of a settings call: ctx.orgId (or ctx.org_id) an
// organization, ctx.instance=true the instance, nothing the organization context (the
// x-zitadel-orgid header, else the caller's own organization).
// instance reports that the instance's settings were asked for.
func settingsOrg(r *http.Request, caller *caller, op string) (orgID string, instance bool, e *zerr) {
	q := r.URL.Query()
	if v := q.Get("ctx.instance"); v != "" {
		if v != "true" {
			return "", false, errInvalid("invalid " + op + "Request.Ctx: embedded message failed validation | caused by: invalid RequestContext.Instance: value must equal true")
		}
		return "", true, nil
	}
	for _, k := range []string{"ctx.orgId", "ctx.org_id"} {
		if v := q.Get(k); v != "" {
			return v, false, nil
		}
	}
	return caller.org, false, nil
}

// settingsAnswer is the answer of a settings call: its details and the settings, with the
// owner's type.
func (s *Server) settingsAnswer(settings map[string]any, owner string, seq uint64, changed time.Time) map[string]any {
	ownerType := "RESOURCE_OWNER_TYPE_INSTANCE"
	if owner != s.instanceID {
		ownerType = "RESOURCE_OWNER_TYPE_ORG"
	}
	settings["resourceOwnerType"] = ownerType
	d := details(seq, changed, owner)
	d["creationDate"] = stamp(s.created)
	return map[string]any{"details": d, "settings": settings}
}

// readSettings starts a settings call and finds its organization. It returns with s.mu
// held, as begin does.
func (s *Server) readSettings(r *http.Request, op string) (orgID string, instance bool, e *zerr) {
	caller, e := s.beginSettings(r)
	if e != nil {
		return "", false, e
	}
	return settingsOrg(r, caller, op)
}

// beginSettings starts a settings call. Every v2 settings call needs policy.read, which
// ZITADEL's authorization interceptor checks from the call's proto options, before the
// request is validated (settings_service.proto); only memberships grant it, so a user's
// own token is AUTHZ-cdgFk.
func (s *Server) beginSettings(r *http.Request) (*caller, *zerr) {
	caller, e := s.begin(r, nil, false)
	if e == nil && !caller.admin {
		e = errNoPermissionV2
	}
	return caller, e
}

// passwordComplexity is SettingsService.GetPasswordComplexitySettings: the instance's
// policy (the fake has no organization policies for complexity).
func (s *Server) passwordComplexity(r *http.Request, _ string) (any, *zerr) {
	_, _, e := s.readSettings(r, "GetPasswordComplexitySettings")
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	p := s.complexity
	settings := map[string]any{}
	if p.MinLength > 0 {
		settings["minLength"] = strconv.Itoa(p.MinLength)
	}
	setTrue(settings, "requiresUppercase", p.RequiresUppercase)
	setTrue(settings, "requiresLowercase", p.RequiresLowercase)
	setTrue(settings, "requiresNumber", p.RequiresNumber)
	setTrue(settings, "requiresSymbol", p.RequiresSymbol)
	return s.settingsAnswer(settings, s.instanceID, 1, s.created), nil
}

// setTrue sets a boolean field as protojson does: present only when true.
func setTrue(m map[string]any, k string, v bool) {
	if v {
		m[k] = true
	}
}

// setCount sets a uint64 field as protojson does: a string, absent when 0.
func setCount(m map[string]any, k string, v int) {
	if v > 0 {
		m[k] = strconv.Itoa(v)
	}
}

// lockoutSettings is SettingsService.GetLockoutSettings: an organization's own policy,
// else the instance's. An unknown organization gets the instance's.
func (s *Server) lockoutSettings(r *http.Request, _ string) (any, *zerr) {
	orgID, instance, e := s.readSettings(r, "GetLockoutSettings")
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	l, owner, seq, changed := s.lockout, s.instanceID, uint64(1), s.created
	if o := s.orgs[orgID]; !instance && o != nil && o.lockout != nil {
		l, owner, seq, changed = *o.lockout, o.id, o.sequence, o.changed
	}
	settings := map[string]any{}
	setCount(settings, "maxPasswordAttempts", l.MaxPasswordAttempts)
	setCount(settings, "maxOtpAttempts", l.MaxOTPAttempts)
	return s.settingsAnswer(settings, owner, seq, changed), nil
}

// passwordExpiry is SettingsService.GetPasswordExpirySettings.
func (s *Server) passwordExpiry(r *http.Request, _ string) (any, *zerr) {
	_, _, e := s.readSettings(r, "GetPasswordExpirySettings")
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	settings := map[string]any{}
	setCount(settings, "maxAgeDays", s.expiry.MaxAgeDays)
	setCount(settings, "expireWarnDays", s.expiry.ExpireWarnDays)
	return s.settingsAnswer(settings, s.instanceID, 1, s.created), nil
}

// The languages of the instance: v4.13.1's, and v3.4.9's, which lacks ar, tr and uk.
var (
	languages   = []string{"ar", "bg", "cs", "de", "en", "es", "fr", "hu", "id", "it", "ja", "ko", "mk", "nl", "pl", "pt", "ro", "ru", "sv", "tr", "uk", "zh"}
	languagesV3 = []string{"bg", "cs", "de", "en", "es", "fr", "hu", "id", "it", "ja", "ko", "mk", "nl", "pl", "pt", "ro", "ru", "sv", "zh"}
)

// generalSettings is SettingsService.GetGeneralSettings.
func (s *Server) generalSettings(r *http.Request, _ string) (any, *zerr) {
	_, e := s.beginSettings(r)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	resp := map[string]any{"defaultOrgId": s.defaultOrg, "defaultLanguage": "en", "supportedLanguages": s.supportedLanguages()}
	if s.version >= 4 {
		resp["allowedLanguages"] = languages // v3.4.9 has no allowed languages
	}
	return resp, nil
}

// loginSettings is SettingsService.GetLoginSettings: the instance's default login policy,
// as v4.13.1 answered it (v3.4.9 without allowLocalAuthentication). The fake has no
// organization login policies; the password check lifetime is ZITADEL's default ten days.
func (s *Server) loginSettings(r *http.Request, _ string) (any, *zerr) {
	_, _, e := s.readSettings(r, "GetLoginSettings")
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	settings := map[string]any{
		"allowUsernamePassword":      true,
		"allowRegister":              true,
		"allowExternalIdp":           true,
		"passkeysType":               "PASSKEYS_TYPE_ALLOWED",
		"passwordCheckLifetime":      "864000s",
		"externalLoginCheckLifetime": "864000s",
		"mfaInitSkipLifetime":        "2592000s",
		"secondFactorCheckLifetime":  "64800s",
		"multiFactorCheckLifetime":   "43200s",
		"secondFactors":              []string{"SECOND_FACTOR_TYPE_OTP", "SECOND_FACTOR_TYPE_U2F"},
		"multiFactors":               []string{"MULTI_FACTOR_TYPE_U2F_WITH_VERIFICATION"},
		"allowDomainDiscovery":       true,
	}
	if s.version >= 4 {
		settings["allowLocalAuthentication"] = true
	}
	return s.settingsAnswer(settings, s.instanceID, 1, s.created), nil
}
