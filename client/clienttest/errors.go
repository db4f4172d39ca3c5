package clienttest

import (
	"encoding/json"
	"net/http"

	"github.com/zitpass/zitpass-go/client"
)

// zerr is an error as ZITADEL's REST gateway sends it.
type zerr struct {
	code    client.Code
	id      string // "" for errors without details (input validation, some auth errors)
	message string
	status  int // overrides code.HTTPStatus(), for the management API's 500 quirk

	failedAttempts int // > 0 makes it a CredentialsCheckError
	plainDetail    bool
}

func (e *zerr) write(w http.ResponseWriter) {
	status := e.status
	if status == 0 {
		status = e.code.HTTPStatus()
	}
	body := map[string]any{"code": int32(e.code), "message": e.message, "details": []any{}}
	switch {
	case e.failedAttempts > 0:
		body["message"] = e.message + " (" + e.id + ")"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.CredentialsCheckError",
			"id": e.id, "message": e.message, "failedAttempts": e.failedAttempts}}
	case e.id != "":
		body["message"] = e.message + " (" + e.id + ")"
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": e.id, "message": e.message}}
	case e.plainDetail:
		body["details"] = []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "message": e.message}}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func errInvalid(msg string) *zerr { return &zerr{code: client.InvalidArgument, message: msg} }

// The errors of zitadel-facts.md, with ZITADEL's English messages.
var (
	errResetUnknownUser   = &zerr{code: client.NotFound, id: "COMMAND-SAF4f", message: "User could not be found"}
	errSetUnknownUser     = &zerr{code: client.FailedPrecondition, id: "COMMAND-G8dh3", message: "Password not found"}
	errOtherOrg           = &zerr{code: client.FailedPrecondition, id: "COMMAND-3M0fs", message: "User could not be found"}
	errNoCode             = &zerr{code: client.FailedPrecondition, id: "COMMAND-2M9fs", message: "Code not found"}
	errWrongCode          = &zerr{code: client.InvalidArgument, id: "CODE-woT0xc", message: "Code is invalid"}
	errExpiredCode        = &zerr{code: client.FailedPrecondition, id: "CODE-QvUQ4P", message: "Code is expired"}
	errResetUninitialized = &zerr{code: client.FailedPrecondition, id: "COMMAND-Sfe4g", message: "User is not yet initialized"}
	errSetUninitialized   = &zerr{code: client.FailedPrecondition, id: "COMMAND-M9dse", message: "User is not yet initialized"}
	errTooShort           = &zerr{code: client.InvalidArgument, id: "DOMAIN-HuJf6", message: "Password is too short"}
	errNoUpper            = &zerr{code: client.InvalidArgument, id: "DOMAIN-VoaRj", message: "Password must contain upper case"}
	errNoLower            = &zerr{code: client.InvalidArgument, id: "DOMAIN-co3Xw", message: "Password must contain lower case"}
	errNoDigit            = &zerr{code: client.InvalidArgument, id: "DOMAIN-ZBv4H", message: "Password must contain number"}
	errNoSymbol           = &zerr{code: client.InvalidArgument, id: "DOMAIN-ZDLwA", message: "Password must contain symbol"}
	errTemplateParse      = &zerr{code: client.InvalidArgument, id: "DOMAIN-oGh5e", message: "URL template is invalid"}
	errTemplateExec       = &zerr{code: client.InvalidArgument, id: "DOMAIN-ieYa7", message: "URL template is invalid"}
	errAuthMissingV2      = &zerr{code: client.Unauthenticated, message: "auth header missing"}
	errAuthMissingV1      = &zerr{code: client.Unknown, status: http.StatusInternalServerError, plainDetail: true,
		message: "rpc error: code = Unauthenticated desc = auth header missing"}
	errTokenInvalid     = &zerr{code: client.Unauthenticated, id: "AUTH-7fs1e", message: "Token is invalid"}
	errNoPermissionV1   = &zerr{code: client.PermissionDenied, id: "AUTH-5mWD2", message: "No matching permissions found"}
	errNoPermissionV2   = &zerr{code: client.PermissionDenied, id: "AUTHZ-HKJD33", message: "No matching permissions found"}
	errUnknownOrg       = &zerr{code: client.PermissionDenied, id: "AUTH-Bs7Ds", message: "Organisation doesn't exist"}
	errRateLimited      = &zerr{code: client.ResourceExhausted, id: "QUOTA-vjAy8", message: "Quota exceeded"}
	errUnavailable      = &zerr{code: client.Unavailable, message: "upstream connect error or disconnect/reset before headers"}
	errNotFoundRoute    = &zerr{code: client.NotFound, message: "Not Found"}
	errMethodNotAllowed = &zerr{code: client.Unimplemented, message: "Method Not Allowed", status: http.StatusMethodNotAllowed}
)

// wrongPassword is the CredentialsCheckError of a wrong current password.
func wrongPassword(failed int) *zerr {
	return &zerr{code: client.InvalidArgument, id: "COMMAND-3M0fs", message: "Password is invalid", failedAttempts: failed}
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
