// Package clienttest provides an in-memory fake ZITADEL for tests and demos: an httptest
// server on loopback that answers every call of package client, and the OAuth token
// endpoint, with ZITADEL's wire behaviour (paths, JSON, status codes, error bodies and ids,
// bearer authentication), as recorded from a real ZITADEL v4.13.1.
//
//	srv := clienttest.NewServer()
//	defer srv.Close()
//	userID := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Password: "Old-Passw0rd!"})
//	c := srv.Client() // authenticated as an administrator
//	reset, _ := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
//	_, err := c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: reset.VerificationCode})
//
// What it serves, by file: the user service v2 (users.go: AddHumanUser, GetUserByID,
// ListAuthenticationMethodTypes, LockUser, UnlockUser, PasswordReset, SetPassword), the
// session service v2 (sessions.go), the settings service v2 (settings.go: general,
// password complexity, lockout, password expiry), the management API v1 (management.go:
// SetHumanInitialPassword, SetHumanPassword, SendHumanResetPasswordNotification,
// ImportHumanUser, GetUserByID, the lockout policy) and the auth API v1 (auth.go:
// UpdateMyPassword, GetMyUser, GetMyPasswordComplexityPolicy). A test replays the
// transcripts of the real server against it (conformance_test.go).
//
// What it models:
//
//   - Organizations, and the x-zitadel-orgid scoping of v1 calls. Users added with an
//     unknown OrgID create that organization.
//   - Users and their states. A user added without a password is ACTIVE, as v2
//     AddHumanUser makes it: resets, SetPassword and v1 SetHumanInitialPassword all work on
//     it. HumanUser.Initial makes a user in the INITIAL state (v1-created, no password,
//     email not verified), which every password call refuses; despite its name, v1
//     SetHumanInitialPassword initializes nobody.
//   - Tokens: PAT is an administrator of the instance; TokenFor gives any user a token,
//     with which a human user may change only their own password; service users can
//     authenticate at /oauth/v2/token with a key file (KeyFile) or a client secret
//     (ClientSecret). The token of a session whose password check passed is a bearer
//     token too, until the user's password changes. Missing and invalid tokens get
//     ZITADEL's answers, including the 500 the v1 APIs send when the header is missing.
//   - Passwords: the complexity policy (default: 8 bytes, upper, lower, digit and symbol,
//     checked by client.PasswordComplexity.Check), bcrypt's 72-byte limit (WithHasherLimit),
//     imported bcrypt hashes, change-required flags (v1 initialize always sets it),
//     verification codes (six characters of A-Z and 0-9, single use, replaced by a new
//     reset, voided by a password change, expiring after an hour on the server's clock),
//     failed password checks and the lockout policy (WithLockout, SetLockout): with
//     MaxPasswordAttempts 3 the third wrong password locks the user, who still accepts
//     SetPassword and resets and stays locked until UnlockUser.
//   - An outbox of the notifications that would have been sent (Notifications), with the
//     link template expanded.
//   - The instance's public host (WithPublicURL): requests that name another host get
//     ZITADEL's 404 "Instance not found".
//   - Fault injection: InjectFault, FailNext and DelayNext.
//
// Where the real server's answer was never observed, the fake follows ZITADEL's source and
// says so at the error's definition.
//
// cmd/zitadel-fake serves the same fake as a standalone process, for test harnesses in
// other languages and development setups.
//
// The Server is safe for concurrent use, and Close leaves no goroutine behind.
package clienttest
