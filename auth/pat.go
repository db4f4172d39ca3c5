package auth

import (
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"
)

// PAT returns a token source for a personal access token. The token is sent as is and
// never refreshed; when ZITADEL refuses it, calls fail with ErrUnauthenticated. The source
// prints without the token.
func PAT(token string) oauth2.TokenSource { return patSource{token: token} }

type patSource struct{ token string }

var errEmptyPAT = errors.New("auth: the personal access token is empty")

// Token returns the personal access token as a bearer token.
func (s patSource) Token() (*oauth2.Token, error) {
	if s.token == "" {
		return nil, errEmptyPAT
	}
	return &oauth2.Token{AccessToken: s.token, TokenType: "Bearer"}, nil
}

// Format prints the source without its token, for every verb.
func (s patSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, "auth.PAT([REDACTED])") }

// LogValue logs the source without its token.
func (s patSource) LogValue() slog.Value { return slog.StringValue("auth.PAT([REDACTED])") }
