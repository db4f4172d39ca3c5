package client

import (
	"context"
	"errors"
	"os"
	"strings"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/internal/endpoint"
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
	EnvIssuer       = "ZITADEL_ISSUER"        // optional: the instance's public URL, when ZITADEL_URL is another address
	EnvInsecure     = "ZITADEL_INSECURE"      // "true": consent to plain http to a host that is not loopback
)

// NewFromEnv builds a client from the environment: where to connect from ZITADEL_URL (or
// ZITADEL_DOMAIN, https implied), credentials from exactly one of ZITADEL_PAT,
// ZITADEL_KEY_FILE (JWT profile) or ZITADEL_CLIENT_ID with ZITADEL_CLIENT_SECRET, and the
// optional ZITADEL_ORG_ID. opts are applied after the environment, so they override it.
// ctx is passed to the auth constructors (see package auth); it is not kept.
//
// ZITADEL_ISSUER, optional, is the instance's public URL when ZITADEL_URL is another
// address, e.g. ZITADEL_URL=http://zitadel:8080 inside a compose network and
// ZITADEL_ISSUER=http://localhost:8080. It is the issuer of exchanged tokens (the JWT
// audience), and when its host[:port] differs from ZITADEL_URL's, it is sent as
// x-zitadel-instance-host on API and token requests, so that ZITADEL finds the instance.
// Without it, ZITADEL_URL is the issuer too.
//
// ZITADEL_INSECURE=true consents to plain http to a host that is not loopback, for the
// client and the token sources (WithInsecureHTTP and auth.WithInsecureHTTP).
//
// Errors are *ValidationError values whose Field names the variable to fix, or the
// *auth.KeyFileError of an unusable key file.
func NewFromEnv(ctx context.Context, opts ...Option) (*Client, error) {
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Reason: "must not be nil; use context.Background()"}
	}
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	var probe config // opts may allow http
	for _, opt := range opts {
		if opt != nil {
			opt(&probe)
		}
	}
	insecure := probe.insecureHTTP
	switch v := strings.ToLower(env(EnvInsecure)); v {
	case "", "false", "0", "no":
	case "true", "1", "yes":
		insecure = true
	default:
		return nil, &ValidationError{Field: EnvInsecure, Reason: `must be "true" or "false"`}
	}
	baseURL, err := envURL(env, insecure)
	if err != nil {
		return nil, err
	}
	issuer := baseURL
	var envOpts []Option
	if raw := env(EnvIssuer); raw != "" {
		if issuer, err = parseEnvURL(EnvIssuer, raw, insecure); err != nil {
			return nil, err
		}
		if h := hostOf(issuer); h != hostOf(baseURL) {
			envOpts = append(envOpts, WithInstanceHost(h))
		}
	}
	if insecure {
		envOpts = append(envOpts, WithInsecureHTTP())
	}
	actx := ctx
	if issuer != baseURL {
		actx = auth.WithAddress(actx, baseURL)
	}
	if insecure {
		actx = auth.WithInsecureHTTP(actx)
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

	switch {
	case pat != "":
		envOpts = append(envOpts, WithTokenSource(auth.PAT(strings.TrimSpace(pat))))
	case keyFile != "":
		ts, err := auth.JWTProfileFile(actx, issuer, keyFile)
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
		envOpts = append(envOpts, WithTokenSource(auth.ClientCredentials(actx, issuer, clientID, clientSecret)))
	default:
		return nil, &ValidationError{Field: EnvPAT, Reason: "no credentials: set " + EnvPAT + ", " + EnvKeyFile + " or " + EnvClientID + " and " + EnvClientSecret}
	}
	if org := env(EnvOrgID); org != "" {
		envOpts = append(envOpts, WithOrgID(org))
	}
	return New(baseURL, append(envOpts, opts...)...)
}

// envURL reads where to connect: ZITADEL_URL, else https://ZITADEL_DOMAIN.
func envURL(env func(string) string, insecure bool) (string, error) {
	if raw := env(EnvURL); raw != "" {
		return parseEnvURL(EnvURL, raw, insecure)
	}
	domain := env(EnvDomain)
	if domain == "" {
		return "", &ValidationError{Field: EnvURL, Reason: "not set (set " + EnvURL + " or " + EnvDomain + ")"}
	}
	if strings.Contains(domain, "://") {
		return "", &ValidationError{Field: EnvDomain, Reason: "must be a domain without a scheme; use " + EnvURL + " for a URL"}
	}
	return parseEnvURL(EnvDomain, "https://"+domain, insecure)
}

// parseEnvURL validates a URL from the variable name, naming the way out of a refusal.
func parseEnvURL(name, raw string, insecure bool) (string, error) {
	u, err := endpoint.Parse(raw, insecure)
	if err != nil {
		reason := err.Error()
		if errors.Is(err, endpoint.ErrPlainHTTP) {
			reason += "; set " + EnvInsecure + "=true (or use WithInsecureHTTP) to allow plain http on a trusted network"
		}
		return "", &ValidationError{Field: name, Reason: reason}
	}
	return u, nil
}

// hostOf returns the host[:port] of a URL endpoint.Parse accepted.
func hostOf(u string) string {
	_, rest, _ := strings.Cut(u, "://")
	host, _, _ := strings.Cut(rest, "/")
	return host
}
