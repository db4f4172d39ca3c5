package client

import (
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/oauth2"
)

// An Option configures a Client. Options are applied in order; a later option overrides an
// earlier one.
type Option func(*config)

// config is what the options set; New turns it into a Client.
type config struct {
	ts           oauth2.TokenSource
	hc           *http.Client
	orgID        string
	retry        RetryPolicy
	noRetries    bool
	userAgent    string
	logger       *slog.Logger
	insecureHTTP bool
	instanceHost string
}

// WithTokenSource sets the source of the bearer token sent as "Authorization: Bearer" on
// every call; see package auth for personal access tokens, JWT profile keys and client
// credentials. Without it, requests carry no Authorization header and ZITADEL answers
// ErrUnauthenticated.
//
// A call's context bounds its wait for a token: the client passes it to sources with a
// TokenContext(ctx) method, as package auth's have, and leaves a plain source's Token
// running on its own goroutine when the context ends first.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) { c.ts = ts }
}

// WithHTTPClient sets the HTTP client whose transport the SDK sends requests through. The
// SDK uses a copy that never follows redirects (ZITADEL does not redirect these calls, and
// following one could leak the token), so hc itself is not modified. Its Timeout, if set,
// limits each attempt. The default client has a pooled transport and a 30s timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) { c.hc = hc }
}

// WithOrgID sets the default organization sent as x-zitadel-orgid on management (v1) calls,
// and the organization CreateUser creates users in when neither the request nor InOrg
// names one. Other v2 calls never send it: ZITADEL finds users by id across the instance,
// and the settings calls (SettingsService) read another organization's settings only with
// InOrg.
func WithOrgID(orgID string) Option {
	return func(c *config) { c.orgID = orgID }
}

// WithRetryPolicy sets how failed requests are retried. See RetryPolicy and the package
// documentation for which failures are retried for which call.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *config) { c.retry = p; c.noRetries = false }
}

// WithoutRetries makes every call a single HTTP request, apart from the one repeat after
// a 401 when a cached token was refreshed (see package auth).
func WithoutRetries() Option {
	return func(c *config) { c.noRetries = true }
}

// WithUserAgent prepends ua, e.g. "billing-service/1.4", to the SDK's own User-Agent
// "zitpass-go/<version> go/<go version>".
func WithUserAgent(ua string) Option {
	return func(c *config) { c.userAgent = ua }
}

// WithLogger logs each HTTP attempt at debug level: operation, method, path, status,
// attempt, duration, request id and error. Bodies, tokens, passwords and codes are never
// logged. Without it, the SDK logs nothing.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithInsecureHTTP allows an http:// base URL to a host that is not loopback. Tokens and
// passwords then cross the network unencrypted: use it only on a trusted network.
func WithInsecureHTTP() Option {
	return func(c *config) { c.insecureHTTP = true }
}

// WithInstanceHost sends "x-zitadel-instance-host: host" on every request, host being the
// instance's public host[:port] (e.g. "auth.example.com" or "localhost:8080"). ZITADEL
// picks the instance by this header when it is present, else by the Host header, so it
// lets an application reach ZITADEL through an address other than the instance's public
// name: a docker compose service name (http://zitadel:8080), a Kubernetes service
// (http://zitadel.auth.svc:8080), a load balancer's IP. Without it such calls fail with
// ErrInstanceNotFound (QUERY-1kIjX, "Instance not found"). Token sources that exchange a
// key or a secret need the same: give them the public URL as issuer and the address with
// auth.WithAddress (NewFromEnv does both from ZITADEL_ISSUER).
func WithInstanceHost(host string) Option {
	return func(c *config) { c.instanceHost = host }
}

// A CallOption configures a single call.
type CallOption func(*callConfig)

type callConfig struct {
	orgID       string
	orgIDSet    bool
	token       string
	lifetime    time.Duration
	lifetimeSet bool
	rateLimited func(retryAfter time.Duration)
}

func newCallConfig(opts []CallOption) callConfig {
	var cc callConfig
	for _, o := range opts {
		if o != nil {
			o(&cc)
		}
	}
	return cc
}

// org returns the organization of the call: InOrg's, else def.
func (cc callConfig) org(def string) string {
	if cc.orgIDSet {
		return cc.orgID
	}
	return def
}

// InOrg sets the organization of this call. Management (v1) calls send it as
// x-zitadel-orgid, overriding WithOrgID; InOrg("") sends no header, so the caller's own
// organization applies. User service (v2) calls that take an organization (CreateUser,
// AddHumanUser, the settings) send it in the request; the other v2 calls find users by
// id across the instance and ignore InOrg.
func InOrg(orgID string) CallOption {
	return func(c *callConfig) { c.orgID = orgID; c.orgIDSet = true }
}

// AsUser sends this call with token, a user's own access token or a session token from
// SessionService.CreateWithPassword, instead of the client's token source. It is meant
// for AuthService calls, which act on the user the token belongs to. The token is a
// secret: it is never logged or put into errors.
func AsUser(token string) CallOption {
	return func(c *callConfig) { c.token = token }
}

// OnRateLimited calls f each time an attempt of this call is answered 429 (a rate limit:
// nothing was applied), with the wait the server asked for in its Retry-After header, 0
// when it named none, before the call waits to retry or returns ErrRateLimited. The client
// waits out a Retry-After on the call that got it; f lets a program that shares the
// server's limit across goroutines hold the others as well (package bulk does). f runs on
// the caller's goroutine and should return at once.
func OnRateLimited(f func(retryAfter time.Duration)) CallOption {
	return func(c *callConfig) { c.rateLimited = f }
}

// SessionLifetime sets the lifetime of the session a call creates or checks
// (SessionService.CreateWithPassword, CheckPassword): ZITADEL refuses the session once d has
// passed since the call (ErrSessionExpired). Without it ZITADEL's sessions never expire, so
// a session that is not deleted stays usable for as long as its token is known. d must be
// greater than zero; a call with another value fails before sending. VerifyPassword sets a
// short lifetime of its own.
func SessionLifetime(d time.Duration) CallOption {
	return func(c *callConfig) { c.lifetime = d; c.lifetimeSet = true }
}
