// Package client is a typed client for the password calls of the ZITADEL identity server.
//
// It offers the user service v2 calls, which are ZITADEL's current API:
//
//   - UserService.RequestPasswordReset: POST /v2/users/{userId}/password_reset
//   - UserService.SetPassword: POST /v2/users/{userId}/password
//
// and, for applications migrating from it, the deprecated management API v1 call:
//
//   - ManagementService.SetHumanInitialPassword: POST /management/v1/users/{userId}/password/_initialize
//
// Create one Client per ZITADEL instance with New (or NewFromEnv) and a token source from
// package auth, and share it:
//
//	c, err := client.New("https://acme.zitadel.cloud", client.WithTokenSource(auth.PAT(pat)))
//	...
//	reset, err := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
//	...
//	_, err = c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{
//		NewPassword:      "N3w-Secret!",
//		VerificationCode: reset.VerificationCode,
//	})
//
// # Errors
//
// Arguments are checked before anything is sent; a bad one gives a *ValidationError. An
// error answer from ZITADEL gives an *APIError with the HTTP status, the gRPC code, and
// ZITADEL's error id (match on the id and the code: messages are translated). A call that
// got no usable answer gives a *RequestError. All of them match the sentinel errors
// (ErrNotFound, ErrFailedPrecondition, ...) with errors.Is.
//
// # Retries
//
// ZITADEL's password calls are not idempotent: a second reset request sends a second email
// and invalidates the first code, and a second SetPassword with a code fails because the
// code is used up. So a call is retried only when a retry cannot repeat a side effect:
//
//   - Every call is retried when the request provably did not reach ZITADEL's application:
//     the connection could not be made (DNS, dial, TLS handshake), or the answer was HTTP
//     429 or 503. A 401 is repeated once with a fresh token when the token source caches
//     tokens (those of package auth do).
//   - When the outcome is unknown (a timeout or a lost connection after the request was
//     sent, HTTP 500, 502 or 504), only calls whose repetition is harmless are retried:
//     RequestPasswordReset with ReturnCode (a new code supersedes the old one and nothing
//     is sent), SetPassword without CurrentPassword and VerificationCode (an administrator
//     setting the same password again), and ManagementService.SetHumanInitialPassword.
//     The other calls, RequestPasswordReset that sends a message and SetPassword with a
//     current password or a code, return an error matching ErrOutcomeUnknown instead,
//     which still carries the cause (an *APIError when a response arrived).
//
// Waits grow exponentially with full jitter between RetryPolicy.MinBackoff and
// RetryPolicy.MaxBackoff; a Retry-After header is honored up to MaxBackoff. A call gives
// up early when the next wait would pass its context's deadline, and a wait ends when the
// context is canceled. When the attempts run out, the last answer's *APIError is returned,
// with the number of attempts in APIError.Attempts. Retries are built on
// github.com/hashicorp/go-retryablehttp; its own logging is off.
//
// # Security
//
// Base URLs must use https, except for loopback hosts (or with WithInsecureHTTP).
// Redirects are never followed. Passwords, codes and tokens never appear in errors or
// logs, and the types that carry them print masked.
package client
