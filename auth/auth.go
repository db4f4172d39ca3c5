package auth

import (
	"context"
	"net/http"
	"time"

	"github.com/zitpass/zitpass-go/internal/endpoint"
	"golang.org/x/oauth2"
)

// ScopeZitadelAPI is the scope that makes an access token valid for ZITADEL's APIs.
// Without it, API calls fail with 401.
const ScopeZitadelAPI = "urn:zitadel:iam:org:project:id:zitadel:aud"

// DefaultScopes are requested when a constructor is given no scopes.
var DefaultScopes = []string{"openid", ScopeZitadelAPI}

// tokenTimeout bounds one token request.
const tokenTimeout = 30 * time.Second

// tokenPath is ZITADEL's OAuth token endpoint, relative to the issuer.
const tokenPath = "/oauth/v2/token"

func scopesOrDefault(scopes []string) []string {
	if len(scopes) == 0 {
		return append([]string(nil), DefaultScopes...)
	}
	return append([]string(nil), scopes...)
}

// parseIssuer validates the issuer and returns it normalized (the instance URL without a
// trailing slash, as ZITADEL writes its own issuer) with its token endpoint.
func parseIssuer(raw string) (issuer, tokenURL string, err error) {
	issuer, err = endpoint.Parse(raw, false)
	if err != nil {
		return "", "", &ConfigError{Field: "issuer", Reason: err.Error()}
	}
	return issuer, issuer + tokenPath, nil
}

// httpClient returns the client for token requests: the one in ctx under
// oauth2.HTTPClient, or a new one with a timeout. Redirects are never followed, since the
// request carries a credential.
func httpClient(ctx context.Context) *http.Client {
	var c http.Client
	if ctx != nil {
		if hc, ok := ctx.Value(oauth2.HTTPClient).(*http.Client); ok && hc != nil {
			c = *hc
		}
	}
	if c.Timeout == 0 {
		c.Timeout = tokenTimeout
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// ConfigError reports an invalid argument to a constructor, such as an issuer that is not
// an https URL.
type ConfigError struct {
	Field  string
	Reason string
}

// Error names the field and the reason.
func (e *ConfigError) Error() string { return "auth: invalid " + e.Field + ": " + e.Reason }
