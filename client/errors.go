package client

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/oauth2"
)

// Code is a gRPC status code, as found in the "code" field of ZITADEL's error bodies.
type Code int32

// The gRPC status codes. ZITADEL's REST gateway maps them to HTTP statuses; see
// HTTPStatus.
const (
	OK                 Code = 0
	Canceled           Code = 1
	Unknown            Code = 2
	InvalidArgument    Code = 3
	DeadlineExceeded   Code = 4
	NotFound           Code = 5
	AlreadyExists      Code = 6
	PermissionDenied   Code = 7
	ResourceExhausted  Code = 8
	FailedPrecondition Code = 9
	Aborted            Code = 10
	OutOfRange         Code = 11
	Unimplemented      Code = 12
	Internal           Code = 13
	Unavailable        Code = 14
	DataLoss           Code = 15
	Unauthenticated    Code = 16
)

var codeNames = [...]string{
	"OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
	"AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted",
	"OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated",
}

// String returns the gRPC name of the code, e.g. "NotFound", or "Code(42)" for codes gRPC
// does not define.
func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "Code(" + strconv.FormatInt(int64(c), 10) + ")"
}

// HTTPStatus is the HTTP status ZITADEL's REST gateway answers for the code.
func (c Code) HTTPStatus() int {
	switch c {
	case OK:
		return 200
	case Canceled:
		return 499
	case InvalidArgument, FailedPrecondition, OutOfRange:
		return 400
	case Unauthenticated:
		return 401
	case PermissionDenied:
		return 403
	case NotFound:
		return 404
	case AlreadyExists, Aborted:
		return 409
	case ResourceExhausted:
		return 429
	case Unimplemented:
		return 501
	case Unavailable:
		return 503
	case DeadlineExceeded:
		return 504
	default: // Unknown, Internal, DataLoss and codes gRPC does not define
		return 500
	}
}

// codeForStatus guesses the gRPC code of a response whose body carries none (a proxy's
// error page, an empty body). It inverts HTTPStatus, choosing the more common code where
// two share a status.
func codeForStatus(status int) Code {
	switch status {
	case 400:
		return InvalidArgument
	case 401:
		return Unauthenticated
	case 403:
		return PermissionDenied
	case 404:
		return NotFound
	case 409:
		return AlreadyExists
	case 429:
		return ResourceExhausted
	case 499:
		return Canceled
	case 501:
		return Unimplemented
	case 502, 503:
		return Unavailable
	case 504:
		return DeadlineExceeded
	}
	if status >= 500 {
		return Internal
	}
	return Unknown
}

// Sentinel errors, for errors.Is. An *APIError matches the sentinel of its Code; see
// APIError.Is for the exact rules.
var (
	// ErrInvalidArgument: the request was malformed or a value was rejected (gRPC
	// InvalidArgument or OutOfRange). Also matched by *ValidationError, which is returned
	// before anything is sent.
	ErrInvalidArgument = errors.New("zitpass: invalid argument")
	// ErrNotFound: the user (or another resource) does not exist (gRPC NotFound).
	ErrNotFound = errors.New("zitpass: not found")
	// ErrAlreadyExists: gRPC AlreadyExists.
	ErrAlreadyExists = errors.New("zitpass: already exists")
	// ErrPermissionDenied: the caller lacks a permission or the organization is unknown
	// (gRPC PermissionDenied).
	ErrPermissionDenied = errors.New("zitpass: permission denied")
	// ErrUnauthenticated: no valid token (gRPC Unauthenticated, HTTP 401, the v1 "500 with
	// Unauthenticated" quirk, or a token source that failed).
	ErrUnauthenticated = errors.New("zitpass: unauthenticated")
	// ErrFailedPrecondition: the user is not in a state that allows the call, e.g. a used
	// or missing verification code (gRPC FailedPrecondition).
	ErrFailedPrecondition = errors.New("zitpass: failed precondition")
	// ErrRateLimited: a quota or rate limit was hit (gRPC ResourceExhausted or HTTP 429).
	ErrRateLimited = errors.New("zitpass: rate limited")
	// ErrUnavailable: the server is starting, overloaded or could not be reached (gRPC
	// Unavailable, HTTP 503, or a connection that could not be made).
	ErrUnavailable = errors.New("zitpass: unavailable")
	// ErrInternal: a server-side failure (gRPC Internal, Unknown or DataLoss).
	ErrInternal = errors.New("zitpass: internal error")
	// ErrOutcomeUnknown: the request may have been applied but no usable answer arrived
	// (a timeout or connection loss after the request was sent, or HTTP 500, 502 or 504).
	// The SDK returns it instead of retrying when a retry could repeat a side effect, such
	// as sending a second reset email. The error also carries the cause: use errors.As for
	// an *APIError or errors.Is for context.DeadlineExceeded.
	ErrOutcomeUnknown = errors.New("zitpass: outcome unknown, the request may have been applied")
)

// APIError is a non-2xx answer from ZITADEL (or from a proxy in front of it).
type APIError struct {
	StatusCode int    // HTTP status
	Code       Code   // gRPC status code from the body, or derived from StatusCode when absent
	Message    string // server message, never containing request secrets
	ID         string // ZITADEL error id, e.g. "COMMAND-uXHNj", when present
	Operation  string // e.g. "UserService.SetPassword"

	// RequestID is the X-Request-Id response header, when present: quote it to support.
	RequestID string
	// Attempts is how many HTTP requests the call made, retries included.
	Attempts int
	// FailedAttempts is the failed-login counter ZITADEL returns with a wrong current
	// password (zitadel.v1.CredentialsCheckError), or 0.
	FailedAttempts int
	// OutcomeUnknown is set when the answer does not tell whether the call took effect
	// (HTTP 502 and 504, and a 500 that is not ZITADEL's own error). errors.Is(err,
	// ErrOutcomeUnknown) reports it.
	OutcomeUnknown bool

	zitadel      bool // the body is ZITADEL's JSON error, not a proxy's page
	wrapped      Code // the gRPC code inside a v1 "rpc error: code = ..." message, or OK
	afterUnknown bool // an earlier attempt of the call ended with an unknown outcome
}

// Error describes the failure with the operation, status, code, id and message.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("zitpass: ")
	if e.Operation != "" {
		b.WriteString(e.Operation)
		b.WriteString(": ")
	}
	b.WriteString(e.Code.String())
	b.WriteString(" (HTTP ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.ID != "" {
		b.WriteString(", ")
		b.WriteString(e.ID)
	}
	b.WriteString(")")
	if msg := trimIDSuffix(e.Message, e.ID); msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.RequestID != "" {
		b.WriteString(" [request id ")
		b.WriteString(e.RequestID)
		b.WriteString("]")
	}
	if e.OutcomeUnknown {
		b.WriteString(" (outcome unknown: the request may have been applied)")
	}
	return b.String()
}

// Is reports whether target is the sentinel of e's Code or the named outcome of its id.
//
// The code sentinels: ErrInvalidArgument (InvalidArgument, OutOfRange), ErrNotFound,
// ErrAlreadyExists, ErrPermissionDenied, ErrUnauthenticated (Unauthenticated or HTTP 401),
// ErrFailedPrecondition, ErrRateLimited (ResourceExhausted or HTTP 429), ErrUnavailable
// (Unavailable or HTTP 503), ErrInternal (Internal, DataLoss or Unknown, with a 5xx status),
// ErrUnsupported (Unimplemented) and ErrOutcomeUnknown (OutcomeUnknown).
//
// The named outcomes (ErrWrongPassword, ErrUserNotFound, ...) match by ZITADEL's error id,
// whichever call answered; see the outcomes table in outcomes.go and README.md.
//
// The v1 APIs answer errors of ZITADEL's interceptors with HTTP 500, code Unknown and the
// real status in the message ("rpc error: code = Unauthenticated desc = auth header
// missing"). Such an error matches the sentinel of the code in the message, so a missing
// token matches ErrUnauthenticated on v1 as on v2.
func (e *APIError) Is(target error) bool {
	if o := outcome(e.ID, e.Code); o != nil && o == target {
		return true
	}
	code := e.effectiveCode()
	switch target {
	case ErrInvalidArgument:
		return code == InvalidArgument || code == OutOfRange
	case ErrNotFound:
		return code == NotFound
	case ErrAlreadyExists:
		return code == AlreadyExists
	case ErrPermissionDenied:
		return code == PermissionDenied
	case ErrUnauthenticated:
		return e.unauthenticated()
	case ErrFailedPrecondition:
		return code == FailedPrecondition
	case ErrRateLimited:
		return code == ResourceExhausted || e.StatusCode == 429
	case ErrUnavailable:
		return code == Unavailable || e.StatusCode == 503
	case ErrInternal:
		// A status the gateway does not map (a proxy's 302, 405, 413, 422) is not a server
		// failure, whatever code it was given.
		return e.StatusCode >= 500 && (code == Internal || code == DataLoss || code == Unknown)
	case ErrUnsupported:
		return code == Unimplemented
	case ErrOutcomeUnknown:
		return e.OutcomeUnknown
	}
	return false
}

// effectiveCode is the wrapped code of a v1 interceptor error, else Code.
func (e *APIError) effectiveCode() Code {
	if e.wrapped != OK {
		return e.wrapped
	}
	return e.Code
}

func (e *APIError) unauthenticated() bool {
	return e.effectiveCode() == Unauthenticated || e.StatusCode == 401
}

// trimIDSuffix drops the " (ID)" ZITADEL appends to messages, since Error prints the id.
func trimIDSuffix(msg, id string) string {
	if id == "" {
		return msg
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(msg), "("+id+")"))
}

// ValidationError is returned before any request is sent when an argument cannot be valid.
// It matches ErrInvalidArgument. It never contains the rejected value.
type ValidationError struct {
	Field  string // e.g. "userID", "NewPassword", "VerificationCode"
	Reason string
}

// Error names the field and the reason.
func (e *ValidationError) Error() string {
	return "zitpass: invalid " + e.Field + ": " + e.Reason
}

// Is makes a ValidationError match ErrInvalidArgument.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidArgument }

// RequestError is a call that ended without an error answer from ZITADEL: the connection
// failed, the context ended, the token source failed, or a success answer was unreadable.
// Unwrap gives the cause, so errors.Is(err, context.DeadlineExceeded) and errors.As to
// *url.Error or *oauth2.RetrieveError work.
type RequestError struct {
	Operation string
	// Attempts is how many HTTP requests the call made (0 when none was sent).
	Attempts int
	// OutcomeUnknown is set when the request may have reached ZITADEL: it was sent and no
	// usable answer came back.
	OutcomeUnknown bool
	// Err is the cause.
	Err error

	token       bool // the token source failed; nothing was sent
	certificate bool // TLS verification refused the server's certificate; not retried
}

// Error describes the operation and the cause.
func (e *RequestError) Error() string {
	msg := "zitpass: " + e.Operation + ": "
	if e.token {
		msg += "getting a token: "
	}
	msg += e.Err.Error()
	if e.certificate {
		msg += " (the server's certificate was refused: not retried, since a retry cannot succeed)"
	}
	if e.OutcomeUnknown {
		msg += " (outcome unknown: the request may have been applied)"
	}
	return msg
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// Is matches ErrOutcomeUnknown when the request may have been applied, ErrUnauthenticated
// when the token source failed, and ErrUnavailable when no connection could be made (a
// refused TLS certificate is not unavailability: it is final). A token endpoint's answer
// matches the named outcome of the error id in it, such as ErrInstanceNotFound for the
// host that names no instance.
func (e *RequestError) Is(target error) bool {
	if e.token {
		if o := tokenOutcome(e.Err); o != nil && o == target {
			return true
		}
	}
	switch target {
	case ErrOutcomeUnknown:
		return e.OutcomeUnknown
	case ErrUnauthenticated:
		return e.token && !isContextError(e.Err)
	case ErrUnavailable:
		return !e.OutcomeUnknown && !e.token && !e.certificate && e.Attempts > 0 && !isContextError(e.Err)
	}
	return false
}

func isContextError(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// tokenOutcome is the named outcome of a token endpoint's error answer: ZITADEL's instance
// interceptor answers the token endpoint in plain text, with its error id in the text.
func tokenOutcome(err error) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return nil
	}
	return outcome(idFromMessage(string(re.Body)), codeForStatus(re.Response.StatusCode))
}
