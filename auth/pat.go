package auth

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"unicode"

	"golang.org/x/oauth2"
)

// PAT returns a token source for a personal access token. The token is sent as is and
// never refreshed; when ZITADEL refuses it, calls of package client fail with
// client.ErrUnauthenticated. The source prints without the token.
//
// Surrounding whitespace is dropped: a token read from a file or a mounted secret usually
// ends with a line break, which net/http would refuse in the Authorization header with an
// error that names neither the token nor the cause. A token is printable ASCII without
// whitespace, so one that is empty or holds whitespace, a control character or a
// non-ASCII character inside is refused: Token returns a *ConfigError (without the token)
// and no request is sent.
func PAT(token string) oauth2.TokenSource {
	token = strings.TrimSpace(token)
	if err := checkPAT(token); err != nil {
		return patSource{err: err}
	}
	return patSource{tok: &oauth2.Token{AccessToken: token, TokenType: "Bearer"}}
}

// patField is the Field of a PAT's *ConfigError.
const patField = "personal access token"

// checkPAT refuses what cannot be a personal access token. Its errors never quote the
// token, not even a part of it.
func checkPAT(token string) error {
	if token == "" {
		return &ConfigError{Field: patField, Reason: "must not be empty"}
	}
	if strings.IndexFunc(token, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return &ConfigError{Field: patField, Reason: "must not contain whitespace or control characters " +
			"(a token has none: was it copied with a line break inside, or are these two values?)"}
	}
	// A bearer token is printable ASCII (RFC 6750 section 2.1); net/http would send other
	// bytes, and ZITADEL refuse them with a bare 401.
	if strings.IndexFunc(token, func(r rune) bool { return r > unicode.MaxASCII }) >= 0 {
		return &ConfigError{Field: patField, Reason: "must not contain non-ASCII characters " +
			"(a token has none: does its file start with a byte order mark?)"}
	}
	return nil
}

// patSource hands out the same *oauth2.Token every time, as oauth2.StaticTokenSource does,
// so that callers can recognise an unchanged token by its pointer. A refused token leaves
// tok nil and err set.
type patSource struct {
	tok *oauth2.Token
	err error
}

// Token returns the personal access token as a bearer token, or the *ConfigError that
// refused it.
func (s patSource) Token() (*oauth2.Token, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.tok, nil
}

// TokenContext is Token; a personal access token needs no request.
func (s patSource) TokenContext(context.Context) (*oauth2.Token, error) { return s.Token() }

// Format prints the source without its token, for every verb.
func (s patSource) Format(f fmt.State, _ rune) { fmt.Fprint(f, "auth.PAT([REDACTED])") }

// LogValue logs the source without its token.
func (s patSource) LogValue() slog.Value { return slog.StringValue("auth.PAT([REDACTED])") }
