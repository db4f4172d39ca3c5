package clienttest

import (
	"net/http"
	"strconv"
)

// The auth API v1 (/auth/v1/...): the calls of the user the token belongs to. A session
// token from CreateSession works as the bearer token.

type updateMyPasswordRequest struct {
	OldPassword *string `json:"oldPassword"`
	NewPassword *string `json:"newPassword"`
}

// bytesRuleV1 is a min_len 1 / max_bytes violation on the v1 gateway.
func bytesRuleV1(field string, v *string, maxBytes int) *zerr {
	switch n := len(*orEmpty(v)); {
	case n == 0:
		return errInvalidV1("invalid " + field + ": value length must be at least 1 runes")
	case n > maxBytes:
		return errInvalidV1("invalid " + field + ": value length must be at most " + strconv.Itoa(maxBytes) + " bytes")
	}
	return nil
}

// updateMyPassword is AuthService.UpdateMyPassword. A service user's token is refused with
// COMMAND-G8dh3; after the change, the session token used stops working.
func (s *Server) updateMyPassword(r *http.Request, _ string) (any, *zerr) {
	var req updateMyPasswordRequest
	caller, e := s.begin(r, &req, true)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	if e := bytesRuleV1("UpdateMyPasswordRequest.OldPassword", req.OldPassword, 70); e != nil {
		return nil, e
	}
	if e := bytesRuleV1("UpdateMyPasswordRequest.NewPassword", req.NewPassword, 70); e != nil {
		return nil, e
	}
	// setPasswordCommand: the user, its INITIAL state, then the current password.
	u := caller.user
	switch {
	case !u.human:
		return nil, errSetUnknownUser
	case u.state == stateInitial:
		return nil, errSetUninitialized
	}
	if e := s.changeOwnPassword(u, *req.OldPassword, *req.NewPassword, false, "DOMAIN"); e != nil {
		return nil, e
	}
	return map[string]any{"details": userDetails(u, false)}, nil
}

// getMyUser is AuthService.GetMyUser.
func (s *Server) getMyUser(r *http.Request, _ string) (any, *zerr) {
	caller, e := s.begin(r, nil, true)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	return map[string]any{"user": userV1(caller.user)}, nil
}

// getMyPasswordComplexityPolicy is AuthService.GetMyPasswordComplexityPolicy, the v1 form
// of the complexity settings.
func (s *Server) getMyPasswordComplexityPolicy(r *http.Request, _ string) (any, *zerr) {
	_, e := s.begin(r, nil, true)
	defer s.mu.Unlock()
	if e != nil {
		return nil, e
	}
	d := details(1, s.created, s.instanceID)
	d["creationDate"] = stamp(s.created)
	p := s.complexity
	policy := map[string]any{"details": d, "isDefault": true}
	setCount(policy, "minLength", p.MinLength)
	setTrue(policy, "hasUppercase", p.RequiresUppercase)
	setTrue(policy, "hasLowercase", p.RequiresLowercase)
	setTrue(policy, "hasNumber", p.RequiresNumber)
	setTrue(policy, "hasSymbol", p.RequiresSymbol)
	return map[string]any{"policy": policy}, nil
}
