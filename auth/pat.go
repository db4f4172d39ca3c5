package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/oauth2"
)

// PAT returns a token source for a personal access token. The token is sent as is and
// never refreshed; when ZITADEL refuses it, calls fail with ErrUnauthenticated. The source
// prints without the token.
func PAT(token string) oauth2.TokenSource {
	return patSource{tok: &oauth2.Token{AccessToken: token, TokenType: "Bearer"}}
}

// patSource hands out the same *oauth2.Token every time, as oauth2.StaticTokenSource does,
// so that callers can recognise an unchanged token by its pointer.
type patSource struct{ tok *oauth2.Token }

var errEmptyPAT = errors.New("auth: the personal access token is empty")

// Token returns the personal access token as a bearer token.
func (s patSource) Token() (*oauth2.Token, error) {
	if s.tok.AccessToken == "" {
		return nil, errEmptyPAT
	}
	return s.tok, nil
}

// TokenContext is Token; a personal access token needs no request.
func (s patSource) TokenContext(context.Context) (*oauth2.Token, error) { return s.Token() }

// Format prints the source without its token, for every verb.
func (s patSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, "auth.PAT([REDACTED])") }

// LogValue logs the source without its token.
func (s patSource) LogValue() slog.Value { return slog.StringValue("auth.PAT([REDACTED])") }
