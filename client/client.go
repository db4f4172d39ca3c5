package client

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/zitpass/zitpass-go/internal/endpoint"
	"golang.org/x/oauth2"
)

// Version is the SDK's version, sent in the User-Agent header.
const Version = "0.3.0"

// defaultTimeout bounds each attempt of the default HTTP client, so that a silent server
// cannot hang a call whose context has no deadline.
const defaultTimeout = 30 * time.Second

// Client calls ZITADEL's password APIs. It is safe for concurrent use; create one per
// instance and reuse it, so that connections and cached tokens are reused.
type Client struct {
	Users      *UserService       // user service v2: the current API
	Sessions   *SessionService    // session service v2: password checks
	Settings   *SettingsService   // settings service v2: password policy, lockout, expiry
	Management *ManagementService // management API v1: deprecated calls only
	Auth       *AuthService       // auth API v1: deprecated, the signed-in user's own calls

	baseURL   string // scheme://host[/prefix], no trailing slash
	hc        *http.Client
	ts        oauth2.TokenSource
	orgID     string
	retry     RetryPolicy
	noRetries bool
	userAgent []string // the User-Agent header value, shared by all requests
	instance  []string // the x-zitadel-instance-host header value, or nil
	logger    *slog.Logger
	auth      *atomic.Pointer[authHeader] // the last Authorization header built
	plain     *plainFlight                // shares a plain token source's Token among its waiters

	// What the client learns about the server, once.
	myOrg           *learned[string] // the organization of the token's user (CreateUser)
	lacksCreateUser *learned[bool]   // the server has no CreateUser (ZITADEL v3)
	lacksUpdateUser *learned[bool]   // the server has no UpdateUser (ZITADEL v3)

	// Seams for tests: the clock and the jitter source.
	now   func() time.Time
	randN func(int64) int64
}

// New returns a client for the ZITADEL instance at baseURL, e.g.
// "https://acme.zitadel.cloud". baseURL must be absolute and use https; http is accepted
// for loopback hosts (localhost, 127.0.0.0/8, ::1) and, with WithInsecureHTTP, for any
// host. A path prefix (for a reverse proxy) is kept; query, fragment and user info are
// refused.
func New(baseURL string, opts ...Option) (*Client, error) {
	var cfg config
	for _, opt := range opts {
		if opt != nil {
			opt(&cfg)
		}
	}
	base, err := parseBaseURL(baseURL, cfg.insecureHTTP)
	if err != nil {
		return nil, err
	}
	if err := validateHeaderValue("orgID", cfg.orgID); err != nil {
		return nil, err
	}
	if err := validateHeaderValue("userAgent", cfg.userAgent); err != nil {
		return nil, err
	}
	if err := validateInstanceHost(cfg.instanceHost); err != nil {
		return nil, err
	}
	if cfg.retry.MaxAttempts < 0 || cfg.retry.MinBackoff < 0 || cfg.retry.MaxBackoff < 0 {
		return nil, &ValidationError{Field: "RetryPolicy", Reason: "must not be negative"}
	}
	c := &Client{
		baseURL:   base,
		hc:        sdkHTTPClient(cfg.hc),
		ts:        cfg.ts,
		orgID:     cfg.orgID,
		retry:     cfg.retry.withDefaults(),
		noRetries: cfg.noRetries,
		userAgent: []string{userAgent(cfg.userAgent)},
		instance:  headerValue(cfg.instanceHost),
		logger:    cfg.logger,
		auth:      new(atomic.Pointer[authHeader]),
		plain:     new(plainFlight),

		myOrg:           new(learned[string]),
		lacksCreateUser: new(learned[bool]),
		lacksUpdateUser: new(learned[bool]),
		now:             time.Now,
		randN:           rand.Int64N,
	}
	c.Users = &UserService{c: c}
	c.Sessions = &SessionService{c: c}
	c.Settings = &SettingsService{c: c}
	c.Management = &ManagementService{c: c}
	c.Auth = &AuthService{c: c}
	return c, nil
}

// String describes the client without its credentials.
func (c Client) String() string { return "zitpass.Client(" + c.baseURL + ")" }

// Format prints the client as String does, for every verb, so that printing a Client
// (or a struct holding one) cannot reach its token source.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// BaseURL returns the instance URL the client calls, without a trailing slash.
func (c *Client) BaseURL() string { return c.baseURL }

// CloseIdleConnections closes the idle keep-alive connections of the client's transport.
func (c *Client) CloseIdleConnections() {
	if t, ok := c.hc.Transport.(*transport); ok {
		t.closeIdle()
	}
}

func parseBaseURL(raw string, insecure bool) (string, error) {
	base, err := endpoint.Parse(raw, insecure)
	if err != nil {
		reason := err.Error()
		if errors.Is(err, endpoint.ErrPlainHTTP) {
			reason += " or WithInsecureHTTP"
		}
		return "", &ValidationError{Field: "baseURL", Reason: reason}
	}
	return base, nil
}

// validateHeaderValue refuses values net/http would reject later, mid-call.
func validateHeaderValue(field, v string) error {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 && b != '\t' || b == 0x7f {
			return &ValidationError{Field: field, Reason: "must not contain control characters"}
		}
	}
	return nil
}

// validateInstanceHost accepts "" (no header) or a host[:port] without scheme or path.
func validateInstanceHost(host string) error {
	if host == "" {
		return nil
	}
	if strings.ContainsAny(host, "/ ") || strings.Contains(host, "://") {
		return &ValidationError{Field: "instanceHost", Reason: `must be a host[:port] such as "auth.example.com" or "localhost:8080", without scheme or path`}
	}
	return validateHeaderValue("instanceHost", host)
}

func headerValue(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

func userAgent(prefix string) string {
	ua := "zitpass-go/" + Version + " go/" + strings.TrimPrefix(runtime.Version(), "go")
	if prefix = strings.TrimSpace(prefix); prefix != "" {
		ua = prefix + " " + ua
	}
	return ua
}

// sdkHTTPClient returns the client requests are sent with: a copy of hc (or a default)
// that does not follow redirects and whose transport retries cannot reset.
func sdkHTTPClient(hc *http.Client) *http.Client {
	var c http.Client
	if hc != nil {
		c = *hc
	} else {
		c.Timeout = defaultTimeout
		c.Transport = defaultTransport()
	}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	c.Transport = &transport{base: rt}
	c.CheckRedirect = noRedirects
	return &c
}

// noRedirects makes the client hand back a 3xx response itself, which then becomes an
// *APIError: ZITADEL does not redirect these calls, and following a redirect to another
// host could hand it the token.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func defaultTransport() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Enough idle connections that concurrent callers reuse them instead of dialling.
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 100
	return t
}
