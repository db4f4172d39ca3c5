// Package clienttest provides an in-memory fake ZITADEL for tests and demos: an httptest
// server on loopback that answers the three password calls, the password complexity
// settings and the OAuth token endpoint with ZITADEL's wire behaviour (paths, JSON, status
// codes, error bodies and ids, bearer authentication).
//
//	srv := clienttest.NewServer()
//	defer srv.Close()
//	userID := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Password: "Old-Passw0rd!"})
//	c := srv.Client() // authenticated as an administrator
//	reset, _ := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
//	_, err := c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: reset.VerificationCode})
//
// What it models:
//
//   - Organizations, and the x-zitadel-orgid scoping of management (v1) calls. Users added
//     with an unknown OrgID create that organization.
//   - Tokens: PAT is an administrator of the instance; TokenFor gives any user a token,
//     with which a human user may change only their own password; service users can
//     authenticate at /oauth/v2/token with a key file (KeyFile) or a client secret
//     (ClientSecret). Missing and invalid tokens get ZITADEL's answers, including the 500
//     the management API sends when the Authorization header is missing.
//   - The password complexity policy (default: 8 bytes, upper, lower, digit and symbol),
//     change-required flags (v1 always sets it), verification codes (six upper-case
//     letters, single use, replaced by a new reset, expiring after an hour on the server's
//     clock), failed password checks, and an outbox of the notifications that would have
//     been sent, with the link template expanded.
//   - Fault injection: InjectFault, FailNext and DelayNext.
//
// A user added with no password is "not yet initialized": v2 SetPassword answers
// COMMAND-M9dse and a reset answers COMMAND-Sfe4g, while the v1 call sets its initial
// password.
//
// The Server is safe for concurrent use, and Close leaves no goroutine behind.
package clienttest
