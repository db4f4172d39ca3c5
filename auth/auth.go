package auth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
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

// settings are what a constructor's context says about reaching the token endpoint.
type settings struct {
	address  string // where to connect, when not the issuer
	insecure bool
}

type settingsKey struct{}

func settingsFrom(ctx context.Context) settings {
	if ctx == nil {
		return settings{}
	}
	s, _ := ctx.Value(settingsKey{}).(settings)
	return s
}

// WithAddress returns a context that makes token sources built with it connect to address,
// e.g. "http://zitadel:8080" (a docker compose service) or "http://zitadel.auth.svc:8080"
// (a Kubernetes service), instead of the issuer. The issuer stays the instance's public
// URL: the audience of JWT assertions. Its host[:port] is sent as x-zitadel-instance-host,
// by which ZITADEL picks the instance when the request names another host. Pass the
// context to JWTProfile, JWTProfileFile or ClientCredentials.
func WithAddress(ctx context.Context, address string) context.Context {
	s := settingsFrom(ctx)
	s.address = address
	return context.WithValue(ctx, settingsKey{}, s)
}

// WithInsecureHTTP returns a context that lets token sources built with it use plain http
// to a host that is not loopback (the issuer or the WithAddress address), as inside a
// compose network. Credentials and tokens then cross the network unencrypted.
func WithInsecureHTTP(ctx context.Context) context.Context {
	s := settingsFrom(ctx)
	s.insecure = true
	return context.WithValue(ctx, settingsKey{}, s)
}

// target is where a source exchanges tokens.
type target struct {
	audience     string // the issuer, normalized: the JWT audience
	tokenURL     string // where the request goes
	instanceHost string // x-zitadel-instance-host, when connecting through another address
}

// parseTarget validates the issuer and the context's address.
func parseTarget(ctx context.Context, rawIssuer string) (target, error) {
	st := settingsFrom(ctx)
	issuer, err := endpoint.Parse(rawIssuer, st.insecure)
	if err != nil {
		return target{}, configError("issuer", err)
	}
	t := target{audience: issuer, tokenURL: issuer + tokenPath}
	if st.address == "" {
		return t, nil
	}
	addr, err := endpoint.Parse(st.address, st.insecure)
	if err != nil {
		return target{}, configError("address", err)
	}
	t.tokenURL = addr + tokenPath
	iu, _ := url.Parse(issuer)
	au, _ := url.Parse(addr)
	if iu.Host != au.Host {
		t.instanceHost = iu.Host
	}
	return t, nil
}

func configError(field string, err error) *ConfigError {
	reason := err.Error()
	if errors.Is(err, endpoint.ErrPlainHTTP) {
		reason += ", or allow it with auth.WithInsecureHTTP"
	}
	return &ConfigError{Field: field, Reason: reason}
}

// httpClient returns the client for token requests: the one in ctx under
// oauth2.HTTPClient, or a new one with a timeout, sending x-zitadel-instance-host when set.
// Redirects are never followed, since the request carries a credential.
func httpClient(ctx context.Context, instanceHost string) *http.Client {
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
	if instanceHost != "" {
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = instanceHostTransport{base: base, host: []string{instanceHost}}
	}
	return &c
}

// instanceHostTransport adds x-zitadel-instance-host to token requests.
type instanceHostTransport struct {
	base http.RoundTripper
	host []string
}

func (t instanceHostTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header["X-Zitadel-Instance-Host"] = t.host
	return t.base.RoundTrip(r)
}

// ConfigError reports an invalid argument to a constructor, such as an issuer that is not
// an https URL or a personal access token with a line break inside. It never contains a
// secret.
type ConfigError struct {
	Field  string
	Reason string
}

// Error names the field and the reason.
func (e *ConfigError) Error() string { return "zitpass: invalid " + e.Field + ": " + e.Reason }
