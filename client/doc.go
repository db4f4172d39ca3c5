// Package client is a typed client for the password lifecycle of the ZITADEL identity
// server.
//
// It offers ZITADEL's current API, the v2 services of ZITADEL v4:
//
//   - UserService (Client.Users): CreateUser, UpdateUser (set or change a password, or an
//     imported hash), RequestPasswordReset, GetUser, HasPassword, LockUser, UnlockUser,
//     DeleteUser
//   - SessionService (Client.Sessions): CreateWithPassword, CheckPassword, Delete,
//     VerifyPassword, with SessionLifetime
//   - SettingsService (Client.Settings): PasswordComplexity (with PasswordComplexity.Check),
//     Lockout, PasswordExpiry (with PasswordExpiry.ExpiresAt), Login
//
// and the calls ZITADEL deprecated, each naming its replacement: the v2 AddHumanUser and
// SetPassword (deprecated in ZITADEL v4.1.0; CreateUser and UpdateUser fall back to them by
// themselves on ZITADEL v3, which lacks the current calls), and the v1 password calls, for
// applications migrating from them:
//
//   - ManagementService (Client.Management): SetHumanInitialPassword, SetHumanPassword,
//     SendHumanResetPasswordNotification
//   - AuthService (Client.Auth): UpdateMyPassword
//
// Create one Client per ZITADEL instance with New (or NewFromEnv) and a token source from
// package auth, and share it:
//
//	c, err := client.New("https://acme.zitadel.cloud", client.WithTokenSource(auth.PAT(pat)))
//	...
//	reset, err := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
//	...
//	_, err = c.Users.UpdateUser(ctx, userID, client.UpdateUserRequest{
//		NewPassword:      "N3w-Secret!",
//		VerificationCode: reset.VerificationCode,
//	})
//	if errors.Is(err, client.ErrInvalidCode) { ... }
//
// To reach an instance through an address other than its public name (a compose service,
// a Kubernetes service), see WithInstanceHost, and NewFromEnv's ZITADEL_ISSUER.
//
// # Errors
//
// Arguments are checked before anything is sent; a bad one gives a *ValidationError. An
// error answer from ZITADEL gives an *APIError with the HTTP status, the gRPC code, and
// ZITADEL's error id. A call that got no usable answer gives a *RequestError. Match them
// with errors.Is against a named outcome (ErrWrongPassword, ErrPasswordPolicy,
// ErrInvalidCode, ErrCodeNotFound, ErrUserNotFound, ErrUserExists, ...), which holds for the
// same event whichever call reported it and whatever its id, or against the sentinel of the
// gRPC code (ErrNotFound, ErrFailedPrecondition, ...). Never match on messages: ZITADEL
// translates them.
//
// # Retries
//
// ZITADEL's password calls are not idempotent: a second reset request sends a second email
// and invalidates the first code, a second SetPassword with a code fails because the code
// is used up, and every password check counts toward the lockout policy. So an answer is
// judged by who sent it and what it says:
//
//   - The request provably did not reach ZITADEL's application, or ZITADEL says it applied
//     nothing and a repeat would succeed: the connection could not be made (DNS, dial),
//     HTTP 429 (whoever sent it), ZITADEL's own 503 (its error body with code 14), or
//     ZITADEL's write conflict (a 500 with code 2 and SQLSTATE 23505 in the message: two
//     writes to one user raced). Every call is retried. A 401 is repeated once with a fresh
//     token when the token source can drop a refused one (auth.Invalidator).
//   - ZITADEL's own error says the command failed: a 5xx whose body is ZITADEL's error
//     with an error id (such as 500 COMMAND-CahN2 for a password bcrypt refuses), an
//     interceptor error of the v1 APIs ("rpc error: code = ..."), or bcrypt's length error.
//     Nothing was applied and a repeat would fail the same way: the *APIError is returned
//     at once, matching ErrInternal (or the wrapped code), not ErrOutcomeUnknown. A refused
//     TLS certificate is final too.
//   - The outcome is unknown: a timeout or a lost connection after the request was sent,
//     HTTP 502 or 504, or a 5xx (503 included) whose body is not ZITADEL's, such as a
//     proxy's "upstream connect error or disconnect/reset before headers". Only calls whose
//     repetition is harmless are retried: UpdateUser and SetPassword by an administrator,
//     the v1 SetHumanInitialPassword and SetHumanPassword, RequestPasswordReset with
//     ReturnCode, CreateUser and AddHumanUser with their own UserID, LockUser, UnlockUser,
//     DeleteUser, SessionService.Delete and the reads. The others return an error matching
//     ErrOutcomeUnknown, which still carries the cause (an *APIError when a response
//     arrived).
//
// Waits grow exponentially with full jitter between RetryPolicy.MinBackoff and
// RetryPolicy.MaxBackoff; a Retry-After header is honored up to MaxBackoff. A call gives
// up early when the next wait would pass its context's deadline, and a wait ends when the
// context is canceled. The context also bounds the wait for a token (see package auth).
// When the attempts run out, the last answer's *APIError is returned, with the number of
// attempts in APIError.Attempts. Retries are built on github.com/hashicorp/go-retryablehttp;
// its own logging is off.
//
// # Security
//
// Base URLs must use https, except for loopback hosts (or with WithInsecureHTTP).
// Redirects are never followed. Passwords, hashes, codes and tokens never appear in errors
// or logs: a request's secrets are found in its body by key and scrubbed from answers in
// every escaped form, and the types that carry secrets print them masked.
package client
