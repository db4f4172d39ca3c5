package client

import "errors"

// Named outcomes: what ZITADEL answered, whatever the call and whatever its error id.
//
// ZITADEL's error ids name the place in its code that raised the error, not what happened:
// the same weak password is COMMA-HuJf6 on CreateUser and DOMAIN-HuJf6 on UpdateUser, and
// an unknown user has a different id on almost every call. An *APIError matches the outcome
// of its id with errors.Is (and still the sentinel of its gRPC code), so that
//
//	errors.Is(err, client.ErrWrongPassword)
//
// holds for a wrong password on every call that checks one: v1, the deprecated v2 calls
// and the current v2 calls alike. The ids each outcome covers are in the table below and in
// README.md.
var (
	// ErrWrongPassword: the password, or the current password, does not match. The check
	// counted toward the lockout policy; APIError.FailedAttempts says how many in a row.
	ErrWrongPassword = errors.New("zitpass: wrong password")
	// ErrPasswordPolicy: the new password breaks the complexity policy. PasswordComplexity's
	// Check returns a *PolicyError that matches it too.
	ErrPasswordPolicy = errors.New("zitpass: password breaks the complexity policy")
	// ErrInvalidCode: a wrong verification code or invite code.
	ErrInvalidCode = errors.New("zitpass: invalid code")
	// ErrCodeNotFound: no code is pending: never requested, already used, or superseded by
	// a newer one.
	ErrCodeNotFound = errors.New("zitpass: no code pending")
	// ErrUserNotFound: the user does not exist (or is not in the organization of the call).
	ErrUserNotFound = errors.New("zitpass: user not found")
	// ErrUserExists: the user id or the username is taken.
	ErrUserExists = errors.New("zitpass: user already exists")
	// ErrUserNotActive: the user is locked or deactivated, so password checks are refused,
	// even with the right password; or a lock found the user locked already.
	ErrUserNotActive = errors.New("zitpass: user not active")
	// ErrUserNotInitialized: the user is in the INITIAL state of a v1-created user, which
	// every password call refuses.
	ErrUserNotInitialized = errors.New("zitpass: user not initialized")
	// ErrNoPassword: the user has no password to check or change. ZITADEL's deprecated
	// SetPassword and the v1 calls answer an unknown user the same way (COMMAND-G8dh3).
	ErrNoPassword = errors.New("zitpass: user has no password")
	// ErrOrgNotFound: the organization does not exist.
	ErrOrgNotFound = errors.New("zitpass: organization not found")
	// ErrHashNotSupported: the server has no verifier for the scheme of an imported hash
	// (ZITADEL's default configuration verifies only bcrypt).
	ErrHashNotSupported = errors.New("zitpass: password hash scheme not supported by the server")
	// ErrSessionExpired: the session's lifetime has ended.
	ErrSessionExpired = errors.New("zitpass: session expired")
	// ErrInstanceNotFound: the host the request named is no instance's domain. Reaching
	// ZITADEL through another address (a compose service, a Kubernetes service, an IP)
	// needs WithInstanceHost, or ZITADEL_ISSUER with NewFromEnv.
	ErrInstanceNotFound = errors.New("zitpass: instance not found")
	// ErrUnsupported: the server's version lacks the call or the feature (see
	// *UnsupportedError for the version needed).
	ErrUnsupported = errors.New("zitpass: not supported by the server")
)

// outcomeRule maps one ZITADEL error id to its outcome; when code is not OK, only answers
// with that gRPC code match.
type outcomeRule struct {
	code    Code
	outcome error
}

// outcomes is the one table from ZITADEL's error ids to named outcomes, recorded from
// ZITADEL v4.13.1 and v3.4.9 (client/clienttest/testdata) or, where marked, taken from
// ZITADEL's sources.
var outcomes = map[string][]outcomeRule{
	// Sessions, UpdateUser, SetPassword and UpdateMyPassword: a wrong (current) password.
	// v1 SetHumanInitialPassword answers the same id with FailedPrecondition for a user of
	// another organization.
	"COMMAND-3M0fs": {{FailedPrecondition, ErrUserNotFound}, {OK, ErrWrongPassword}},

	// The complexity rules, COMMA- on CreateUser and AddHumanUser, DOMAIN- on UpdateUser,
	// SetPassword and v1 (ZITADEL internal/command/policy_password_complexity_model.go,
	// internal/domain/policy_password_complexity.go).
	"COMMA-HuJf6": {{OK, ErrPasswordPolicy}}, "DOMAIN-HuJf6": {{OK, ErrPasswordPolicy}}, // too short
	"COMMA-co3Xw": {{OK, ErrPasswordPolicy}}, "DOMAIN-co3Xw": {{OK, ErrPasswordPolicy}}, // no lower case
	"COMMA-VoaRj": {{OK, ErrPasswordPolicy}}, "DOMAIN-VoaRj": {{OK, ErrPasswordPolicy}}, // no upper case
	"COMMA-ZBv4H": {{OK, ErrPasswordPolicy}}, "DOMAIN-ZBv4H": {{OK, ErrPasswordPolicy}}, // no digit
	"COMMA-ZDLwA": {{OK, ErrPasswordPolicy}}, "DOMAIN-ZDLwA": {{OK, ErrPasswordPolicy}}, // no symbol

	"CODE-woT0xc":   {{OK, ErrInvalidCode}}, // a wrong verification code while one is pending
	"COMMAND-Wgn4q": {{OK, ErrInvalidCode}}, // a wrong or used invite code
	"COMMAND-2M9fs": {{OK, ErrCodeNotFound}},

	"QUERY-Dfbg2":        {{OK, ErrUserNotFound}}, // GetUserByID, sessions
	"COMMAND-SAF4f":      {{OK, ErrUserNotFound}}, // PasswordReset
	"COMMAND-Hj9ds":      {{OK, ErrUserNotFound}}, // v1 SendHumanResetPasswordNotification
	"COMMAND-ugjs0upun6": {{OK, ErrUserNotFound}}, // UpdateUser
	"COMMAND-bd4ir1mblj": {{OK, ErrUserNotFound}}, // DeleteUser
	"COMMAND-x377t913pw": {{OK, ErrUserNotFound}}, // UnlockUser
	"COMMAND-450yxuqrh1": {{OK, ErrUserNotFound}}, // LockUser
	"COMMAND-3n77z":      {{OK, ErrUserNotFound}}, // a password check on a session whose user was deleted (ZITADEL's source)

	"V3-DKcYh":           {{OK, ErrUserExists}}, // a taken username (or user id on AddHumanUser)
	"COMMAND-7yiox1isql": {{OK, ErrUserExists}}, // CreateUser with a taken user id

	"SESSION-Gj4ko":      {{OK, ErrUserNotActive}}, // a password check on a locked user
	"COMMAND-JLK35":      {{OK, ErrUserNotActive}}, // the same, on a session or with a current password (ZITADEL's source)
	"COMMAND-SFA3t":      {{OK, ErrUserNotActive}}, // the same, locked while the password was verified (ZITADEL's source)
	"COMMAND-lgws8wtsqf": {{OK, ErrUserNotActive}}, // LockUser on a locked user

	"COMMAND-M9dse": {{OK, ErrUserNotInitialized}},
	"COMMAND-Sfe4g": {{OK, ErrUserNotInitialized}},
	// v1 SendHumanResetPasswordNotification on an INITIAL user (ZITADEL's RequestSetPassword,
	// internal/command/user_password.go; not recorded).
	"COMMAND-2M9sd": {{FailedPrecondition, ErrUserNotInitialized}},

	"COMMAND-3nJ4t": {{OK, ErrNoPassword}},
	"COMMAND-G8dh3": {{OK, ErrNoPassword}},

	"AUTH-Bs7Ds":    {{OK, ErrOrgNotFound}}, // an unknown organization in x-zitadel-orgid or AddHumanUser
	"COMMAND-QXPGs": {{OK, ErrOrgNotFound}}, // CreateUser

	"USER-JDk4t":      {{OK, ErrHashNotSupported}}, // CreateUser, AddHumanUser
	"USER-oz74onzvqr": {{OK, ErrHashNotSupported}}, // UpdateUser

	"COMMAND-Hkl3d": {{OK, ErrSessionExpired}},
	"AUTHZ-EGDo3":   {{OK, ErrSessionExpired}}, // an expired session's token used as a bearer token (ZITADEL's source)

	// The host names no instance. ZITADEL sends no details: the id is inside the message.
	"QUERY-1kIjX": {{OK, ErrInstanceNotFound}},
}

// outcome returns the named outcome of an error id answered with code, or nil.
func outcome(id string, code Code) error {
	for _, r := range outcomes[id] {
		if r.code == OK || r.code == code {
			return r.outcome
		}
	}
	return nil
}

// UnsupportedError is returned when the server lacks a call or a feature the request
// needs, e.g. setting an imported hash with UpdateUser on ZITADEL v3. It matches
// ErrUnsupported; Err is the server's answer, when there was one.
type UnsupportedError struct {
	Operation string // e.g. "UserService.UpdateUser"
	Feature   string // what the server lacks, e.g. "setting a password hash"
	Need      string // the ZITADEL version that has it, e.g. "v4.0.0"
	Err       error
}

// Error names the feature and the version that has it.
func (e *UnsupportedError) Error() string {
	return "zitpass: " + e.Operation + ": " + e.Feature + " needs ZITADEL " + e.Need + " or later; this server does not support it"
}

// Unwrap returns the server's answer.
func (e *UnsupportedError) Unwrap() error { return e.Err }

// Is makes an UnsupportedError match ErrUnsupported.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }
