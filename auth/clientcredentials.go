package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientCredentials returns a token source for a service user's client id and secret,
// exchanged at {issuer}/oauth/v2/token with the client_credentials grant and HTTP Basic
// client authentication (id and secret URL-encoded, as RFC 6749 requires). Tokens are
// cached until shortly before they expire. ctx supplies an *http.Client under
// oauth2.HTTPClient and the settings of WithAddress and WithInsecureHTTP; it is not kept.
// An invalid issuer, or an empty client id or secret, makes every Token call fail with a
// *ConfigError.
func ClientCredentials(ctx context.Context, issuer, clientID, clientSecret string, scopes ...string) oauth2.TokenSource {
	t, err := parseTarget(ctx, issuer)
	s := &clientCreds{
		clientID: clientID,
		endpoint: t.tokenURL,
		err:      err,
		hc:       httpClient(ctx, t.instanceHost),
		cfg: clientcredentials.Config{
			ClientID:     clientID,
			ClientSecret: clientSecret,
			TokenURL:     t.tokenURL,
			Scopes:       scopesOrDefault(scopes),
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
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
	endpoint string
	err      error
	hc       *http.Client
	cfg      clientcredentials.Config
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
	tok, err := s.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, s.hc))
	if err == nil {
		return tok, nil
	}
	te := &TokenError{Endpoint: s.endpoint, Err: err}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		te.ErrorCode, te.Description = re.ErrorCode, re.ErrorDescription
		if re.Response != nil {
			te.StatusCode = re.Response.StatusCode
			te.Err = retrieveError(re.Response, re.Body, re.ErrorCode, re.ErrorDescription, re.ErrorURI)
		}
	}
	return nil, te
}
