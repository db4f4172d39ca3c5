package client

import (
	"strconv"
	"unicode/utf8"
)

// Length limits of ZITADEL's request validation, in characters.
const (
	maxUserID           = 200
	maxPasswordV1       = 72
	maxPasswordV2       = 200
	maxVerificationCode = 20
	maxURLTemplate      = 200
	maxField            = 200 // names, email, phone, hash, login name, session id
)

// checkLength enforces ZITADEL's min_len/max_len rules, which count characters (runes).
func checkLength(field, v string, lo, hi int) error {
	if err := checkUTF8(field, v); err != nil {
		return err
	}
	n := utf8.RuneCountInString(v)
	switch {
	case n == 0 && lo > 0:
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case n < lo || n > hi:
		return &ValidationError{Field: field, Reason: "must be " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " characters, not " + strconv.Itoa(n)}
	}
	return nil
}

// userPath returns the escaped path segment for a user id, after validating it. The id
// cannot change the path: "/" is escaped, and the dot segments "." and "..", which URL
// resolution would remove, are escaped as well.
func userPath(userID string) (string, error) {
	if err := checkLength("userID", userID, 1, maxUserID); err != nil {
		return "", err
	}
	return pathSegment(userID), nil
}

// checkUTF8 refuses a string that is not valid UTF-8. Protobuf strings are UTF-8, and
// encoding/json would replace the invalid bytes with U+FFFD: ZITADEL would store another
// id, name or password than the caller's, and a later call with the caller's string would
// not find it.
func checkUTF8(field, v string) error {
	if !utf8.ValidString(v) {
		return &ValidationError{Field: field, Reason: "must be valid UTF-8"}
	}
	return nil
}

// checkBytes enforces a protoc-gen-validate max_bytes rule.
func checkBytes(field, v string, lo, hi int) error {
	if err := checkUTF8(field, v); err != nil {
		return err
	}
	switch n := len(v); {
	case n == 0 && lo > 0:
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case n < lo || n > hi:
		return &ValidationError{Field: field, Reason: "must be " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi) + " bytes, not " + strconv.Itoa(n)}
	}
	return nil
}
