package auth

import (
	"net/http"
	"strconv"

	"golang.org/x/oauth2"
)

// TokenError is a failed token request. For an error answer of the endpoint it unwraps to
// an *oauth2.RetrieveError, so code written for golang.org/x/oauth2 keeps working. It
// never contains the assertion, the client secret or a token.
type TokenError struct {
	// Endpoint is the token endpoint URL.
	Endpoint string
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// ErrorCode and Description are the endpoint's "error" and "error_description"
	// (RFC 6749 section 5.2), when it sent them.
	ErrorCode   string
	Description string
	// Err is the cause: an *oauth2.RetrieveError for an error answer, else the transport's
	// error or what was wrong with the answer.
	Err error

	hint string // what the answer likely means, when ZITADEL's answer does not say
}

// Error describes the failure with the endpoint's error code and description.
func (e *TokenError) Error() string {
	msg := "zitpass: token request to " + e.Endpoint + " failed"
	if e.StatusCode != 0 {
		msg += " (HTTP " + strconv.Itoa(e.StatusCode) + ")"
	}
	switch {
	case e.ErrorCode != "" && e.Description != "":
		msg += ": " + e.ErrorCode + ": " + e.Description
	case e.ErrorCode != "":
		msg += ": " + e.ErrorCode
	case e.StatusCode == 0 && e.Err != nil:
		msg += ": " + e.Err.Error()
	}
	if e.hint != "" {
		msg += " (" + e.hint + ")"
	}
	return msg
}

// Unwrap returns the cause.
func (e *TokenError) Unwrap() error { return e.Err }

// retrieveError builds the *oauth2.RetrieveError for an error answer. The response it
// keeps has no request attached: the request carried the credential.
func retrieveError(resp *http.Response, body []byte, code, desc, uri string) *oauth2.RetrieveError {
	r := *resp
	r.Request = nil
	r.Body = http.NoBody
	return &oauth2.RetrieveError{Response: &r, Body: body, ErrorCode: code, ErrorDescription: desc, ErrorURI: uri}
}

// KeyFileError reports a key file that cannot be used. It never contains key material.
type KeyFileError struct {
	Path   string // the file, for JWTProfileFile
	Reason string
	Err    error // the cause, when there is one (never one that quotes the key)
}

// Error names the file and the reason.
func (e *KeyFileError) Error() string {
	msg := "zitpass: key file"
	if e.Path != "" {
		msg += " " + strconv.Quote(e.Path)
	}
	return msg + ": " + e.Reason
}

// Unwrap returns the cause.
func (e *KeyFileError) Unwrap() error { return e.Err }
