package client

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/zitpass/zitpass-go/internal/api"
)

// This file maps between the generated wire types (internal/api) and the public types.

// detailsFrom converts the wire details leniently: ZITADEL omits zero values, and a field
// that does not parse is left zero rather than failing a call that has taken effect.
func detailsFrom(d *api.Details) Details {
	if d == nil {
		return Details{}
	}
	seq, _ := strconv.ParseUint(d.Sequence, 10, 64)
	return Details{
		Sequence:      seq,
		CreationDate:  parseTime(d.CreationDate),
		ChangeDate:    parseTime(d.ChangeDate),
		ResourceOwner: d.ResourceOwner,
	}
}

// parseTime parses an RFC 3339 timestamp with 0-9 fractional digits, as UTC.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}

// newAPIError decodes an error answer. A body that is not ZITADEL's JSON error (a proxy's
// page, nothing at all) still gives the status, a code derived from it and a short
// excerpt. The request's secrets are scrubbed from everything the error keeps (the whole
// body before it is cut, the message, the id), and the id is read only from scrubbed text.
func newAPIError(op string, status int, h http.Header, body []byte, secrets []string) *APIError {
	e := &APIError{StatusCode: status, Operation: op, RequestID: h.Get("X-Request-Id")}
	sc := newScrubber(secrets)
	var st api.Status
	if err := json.Unmarshal(body, &st); err == nil && (st.Code != 0 || st.Message != "") {
		// ZITADEL's errors always carry their gRPC code; a JSON body with only a message is
		// a proxy's (Kong's 503 {"message":"failure to get a peer from the ring-balancer"}).
		e.zitadel = st.Code != 0
		e.Code = Code(st.Code)
		e.Message = sc.scrub(st.Message)
		for _, d := range st.Details {
			if id := strings.TrimSpace(d.Id); e.ID == "" && sc.scrub(id) == id {
				e.ID = id
			}
			if d.FailedAttempts > 0 {
				e.FailedAttempts = int(d.FailedAttempts)
			}
		}
	} else {
		// Scrubbed before the cut, so that no prefix of a secret survives it, and after,
		// since dropping invalid bytes and joining whitespace can bring pieces together.
		e.Message = sc.scrub(excerpt(sc.scrub(string(body))))
	}
	if e.Code == OK {
		e.Code = codeForStatus(status)
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	if e.ID == "" && e.zitadel {
		e.ID = idFromMessage(e.Message)
	}
	if e.zitadel && e.Code == Unknown {
		e.wrapped = wrappedCode(e.Message)
	}
	return e
}

// wrappedCode finds the gRPC status that ZITADEL's v1 gateway wraps into a code 2 (Unknown)
// answer: "rpc error: code = Unauthenticated desc = auth header missing". Such errors come
// from ZITADEL's interceptors (authentication, request validation), before any command ran.
func wrappedCode(msg string) Code {
	const prefix = "rpc error: code = "
	rest, ok := strings.CutPrefix(msg, prefix)
	if !ok {
		return OK
	}
	name, _, ok := strings.Cut(rest, " ")
	if !ok {
		return OK
	}
	for c, n := range codeNames {
		if n == name && c != int(OK) && c != int(Unknown) {
			return Code(c)
		}
	}
	return OK
}

// idFromMessage finds the id ZITADEL puts into its messages when it sends no details:
// appended, "... (COMMAND-uXHNj)", or, in the answers of its instance interceptor,
// "... ID=QUERY-1kIjX Message=...".
func idFromMessage(msg string) string {
	msg = strings.TrimSpace(msg)
	if strings.HasSuffix(msg, ")") {
		if open := strings.LastIndexByte(msg, '('); open >= 0 {
			if id := msg[open+1 : len(msg)-1]; isErrorID(id) {
				return id
			}
		}
	}
	if _, rest, ok := strings.Cut(msg, "ID="); ok {
		id, _, _ := strings.Cut(rest, " ")
		if isErrorID(id) {
			return id
		}
	}
	return ""
}

// isErrorID reports whether s has the shape of a ZITADEL error id: letters and digits with
// a dash inside, such as "COMMAND-uXHNj".
func isErrorID(s string) bool {
	dash := strings.IndexByte(s, '-')
	if dash <= 0 || dash == len(s)-1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if r != '-' && !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
			return false
		}
	}
	return true
}

// addHumanUserBody builds the AddHumanUser request; org is InOrg's organization, used
// when req names none.
func addHumanUserBody(req *AddHumanUserRequest, org string) *api.AddHumanUserRequest {
	b := &api.AddHumanUserRequest{
		UserId:   req.UserID,
		Username: req.Username,
		Profile:  api.SetHumanProfile{GivenName: req.GivenName, FamilyName: req.FamilyName},
		Email:    api.SetHumanEmail{Email: req.Email, IsVerified: req.EmailVerified},
	}
	if req.OrgID != "" {
		org = req.OrgID
	}
	if org != "" {
		b.Organization = &api.Organization{OrgId: org}
	}
	if req.Phone != "" {
		b.Phone = &api.SetHumanPhone{Phone: req.Phone}
	}
	switch {
	case req.Password != "":
		b.Password = &api.Password{Password: req.Password, ChangeRequired: req.ChangeRequired}
	case req.PasswordHash != "":
		b.HashedPassword = &api.HashedPassword{Hash: req.PasswordHash, ChangeRequired: req.ChangeRequired}
	}
	return b
}

// createUserBody builds the CreateUser request for org, which ZITADEL requires.
func createUserBody(req *CreateUserRequest, org string) *api.CreateUserRequest {
	b := &api.CreateUserRequest{
		OrganizationId: org,
		UserId:         req.UserID,
		Username:       req.Username,
		Human: api.CreateUserHuman{
			Profile: api.SetHumanProfile{GivenName: req.GivenName, FamilyName: req.FamilyName},
			Email:   api.SetHumanEmail{Email: req.Email, IsVerified: req.EmailVerified},
		},
	}
	h := &b.Human
	if req.Phone != "" {
		h.Phone = &api.SetHumanPhone{Phone: req.Phone}
	}
	switch {
	case req.Password != "":
		h.Password = &api.Password{Password: req.Password, ChangeRequired: req.ChangeRequired}
	case req.PasswordHash != "":
		h.HashedPassword = &api.HashedPassword{Hash: req.PasswordHash, ChangeRequired: req.ChangeRequired}
	}
	return b
}

// updateUserBody builds the UpdateUser request that changes only the password.
func updateUserBody(req *UpdateUserRequest) *api.UpdateUserRequest {
	p := &api.UpdatePassword{CurrentPassword: req.CurrentPassword, VerificationCode: req.VerificationCode}
	if req.NewPasswordHash != "" {
		p.HashedPassword = &api.HashedPassword{Hash: req.NewPasswordHash, ChangeRequired: req.ChangeRequired}
	} else {
		p.Password = &api.Password{Password: req.NewPassword, ChangeRequired: req.ChangeRequired}
	}
	return &api.UpdateUserRequest{Human: &api.UpdateHuman{Password: p}}
}

var userStates = map[api.UserState]UserState{
	api.USERSTATEACTIVE:   UserStateActive,
	api.USERSTATEINACTIVE: UserStateInactive,
	api.USERSTATEDELETED:  UserStateDeleted,
	api.USERSTATELOCKED:   UserStateLocked,
	api.USERSTATEINITIAL:  UserStateInitial,
}

// userFrom converts a v2 user; a missing user gives the zero User.
func userFrom(u *api.User) *User {
	if u == nil {
		return &User{}
	}
	out := &User{
		ID:       u.UserId,
		Username: u.Username,
		State:    userStates[u.State],
		Details:  detailsFrom(u.Details),
	}
	out.OrgID = out.Details.ResourceOwner
	if h := u.Human; h != nil {
		out.Email = h.Email.Email
		out.EmailVerified = h.Email.IsVerified
		out.PasswordChangeRequired = h.PasswordChangeRequired
		out.PasswordChanged = parseTime(h.PasswordChanged)
	}
	return out
}

// parseUint reads a uint64 that protojson sent as a string; absent or malformed is 0.
func parseUint(s string) int {
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0
	}
	return int(n)
}

// loginSettingsFrom converts the login settings; a duration that does not parse is zero.
func loginSettingsFrom(st *api.LoginSettings) *LoginSettings {
	if st == nil {
		return &LoginSettings{}
	}
	return &LoginSettings{
		AllowUsernamePassword:      st.AllowUsernamePassword,
		AllowRegister:              st.AllowRegister,
		AllowExternalIDP:           st.AllowExternalIdp,
		AllowLocalAuthentication:   st.AllowLocalAuthentication,
		AllowDomainDiscovery:       st.AllowDomainDiscovery,
		ForceMFA:                   st.ForceMfa,
		ForceMFALocalOnly:          st.ForceMfaLocalOnly,
		HidePasswordReset:          st.HidePasswordReset,
		IgnoreUnknownUsernames:     st.IgnoreUnknownUsernames,
		DisableLoginWithEmail:      st.DisableLoginWithEmail,
		DisableLoginWithPhone:      st.DisableLoginWithPhone,
		PasskeysAllowed:            st.PasskeysType == "PASSKEYS_TYPE_ALLOWED",
		DefaultRedirectURI:         st.DefaultRedirectUri,
		PasswordCheckLifetime:      parseDuration(st.PasswordCheckLifetime),
		ExternalLoginCheckLifetime: parseDuration(st.ExternalLoginCheckLifetime),
		MFAInitSkipLifetime:        parseDuration(st.MfaInitSkipLifetime),
		SecondFactorCheckLifetime:  parseDuration(st.SecondFactorCheckLifetime),
		MultiFactorCheckLifetime:   parseDuration(st.MultiFactorCheckLifetime),
		SecondFactors:              st.SecondFactors,
		MultiFactors:               st.MultiFactors,
	}
}

// parseDuration reads a protobuf Duration as protojson sends it ("864000s", "1.5s");
// absent or malformed is 0.
func parseDuration(s string) time.Duration {
	if !strings.HasSuffix(s, "s") {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0
	}
	return d
}
