package clienttest

import (
	"encoding/json"
	"net/http"

	"github.com/zitpass/zitpass-go/client"
)

// zerr is an error as ZITADEL's REST gateway sends it.
type zerr struct {
	code    client.Code
	id      string // "" for errors without an id
	message string
	status  int // overrides code.HTTPStatus()

	failedAttempts int // > 0 makes it a CredentialsCheckError
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

// body is the JSON ZITADEL answers: details only for errors of its own error type.
func (e *zerr) body() map[string]any {
	body := map[string]any{"code": int32(e.code), "message": e.message}
	switch {
	case e.failedAttempts > 0:
		body["message"] = e.message + " (" + e.id + ")"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.CredentialsCheckError",
			"id": e.id, "message": e.message, "failedAttempts": e.failedAttempts}}
	case e.id != "":
		body["message"] = e.message + " (" + e.id + ")"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": e.id, "message": e.message}}
	case e.raw:
		body["message"] = e.message + " ()"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "message": e.message}}
	}
	return body
}

func (e *zerr) write(w http.ResponseWriter) { writeJSON(w, e.httpStatus(), e.body()) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// errInvalid is a request validation error of the v2 gateway: 400, code 3, no details.
func errInvalid(msg string) *zerr { return &zerr{code: client.InvalidArgument, message: msg} }

// errInvalidV1 is the same error on the v1 APIs, whose gateway wraps it into a 500.
func errInvalidV1(msg string) *zerr {
	return &zerr{code: client.Unknown, raw: true, message: "rpc error: code = InvalidArgument desc = " + msg}
}

// The errors of ../shared/zitadel-facts.md and the transcripts, with the messages a real
// ZITADEL v4.13.1 sent. Ids marked "guess" were seen in neither: they come from ZITADEL's
// source or are the fake's choice.
var (
	errResetUnknownUser    = &zerr{code: client.NotFound, id: "COMMAND-SAF4f", message: "User could not be found"}
	errSetUnknownUser      = &zerr{code: client.FailedPrecondition, id: "COMMAND-G8dh3", message: "Password not found"}
	errOtherOrg            = &zerr{code: client.FailedPrecondition, id: "COMMAND-3M0fs", message: "User could not be found"}
	errNoCode              = &zerr{code: client.FailedPrecondition, id: "COMMAND-2M9fs", message: "Code not found"}
	errWrongCode           = &zerr{code: client.InvalidArgument, id: "CODE-woT0xc", message: "Code is invalid"}
	errExpiredCode         = &zerr{code: client.FailedPrecondition, id: "CODE-QvUQ4P", message: "Code is expired"}
	errResetUninitialized  = &zerr{code: client.FailedPrecondition, id: "COMMAND-Sfe4g", message: "User is not yet initialized"}
	errSetUninitialized    = &zerr{code: client.FailedPrecondition, id: "COMMAND-M9dse", message: "User is not yet initialized"}
	errV1ResetUnknownUser  = &zerr{code: client.FailedPrecondition, id: "COMMAND-Hj9ds", message: "User could not be found"}
	errV1ResetInitial      = &zerr{code: client.FailedPrecondition, id: "COMMAND-2M9sd", message: "User is not yet initialized"} // from ZITADEL's source
	errPasswordNotSet      = &zerr{code: client.FailedPrecondition, id: "COMMAND-Fds3s", message: "Password not set"}            // from ZITADEL's source
	errHashFailed          = &zerr{code: client.Internal, id: "COMMAND-CahN2", message: "An internal error occurred"}
	errHashUnsupported     = &zerr{code: client.InvalidArgument, id: "USER-JDk4t", message: "Password hash encoding not supported. Check out https://zitadel.com/docs/concepts/architecture/secrets#hashed-secrets"}
	errUserExists          = &zerr{code: client.AlreadyExists, id: "V3-DKcYh", message: "User already exists"}
	errUserNotFound        = &zerr{code: client.NotFound, id: "QUERY-Dfbg2", message: "User could not be found"}
	errNoPassword          = &zerr{code: client.FailedPrecondition, id: "COMMAND-3nJ4t", message: "User has not set a password"}
	errUserNotActive       = &zerr{code: client.FailedPrecondition, id: "SESSION-Gj4ko", message: "Errors.User.NotActive"}
	errNotLocked           = &zerr{code: client.FailedPrecondition, id: "COMMAND-olb9vb0oca", message: "User is not locked"}
	errUnlockUnknown       = &zerr{code: client.NotFound, id: "COMMAND-x377t913pw", message: "User could not be found"}
	errLockNotActive       = &zerr{code: client.FailedPrecondition, id: "COMMAND-3NN8v", message: "User is not active"} // guess
	errSessionToken        = &zerr{code: client.PermissionDenied, id: "COMMAND-sGr42", message: "Session Token is invalid"}
	errAuthRequired        = &zerr{code: client.PermissionDenied, id: "AUTHZ-Kl3p0", message: "authentication required"}
	errInstanceNotFound    = &zerr{code: client.NotFound, id: "QUERY-n0wng", message: "Instance not found"}
	errLockoutPolicyExists = &zerr{code: client.AlreadyExists, id: "ORG-0olDf", message: "Lockout policy already exists"} // guess
	errLockoutPolicyNone   = &zerr{code: client.NotFound, id: "ORG-0olDf", message: "Lockout policy not found"}           // guess
	errTemplateParse       = &zerr{code: client.InvalidArgument, id: "DOMAIN-oGh5e", message: "URL template is invalid"}
	errTemplateExec        = &zerr{code: client.InvalidArgument, id: "DOMAIN-ieYa7", message: "URL template is invalid"}
	errAuthMissingV2       = &zerr{code: client.Unauthenticated, message: "auth header missing"}
	errAuthMissingV1       = &zerr{code: client.Unknown, raw: true, message: "rpc error: code = Unauthenticated desc = auth header missing"}
	errTokenInvalid        = &zerr{code: client.Unauthenticated, id: "AUTH-7fs1e", message: "Errors.Token.Invalid"}
	errNoPermissionV1      = &zerr{code: client.PermissionDenied, id: "AUTH-5mWD2", message: "No matching permissions found"}
	errNoPermissionV2      = &zerr{code: client.PermissionDenied, id: "AUTHZ-HKJD33", message: "No matching permissions found"}
	errUnknownOrg          = &zerr{code: client.PermissionDenied, id: "AUTH-Bs7Ds", message: "Organisation doesn't exist"}
	errRateLimited         = &zerr{code: client.ResourceExhausted, id: "QUOTA-vjAy8", message: "Quota exceeded"}
	errUnavailable         = &zerr{code: client.Unavailable, message: "upstream connect error or disconnect/reset before headers"}
	errNotFoundRoute       = &zerr{code: client.NotFound, message: "Not Found"}
	errMethodNotAllowed    = &zerr{code: client.Unimplemented, message: "Method Not Allowed", status: http.StatusMethodNotAllowed}
	// errWriteConflict is ZITADEL's answer when two writes to one user race.
	errWriteConflict = &zerr{code: client.Unknown, raw: true, message: `ERROR: duplicate key value violates unique constraint "events2_pkey" (SQLSTATE 23505)`}
)

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
