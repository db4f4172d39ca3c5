package clienttest

import (
	"crypto/subtle"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// The password model of a user, as ZITADEL's password write model: a check that fails
// counts toward the lockout policy, a check that passes starts the count over, and a new
// password also voids a pending code and starts the count over.

func (u *user) hasPassword() bool { return u.password != "" || u.hash != "" }

// passwordIs compares in constant time, or with the imported hash.
func (u *user) passwordIs(pw string) bool {
	if u.hash != "" {
		return bcrypt.CompareHashAndPassword([]byte(u.hash), []byte(pw)) == nil
	}
	return u.password != "" && subtle.ConstantTimeCompare([]byte(u.password), []byte(pw)) == 1
}

// checkPassword verifies a password a caller presented (a session check, a current or old
// password) and records the outcome. Callers hold s.mu.
func (s *Server) checkPassword(u *user, pw string) *zerr {
	if u.passwordIs(pw) {
		u.failedChecks = 0
		return nil
	}
	return s.failCheck(u)
}

// failCheck counts a failed check, locks the user when the lockout policy says so, and
// returns the CredentialsCheckError.
func (s *Server) failCheck(u *user) *zerr {
	u.failedChecks++
	if limit := s.lockoutFor(u.org).MaxPasswordAttempts; limit > 0 && u.failedChecks >= limit && u.state == stateActive {
		u.state = stateLocked
	}
	return wrongPassword(u.failedChecks)
}

// hashable reports whether the hasher accepts pw; ZITADEL's default, bcrypt, refuses more
// than 72 bytes.
func (s *Server) hashable(pw string) bool { return s.hasherLimit <= 0 || len(pw) <= s.hasherLimit }

// setUserPassword stores a new password. The caller has checked the policy and the hasher.
func (s *Server) setUserPassword(u *user, pw string, changeRequired bool) {
	u.password, u.hash = pw, ""
	u.changeRequired = changeRequired
	u.code = nil
	u.failedChecks = 0
	u.passwordGen++
	u.passwordChanged = s.now().UTC()
	s.changed(u)
}

// validHash reports whether ZITADEL (as the fake runs it) can import hash: bcrypt only.
func validHash(hash string) bool {
	if !strings.HasPrefix(hash, "$2a$") && !strings.HasPrefix(hash, "$2b$") && !strings.HasPrefix(hash, "$2y$") {
		return false
	}
	_, err := bcrypt.Cost([]byte(hash))
	return err == nil
}
