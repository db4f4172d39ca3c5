package client

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/internal/endpoint"
	"golang.org/x/oauth2"
)

// The environment variables NewFromEnv reads.
const (
	EnvURL          = "ZITADEL_URL"           // instance URL, e.g. https://acme.zitadel.cloud
	EnvDomain       = "ZITADEL_DOMAIN"        // instance domain, https implied; used when ZITADEL_URL is unset
	EnvPAT          = "ZITADEL_PAT"           // personal access token
	EnvPATFile      = "ZITADEL_PAT_FILE"      // path of a file whose content is the personal access token
	EnvKeyFile      = "ZITADEL_KEY_FILE"      // path of a service user's JSON key file (JWT profile)
	EnvClientID     = "ZITADEL_CLIENT_ID"     // client credentials, with ZITADEL_CLIENT_SECRET
	EnvClientSecret = "ZITADEL_CLIENT_SECRET" // client credentials, with ZITADEL_CLIENT_ID
	EnvOrgID        = "ZITADEL_ORG_ID"        // optional default organization for v1 calls
	EnvIssuer       = "ZITADEL_ISSUER"        // optional: the instance's public URL, when ZITADEL_URL is another address
	EnvInsecure     = "ZITADEL_INSECURE"      // "true": consent to plain http to a host that is not loopback
)

// NewFromEnv builds a client from the environment: where to connect from ZITADEL_URL (or
// ZITADEL_DOMAIN, https implied), credentials from exactly one of ZITADEL_PAT,
// ZITADEL_PAT_FILE, ZITADEL_KEY_FILE (JWT profile) or ZITADEL_CLIENT_ID with
// ZITADEL_CLIENT_SECRET, and the optional ZITADEL_ORG_ID. opts are applied after the
// environment, so they override it. ctx is passed to the auth constructors (see package
// auth); it is not kept.
//
// ZITADEL_PAT_FILE is the path of a file holding the personal access token, as container
// secrets are mounted (the _FILE convention). Surrounding whitespace, such as the final line
// break, is dropped there and in ZITADEL_PAT; a token that is empty or holds whitespace
// inside is refused here, before any request (see auth.PAT).
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

	pat, patFile, keyFile := os.Getenv(EnvPAT), env(EnvPATFile), env(EnvKeyFile)
	clientID, clientSecret := env(EnvClientID), os.Getenv(EnvClientSecret)
	if err := oneCredential(pat, patFile, keyFile, clientID+clientSecret); err != nil {
		return nil, err
	}

	switch {
	case pat != "":
		ts, err := envPAT(EnvPAT, pat)
		if err != nil {
			return nil, err
		}
		envOpts = append(envOpts, WithTokenSource(ts))
	case patFile != "":
		ts, err := envPATFile(patFile)
		if err != nil {
			return nil, err
		}
		envOpts = append(envOpts, WithTokenSource(ts))
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
		return nil, &ValidationError{Field: EnvPAT, Reason: "no credentials: set " + EnvPAT + ", " + EnvPATFile + ", " + EnvKeyFile + " or " + EnvClientID + " and " + EnvClientSecret}
	}
	if org := env(EnvOrgID); org != "" {
		envOpts = append(envOpts, WithOrgID(org))
	}
	return New(baseURL, append(envOpts, opts...)...)
}

// credentialSources are the variables that each name a credential, in the order
// NewFromEnv reports them.
var credentialSources = []string{EnvPAT, EnvPATFile, EnvKeyFile, EnvClientID + "/" + EnvClientSecret}

// oneCredential refuses more than one credential source: which one was meant is a guess.
// The values are given in the order of credentialSources; the error names the variables
// that are set, never their values.
func oneCredential(values ...string) error {
	var set []string
	for i, v := range values {
		if v != "" {
			set = append(set, credentialSources[i])
		}
	}
	if len(set) < 2 {
		return nil
	}
	return &ValidationError{Field: set[0], Reason: strings.Join(set, " and ") + " are set; set only one of " +
		strings.Join(credentialSources[:len(credentialSources)-1], ", ") + " and " + credentialSources[len(credentialSources)-1]}
}

// maxPATFile bounds what is read of ZITADEL_PAT_FILE: a token is far shorter, and a path
// that names a large file by mistake must not be read whole.
const maxPATFile = 64 << 10

// envPATFile reads the personal access token from the file ZITADEL_PAT_FILE names. Its
// errors name the file, never its content.
func envPATFile(path string) (oauth2.TokenSource, error) {
	fail := func(reason string) (oauth2.TokenSource, error) {
		return nil, &ValidationError{Field: EnvPATFile, Reason: "file " + strconv.Quote(path) + ": " + reason}
	}
	f, err := os.Open(path)
	if err != nil {
		return fail("cannot be read: " + pathErrReason(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPATFile+1))
	if err != nil {
		return fail("cannot be read: " + pathErrReason(err))
	}
	if len(data) > maxPATFile {
		return fail("larger than 64 KiB; it must hold only the personal access token")
	}
	ts := auth.PAT(string(data))
	if _, err := ts.Token(); err != nil {
		return fail(patReason(err))
	}
	return ts, nil
}

// envPAT is auth.PAT, with a refused token reported as a *ValidationError naming name.
func envPAT(name, token string) (oauth2.TokenSource, error) {
	ts := auth.PAT(token)
	if _, err := ts.Token(); err != nil {
		return nil, &ValidationError{Field: name, Reason: patReason(err)}
	}
	return ts, nil
}

// patReason is why auth.PAT refused a token (its errors never quote the token).
func patReason(err error) string {
	if ce, ok := errors.AsType[*auth.ConfigError](err); ok {
		return "the personal access token " + ce.Reason
	}
	return err.Error()
}

// pathErrReason is the cause of a failed file operation without the path, which the
// caller's message already names.
func pathErrReason(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err.Error()
	}
	return err.Error()
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
