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
// Exchanging sources cache their token and are safe for concurrent use. A caller with a
// valid token never waits: in the token's last minute (a tenth of its lifetime for short
// tokens) one refresh runs in the background while callers keep the current token, and a
// failed refresh is tried again before the token expires. On a cold cache or an expired
// token, concurrent callers share one token request. Their wait is bounded by their own
// context when they call TokenContext(ctx), as package client does: each leaves at its
// deadline with context.DeadlineExceeded, and a request nobody waits for any more is
// canceled. Token, without a context, waits at most 30 seconds.
//
// # Capabilities, and wrapping a source
//
// Package client finds what a token source can do beyond oauth2.TokenSource by a type
// assertion on the source it is given: ContextTokenSource (a context bounds the wait for a
// token) and Invalidator (drop a cached token the server refused, so that the next call
// fetches a new one). Every source here is a ContextTokenSource; JWTProfile and
// ClientCredentials are Invalidators too, PAT is not. A wrapper around a source, for
// logging or metrics, hides both unless it has the methods itself: give it TokenContext
// and Invalidate that call the wrapped source's, and give it Invalidate only when the
// wrapped source has one (see the example of ContextTokenSource). Otherwise calls wait for
// a hanging token endpoint beyond their deadline, and a token ZITADEL refused stays cached
// until it expires.
//
// # Reaching ZITADEL through another address
//
// The issuer is the instance's public URL: the audience of JWT assertions, and the host
// ZITADEL picks the instance by. Inside a docker compose network or a Kubernetes cluster,
// applications often connect to another address (http://zitadel:8080). Pass the
// constructor a context from WithAddress: requests then go to the address and carry
// x-zitadel-instance-host with the issuer's host, while the audience stays the issuer.
// Plain http to a host that is not loopback needs WithInsecureHTTP:
//
//	ctx := auth.WithInsecureHTTP(auth.WithAddress(ctx, "http://zitadel:8080"))
//	ts, err := auth.JWTProfileFile(ctx, "http://localhost:8080", "/secrets/key.json")
//
// client.NewFromEnv does this from ZITADEL_URL, ZITADEL_ISSUER and ZITADEL_INSECURE.
//
// The token endpoint is called with its own HTTP client (30s timeout, no redirects), or
// with the *http.Client stored in the constructor's context under oauth2.HTTPClient. The
// context is used for nothing else: later refreshes never depend on a request's context.
//
// Failures of the token endpoint are *TokenError values; those of an error answer unwrap
// to *oauth2.RetrieveError. Bad key files are *KeyFileError values, and bad arguments
// (an issuer that is not an https URL, an empty client secret, a PAT with a line break
// inside) *ConfigError values. None ever contains a private key, assertion, secret or
// token, and the sources print without their secrets.
package auth
