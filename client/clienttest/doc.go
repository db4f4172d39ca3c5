// Package clienttest provides an in-memory fake ZITADEL for tests and demos: an httptest
// server on loopback that answers every call of package client, and the OAuth token
// endpoint, with ZITADEL's wire behaviour (paths, JSON, status codes, error bodies and ids,
// bearer authentication), as recorded from a real ZITADEL v4.13.1, or, with WithVersion(3),
// from a ZITADEL v3.4.9.
//
//	srv := clienttest.NewServer()
//	defer srv.Close()
//	userID := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Password: "Old-Passw0rd!"})
//	c := srv.Client() // authenticated as an administrator
//	reset, _ := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
//	_, err := c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: reset.VerificationCode})
//
// What it serves, by file: the user service v2 (users.go: the current CreateUser
// (POST /v2/users/new), UpdateUser (PATCH /v2/users/{userId}, a password, a hash, a
// profile), DeleteUser, LockUser, UnlockUser, PasswordReset, GetUserByID,
// ListAuthenticationMethodTypes, CreateInviteCode and VerifyInviteCode, and the deprecated
// AddHumanUser and SetPassword), the session service v2 (sessions.go: CreateSession with a
// lifetime, SetSession, GetSession, ListSessions, DeleteSession), the settings service v2
// (settings.go: general, login, password complexity, lockout, password expiry), the
// management API v1 (management.go: SetHumanInitialPassword, SetHumanPassword,
// SendHumanResetPasswordNotification, ImportHumanUser, GetUserByID, the lockout policy),
// the auth API v1 (auth.go: UpdateMyPassword, GetMyUser, GetMyPasswordComplexityPolicy),
// the instance (instance.go: GET /admin/v1/instances/me with the server's version, the
// health endpoints, the OIDC discovery document), and the v2 services over ZITADEL v4's
// Connect transport as well (connect.go: POST /zitadel.user.v2.UserService/CreateUser, with
// Connect's error shape). A test replays the transcripts of the real servers against it
// (conformance_test.go).
//
// What it models:
//
//   - Organizations, and the x-zitadel-orgid header: the organization of v1 calls, and of
//     v2 calls that name none of their own (AddHumanUser without one, settings without
//     ctx); an unknown one is 403/7 AUTH-Bs7Ds on every call. Users added with an unknown
//     OrgID create that organization.
//   - Users and their states. A user added without a password is ACTIVE, as v2
//     AddHumanUser and CreateUser make it: resets, SetPassword, UpdateUser and v1
//     SetHumanInitialPassword all work on it. HumanUser.Initial makes a user in the INITIAL
//     state (v1-created, no password, email not verified), which every password call
//     refuses; despite its name, v1 SetHumanInitialPassword initializes nobody. Creating a
//     user checks, in ZITADEL's order, the request (protoc-gen-validate's rules and order,
//     its email rule with net/mail's cause), blank names (trimmed first), the hash scheme,
//     the caller's permission, the organization, the user id (taken: 400/9
//     COMMAND-7yiox1isql), the password policy and the hasher, and last the username
//     (taken: 409/6 V3-DKcYh). Users lists them all.
//   - Tokens: PAT is an administrator of the instance; TokenFor gives any user a token
//     without memberships, as ZITADEL's permission checks see it: the user may read itself
//     and change its own password (UpdateUser with the current password; SetPassword with
//     a code or a current password, which are all the authorization it asks for), but not
//     read another user, lock or delete itself, read the v2 settings (policy.read) or set
//     a session's checks (session.write); service users can authenticate at /oauth/v2/token with a key file
//     (KeyFile) or a client secret (ClientSecret). The token of a session whose password
//     check passed is a bearer token too, until the user's password changes or the
//     session's lifetime ends (then 403/7 AUTHZ-EGDo3); a token SetSession replaced is
//     403/7 QUERY-dsfr3, and one of a deleted session 404/5 QUERY-SFeaa. Missing and invalid tokens get
//     ZITADEL's answers, including
//     the 500 the v1 APIs of v4 send when the header is missing; callers without
//     permission get the v2 404 AUTHZ-cdgFk ("membership not found").
//   - Passwords: the complexity policy (default: 8 bytes, upper, lower, digit and symbol,
//     checked by client.PasswordComplexity.Check), bcrypt's 72-byte limit (WithHasherLimit),
//     imported hashes of the schemes WithHashVerifiers names (default bcrypt, as ZITADEL's
//     default config; argon2, scrypt, pbkdf2, md5crypt, sha2 and phpass on demand, each
//     verified for real; a hash accepted by its prefix but not verifiable, like
//     "$2a$10$", fails every check with 500/13 COMMAND-CahN2), change-required flags (v1
//     initialize always sets it), verification codes (six characters of A-Z and 0-9,
//     single use, replaced by a new reset, voided by a password change, expiring after an
//     hour on the server's clock), invite codes (a separate code: no password call takes
//     one), failed password checks and the lockout policy (WithLockout, SetLockout): with
//     MaxPasswordAttempts 3 the third wrong password locks the user, who still accepts
//     SetPassword, UpdateUser and resets and stays locked until UnlockUser. A change with
//     the current password or a code checks that first, then the policy, as ZITADEL's
//     setPasswordCommand does; a locked user's current password is 400/9 COMMAND-JLK35.
//     Imported hashes
//     are verified without holding the server's lock, so slow hashes of concurrent calls
//     run in parallel.
//   - Request bodies as ZITADEL's gateway reads them (protojson, discarding what it does
//     not know): snake_case or lowerCamelCase names, unknown fields and enum names
//     ignored, and its 400s without details for a second member of a oneof or a malformed
//     duration, whose message names the line, the column and the member as sent
//     ("proto: (line 1:230): error parsing \"hashedPassword\", oneof ... is already set").
//   - Sessions: a lifetime ("5s") sets an expiration date on the server's clock (WithClock);
//     without one a session never expires. An expired session still answers GetSession
//     and DeleteSession; SetSession refuses it (COMMAND-Hkl3d). SetSession answers a new
//     session token and voids the old one, unless nothing changed. A locked or deleted
//     user's sessions leave the read side, as ZITADEL's session projection deletes them:
//     GetSession, ListSessions and their tokens answer 404/5 QUERY-SFeaa, while SetSession
//     and DeleteSession still find them. A password check needs a user check before it
//     (COMMAND-Sfw3f); a password check alone on a session whose user was locked or
//     deleted since is ZITADEL's command-layer answer, COMMAND-JLK35 or COMMAND-3n77z.
//   - An outbox of the notifications that would have been sent (Notifications), with the
//     link template expanded. A template that fails with placeholders is refused before
//     the user is looked at (DOMAIN-oGh5e, DOMAIN-ieYa7), as ZITADEL renders it first.
//   - The instance's public host (WithPublicURL): requests that name another host get
//     ZITADEL's 404 "unable to set instance ... ID=QUERY-1kIjX ..." (the id only in the
//     message; plain text on the token endpoint).
//   - The server's version (WithVersion): 4 answers as v4.13.1, 3 as v3.4.9, which lacks
//     CreateUser and UpdateUser (405) and the Connect transport.
//   - Fault injection: InjectFault, FailNext and DelayNext, for every API call, CreateUser
//     included.
//   - For tests that share one server (snapshot.go): Snapshot takes the server's state, e.g.
//     right after seeding it, and Restore puts it back, ids counter and request log
//     included, so that every test starts from the seed; access tokens of users that still
//     exist survive it. LockUser, UnlockUser and ClearNotifications change a user or the
//     outbox without a call; WithMiddleware serves paths of one's own next to ZITADEL's.
//   - For bulk-import tests: a rate limit (WithRateLimit: 429 with Retry-After, ZITADEL's
//     QUOTA-vjAy8), latency (WithLatency: each answer waits, as a remote server's), the
//     users the server holds (Users), and a request log on the server's clock (Requests,
//     RequestCount) to count calls per route and per second.
//
// Where the real server's answer was never observed, the fake follows ZITADEL's source and
// says so at the error's definition (errors.go).
//
// cmd/zitadel-fake serves the same fake as a standalone process, for test harnesses in
// other languages and development setups.
//
// The Server is safe for concurrent use, and Close leaves no goroutine behind.
package clienttest
