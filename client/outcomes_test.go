package client_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// namedOutcomes are all the named outcomes, for checking that an answer matches exactly one.
var namedOutcomes = map[string]error{
	"ErrWrongPassword": client.ErrWrongPassword, "ErrPasswordPolicy": client.ErrPasswordPolicy,
	"ErrInvalidCode": client.ErrInvalidCode, "ErrCodeNotFound": client.ErrCodeNotFound,
	"ErrUserNotFound": client.ErrUserNotFound, "ErrUserExists": client.ErrUserExists,
	"ErrUserNotActive": client.ErrUserNotActive, "ErrUserNotInitialized": client.ErrUserNotInitialized,
	"ErrNoPassword": client.ErrNoPassword, "ErrOrgNotFound": client.ErrOrgNotFound,
	"ErrHashNotSupported": client.ErrHashNotSupported, "ErrSessionExpired": client.ErrSessionExpired,
	"ErrInstanceNotFound": client.ErrInstanceNotFound, "ErrUnsupported": client.ErrUnsupported,
}

var codeSentinels = map[client.Code]error{
	client.InvalidArgument: client.ErrInvalidArgument, client.NotFound: client.ErrNotFound,
	client.AlreadyExists: client.ErrAlreadyExists, client.PermissionDenied: client.ErrPermissionDenied,
	client.FailedPrecondition: client.ErrFailedPrecondition,
}

// outcomeCall is a call that gets an error answer.
type outcomeCall func(*client.Client) error

var (
	viaCreateUser outcomeCall = func(c *client.Client) error { _, err := c.Users.CreateUser(ctx, createReq(ownOrg)); return err }
	viaAddHuman   outcomeCall = func(c *client.Client) error { _, err := c.Users.AddHumanUser(ctx, newUser("")); return err }
	viaUpdateUser outcomeCall = func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"})
		return err
	}
	viaUpdateCode outcomeCall = func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "ABCDEF"})
		return err
	}
	viaUpdateHash outcomeCall = func(c *client.Client) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPasswordHash: "$1$FP0czrUy$OVkZt1OZSGQ3jAbrf23J81"})
		return err
	}
	viaSetPassword outcomeCall = func(c *client.Client) error {
		_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!"})
		return err
	}
	viaSession outcomeCall = func(c *client.Client) error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID("u1"), "0ld-Passw0rd!")
		return err
	}
	viaCheck outcomeCall = func(c *client.Client) error {
		_, err := c.Sessions.CheckPassword(ctx, "s1", "tok", "0ld-Passw0rd!")
		return err
	}
	viaReset outcomeCall = func(c *client.Client) error {
		_, err := c.Users.RequestPasswordReset(ctx, "u1", client.ReturnCode())
		return err
	}
	viaLock   outcomeCall = func(c *client.Client) error { _, err := c.Users.LockUser(ctx, "u1"); return err }
	viaUnlock outcomeCall = func(c *client.Client) error { _, err := c.Users.UnlockUser(ctx, "u1"); return err }
	viaDelete outcomeCall = func(c *client.Client) error { _, err := c.Users.DeleteUser(ctx, "u1"); return err }
	viaGet    outcomeCall = func(c *client.Client) error { _, err := c.Users.GetUser(ctx, "u1"); return err }
	viaV1Init outcomeCall = func(c *client.Client) error {
		_, err := c.Management.SetHumanInitialPassword(ctx, "u1", "Init-Passw0rd!", client.InOrg("o1"))
		return err
	}
	viaV1Reset outcomeCall = func(c *client.Client) error {
		_, err := c.Management.SendHumanResetPasswordNotification(ctx, "u1", client.NotificationEmail)
		return err
	}
	viaMyPassword outcomeCall = func(c *client.Client) error {
		_, err := c.Auth.UpdateMyPassword(ctx, "0ld-Passw0rd!", "N3w-Passw0rd!")
		return err
	}
	viaSettings outcomeCall = func(c *client.Client) error { _, err := c.Settings.PasswordComplexity(ctx); return err }
)

// credentialsError is ZITADEL's answer to a wrong password, with its failed-attempt count.
const credentialsError = `{"code":3,"message":"Password is invalid (COMMAND-3M0fs)","details":[{"@type":"type.googleapis.com/zitadel.v1.CredentialsCheckError","id":"COMMAND-3M0fs","message":"Password is invalid","failedAttempts":1}]}`

// instanceNotFound is ZITADEL's answer when the host names no instance: no details, the id
// only inside the message.
const instanceNotFound = `{"code":5,"message":"unable to set instance using origin \u0026{127.0.0.1:8080  http} (ExternalDomain is localhost): ID=QUERY-1kIjX Message=Instance not found. Make sure you got the domain right. Check out https://zitadel.com/docs/apis/introduction#domains Parent=(unable to get instance by domain: instanceDomain 127.0.0.1, publicHostname 127.0.0.1: ID=QUERY-1kIjX Message=Errors.Instance.NotFound)"}`

// outcomeRows are every id the named outcomes cover, each answered as ZITADEL sends it, by
// a call that gets it.
var outcomeRows = []struct {
	id      string
	code    client.Code
	body    string // "" means zitadelError(code, "...", id)
	call    outcomeCall
	outcome string
}{
	{"COMMAND-3M0fs", client.InvalidArgument, credentialsError, viaSession, "ErrWrongPassword"},
	{"COMMAND-3M0fs", client.InvalidArgument, credentialsError, viaCheck, "ErrWrongPassword"},
	{"COMMAND-3M0fs", client.InvalidArgument, credentialsError, viaUpdateUser, "ErrWrongPassword"},
	{"COMMAND-3M0fs", client.InvalidArgument, credentialsError, viaMyPassword, "ErrWrongPassword"},
	// v1 initialize for a user of another organization: not a password check.
	{"COMMAND-3M0fs", client.FailedPrecondition, "", viaV1Init, "ErrUserNotFound"},

	{"COMMA-HuJf6", client.InvalidArgument, "", viaCreateUser, "ErrPasswordPolicy"},
	{"COMMA-co3Xw", client.InvalidArgument, "", viaCreateUser, "ErrPasswordPolicy"},
	{"COMMA-VoaRj", client.InvalidArgument, "", viaCreateUser, "ErrPasswordPolicy"},
	{"COMMA-ZBv4H", client.InvalidArgument, "", viaAddHuman, "ErrPasswordPolicy"},
	{"COMMA-ZDLwA", client.InvalidArgument, "", viaAddHuman, "ErrPasswordPolicy"},
	{"DOMAIN-HuJf6", client.InvalidArgument, "", viaUpdateUser, "ErrPasswordPolicy"},
	{"DOMAIN-co3Xw", client.InvalidArgument, "", viaUpdateUser, "ErrPasswordPolicy"},
	{"DOMAIN-VoaRj", client.InvalidArgument, "", viaUpdateUser, "ErrPasswordPolicy"},
	{"DOMAIN-ZBv4H", client.InvalidArgument, "", viaSetPassword, "ErrPasswordPolicy"},
	{"DOMAIN-ZDLwA", client.InvalidArgument, "", viaV1Init, "ErrPasswordPolicy"},

	{"CODE-woT0xc", client.InvalidArgument, "", viaUpdateCode, "ErrInvalidCode"},
	{"COMMAND-Wgn4q", client.InvalidArgument, "", viaUpdateCode, "ErrInvalidCode"},
	{"COMMAND-2M9fs", client.FailedPrecondition, "", viaUpdateCode, "ErrCodeNotFound"},

	{"QUERY-Dfbg2", client.NotFound, "", viaSession, "ErrUserNotFound"},
	{"QUERY-Dfbg2", client.NotFound, "", viaGet, "ErrUserNotFound"},
	{"COMMAND-SAF4f", client.NotFound, "", viaReset, "ErrUserNotFound"},
	{"COMMAND-Hj9ds", client.FailedPrecondition, "", viaV1Reset, "ErrUserNotFound"},
	{"COMMAND-ugjs0upun6", client.NotFound, "", viaUpdateUser, "ErrUserNotFound"},
	{"COMMAND-bd4ir1mblj", client.NotFound, "", viaDelete, "ErrUserNotFound"},
	{"COMMAND-x377t913pw", client.NotFound, "", viaUnlock, "ErrUserNotFound"},
	{"COMMAND-450yxuqrh1", client.NotFound, "", viaLock, "ErrUserNotFound"},

	{"V3-DKcYh", client.AlreadyExists, "", viaCreateUser, "ErrUserExists"},
	{"V3-DKcYh", client.AlreadyExists, "", viaAddHuman, "ErrUserExists"},
	{"COMMAND-7yiox1isql", client.FailedPrecondition, "", viaCreateUser, "ErrUserExists"},

	{"SESSION-Gj4ko", client.FailedPrecondition, "", viaSession, "ErrUserNotActive"},
	{"SESSION-Gj4ko", client.FailedPrecondition, "", viaCheck, "ErrUserNotActive"},
	{"COMMAND-JLK35", client.FailedPrecondition, "", viaCheck, "ErrUserNotActive"},
	{"COMMAND-JLK35", client.FailedPrecondition, "", viaUpdateUser, "ErrUserNotActive"},
	{"COMMAND-SFA3t", client.FailedPrecondition, "", viaCheck, "ErrUserNotActive"},
	{"COMMAND-3n77z", client.FailedPrecondition, "", viaCheck, "ErrUserNotFound"},
	{"COMMAND-lgws8wtsqf", client.FailedPrecondition, "", viaLock, "ErrUserNotActive"},

	{"COMMAND-M9dse", client.FailedPrecondition, "", viaUpdateUser, "ErrUserNotInitialized"},
	{"COMMAND-Sfe4g", client.FailedPrecondition, "", viaReset, "ErrUserNotInitialized"},
	{"COMMAND-2M9sd", client.FailedPrecondition, "", viaV1Reset, "ErrUserNotInitialized"},

	{"COMMAND-3nJ4t", client.FailedPrecondition, "", viaSession, "ErrNoPassword"},
	{"COMMAND-G8dh3", client.FailedPrecondition, "", viaSetPassword, "ErrNoPassword"},

	{"AUTH-Bs7Ds", client.PermissionDenied, "", viaAddHuman, "ErrOrgNotFound"},
	{"AUTH-Bs7Ds", client.PermissionDenied, "", viaV1Init, "ErrOrgNotFound"},
	{"COMMAND-QXPGs", client.FailedPrecondition, "", viaCreateUser, "ErrOrgNotFound"},

	{"USER-JDk4t", client.InvalidArgument, "", viaCreateUser, "ErrHashNotSupported"},
	{"USER-oz74onzvqr", client.InvalidArgument, "", viaUpdateHash, "ErrHashNotSupported"},

	{"COMMAND-Hkl3d", client.FailedPrecondition, "", viaCheck, "ErrSessionExpired"},
	{"AUTHZ-EGDo3", client.PermissionDenied, "", viaUpdateUser, "ErrSessionExpired"},

	{"QUERY-1kIjX", client.NotFound, instanceNotFound, viaSettings, "ErrInstanceNotFound"},
	{"QUERY-1kIjX", client.NotFound, instanceNotFound, viaCreateUser, "ErrInstanceNotFound"},
}

// TestNamedOutcomes: every id a named outcome covers matches that outcome, still matches
// the sentinel of its code, and matches no other outcome.
func TestNamedOutcomes(t *testing.T) {
	for _, row := range outcomeRows {
		t.Run(row.outcome+"/"+row.id+"/"+row.code.String(), func(t *testing.T) {
			body := row.body
			if body == "" {
				body = zitadelError(int(row.code), "Errors.Something", row.id)
			}
			srv := newRecorder(t, respond(row.code.HTTPStatus(), body))
			err := row.call(srv.client(t, client.WithoutRetries()))
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.ID != row.id || ae.Code != row.code {
				t.Fatalf("err = %v, want an *APIError %v %s", err, row.code, row.id)
			}
			for name, o := range namedOutcomes {
				if got := errors.Is(err, o); got != (name == row.outcome) {
					t.Errorf("errors.Is(err, %s) = %v", name, got)
				}
			}
			if s := codeSentinels[row.code]; !errors.Is(err, s) {
				t.Errorf("err no longer matches its code sentinel %v", s)
			}
			if errors.Is(err, client.ErrInternal) || errors.Is(err, client.ErrOutcomeUnknown) {
				t.Errorf("err = %v matches ErrInternal or ErrOutcomeUnknown", err)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

// TestEachOutcomeCoversItsIDs: the rows above name every id of every outcome.
func TestEachOutcomeCoversItsIDs(t *testing.T) {
	want := map[string][]string{
		"ErrWrongPassword":      {"COMMAND-3M0fs"},
		"ErrPasswordPolicy":     {"COMMA-HuJf6", "COMMA-co3Xw", "COMMA-VoaRj", "COMMA-ZBv4H", "COMMA-ZDLwA", "DOMAIN-HuJf6", "DOMAIN-co3Xw", "DOMAIN-VoaRj", "DOMAIN-ZBv4H", "DOMAIN-ZDLwA"},
		"ErrInvalidCode":        {"CODE-woT0xc", "COMMAND-Wgn4q"},
		"ErrCodeNotFound":       {"COMMAND-2M9fs"},
		"ErrUserNotFound":       {"QUERY-Dfbg2", "COMMAND-SAF4f", "COMMAND-Hj9ds", "COMMAND-ugjs0upun6", "COMMAND-bd4ir1mblj", "COMMAND-x377t913pw", "COMMAND-450yxuqrh1", "COMMAND-3n77z", "COMMAND-3M0fs"},
		"ErrUserExists":         {"V3-DKcYh", "COMMAND-7yiox1isql"},
		"ErrUserNotActive":      {"SESSION-Gj4ko", "COMMAND-JLK35", "COMMAND-SFA3t", "COMMAND-lgws8wtsqf"},
		"ErrUserNotInitialized": {"COMMAND-M9dse", "COMMAND-Sfe4g", "COMMAND-2M9sd"},
		"ErrNoPassword":         {"COMMAND-3nJ4t", "COMMAND-G8dh3"},
		"ErrOrgNotFound":        {"AUTH-Bs7Ds", "COMMAND-QXPGs"},
		"ErrHashNotSupported":   {"USER-JDk4t", "USER-oz74onzvqr"},
		"ErrSessionExpired":     {"COMMAND-Hkl3d", "AUTHZ-EGDo3"},
		"ErrInstanceNotFound":   {"QUERY-1kIjX"},
	}
	covered := map[string]bool{}
	for _, row := range outcomeRows {
		covered[row.outcome+" "+row.id] = true
	}
	for outcome, ids := range want {
		for _, id := range ids {
			if !covered[outcome+" "+id] {
				t.Errorf("no row for %s %s", outcome, id)
			}
		}
	}
}

// TestOutcomesIgnoreUnknownIDs: an id no outcome covers, and an answer without an id,
// match only their code sentinels.
func TestOutcomesIgnoreUnknownIDs(t *testing.T) {
	for _, body := range []string{
		zitadelError(9, "Code is expired", "CODE-QvUQ4P"),
		zitadelError(7, "No matching permissions found", "AUTH-5mWD2"),
		`{"code":3,"message":"invalid CreateUserRequest.OrganizationId: value length must be between 1 and 200 runes, inclusive"}`,
		// An id's suffix alone is not the id.
		zitadelError(3, "Password is too short", "OTHER-HuJf6"),
	} {
		srv := newRecorder(t, respond(400, body))
		err := viaCreateUser(srv.client(t))
		for name, o := range namedOutcomes {
			if errors.Is(err, o) {
				t.Errorf("%s: matches %s", body, name)
			}
		}
	}
}

// TestPolicyErrorIsPasswordPolicy: the client-side check's error is the same outcome as the
// server's answer.
func TestPolicyErrorIsPasswordPolicy(t *testing.T) {
	p := client.PasswordComplexity{MinLength: 8, RequiresUppercase: true, RequiresLowercase: true, RequiresNumber: true, RequiresSymbol: true}
	err := p.Check("weak")
	var pe *client.PolicyError
	if !errors.As(err, &pe) || !errors.Is(err, client.ErrPasswordPolicy) || !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("err = %v: want a *PolicyError matching ErrPasswordPolicy and ErrInvalidArgument", err)
	}
	for name, o := range namedOutcomes {
		if o != client.ErrPasswordPolicy && errors.Is(err, o) {
			t.Errorf("a *PolicyError matches %s", name)
		}
	}
	if p.Check("Str0ng-Passw0rd!") != nil {
		t.Error("a strong password breaks the policy")
	}
}

// TestStatusesThatAreNoServerFailure: answers the gateway never gives for these calls (a
// proxy's 405 without a body, a redirect, 413, 415, 422) are not ErrInternal, and not
// ErrUnsupported either: only ZITADEL's own code 12 says the server lacks a call.
func TestStatusesThatAreNoServerFailure(t *testing.T) {
	for _, status := range []int{302, 405, 413, 415, 422} {
		for _, body := range []string{"", "<html><body>" + http.StatusText(status) + "</body></html>"} {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				w.Write([]byte(body))
			})
			err := viaGet(srv.client(t))
			var ae *client.APIError
			if !errors.As(err, &ae) || ae.StatusCode != status {
				t.Fatalf("%d: err = %v", status, err)
			}
			if errors.Is(err, client.ErrInternal) || errors.Is(err, client.ErrUnsupported) || errors.Is(err, client.ErrOutcomeUnknown) {
				t.Errorf("%d %q: err = %v matches ErrInternal, ErrUnsupported or ErrOutcomeUnknown", status, body, err)
			}
			for name, o := range namedOutcomes {
				if errors.Is(err, o) {
					t.Errorf("%d: matches %s", status, name)
				}
			}
		}
	}
}

// TestUnsupported: ZITADEL's code 12 (405 from ZITADEL v3 for a v4 call, 501 for a request
// it does not implement) is ErrUnsupported, and so is an *UnsupportedError.
func TestUnsupported(t *testing.T) {
	for status, body := range map[int]string{
		405: `{"code":12,"message":"Method Not Allowed"}`,
		501: `{"code":12,"message":"user type is not implemented ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"user type is not implemented"}]}`,
	} {
		srv := newRecorder(t, respond(status, body))
		err := viaGet(srv.client(t))
		var ae *client.APIError
		if !errors.As(err, &ae) || ae.Code != client.Unimplemented || !errors.Is(err, client.ErrUnsupported) {
			t.Errorf("%d: err = %v, want ErrUnsupported", status, err)
		}
		if errors.Is(err, client.ErrInternal) || errors.Is(err, client.ErrOutcomeUnknown) {
			t.Errorf("%d: err = %v matches ErrInternal or ErrOutcomeUnknown", status, err)
		}
	}
	cause := &client.APIError{StatusCode: 405, Code: client.Unimplemented, Message: "Method Not Allowed", Operation: "UserService.UpdateUser"}
	var err error = &client.UnsupportedError{Operation: "UserService.UpdateUser", Feature: "setting a password hash", Need: "v4.0.0", Err: cause}
	var ae *client.APIError
	if !errors.Is(err, client.ErrUnsupported) || !errors.As(err, &ae) || ae != cause {
		t.Errorf("err = %v: want ErrUnsupported wrapping the answer", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "zitpass: UserService.UpdateUser: ") || !strings.Contains(msg, "v4.0.0") {
		t.Errorf("Error() = %q", msg)
	}
	if errors.Is(&client.UnsupportedError{}, client.ErrInternal) {
		t.Error("an *UnsupportedError matches ErrInternal")
	}
}
