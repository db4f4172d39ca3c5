// Package auth provides the token sources that authenticate zitpass-go clients to
// ZITADEL, as golang.org/x/oauth2 token sources:
//
//   - PAT: a personal access token of a service user, sent as is.
//   - JWTProfile and JWTProfileFile: a service user's key file. The source signs an RS256
//     JWT with the key and exchanges it at {issuer}/oauth/v2/token
//     (grant type urn:ietf:params:oauth:grant-type:jwt-bearer).
//   - ClientCredentials: a service user's client id and secret, exchanged at the same
//     endpoint with the client_credentials grant.
//
// The issuer is the instance's base URL, e.g. "https://acme.zitadel.cloud". Sources that
// exchange credentials request DefaultScopes unless given scopes; the scope ScopeZitadelAPI
// is what lets the token call ZITADEL's APIs.
//
// Exchanging sources cache their token, refresh it shortly before it expires, and are safe
// for concurrent use: concurrent callers on a cold cache share one token request. They
// also have a method Invalidate(accessToken string), which package client calls when
// ZITADEL refuses a token with 401, so that the next call fetches a fresh one.
//
// The token endpoint is called with its own HTTP client (30s timeout, no redirects), or
// with the *http.Client stored in the constructor's context under oauth2.HTTPClient. The
// context is used for nothing else: later refreshes never depend on a request's context.
//
// Failures of the token endpoint are *TokenError values, which unwrap to
// *oauth2.RetrieveError; bad key files are *KeyFileError values. Neither ever contains a
// private key, assertion, secret or token, and the sources print without their secrets.
package auth
