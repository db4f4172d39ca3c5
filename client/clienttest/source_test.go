package clienttest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// Answers of ZITADEL v4.13.1 that the conformance replay does not reach: none of them was
// recorded; each is read from ZITADEL's source (repo zitadel/zitadel), which each test
// names, with the recorded answers nearest to it.

// TestOrgHeaderNamesAnUnknownOrgOnV2: ZITADEL's auth interceptor runs for every call that
// needs a token, v2 included, and takes the organization from the x-zitadel-orgid header
// (internal/api/grpc/server/middleware/auth_interceptor.go and its connect twin:
// orgIDAndDomainFromRequest reads http.ZitadelOrgID); after the token is verified,
// internal/api/authz/context.go VerifyTokenAndCreateCtxData answers an org that does not
// exist with 403/7 AUTH-Bs7Ds. Inferred from source, not recorded for a v2 call; the same
// path is recorded twice: zitadel-v4.13.1.json, ManagementService.SetHumanPassword,
// "x-zitadel-orgid of a non-existing org (error)" -> 403 AUTH-Bs7Ds, and
// zitadel-v4.13.1-current.json, UserService.AddHumanUser, "A-cmp: deprecated AddHumanUser
// with unknown org 123456789012345678" -> 403 AUTH-Bs7Ds (the org of the body goes through
// the same orgIDAndDomainFromRequest).
func TestOrgHeaderNamesAnUnknownOrgOnV2(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := addAlice(srv)
	const unknown = "123456789012345678"
	send(t, srv, "GET", "/v2/users/"+alice, pat, "", "x-zitadel-orgid", unknown).want(t, 403, 7, "AUTH-Bs7Ds")
	post(t, srv, "/v2/users/"+alice+"/password", pat, `{"newPassword":{"password":"`+newPassword+`"}}`,
		"x-zitadel-orgid", unknown).want(t, 403, 7, "AUTH-Bs7Ds")
	send(t, srv, "GET", "/v2/settings/password/complexity", pat, "", "x-zitadel-orgid", unknown).want(t, 403, 7, "AUTH-Bs7Ds")
	if !srv.CheckPassword(alice, oldPassword) {
		t.Error("a refused call changed the password")
	}
}

// TestAddHumanUserInTheHeadersOrg: the deprecated v2 AddHumanUser creates the user
// in authz.GetCtxData(ctx).OrgID (internal/api/grpc/user/v2/user.go AddHumanUser), which is
// the body's organization when given, else the x-zitadel-orgid header's, else the caller's
// (auth_interceptor.go orgIDAndDomainFromRequest; authz/context.go). Inferred from source, not
// recorded.
func TestAddHumanUserInTheHeadersOrg(t *testing.T) {
	srv := newServer(t)
	other := srv.AddOrg()
	body := `{"username":"hdr","profile":{"givenName":"H","familyName":"Dr"},"email":{"email":"hdr@example.com","isVerified":true},"password":{"password":"` + oldPassword + `"}}`
	a := post(t, srv, "/v2/users/human", srv.PAT(), body, "x-zitadel-orgid", other)
	a.want(t, 200, 0, "")
	d, _ := a.body["details"].(map[string]any)
	if owner := d["resourceOwner"]; owner != other {
		t.Errorf("resourceOwner = %v, want the header's org %s (default org %s)", owner, other, srv.DefaultOrgID())
	}
}

// TestSettingsOfTheHeadersOrg: a settings call without ctx reads the
// settings of authz.GetCtxData(ctx).OrgID (internal/api/grpc/object/v2/converter.go
// ResourceOwnerFromReq), the org of the x-zitadel-orgid header when one is sent. Inferred
// from source, not recorded (the recorded "no ctx" calls send no header:
// zitadel-v4.13.1.json, SettingsService.GetLockoutSettings, "no ctx after custom org policy
// (no ctx = caller's org)").
func TestSettingsOfTheHeadersOrg(t *testing.T) {
	srv := newServer(t)
	other := srv.AddOrg()
	srv.SetLockout(other, client.Lockout{MaxPasswordAttempts: 3})
	a := send(t, srv, "GET", "/v2/settings/lockout", srv.PAT(), "", "x-zitadel-orgid", other)
	a.want(t, 200, 0, "")
	s, _ := a.body["settings"].(map[string]any)
	if s["maxPasswordAttempts"] != "3" || s["resourceOwnerType"] != "RESOURCE_OWNER_TYPE_ORG" {
		t.Errorf("settings = %v, want the header org's policy (maxPasswordAttempts \"3\", RESOURCE_OWNER_TYPE_ORG)", s)
	}
}

// TestImportWithUnverifiedEmailIsInitial: v1 ImportHumanUser adds
// HumanInitialCodeAddedEvent, which makes the user INITIAL, whenever
// domain.Human.IsInitialState holds (internal/command/user_human.go), and that is
// `u.Email == nil || !u.IsEmailVerified || no password and no hash`
// (internal/domain/human.go): an unverified email alone makes an INITIAL user, password or
// not. Inferred from source; recorded only without a password (zitadel-v4.13.1.json,
// UserService.GetUserByID, "user imported via v1 _import without password + unverified
// email" -> USER_STATE_INITIAL).
// So does no password. On an INITIAL user v2 SetPassword answers 400/9 COMMAND-M9dse (recorded: "INITIAL
// (v1-imported, no password, unverified email) user: newPassword only").
func TestImportWithUnverifiedEmailIsInitial(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	a := post(t, srv, "/management/v1/users/human/_import", pat,
		`{"userName":"imp","profile":{"firstName":"I","lastName":"Mp"},"email":{"email":"imp@example.com","isEmailVerified":false},"password":"`+oldPassword+`"}`)
	a.want(t, 200, 0, "")
	id, _ := a.body["userId"].(string)
	g := send(t, srv, "GET", "/v2/users/"+id, pat, "")
	u, _ := g.body["user"].(map[string]any)
	if u["state"] != "USER_STATE_INITIAL" {
		t.Errorf("state = %v, want USER_STATE_INITIAL", u["state"])
	}
	post(t, srv, "/v2/users/"+id+"/password", pat, `{"newPassword":{"password":"`+newPassword+`"}}`).want(t, 400, 9, "COMMAND-M9dse")

	a = post(t, srv, "/management/v1/users/human/_import", pat,
		`{"userName":"nopw","profile":{"firstName":"No","lastName":"Pw"},"email":{"email":"nopw@example.com","isEmailVerified":true}}`)
	a.want(t, 200, 0, "")
	id, _ = a.body["userId"].(string)
	g = send(t, srv, "GET", "/v2/users/"+id, pat, "")
	if u, _ := g.body["user"].(map[string]any); u["state"] != "USER_STATE_INITIAL" {
		t.Errorf("imported without a password: state = %v, want USER_STATE_INITIAL", u["state"])
	}
}

// TestExpiredSessionTokenAsBearer: a session token used as a bearer token is
// verified by internal/authz/repository/eventsourcing/eventstore/token_verifier.go
// verifySessionToken, which answers a session whose expiration has passed with 403/7
// AUTHZ-EGDo3 "session expired" before it checks the session's factors (AUTHZ-Kl3p0).
// Inferred from source, not recorded (the recorded expired session, zitadel-v4.13.1-current
// .json "D2: ...", was not used as a bearer).
func TestExpiredSessionTokenAsBearer(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now))
	alice := addAlice(srv)
	a := send(t, srv, "POST", "/v2/sessions", srv.PAT(),
		`{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"`+oldPassword+`"}},"lifetime":"5s"}`)
	a.want(t, 201, 0, "")
	tok, _ := a.body["sessionToken"].(string)
	send(t, srv, "GET", "/v2/users/"+alice, tok, "").want(t, 200, 0, "")
	clock.Add(6 * time.Second)
	e := send(t, srv, "GET", "/v2/users/"+alice, tok, "")
	e.want(t, 403, 7, "AUTHZ-EGDo3")
	if msg, _ := e.body["message"].(string); !strings.Contains(msg, "AUTHZ-EGDo3") {
		t.Errorf("message = %q", msg)
	}
}

// TestSessionPasswordCheckWithoutUserCheck: a password check needs a user; with no user
// check before it, in CreateSession or on a session without a user, ZITADEL's checkPassword
// (internal/command/user_human_password.go) answers 400/9 COMMAND-Sfw3f
// "Errors.User.UserIDMissing", and CreateSession creates nothing.
func TestSessionPasswordCheckWithoutUserCheck(t *testing.T) {
	srv := newServer(t)
	addAlice(srv)
	a := send(t, srv, "POST", "/v2/sessions", srv.PAT(), `{"checks":{"password":{"password":"`+oldPassword+`"}}}`)
	a.want(t, 400, 9, "COMMAND-Sfw3f")
	if msg, _ := a.body["message"].(string); msg != "User ID missing (COMMAND-Sfw3f)" {
		t.Errorf("message %q", msg)
	}
	list := send(t, srv, "POST", "/v2/sessions/search", srv.PAT(), `{}`)
	if s, _ := list.body["sessions"].([]any); len(s) != 0 {
		t.Errorf("a session was created: %v", list.body)
	}
}

// TestSessionPasswordCheckAfterLockOrDelete: SetSession with a password check alone runs no
// user check (internal/api/grpc/session/v2/session.go checksToCommand), so the user's state
// is read by the command layer's password check (verifyPasswordWithLockoutPolicy in
// internal/command/user_human_password.go): a locked user is 400/9 COMMAND-JLK35 "User is
// locked", a CredentialsCheckError with the failed checks so far, and a deleted one 400/9
// COMMAND-3n77z. With a user check in the request the user check answers first
// (SESSION-Gj4ko, as recorded for CreateSession).
func TestSessionPasswordCheckAfterLockOrDelete(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	newSession := func(u string) (id, token string) {
		s := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+u+`"}}}`)
		s.want(t, 201, 0, "")
		return s.body["sessionId"].(string), s.body["sessionToken"].(string)
	}
	check := func(id, token, pw string) rawAnswer {
		return send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"sessionToken":"`+token+`","checks":{"password":{"password":"`+pw+`"}}}`)
	}

	locked := createUser(t, srv, "locked-later", oldPassword)
	id, token := newSession(locked)
	check(id, token, "Wrong-Passw0rd!9").want(t, 400, 3, "COMMAND-3M0fs")
	send(t, srv, "POST", "/v2/users/"+locked+"/lock", pat, `{}`).want(t, 200, 0, "")
	a := check(id, token, oldPassword)
	a.want(t, 400, 9, "COMMAND-JLK35")
	detail := a.body["details"].([]any)[0].(map[string]any)
	if detail["@type"] != "type.googleapis.com/zitadel.v1.CredentialsCheckError" || detail["failedAttempts"] != 1.0 || detail["message"] != "User is locked" {
		t.Errorf("detail %v, want a CredentialsCheckError with failedAttempts 1", detail)
	}
	send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"user":{"userId":"`+locked+`"},"password":{"password":"`+oldPassword+`"}}}`).
		want(t, 400, 9, "SESSION-Gj4ko")

	fresh := createUser(t, srv, "locked-fresh", oldPassword)
	id, token = newSession(fresh)
	send(t, srv, "POST", "/v2/users/"+fresh+"/lock", pat, `{}`).want(t, 200, 0, "")
	a = check(id, token, oldPassword)
	a.want(t, 400, 9, "COMMAND-JLK35")
	if detail := a.body["details"].([]any)[0].(map[string]any); detail["@type"] != "type.googleapis.com/zitadel.v1.CredentialsCheckError" || detail["failedAttempts"] != nil {
		t.Errorf("detail %v, want a CredentialsCheckError without failedAttempts (zero is omitted)", detail)
	}

	deleted := createUser(t, srv, "deleted-later", oldPassword)
	id, token = newSession(deleted)
	send(t, srv, "DELETE", "/v2/users/"+deleted, pat, "").want(t, 200, 0, "")
	check(id, token, oldPassword).want(t, 400, 9, "COMMAND-3n77z")
}

// TestCurrentPasswordBeforePolicy: a password change with the current password or a code
// checks that first, then the policy (setPasswordCommand in
// internal/command/user_human_password.go runs the verification before
// checkPasswordComplexity, for SetPassword, UpdateUser and v1 UpdateMyPassword alike): a
// wrong current password with a weak new one is COMMAND-3M0fs and counts toward lockout, a
// wrong code with a weak new one is CODE-woT0xc, and a locked user's current password is
// COMMAND-JLK35.
func TestCurrentPasswordBeforePolicy(t *testing.T) {
	srv := newServer(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 3}))
	pat := srv.PAT()
	u := createUser(t, srv, "order", oldPassword)
	send(t, srv, "PATCH", "/v2/users/"+u, pat, updatePassword("weak", `,"currentPassword":"Wrong-Passw0rd!9"`)).want(t, 400, 3, "COMMAND-3M0fs")
	send(t, srv, "POST", "/v2/users/"+u+"/password", pat, `{"newPassword":{"password":"weak"},"currentPassword":"Wrong-Passw0rd!9"}`).want(t, 400, 3, "COMMAND-3M0fs")
	send(t, srv, "PATCH", "/v2/users/"+u, pat, updatePassword("weak", `,"currentPassword":"`+oldPassword+`"`)).want(t, 400, 3, "DOMAIN-HuJf6")

	send(t, srv, "POST", "/v2/users/"+u+"/password_reset", pat, `{"returnCode":{}}`).want(t, 200, 0, "")
	send(t, srv, "PATCH", "/v2/users/"+u, pat, updatePassword("weak", `,"verificationCode":"ZZ99ZZ"`)).want(t, 400, 3, "CODE-woT0xc")
	send(t, srv, "POST", "/v2/users/"+u+"/password", pat, `{"newPassword":{"password":"weak"},"verificationCode":"ZZ99ZZ"}`).want(t, 400, 3, "CODE-woT0xc")

	send(t, srv, "PATCH", "/v2/users/"+u, pat, updatePassword("Ok-Passw0rd!1", `,"currentPassword":"Wrong-Passw0rd!9"`)).want(t, 400, 3, "COMMAND-3M0fs")
	a := send(t, srv, "PATCH", "/v2/users/"+u, pat, updatePassword("Ok-Passw0rd!1", `,"currentPassword":"`+oldPassword+`"`))
	a.want(t, 400, 9, "COMMAND-JLK35") // the third wrong password locked the user
	if d := a.body["details"].([]any)[0].(map[string]any); d["failedAttempts"] != 3.0 {
		t.Errorf("failedAttempts %v, want 3", d["failedAttempts"])
	}
}

// TestBrokenTemplateBeforeTheUser: PasswordReset and CreateInviteCode render the link
// template with placeholders before they look at the user (RequestPasswordResetURLTemplate
// in internal/command/user_v2_password.go, createInviteCodeRequestToCommand in
// internal/api/grpc/user/v2/user.go, both through domain.RenderConfirmURLTemplate): a
// template that does not parse is 400/3 DOMAIN-oGh5e "URL Template is invalid" for an
// unknown user or one without a password too, and one that fails to execute is DOMAIN-ieYa7.
func TestBrokenTemplateBeforeTheUser(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	passwordless := createUser(t, srv, "no-password", "")
	for _, user := range []string{"123456789012345678", passwordless} {
		a := send(t, srv, "POST", "/v2/users/"+user+"/password_reset", pat, `{"sendLink":{"urlTemplate":"{{.Code"}}`)
		a.want(t, 400, 3, "DOMAIN-oGh5e")
		if msg, _ := a.body["message"].(string); msg != "URL Template is invalid (DOMAIN-oGh5e)" {
			t.Errorf("message %q", msg)
		}
		send(t, srv, "POST", "/v2/users/"+user+"/password_reset", pat, `{"sendLink":{"urlTemplate":"{{.Nope}}"}}`).want(t, 400, 3, "DOMAIN-ieYa7")
	}
	send(t, srv, "POST", "/v2/users/123456789012345678/invite_code", pat, `{"sendCode":{"urlTemplate":"{{.Code"}}`).want(t, 400, 3, "DOMAIN-oGh5e")
}

// TestCheckPasswordOnALockedUserThroughTheSDK: the SDK's Sessions.CheckPassword sends a
// password check alone, so a user locked since the session began answers COMMAND-JLK35,
// which the SDK names ErrUserNotActive, as it names the user check's SESSION-Gj4ko.
func TestCheckPasswordOnALockedUserThroughTheSDK(t *testing.T) {
	srv := newServer(t)
	id := addAlice(srv)
	c := srv.Client()
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.LockUser(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, err = c.Sessions.CheckPassword(ctx, sess.ID, sess.Token, oldPassword)
	var ae *client.APIError
	if !errors.Is(err, client.ErrUserNotActive) || !errors.As(err, &ae) || ae.ID != "COMMAND-JLK35" {
		t.Fatalf("err = %v, want ErrUserNotActive (COMMAND-JLK35)", err)
	}
}

// TestCustomLockoutPolicyTwiceOrNone: AddLockoutPolicy answers an org that has its own
// policy with 409/6 ORG-0olDf, RemoveLockoutPolicy one without with 404/5 ORG-D4zuz
// (internal/command/org_policy_lockout.go); neither key has a translation, so the message
// is the key.
func TestCustomLockoutPolicyTwiceOrNone(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	a := send(t, srv, "DELETE", "/management/v1/policies/lockout", pat, "")
	a.want(t, 404, 5, "ORG-D4zuz")
	if msg, _ := a.body["message"].(string); msg != "Errors.Org.LockoutPolicy.NotFound (ORG-D4zuz)" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "POST", "/management/v1/policies/lockout", pat, `{"maxPasswordAttempts":3}`).want(t, 200, 0, "")
	a = send(t, srv, "POST", "/management/v1/policies/lockout", pat, `{"maxPasswordAttempts":3}`)
	a.want(t, 409, 6, "ORG-0olDf")
	if msg, _ := a.body["message"].(string); msg != "Errors.ORG.LockoutPolicy.AlreadyExists (ORG-0olDf)" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "DELETE", "/management/v1/policies/lockout", pat, "").want(t, 200, 0, "")
}

// TestCurrentPasswordOfAUserWithoutOne: verifyPasswordWithLockoutPolicy answers a user
// without a password with 400/9 COMMAND-3nJ4t before it verifies anything, for a change
// with the current password as for a session's check (recorded there).
func TestCurrentPasswordOfAUserWithoutOne(t *testing.T) {
	srv := newServer(t)
	u := createUser(t, srv, "passwordless", "")
	send(t, srv, "PATCH", "/v2/users/"+u, srv.PAT(), updatePassword("weak", `,"currentPassword":"`+oldPassword+`"`)).want(t, 400, 9, "COMMAND-3nJ4t")
	send(t, srv, "POST", "/v2/users/"+u+"/password", srv.PAT(), `{"newPassword":{"password":"Ok-Passw0rd!1"},"currentPassword":"`+oldPassword+`"}`).want(t, 400, 9, "COMMAND-3nJ4t")
}

// TestSetSessionInZITADELsOrder: SetSession runs the user check's search in the API layer,
// then the command layer's session.write permission (no exemption for the session's own
// user), the session's state (CheckNotInvalidated: terminated is COMMAND-Hewfq), and the
// checks; with nothing to write it answers the details alone and keeps the token
// (internal/command/session.go updateSession and SessionCommands.commands).
func TestSetSessionInZITADELsOrder(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	created := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"`+oldPassword+`"}}}`)
	created.want(t, 201, 0, "")
	id, tok := created.body["sessionId"].(string), created.body["sessionToken"].(string)

	send(t, srv, "PATCH", "/v2/sessions/"+id, tok, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "PATCH", "/v2/sessions/"+id, tok, `{"checks":{"user":{"userId":"123456789012345678"}}}`).want(t, 404, 5, "QUERY-Dfbg2")

	same := send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{}`)
	same.want(t, 200, 0, "")
	if _, has := same.body["sessionToken"]; has {
		t.Errorf("SetSession without changes answered a new token: %v", same.body)
	}
	send(t, srv, "GET", "/v2/sessions/"+id+"?sessionToken="+tok, pat, "").want(t, 200, 0, "")

	a := send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"user":{"userId":"`+bob+`"}}}`)
	a.want(t, 400, 3, "")
	if msg, _ := a.body["message"].(string); msg != "user change not possible ()" {
		t.Errorf("message %q", msg)
	}

	renewed := send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`)
	renewed.want(t, 200, 0, "")
	a = send(t, srv, "GET", "/v2/users/"+alice, tok, "")
	a.want(t, 403, 7, "QUERY-dsfr3") // the replaced token still names its session
	if msg, _ := a.body["message"].(string); msg != "Errors.PermissionDenied (QUERY-dsfr3)" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "GET", "/v2/users/"+alice, renewed.body["sessionToken"].(string), "").want(t, 200, 0, "")

	send(t, srv, "DELETE", "/v2/sessions/"+id, pat, `{}`).want(t, 200, 0, "")
	a = send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`)
	a.want(t, 400, 9, "COMMAND-Hewfq")
	if msg, _ := a.body["message"].(string); msg != "Session already terminated (COMMAND-Hewfq)" {
		t.Errorf("message %q", msg)
	}
}

// TestSetSessionOnAnUnknownID: the event store has no events for an id that names no
// session, and updateSession goes on with an empty one: a password check lacks a user
// (COMMAND-Sfw3f), and a user check writes a session that no read finds.
func TestSetSessionOnAnUnknownID(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	send(t, srv, "PATCH", "/v2/sessions/123456789012345678", pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`).want(t, 400, 9, "COMMAND-Sfw3f")
	a := send(t, srv, "PATCH", "/v2/sessions/123456789012345678", pat, `{}`)
	a.want(t, 200, 0, "")
	if _, has := a.body["sessionToken"]; has {
		t.Errorf("answer %v has a token", a.body)
	}
	send(t, srv, "PATCH", "/v2/sessions/123456789012345678", pat, `{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"`+oldPassword+`"}}}`).want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/sessions/123456789012345678", pat, "").want(t, 404, 5, "QUERY-SFeaa")
}

// TestCreateSessionSearchesTheUserFirst: CreateSession's user check is searched before the
// command checks the session.write permission, so a caller without it learns of an unknown
// or locked user first.
func TestCreateSessionSearchesTheUserFirst(t *testing.T) {
	srv := newServer(t)
	alice := createUser(t, srv, "alice", oldPassword)
	tok := srv.TokenFor(alice)
	send(t, srv, "POST", "/v2/sessions", tok, `{"checks":{"user":{"userId":"123456789012345678"}}}`).want(t, 404, 5, "QUERY-Dfbg2")
	send(t, srv, "POST", "/v2/sessions", tok, `{"checks":{"user":{"userId":"`+alice+`"}}}`).want(t, 404, 5, "AUTHZ-cdgFk")
}

// TestLockedOrDeletedUsersSessionsLeaveTheReadSide: the session projection deletes a
// user's sessions when the user is locked (by LockUser or by the lockout policy) or
// removed (reduceUserStateNotActive in internal/query/projection/session.go): GetSession
// and ListSessions no longer find them, and their tokens are answered with the read's
// QUERY-SFeaa. The command side still has them: after an unlock a password check on the
// session passes, and it can be deleted.
func TestLockedOrDeletedUsersSessionsLeaveTheReadSide(t *testing.T) {
	srv := newServer(t, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 2}))
	pat := srv.PAT()
	newSession := func(u string) (string, string) {
		a := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+u+`"},"password":{"password":"`+oldPassword+`"}}}`)
		a.want(t, 201, 0, "")
		return a.body["sessionId"].(string), a.body["sessionToken"].(string)
	}
	listed := func() int {
		l, _ := send(t, srv, "POST", "/v2/sessions/search", pat, `{}`).body["sessions"].([]any)
		return len(l)
	}

	locked := createUser(t, srv, "locked", oldPassword)
	id, tok := newSession(locked)
	send(t, srv, "POST", "/v2/users/"+locked+"/lock", pat, `{}`).want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 404, 5, "QUERY-SFeaa")
	send(t, srv, "GET", "/v2/users/"+locked, tok, "").want(t, 404, 5, "QUERY-SFeaa")
	if n := listed(); n != 0 {
		t.Errorf("ListSessions lists %d sessions of a locked user", n)
	}
	send(t, srv, "POST", "/v2/users/"+locked+"/unlock", pat, `{}`).want(t, 200, 0, "")
	send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`).want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 404, 5, "QUERY-SFeaa")
	send(t, srv, "DELETE", "/v2/sessions/"+id, pat, `{}`).want(t, 200, 0, "")

	lockedOut := createUser(t, srv, "locked-out", oldPassword)
	id, _ = newSession(lockedOut)
	for range 2 {
		send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"Wrong-Passw0rd!9"}}}`).want(t, 400, 3, "COMMAND-3M0fs")
	}
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 404, 5, "QUERY-SFeaa")

	deleted := createUser(t, srv, "deleted", oldPassword)
	id, tok = newSession(deleted)
	send(t, srv, "DELETE", "/v2/users/"+deleted, pat, "").want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 404, 5, "QUERY-SFeaa")
	send(t, srv, "GET", "/auth/v1/users/me", tok, "").want(t, 404, 5, "QUERY-SFeaa")
}

// TestPermissionsOfAUsersOwnToken: what a user's own token may do, by ZITADEL's source.
// GetUserByID reads the user, then checks user.read unless it is the caller
// (internal/query/user.go userCheckPermission); the v2 settings calls need policy.read and
// AddHumanUser user.write, checked by the authorization interceptor before the request is
// validated (settings_service.proto, user_service.proto, internal/api/api.go); SetPassword
// looks at the user's state before the permission (setPasswordCommand).
func TestPermissionsOfAUsersOwnToken(t *testing.T) {
	srv := newServer(t)
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	tok := srv.TokenFor(alice)
	send(t, srv, "GET", "/v2/users/"+alice, tok, "").want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/users/"+bob, tok, "").want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "GET", "/v2/users/123456789012345678", tok, "").want(t, 404, 5, "QUERY-Dfbg2")
	for _, path := range []string{"/v2/settings/password/complexity", "/v2/settings/lockout", "/v2/settings/password/expiry",
		"/v2/settings/login", "/v2/settings", "/v2/settings/password/complexity?ctx.instance=false"} {
		send(t, srv, "GET", path, tok, "").want(t, 404, 5, "AUTHZ-cdgFk")
	}
	send(t, srv, "GET", "/v2/settings/password/complexity", srv.PAT(), "").want(t, 200, 0, "")
	send(t, srv, "POST", "/v2/users/human", tok, `{"username":""}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "POST", "/v2/users/human", tok, `{"organization":{"orgId":"123456789012345678"},"username":""}`).want(t, 403, 7, "AUTH-Bs7Ds")
	initial := srv.AddHumanUser(clienttest.HumanUser{Username: "ivy", Initial: true})
	send(t, srv, "POST", "/v2/users/"+initial+"/password", tok, `{"newPassword":{"password":"Ok-Passw0rd!1"}}`).want(t, 400, 9, "COMMAND-M9dse")
}

// TestEmailAndProfileRules: protoc-gen-validate's email rule parses the address with
// net/mail and appends the parser's cause (templates/goshared/known.go); UpdateUser
// validates the human's profile and email, and the optional username only after them (the
// generated code checks proto3 optional fields last). An unchanged address keeps its
// verification (changeUserEmail).
func TestEmailAndProfileRules(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	for email, cause := range map[string]string{
		"not-an-email":       "mail: missing '@' or angle-addr",
		"alice@example..com": "mail: missing '@' or angle-addr",
		"alice@-example.com": "hostname parts cannot begin with hyphens",
		"alice@exa_mple.com": `hostname parts can only contain alphanumeric characters or hyphens, got "_"`,
	} {
		a := send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+srv.DefaultOrgID()+`","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"`+email+`"}}}`)
		a.want(t, 400, 3, "")
		want := "invalid CreateUserRequest.Human: embedded message failed validation | caused by: invalid CreateUserRequest_Human.Email: embedded message failed validation | caused by: invalid SetHumanEmail.Email: value must be a valid email address | caused by: " + cause
		if msg, _ := a.body["message"].(string); msg != want {
			t.Errorf("%s: message %q, want %q", email, msg, want)
		}
	}
	alice := createUser(t, srv, "alice", oldPassword) // a verified address
	a := send(t, srv, "PATCH", "/v2/users/"+alice, pat, `{"username":"","human":{"email":{"email":"bad"}}}`)
	a.want(t, 400, 3, "")
	if msg, _ := a.body["message"].(string); !strings.HasPrefix(msg, "invalid UpdateUserRequest.Human: embedded message failed validation | caused by: invalid UpdateUserRequest_Human.Email:") {
		t.Errorf("message %q", msg)
	}
	a = send(t, srv, "PATCH", "/v2/users/"+alice, pat, `{"human":{"profile":{"givenName":""}}}`)
	if msg, _ := a.body["message"].(string); msg != "invalid UpdateUserRequest.Human: embedded message failed validation | caused by: invalid UpdateUserRequest_Human.Profile: embedded message failed validation | caused by: invalid UpdateUserRequest_Human_Profile.GivenName: value length must be between 1 and 200 runes, inclusive" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "PATCH", "/v2/users/"+alice, pat, `{"human":{"email":{"email":"alice@example.com"}}}`).want(t, 200, 0, "")
	u := send(t, srv, "GET", "/v2/users/"+alice, pat, "")
	if v := u.body["user"].(map[string]any)["human"].(map[string]any)["email"].(map[string]any)["isVerified"]; v != true {
		t.Errorf("the unchanged address lost its verification: isVerified %v", v)
	}
}

// TestOptionalFieldsAreValidatedLast: protoc-gen-validate checks plain fields, then
// oneofs, then proto3 optional fields (templates/goshared/msg.go), so an empty userId or
// username is reported only when everything else is valid.
func TestOptionalFieldsAreValidatedLast(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	for _, tc := range []struct{ path, body, want string }{
		{"/v2/users/new", `{"organizationId":"` + srv.DefaultOrgID() + `","username":""}`, "invalid CreateUserRequest.UserType: value is required"},
		{"/v2/users/new", `{"organizationId":"` + srv.DefaultOrgID() + `","userId":"","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"g@example.com"}}}`, "invalid CreateUserRequest.UserId: value length must be between 1 and 200 runes, inclusive"},
		{"/v2/users/human", `{"username":"","email":{"email":"g@example.com"}}`, "invalid AddHumanUserRequest.Profile: value is required"},
	} {
		a := send(t, srv, "POST", tc.path, pat, tc.body)
		a.want(t, 400, 3, "")
		if msg, _ := a.body["message"].(string); msg != tc.want {
			t.Errorf("%s %s: message %q, want %q", tc.path, tc.body, msg, tc.want)
		}
	}
}

// TestBlankNamesAndTheOrderOfCreation: AddHuman.Validate trims the username and the names
// before it requires them (V2-zzad3, USER-UCej2, USER-4hB7d); AddUserHuman then checks the
// permission, the organization and the id, in that order (internal/command/
// user_v2_human.go).
func TestBlankNamesAndTheOrderOfCreation(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	org := srv.DefaultOrgID()
	human := func(username, given string) string {
		return `{"organizationId":"` + org + `","userId":"taken-1","username":"` + username + `","human":{"profile":{"givenName":"` + given +
			`","familyName":"F"},"email":{"email":"g@example.com"}}}`
	}
	send(t, srv, "POST", "/v2/users/new", pat, human("   ", "G")).want(t, 400, 3, "V2-zzad3")
	a := send(t, srv, "POST", "/v2/users/new", pat, human("g", "  "))
	a.want(t, 400, 3, "USER-UCej2")
	if msg, _ := a.body["message"].(string); msg != "First name in profile is empty (USER-UCej2)" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "POST", "/v2/users/new", pat, human(" g ", "G")).want(t, 200, 0, "")
	u := send(t, srv, "GET", "/v2/users/taken-1", pat, "")
	if name := u.body["user"].(map[string]any)["username"]; name != "g" {
		t.Errorf("username %v, want it trimmed", name)
	}
	other := strings.Replace(human("h", "G"), org, "123456789012345678", 1)
	send(t, srv, "POST", "/v2/users/new", pat, other).want(t, 400, 9, "COMMAND-QXPGs") // the org before the taken id
	send(t, srv, "POST", "/v2/users/new", srv.TokenFor("taken-1"), other).want(t, 404, 5, "AUTHZ-cdgFk")
}

// TestMachinesInvitesAndVerifiedAddresses: CreateUser of a machine checks the permission,
// the organization, then a taken id (COMMAND-k2una), and names it by its id when the
// request gives no username (AddMachine in internal/command/user_machine.go); a user may
// create an invite code for itself (sendInviteCode); marking one's own email verified
// needs user.write (ChangeUserHuman).
func TestMachinesInvitesAndVerifiedAddresses(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	org := srv.DefaultOrgID()
	for range 2 { // the same name twice: usernames are the ids
		a := send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+org+`","machine":{"name":"svc","description":"a service"}}`)
		a.want(t, 200, 0, "")
		id := a.body["id"].(string)
		u := send(t, srv, "GET", "/v2/users/"+id, pat, "").body["user"].(map[string]any)
		m := u["machine"].(map[string]any)
		if u["username"] != id || m["name"] != "svc" || m["description"] != "a service" {
			t.Errorf("machine user %v", u)
		}
	}
	send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+org+`","userId":"m-1","machine":{"name":"svc"}}`).want(t, 200, 0, "")
	send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+org+`","userId":"m-1","machine":{"name":"svc"}}`).want(t, 400, 9, "COMMAND-k2una")
	send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"123456789012345678","userId":"m-1","machine":{"name":"svc"}}`).want(t, 400, 9, "COMMAND-QXPGs")

	invited := createUser(t, srv, "invited", "")
	tok := srv.TokenFor(invited)
	send(t, srv, "POST", "/v2/users/"+invited+"/invite_code", tok, `{"returnCode":{}}`).want(t, 200, 0, "")
	other := createUser(t, srv, "other", "")
	send(t, srv, "POST", "/v2/users/"+other+"/invite_code", tok, `{"returnCode":{}}`).want(t, 404, 5, "AUTHZ-cdgFk")

	alice := createUser(t, srv, "alice", oldPassword)
	atok := srv.TokenFor(alice)
	send(t, srv, "PATCH", "/v2/users/"+alice, atok, `{"human":{"email":{"email":"new@example.com","isVerified":true}}}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "PATCH", "/v2/users/"+alice, atok, `{"human":{"email":{"email":"new@example.com"}}}`).want(t, 200, 0, "")
}

// TestV1CallsInZITADELsOrder: v1 GetUserByID reads the user, then compares its
// organization with the caller's (MANAG-fpo4B; internal/api/grpc/management/user.go); a
// reset notification for a machine user is sent like any other (RequestSetPassword reads it
// as ACTIVE), and a type number outside the enum is the gateway's defined_only refusal,
// wrapped as v1 wraps validation errors; UpdateMyPassword of an INITIAL user is
// COMMAND-M9dse before the old password is looked at (setPasswordCommand).
func TestV1CallsInZITADELsOrder(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	other := srv.AddOrg()
	carol := srv.AddHumanUser(clienttest.HumanUser{OrgID: other, Username: "carol", Password: oldPassword})
	a := send(t, srv, "GET", "/management/v1/users/"+carol, pat, "")
	a.want(t, 404, 5, "MANAG-fpo4B")
	send(t, srv, "GET", "/management/v1/users/123456789012345678", pat, "").want(t, 404, 5, "QUERY-Dfbg2")

	svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "svc"})
	post(t, srv, "/management/v1/users/"+svc+"/password/_reset", pat, `{"type":"TYPE_EMAIL"}`).want(t, 200, 0, "")
	alice := addAlice(srv)
	a = post(t, srv, "/management/v1/users/"+alice+"/password/_reset", pat, `{"type":5}`)
	a.want(t, 500, 2, "")
	if msg, _ := a.body["message"].(string); msg != "rpc error: code = InvalidArgument desc = invalid SendHumanResetPasswordNotificationRequest.Type: value must be one of the defined enum values ()" {
		t.Errorf("message %q", msg)
	}
	post(t, srv, "/management/v1/users/"+alice+"/password/_reset", pat, `{"type":"TYPE_NONE"}`).want(t, 200, 0, "") // a name is dropped: email

	initial := srv.AddHumanUser(clienttest.HumanUser{Username: "ivy", Initial: true})
	send(t, srv, "PUT", "/auth/v1/users/me/password", srv.TokenFor(initial), `{"oldPassword":"Wrong-Passw0rd!9","newPassword":"`+newPassword+`"}`).want(t, 400, 9, "COMMAND-M9dse")
}
