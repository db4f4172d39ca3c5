package auth

import (
	"context"

	"golang.org/x/oauth2"
)

// ContextTokenSource is a token source whose wait for a token a context bounds. Package
// client calls TokenContext with each request's context, so that a call's deadline also
// ends its wait for a token endpoint that hangs; a source without it is called through
// Token on one goroutine per client, shared by the calls waiting for it, each of which
// leaves when its context ends. Every source of this package is a ContextTokenSource.
type ContextTokenSource interface {
	oauth2.TokenSource
	// TokenContext is Token, returning ctx.Err() when ctx ends before a token is there.
	TokenContext(ctx context.Context) (*oauth2.Token, error)
}

// Invalidator is a token source with a cache that can drop a token the server refused, so
// that the next call fetches a new one. Package client calls Invalidate when ZITADEL
// answers 401, and then tries the call once more; a source without it (a PAT, which cannot
// be refreshed) gets no second try. JWTProfile and ClientCredentials are Invalidators.
type Invalidator interface {
	// Invalidate drops the cached token if it is accessToken. A token that has already
	// been replaced is kept, so that concurrent calls refused with the same old token
	// cause one fetch.
	Invalidate(accessToken string)
}

var (
	_ ContextTokenSource = patSource{}
	_ ContextTokenSource = (*jwtProfile)(nil)
	_ ContextTokenSource = (*clientCreds)(nil)
	_ Invalidator        = (*jwtProfile)(nil)
	_ Invalidator        = (*clientCreds)(nil)
)
