package clienttest

import (
	"encoding/json"
	"net"
	"net/http"

	"github.com/zitpass/zitpass-go/client"
)

// zerr is an error as ZITADEL's REST gateway sends it.
type zerr struct {
	code    client.Code
	id      string // "" for errors without an id
	message string
	status  int // overrides code.HTTPStatus()

	failedAttempts int  // > 0 makes it a CredentialsCheckError
	credentials    bool // a CredentialsCheckError even with no failed attempts (omitted, as zero)
	// raw: an error from below ZITADEL's command layer, or an interceptor error of the v1
	// gateway. It has a detail without an id and the message ends in " ()".
	raw bool
}

func (e *zerr) httpStatus() int {
	if e.status != 0 {
		return e.status
	}
	return e.code.HTTPStatus()
}

// body is the JSON ZITADEL v4 answers: details only for errors of its own error type.
func (e *zerr) body() map[string]any { return e.bodyFor(4) }

// bodyFor is the JSON of that major version: v3.4.9 sends a raw error's message alone, with
// neither details nor the " ()" v4 appends.
func (e *zerr) bodyFor(version int) map[string]any {
	body := map[string]any{"code": int32(e.code), "message": e.message}
	if e.raw && version == 3 {
		return body
	}
	switch {
	case e.failedAttempts > 0 || e.credentials:
		body["message"] = e.message + " (" + e.id + ")"
		detail := map[string]any{"@type": "type.googleapis.com/zitadel.v1.CredentialsCheckError", "id": e.id, "message": e.message}
		if e.failedAttempts > 0 {
			detail["failedAttempts"] = e.failedAttempts
		}
		body["details"] = []any{detail}
	case e.id != "":
		body["message"] = e.message + " (" + e.id + ")"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": e.id, "message": e.message}}
	case e.raw:
		body["message"] = e.message + " ()"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "message": e.message}}
	}
	return body
}

// writeErr writes e as this server's version of ZITADEL does.
func (s *Server) writeErr(w http.ResponseWriter, e *zerr) {
	writeJSON(w, e.httpStatus(), e.bodyFor(s.version))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// errUserLocked is ZITADEL's password check on a locked user where no user check came
// first (a session's password check alone, a current password): a CredentialsCheckError
// carrying the failed checks so far (command/user_human_password.go, from ZITADEL's
// source). lockedMeanwhile is the same answer when the user was locked while the password
// was verified.
func errUserLocked(failedChecks int, lockedMeanwhile bool) *zerr {
	id := "COMMAND-JLK35"
	if lockedMeanwhile {
		id = "COMMAND-SFA3t"
	}
	return &zerr{code: client.FailedPrecondition, id: id, message: "User is locked", failedAttempts: failedChecks, credentials: true}
}

// errInvalid is a request validation error of the v2 gateway: 400, code 3, no details.
func errInvalid(msg string) *zerr { return &zerr{code: client.InvalidArgument, message: msg} }

// errInvalidV1 is the same error on the v1 APIs, whose gateway wraps it into a 500.
func errInvalidV1(msg string) *zerr {
	return &zerr{code: client.Unknown, raw: true, message: "rpc error: code = InvalidArgument desc = " + msg}
}

// The errors of the transcripts (testdata/) and of answers checked by hand on a real
// ZITADEL v4.13.1, with the messages it sent. Ids marked "from ZITADEL's source" or "guess"
// were never seen on the wire: they come from ZITADEL's source, or are the fake's choice.
var (
	errResetUnknownUser      = &zerr{code: client.NotFound, id: "COMMAND-SAF4f", message: "User could not be found"}
	errSetUnknownUser        = &zerr{code: client.FailedPrecondition, id: "COMMAND-G8dh3", message: "Password not found"}
	errOtherOrg              = &zerr{code: client.FailedPrecondition, id: "COMMAND-3M0fs", message: "User could not be found"}
	errNoCode                = &zerr{code: client.FailedPrecondition, id: "COMMAND-2M9fs", message: "Code not found"}
	errWrongCode             = &zerr{code: client.InvalidArgument, id: "CODE-woT0xc", message: "Code is invalid"}
	errExpiredCode           = &zerr{code: client.FailedPrecondition, id: "CODE-QvUQ4P", message: "Code is expired"}
	errResetUninitialized    = &zerr{code: client.FailedPrecondition, id: "COMMAND-Sfe4g", message: "User is not yet initialized"}
	errSetUninitialized      = &zerr{code: client.FailedPrecondition, id: "COMMAND-M9dse", message: "User is not yet initialized"}
	errV1ResetUnknownUser    = &zerr{code: client.FailedPrecondition, id: "COMMAND-Hj9ds", message: "User could not be found"}
	errV1ResetInitial        = &zerr{code: client.FailedPrecondition, id: "COMMAND-2M9sd", message: "User is not yet initialized"} // from ZITADEL's source
	errV1OtherOrgUser        = &zerr{code: client.NotFound, id: "MANAG-fpo4B", message: "User could not be found"}                 // from ZITADEL's source: v1 GetUserByID of another organization's user
	errHashFailed            = &zerr{code: client.Internal, id: "COMMAND-CahN2", message: "An internal error occurred"}
	errHashUnsupported       = &zerr{code: client.InvalidArgument, id: "USER-JDk4t", message: "Password hash encoding not supported. Check out https://zitadel.com/docs/concepts/architecture/secrets#hashed-secrets"}
	errUserExists            = &zerr{code: client.AlreadyExists, id: "V3-DKcYh", message: "User already exists"}
	errUserNotFound          = &zerr{code: client.NotFound, id: "QUERY-Dfbg2", message: "User could not be found"}
	errNoPassword            = &zerr{code: client.FailedPrecondition, id: "COMMAND-3nJ4t", message: "User has not set a password"}
	errUserNotActive         = &zerr{code: client.FailedPrecondition, id: "SESSION-Gj4ko", message: "Errors.User.NotActive"}
	errNotLocked             = &zerr{code: client.FailedPrecondition, id: "COMMAND-olb9vb0oca", message: "User is not locked"}
	errUnlockUnknown         = &zerr{code: client.NotFound, id: "COMMAND-x377t913pw", message: "User could not be found"}
	errLockNotActive         = &zerr{code: client.FailedPrecondition, id: "COMMAND-lgws8wtsqf", message: "User is not active or initial"}
	errLockUnknown           = &zerr{code: client.NotFound, id: "COMMAND-450yxuqrh1", message: "User could not be found"}
	errDeleteUnknown         = &zerr{code: client.NotFound, id: "COMMAND-bd4ir1mblj", message: "User could not be found"}
	errUpdateUnknown         = &zerr{code: client.NotFound, id: "COMMAND-ugjs0upun6", message: "User could not be found"}
	errIDTaken               = &zerr{code: client.FailedPrecondition, id: "COMMAND-7yiox1isql", message: "Errors.User.AlreadyExisting"}
	errMachineIDTaken        = &zerr{code: client.FailedPrecondition, id: "COMMAND-k2una", message: "Errors.User.AlreadyExisting"} // from ZITADEL's source: CreateUser of a machine with a taken id
	errOrgNotFound           = &zerr{code: client.FailedPrecondition, id: "COMMAND-QXPGs", message: "Organisation not found"}
	errHashUnsupportedUpd    = &zerr{code: client.InvalidArgument, id: "USER-oz74onzvqr", message: "Password hash encoding not supported"} // the id was seen; the message is from ZITADEL's translations
	errBlankUsername         = &zerr{code: client.InvalidArgument, id: "V2-zzad3", message: "Errors.Invalid.Argument"}                     // from ZITADEL's source (AddHuman.Validate); the key has no translation
	errBlankGivenName        = &zerr{code: client.InvalidArgument, id: "USER-UCej2", message: "First name in profile is empty"}            // from ZITADEL's source
	errBlankFamilyName       = &zerr{code: client.InvalidArgument, id: "USER-4hB7d", message: "Last name in profile is empty"}             // from ZITADEL's source
	errPasswordEmpty         = &zerr{code: client.InvalidArgument, id: "COMMAND-3klek4sbns", message: "Password is empty"}                 // from ZITADEL's source
	errUserTypeMissing       = &zerr{code: client.Unimplemented, raw: true, message: "user type is not implemented"}
	errSessionExpired        = &zerr{code: client.FailedPrecondition, id: "COMMAND-Hkl3d", message: "Session has expired"}
	errSessionTerminated     = &zerr{code: client.FailedPrecondition, id: "COMMAND-Hewfq", message: "Session already terminated"} // from ZITADEL's source (CheckNotInvalidated)
	errUserChange            = &zerr{code: client.InvalidArgument, raw: true, message: "user change not possible"}                // from ZITADEL's source: a user check naming another user than the session's
	errSessionNotFound       = &zerr{code: client.NotFound, id: "QUERY-SFeaa", message: "Session does not exist"}                 // from ZITADEL's source
	errSessionTokenQuery     = &zerr{code: client.PermissionDenied, id: "QUERY-dsfr3", message: "Errors.PermissionDenied"}        // from ZITADEL's source; the key has no translation
	errSessionNoUser         = &zerr{code: client.FailedPrecondition, id: "COMMAND-Sfw3f", message: "User ID missing"}            // from ZITADEL's source: a password check on a session without a user
	errCheckUserGone         = &zerr{code: client.FailedPrecondition, id: "COMMAND-3n77z", message: "User could not be found"}    // from ZITADEL's source: a password check on a session whose user was deleted
	errInviteWrong           = &zerr{code: client.InvalidArgument, id: "COMMAND-Wgn4q", message: "Code is invalid"}
	errInviteUnknownUser     = &zerr{code: client.FailedPrecondition, id: "COMMAND-Wgvn4", message: "User could not be found"}     // from ZITADEL's source
	errInviteVerifyUnknown   = &zerr{code: client.FailedPrecondition, id: "COMMAND-F5g2h", message: "User could not be found"}     // from ZITADEL's source
	errInviteInitialised     = &zerr{code: client.FailedPrecondition, id: "COMMAND-EF34g", message: "User is already initialized"} // from ZITADEL's source
	errListQueryInvalid      = &zerr{code: client.InvalidArgument, id: "GRPC-Sfefs", message: "List.Query.Invalid"}                // from ZITADEL's source; the key has no translation
	errCreatorQueryInvalid   = &zerr{code: client.InvalidArgument, id: "GRPC-x8n24uh", message: "List.Query.Invalid"}              // from ZITADEL's source: a creator query with an empty id
	errUserAgentQueryInvalid = &zerr{code: client.InvalidArgument, id: "GRPC-x8n23uh", message: "List.Query.Invalid"}              // from ZITADEL's source: a user agent query without a fingerprint and none in the token
	errSessionToken          = &zerr{code: client.PermissionDenied, id: "COMMAND-sGr42", message: "Session Token is invalid"}
	errAuthRequired          = &zerr{code: client.PermissionDenied, id: "AUTHZ-Kl3p0", message: "authentication required"}
	errSessionTokenExpired   = &zerr{code: client.PermissionDenied, id: "AUTHZ-EGDo3", message: "session expired"} // from ZITADEL's source
	// ZITADEL has no translation for these two keys, so its message is the key, as for
	// Errors.User.NotActive (internal/command/org_policy_lockout.go, from ZITADEL's source).
	errLockoutPolicyExists = &zerr{code: client.AlreadyExists, id: "ORG-0olDf", message: "Errors.ORG.LockoutPolicy.AlreadyExists"}
	errLockoutPolicyNone   = &zerr{code: client.NotFound, id: "ORG-D4zuz", message: "Errors.Org.LockoutPolicy.NotFound"}
	errTemplateParse       = &zerr{code: client.InvalidArgument, id: "DOMAIN-oGh5e", message: "URL Template is invalid"}
	errTemplateExec        = &zerr{code: client.InvalidArgument, id: "DOMAIN-ieYa7", message: "URL Template is invalid"}
	errAuthMissingV2       = &zerr{code: client.Unauthenticated, message: "auth header missing"}
	errAuthMissingV1       = &zerr{code: client.Unknown, raw: true, message: "rpc error: code = Unauthenticated desc = auth header missing"}
	errTokenInvalid        = &zerr{code: client.Unauthenticated, id: "AUTH-7fs1e", message: "Errors.Token.Invalid"}
	errNoPermissionV1      = &zerr{code: client.PermissionDenied, id: "AUTH-5mWD2", message: "No matching permissions found"}
	// errNoPermissionV2 is a v2 permission check of a caller without memberships (the fake's
	// users have none but the administrators'): ZITADEL finds no membership at all.
	errNoPermissionV2   = &zerr{code: client.NotFound, id: "AUTHZ-cdgFk", message: "membership not found"}
	errUnknownOrg       = &zerr{code: client.PermissionDenied, id: "AUTH-Bs7Ds", message: "Organisation doesn't exist"}
	errRateLimited      = &zerr{code: client.ResourceExhausted, id: "QUOTA-vjAy8", message: "Quota exceeded"}
	errUnavailable      = &zerr{code: client.Unavailable, message: "upstream connect error or disconnect/reset before headers"}
	errNotFoundRoute    = &zerr{code: client.NotFound, message: "Not Found"}
	errMethodNotAllowed = &zerr{code: client.Unimplemented, message: "Method Not Allowed", status: http.StatusMethodNotAllowed}
	// errWriteConflict is ZITADEL's answer when two writes to one user race.
	errWriteConflict = &zerr{code: client.Unknown, raw: true, message: `ERROR: duplicate key value violates unique constraint "events2_pkey" (SQLSTATE 23505)`}
)

// instanceNotFound is ZITADEL's answer when the host a request names is no instance's:
// the id only inside the message, no details. text is the shorter form the token endpoint
// and the discovery document answer as text/plain.
func instanceNotFound(host, externalDomain string) (e *zerr, text string) {
	hostname := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		hostname = h
	}
	text = "unable to set instance using origin &{" + host + "  http} (ExternalDomain is " + externalDomain +
		"): ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. Check out https://zitadel.com/docs/apis/introduction#domains"
	msg := text + " Parent=(unable to get instance by domain: instanceDomain " + hostname + ", publicHostname " + hostname +
		": ID=QUERY-1kIjX Message=Errors.Instance.NotFound)"
	return &zerr{code: client.NotFound, message: msg}, text + "\n"
}

// errBcryptLimit is AddHumanUser's answer to a password the hasher refuses.
func errBcryptLimit(limit int) *zerr {
	return &zerr{code: client.Unknown, raw: true, message: "bcrypt: password length exceeds " + itoa(limit) + " bytes"}
}

// wrongPassword is the CredentialsCheckError of a wrong password.
func wrongPassword(failed int) *zerr {
	return &zerr{code: client.InvalidArgument, id: "COMMAND-3M0fs", message: "Password is invalid", failedAttempts: failed}
}

// policyMessages are ZITADEL's messages for the complexity rules, by client.PolicyRule.
var policyMessages = [...]string{
	client.RuleMinLength: "Password is too short",
	client.RuleLowercase: "Password must contain lower case",
	client.RuleUppercase: "Password must contain upper case",
	client.RuleNumber:    "Password must contain number",
	client.RuleSymbol:    "Password must contain symbol",
}

// policyError is the answer for a password the policy refuses, with the id prefix of the
// call ("DOMAIN" for setting a password, "COMMA" for AddHumanUser).
func policyError(err error, prefix string) *zerr {
	pe := err.(*client.PolicyError)
	rule := pe.Broken[0]
	return &zerr{code: client.InvalidArgument, id: prefix + "-" + rule.ErrorIDSuffix(), message: policyMessages[rule]}
}

// errForStatus is the body an injected fault answers with.
func errForStatus(status int) *zerr {
	switch status {
	case http.StatusTooManyRequests:
		return errRateLimited
	case http.StatusServiceUnavailable:
		return errUnavailable
	}
	code := client.Unknown
	for c := client.OK; c <= client.Unauthenticated; c++ {
		if c.HTTPStatus() == status {
			code = c
			break
		}
	}
	return &zerr{code: code, message: http.StatusText(status), status: status}
}
