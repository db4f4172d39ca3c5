package client

import (
	"context"
	"os"
	"strings"

	"github.com/zitpass/zitpass-go/auth"
)

// The environment variables NewFromEnv reads.
const (
	EnvURL          = "ZITADEL_URL"           // instance URL, e.g. https://acme.zitadel.cloud
	EnvDomain       = "ZITADEL_DOMAIN"        // instance domain, https implied; used when ZITADEL_URL is unset
	EnvPAT          = "ZITADEL_PAT"           // personal access token
	EnvKeyFile      = "ZITADEL_KEY_FILE"      // path of a service user's JSON key file (JWT profile)
	EnvClientID     = "ZITADEL_CLIENT_ID"     // client credentials, with ZITADEL_CLIENT_SECRET
	EnvClientSecret = "ZITADEL_CLIENT_SECRET" // client credentials, with ZITADEL_CLIENT_ID
	EnvOrgID        = "ZITADEL_ORG_ID"        // optional default organization for v1 calls
)

// NewFromEnv builds a client from the environment: the instance from ZITADEL_URL (or
// ZITADEL_DOMAIN, https implied), credentials from exactly one of ZITADEL_PAT,
// ZITADEL_KEY_FILE (JWT profile) or ZITADEL_CLIENT_ID with ZITADEL_CLIENT_SECRET, and the
// optional ZITADEL_ORG_ID. The instance URL is also the issuer of exchanged tokens. opts
// are applied after the environment, so they override it. ctx is passed to the auth
// constructors (see package auth); it is not kept.
//
// Errors are *ValidationError values whose Field names the variable to fix, or the
// *auth.KeyFileError of an unusable key file.
func NewFromEnv(ctx context.Context, opts ...Option) (*Client, error) {
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Reason: "must not be nil; use context.Background()"}
	}
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	baseURL := env(EnvURL)
	if baseURL == "" {
		domain := env(EnvDomain)
		if domain == "" {
			return nil, &ValidationError{Field: EnvURL, Reason: "not set (set " + EnvURL + " or " + EnvDomain + ")"}
		}
		if strings.Contains(domain, "://") {
			return nil, &ValidationError{Field: EnvDomain, Reason: "must be a domain without a scheme; use " + EnvURL + " for a URL"}
		}
		baseURL = "https://" + domain
	}
	// Check the URL before credentials use it as their issuer. opts may allow http.
	var probe config
	for _, opt := range opts {
		if opt != nil {
			opt(&probe)
		}
	}
	if _, err := parseBaseURL(baseURL, probe.insecureHTTP); err != nil {
		field := EnvURL
		if env(EnvURL) == "" {
			field = EnvDomain
		}
		return nil, &ValidationError{Field: field, Reason: err.(*ValidationError).Reason}
	}

	pat, keyFile := os.Getenv(EnvPAT), env(EnvKeyFile)
	clientID, clientSecret := env(EnvClientID), os.Getenv(EnvClientSecret)
	var set []string
	for name, v := range map[string]string{EnvPAT: pat, EnvKeyFile: keyFile, EnvClientID + "/" + EnvClientSecret: clientID + clientSecret} {
		if v != "" {
			set = append(set, name)
		}
	}
	if len(set) > 1 {
		return nil, &ValidationError{Field: EnvPAT, Reason: "set only one of " + EnvPAT + ", " + EnvKeyFile + " and " + EnvClientID + "/" + EnvClientSecret}
	}

	var envOpts []Option
	switch {
	case pat != "":
		envOpts = append(envOpts, WithTokenSource(auth.PAT(strings.TrimSpace(pat))))
	case keyFile != "":
		ts, err := auth.JWTProfileFile(ctx, baseURL, keyFile)
		if err != nil {
			return nil, err
		}
		envOpts = append(envOpts, WithTokenSource(ts))
	case clientID != "" || clientSecret != "":
		if clientID == "" {
			return nil, &ValidationError{Field: EnvClientID, Reason: "not set, but " + EnvClientSecret + " is"}
		}
		if clientSecret == "" {
			return nil, &ValidationError{Field: EnvClientSecret, Reason: "not set, but " + EnvClientID + " is"}
		}
		envOpts = append(envOpts, WithTokenSource(auth.ClientCredentials(ctx, baseURL, clientID, clientSecret)))
	default:
		return nil, &ValidationError{Field: EnvPAT, Reason: "no credentials: set " + EnvPAT + ", " + EnvKeyFile + " or " + EnvClientID + " and " + EnvClientSecret}
	}
	if org := env(EnvOrgID); org != "" {
		envOpts = append(envOpts, WithOrgID(org))
	}
	return New(baseURL, append(envOpts, opts...)...)
}
