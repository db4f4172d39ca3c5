package clienttest

import (
	"crypto/subtle"
)

// The password model of a user, as ZITADEL's password write model: a check that fails
// counts toward the lockout policy, a check that passes starts the count over, and a new
// password also voids a pending code and starts the count over.

func (u *user) hasPassword() bool { return u.password != "" || u.hash != "" }

// passwordMatches reports whether pw is u's password, and broken when u's imported hash
// cannot be verified (ZITADEL answers COMMAND-CahN2). Callers hold s.mu. An imported hash is
// verified with s.mu released, so that slow hashes (bcrypt cost 14 and more) of concurrent
// calls run in parallel; gone reports that u was deleted meanwhile. Callers re-check
// anything else about u they checked before, as ZITADEL re-reads its write model after the
// hash comparison.
func (s *Server) passwordMatches(u *user, pw string) (match, broken, gone bool) {
	for {
		if u.hash == "" {
			return u.password != "" && subtle.ConstantTimeCompare([]byte(u.password), []byte(pw)) == 1, false, false
		}
		hash, gen, hook := u.hash, u.passwordGen, s.hashHook
		s.mu.Unlock()
		if hook != nil {
			hook()
		}
		ok, err := verifyHash(hash, pw)
		s.mu.Lock()
		if s.users[u.id] != u {
			return false, false, true
		}
		if u.hash == hash && u.passwordGen == gen {
			return ok, err != nil, false
		}
		// The password changed while the hash was computed: check the new one.
	}
}

// checkPassword verifies a password a caller presented (a session check, a current or old
// password) and records the outcome. Callers hold s.mu, which an imported hash releases
// (see passwordMatches): gone reports that the user was deleted meanwhile.
func (s *Server) checkPassword(u *user, pw string) (e *zerr, gone bool) {
	match, broken, gone := s.passwordMatches(u, pw)
	switch {
	case gone:
		return errUserNotFound, true
	case broken:
		s.countFailure(u)
		return errHashFailed, false
	case !match:
		return s.failCheck(u), false
	}
	u.failedChecks = 0
	return nil, false
}

// failCheck counts a failed check, locks the user when the lockout policy says so, and
// returns the CredentialsCheckError.
func (s *Server) failCheck(u *user) *zerr {
	s.countFailure(u)
	return wrongPassword(u.failedChecks)
}

func (s *Server) countFailure(u *user) {
	u.failedChecks++
	if limit := s.lockoutFor(u.org).MaxPasswordAttempts; limit > 0 && u.failedChecks >= limit && u.state == stateActive {
		s.lock(u)
	}
}

// hashable reports whether the hasher accepts pw; ZITADEL's default, bcrypt, refuses more
// than 72 bytes.
func (s *Server) hashable(pw string) bool { return s.hasherLimit <= 0 || len(pw) <= s.hasherLimit }

// setUserPassword stores a new password. The caller has checked the policy and the hasher.
func (s *Server) setUserPassword(u *user, pw string, changeRequired bool) {
	s.storePassword(u, pw, "", changeRequired)
}

// storePassword stores a password or an imported hash; earlier sessions lose their
// password check, as ZITADEL's session projection clears it on a password change.
func (s *Server) storePassword(u *user, pw, hash string, changeRequired bool) {
	u.password, u.hash = pw, hash
	u.changeRequired = changeRequired
	u.code = nil
	u.failedChecks = 0
	u.passwordGen++
	u.passwordChanged = s.now().UTC()
	s.changed(u)
}
