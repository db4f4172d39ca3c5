package clienttest

import (
	"net"
	"net/http"
	"strings"
)

// The instance: health endpoints, the OIDC discovery document, and the calls that describe
// the instance (admin API v1 GetMyInstance, instance service v2 GetInstance over Connect),
// which tell the server's version.

// discoveryPath is the OIDC discovery document's path.
const discoveryPath = "/.well-known/openid-configuration"

// versionName is the ZITADEL release the fake answers as, by major version.
var versionName = map[int]string{3: "v3.4.9", 4: "v4.13.1"}

// healthHandler returns the handler of a health endpoint, which ZITADEL serves whatever
// the host names (they are outside its instance interceptor).
func (s *Server) healthHandler(path string) (http.HandlerFunc, bool) {
	switch path {
	case "/debug/healthz", "/debug/ready":
		return func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "ok") }, true
	case "/management/v1/healthz", "/admin/v1/healthz", "/auth/v1/healthz":
		return func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, map[string]any{}) }, true
	}
	return nil, false
}

// supportedLanguages are the languages of the instance, by major version.
func (s *Server) supportedLanguages() []string {
	if s.version == 3 {
		return languagesV3
	}
	return languages
}

// discovery is the OIDC discovery document as v4.13.1 and v3.4.9 sent it: its endpoints
// under the issuer the request addresses.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	iss := s.issuerFor(r)
	doc := map[string]any{
		"issuer":                        iss,
		"authorization_endpoint":        iss + "/oauth/v2/authorize",
		"token_endpoint":                iss + "/oauth/v2/token",
		"introspection_endpoint":        iss + "/oauth/v2/introspect",
		"userinfo_endpoint":             iss + "/oidc/v1/userinfo",
		"revocation_endpoint":           iss + "/oauth/v2/revoke",
		"end_session_endpoint":          iss + "/oidc/v1/end_session",
		"device_authorization_endpoint": iss + "/oauth/v2/device_authorization",
		"jwks_uri":                      iss + "/oauth/v2/keys",
		"scopes_supported":              []string{"openid", "profile", "email", "phone", "address", "offline_access"},
		"response_types_supported":      []string{"code", "id_token", "id_token token"},
		"response_modes_supported":      []string{"query", "fragment", "form_post"},
		"grant_types_supported": []string{"authorization_code", "implicit", "refresh_token", "client_credentials",
			"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:device_code"},
		"subject_types_supported":                                  []string{"public"},
		"id_token_signing_alg_values_supported":                    []string{"EdDSA", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512"},
		"request_object_signing_alg_values_supported":              []string{"RS256"},
		"token_endpoint_auth_methods_supported":                    []string{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"},
		"token_endpoint_auth_signing_alg_values_supported":         []string{"RS256"},
		"revocation_endpoint_auth_methods_supported":               []string{"none", "client_secret_basic", "client_secret_post", "private_key_jwt"},
		"revocation_endpoint_auth_signing_alg_values_supported":    []string{"RS256"},
		"introspection_endpoint_auth_methods_supported":            []string{"client_secret_basic", "private_key_jwt"},
		"introspection_endpoint_auth_signing_alg_values_supported": []string{"RS256"},
		"claims_supported": []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "c_hash", "at_hash",
			"act", "scopes", "client_id", "azp", "preferred_username", "name", "family_name", "given_name", "locale", "email",
			"email_verified", "phone_number", "phone_number_verified"},
		"code_challenge_methods_supported": []string{"S256"},
		"ui_locales_supported":             s.supportedLanguages(),
		"request_parameter_supported":      true,
		"request_uri_parameter_supported":  false,
	}
	if s.version >= 4 {
		doc["backchannel_logout_supported"] = true
		doc["backchannel_logout_session_supported"] = true
	}
	writeJSON(w, http.StatusOK, doc)
}

// instanceDomains are the instance's domains: the generated one and the primary one, the
// host of the issuer the request addresses.
func (s *Server) instanceDomains(r *http.Request) (generated, primary string) {
	host := strings.TrimPrefix(strings.TrimPrefix(s.issuerFor(r), "http://"), "https://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return s.domain + "." + host, host
}

// getMyInstance is AdminService.GetMyInstance: the instance, with the server's version.
func (s *Server) getMyInstance(r *http.Request, _ string) (any, *zerr) {
	_, e := s.beginV1(r, nil)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	generated, primary := s.instanceDomains(r)
	d := map[string]any{"sequence": "1", "creationDate": stamp(s.created), "changeDate": stamp(s.created), "resourceOwner": s.instanceID}
	return map[string]any{"instance": map[string]any{
		"id": s.instanceID, "details": d, "state": "STATE_RUNNING", "name": "ZITADEL", "version": versionName[s.version],
		"domains": []any{
			map[string]any{"details": d, "domain": generated, "generated": true},
			map[string]any{"details": d, "domain": primary, "primary": true},
		},
	}}, nil
}

// getInstance is InstanceService.GetInstance (v2, Connect only in the fake): the instance
// of the request.
func (s *Server) getInstance(r *http.Request, _ string) (any, *zerr) {
	caller, e := s.begin(r, nil, false)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if !caller.admin {
		return nil, errNoPermissionV1
	}
	generated, primary := s.instanceDomains(r)
	created := stamp(s.created)
	return map[string]any{"instance": map[string]any{
		"id": s.instanceID, "changeDate": created, "creationDate": created, "name": "ZITADEL", "version": versionName[s.version],
		"customDomains": []any{
			map[string]any{"instanceId": s.instanceID, "creationDate": created, "domain": generated, "generated": true},
			map[string]any{"instanceId": s.instanceID, "creationDate": created, "domain": primary, "primary": true},
		},
	}}, nil
}
