package auth

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"
)

// ClientCredentials returns a token source for a service user's client id and secret,
// exchanged at {issuer}/oauth/v2/token with the client_credentials grant and HTTP Basic
// client authentication (id and secret URL-encoded, as RFC 6749 section 2.3.1 requires).
// Tokens are cached until shortly before they expire. ctx supplies an *http.Client under
// oauth2.HTTPClient and the settings of WithAddress and WithInsecureHTTP; it is not kept.
// An invalid issuer, or an empty client id or secret, makes every Token call fail with a
// *ConfigError.
func ClientCredentials(ctx context.Context, issuer, clientID, clientSecret string, scopes ...string) oauth2.TokenSource {
	t, err := parseTarget(ctx, issuer)
	s := &clientCreds{
		clientID: clientID,
		secret:   clientSecret,
		endpoint: t.tokenURL,
		scope:    strings.Join(scopesOrDefault(scopes), " "),
		err:      err,
		hc:       httpClient(ctx, t.instanceHost),
	}
	if err == nil && (clientID == "" || clientSecret == "") {
		s.err = &ConfigError{Field: "client credentials", Reason: "client id and secret must not be empty"}
	}
	s.cache = newCache(s.exchange)
	return s
}

type clientCreds struct {
	*cache
	clientID string
	secret   string
	endpoint string
	scope    string
	err      error
	hc       *http.Client
}

// Format prints the source without its secret, for every verb.
func (s *clientCreds) Format(f fmt.State, _ rune) {
	fmt.Fprintf(f, "auth.ClientCredentials(%s, client %s, [REDACTED])", s.endpoint, s.clientID)
}

// LogValue logs the source without its secret.
func (s *clientCreds) LogValue() slog.Value {
	return slog.GroupValue(slog.String("endpoint", s.endpoint), slog.String("clientId", s.clientID))
}

func (s *clientCreds) exchange(ctx context.Context) (*oauth2.Token, error) {
	if s.err != nil {
		return nil, s.err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {s.scope}}
	return postToken(ctx, s.hc, s.endpoint, form, s.basicAuth, s.now)
}

// basicAuth authenticates the client as RFC 6749 section 2.3.1 says: the id and the
// secret form-encoded, then as HTTP Basic credentials.
func (s *clientCreds) basicAuth(r *http.Request) {
	r.SetBasicAuth(url.QueryEscape(s.clientID), url.QueryEscape(s.secret))
}
