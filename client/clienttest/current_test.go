package clienttest_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// The current v2 calls of ZITADEL v4 (CreateUser, UpdateUser, LockUser, DeleteUser,
// SetSession, GetSession, ListSessions, invite codes, Connect), where the conformance replay
// does not already pin an answer: the answers checked by hand on v4.13.1 and the fake's
// own rules.

// send sends a raw request with any method and decodes the JSON answer.
func send(t *testing.T, srv *clienttest.Server, method, path, token, body string, header ...string) rawAnswer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, srv.URL()+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := rawAnswer{status: resp.StatusCode}
	if err := json.Unmarshal(raw, &a.body); err != nil {
		t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
	}
	if c, ok := a.body["code"].(float64); ok {
		a.code = int(c)
	}
	if d, ok := a.body["details"].([]any); ok && len(d) > 0 {
		a.id, _ = d[0].(map[string]any)["id"].(string)
	}
	return a
}

// createUser creates a human user with CreateUser and returns its id.
func createUser(t *testing.T, srv *clienttest.Server, name, password string) string {
	t.Helper()
	a := send(t, srv, "POST", "/v2/users/new", srv.PAT(), `{"organizationId":"`+srv.DefaultOrgID()+`","username":"`+name+
		`","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"`+name+`@example.com","isVerified":true}`+
		passwordField(password)+`}}`)
	a.want(t, 200, 0, "")
	id, _ := a.body["id"].(string)
	return id
}

func passwordField(pw string) string {
	if pw == "" {
		return ""
	}
	return `,"password":{"password":"` + pw + `"}`
}

func updatePassword(password, extra string) string {
	return `{"human":{"password":{"password":{"password":"` + password + `"}` + extra + `}}}`
}

func TestCreateUserAnswers(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	org := srv.DefaultOrgID()
	body := func(extra string) string {
		return `{"organizationId":"` + org + `",` + extra + `"human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"x@example.com"},"password":{"password":"Create-Passw0rd!1"}}}`
	}
	a := send(t, srv, "POST", "/v2/users/new", pat, body(`"userId":"u-1","username":"x",`))
	a.want(t, 200, 0, "")
	if a.body["id"] != "u-1" || a.body["creationDate"] == nil || len(a.body) != 2 {
		t.Errorf("answer = %v", a.body)
	}
	// The id is checked before the username, the username last: after the policy.
	send(t, srv, "POST", "/v2/users/new", pat, body(`"userId":"u-1","username":"y",`)).want(t, 400, 9, "COMMAND-7yiox1isql")
	send(t, srv, "POST", "/v2/users/new", pat, body(`"username":"x",`)).want(t, 409, 6, "V3-DKcYh")
	weak := strings.Replace(body(`"username":"x",`), "Create-Passw0rd!1", "n0-upper-case", 1)
	send(t, srv, "POST", "/v2/users/new", pat, weak).want(t, 400, 3, "COMMA-VoaRj")
	// An unverified email is still an active user; without a username the email is one.
	a = send(t, srv, "POST", "/v2/users/new", pat, body(""))
	a.want(t, 200, 0, "")
	id := a.body["id"].(string)
	if srv.UserState(id) != client.UserStateActive {
		t.Errorf("state = %v", srv.UserState(id))
	}
	if u := send(t, srv, "GET", "/v2/users/"+id, pat, ""); u.body["user"].(map[string]any)["username"] != "x@example.com" {
		t.Errorf("user = %v", u.body)
	}
	// 73 bytes: bcrypt's raw error, no id, and no user.
	long := strings.Replace(body(`"username":"long",`), "Create-Passw0rd!1", "Aa1!"+strings.Repeat("x", 69), 1)
	a = send(t, srv, "POST", "/v2/users/new", pat, long)
	a.want(t, 500, 2, "")
	if a.body["message"] != "bcrypt: password length exceeds 72 bytes ()" {
		t.Errorf("message = %v", a.body["message"])
	}
	for _, u := range srv.Users() {
		if u.Username == "long" {
			t.Error("the refused CreateUser made a user")
		}
	}
	send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+org+`"}`).want(t, 400, 3, "")
	send(t, srv, "POST", "/v2/users/new", pat, `{"human":{}}`).want(t, 400, 3, "")
	send(t, srv, "POST", "/v2/users/new", pat, strings.Replace(body(""), org, "123456789012345678", 1)).want(t, 400, 9, "COMMAND-QXPGs")
	// A human user's token has no permission to create users.
	send(t, srv, "POST", "/v2/users/new", srv.TokenFor(id), body(`"username":"z",`)).want(t, 404, 5, "AUTHZ-cdgFk")
}

func TestCreateUserMachine(t *testing.T) {
	srv := newServer(t)
	a := send(t, srv, "POST", "/v2/users/new", srv.PAT(), `{"organizationId":"`+srv.DefaultOrgID()+`","machine":{"name":"robot"}}`)
	a.want(t, 200, 0, "")
	id := a.body["id"].(string)
	u := send(t, srv, "GET", "/v2/users/"+id, srv.PAT(), "")
	if m, ok := u.body["user"].(map[string]any)["machine"].(map[string]any); !ok || m["name"] != "robot" {
		t.Errorf("user = %v", u.body)
	}
	for _, h := range srv.Users() {
		if h.ID == id {
			t.Error("Users lists a machine user")
		}
	}
}

func TestUpdateUserAnswers(t *testing.T) {
	srv := newServer(t, clienttest.WithCodeGenerator(func() string { return "ABC123" }))
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	path := "/v2/users/" + alice
	send(t, srv, "PATCH", path, pat, `{}`).want(t, 501, 12, "")
	send(t, srv, "PATCH", path, pat, `{"human":{}}`).want(t, 200, 0, "")
	send(t, srv, "PATCH", path, pat, `{"human":{"password":{}}}`).want(t, 400, 3, "COMMAND-3klek4sbns")
	send(t, srv, "PATCH", path, pat, `{"human":{"password":{"hashedPassword":{"hash":"$1$FP0czrUy$OVkZt1OZSGQ3jAbrf23J81"}}}}`).want(t, 400, 3, "USER-oz74onzvqr")
	send(t, srv, "PATCH", path, pat, updatePassword("n0-upper-case!", "")).want(t, 400, 3, "DOMAIN-VoaRj")
	send(t, srv, "PATCH", "/v2/users/123456789012345678", pat, updatePassword(newPassword, "")).want(t, 404, 5, "COMMAND-ugjs0upun6")
	send(t, srv, "PATCH", path, pat, updatePassword(newPassword, `,"currentPassword":"x","verificationCode":"y"`)).want(t, 400, 3, "")
	// A wrong current password counts toward the lockout policy, as a session's check does.
	srv.SetLockout("", client.Lockout{MaxPasswordAttempts: 2})
	for i, want := range []float64{1, 2} {
		a := send(t, srv, "PATCH", path, pat, updatePassword(newPassword, `,"currentPassword":"Wrong-Passw0rd!9"`))
		a.want(t, 400, 3, "COMMAND-3M0fs")
		if d := a.body["details"].([]any)[0].(map[string]any); d["failedAttempts"] != want {
			t.Errorf("attempt %d: detail %v", i+1, d)
		}
	}
	if srv.UserState(alice) != client.UserStateLocked {
		t.Fatal("two wrong current passwords did not lock the user")
	}
	// A locked user still gets a new password, with a code or from an administrator.
	send(t, srv, "POST", path+"/password_reset", pat, `{"returnCode":{}}`).want(t, 200, 0, "")
	send(t, srv, "PATCH", path, pat, updatePassword(newPassword, `,"verificationCode":"ZZZZZZ"`)).want(t, 400, 3, "CODE-woT0xc")
	send(t, srv, "PATCH", path, pat, updatePassword(newPassword, `,"verificationCode":"ABC123"`)).want(t, 200, 0, "")
	send(t, srv, "PATCH", path, pat, updatePassword(newPassword, `,"verificationCode":"ABC123"`)).want(t, 400, 9, "COMMAND-2M9fs")
	if !srv.CheckPassword(alice, newPassword) {
		t.Error("the code did not set the password")
	}
	// An imported hash, then the password it was made from.
	hash := "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq" // "Hashed-Passw0rd!1", from the recording
	send(t, srv, "PATCH", path, pat, `{"human":{"password":{"hashedPassword":{"hash":"`+hash+`","changeRequired":true}}}}`).want(t, 200, 0, "")
	if !srv.CheckPassword(alice, "Hashed-Passw0rd!1") || !srv.PasswordChangeRequired(alice) {
		t.Error("the hash is not the password")
	}
}

func TestUpdateUserSelfService(t *testing.T) {
	srv := newServer(t)
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	c := srv.Client()
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(alice), oldPassword)
	if err != nil {
		t.Fatal(err)
	}
	path := "/v2/users/" + alice
	send(t, srv, "PATCH", path, sess.Token, updatePassword(newPassword, "")).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "PATCH", "/v2/users/"+bob, sess.Token, updatePassword(newPassword, `,"currentPassword":"`+oldPassword+`"`)).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "PATCH", path, sess.Token, updatePassword(newPassword, `,"currentPassword":"`+oldPassword+`"`)).want(t, 200, 0, "")
	send(t, srv, "GET", path, sess.Token, "").want(t, 403, 7, "AUTHZ-Kl3p0")
	if !srv.CheckPassword(alice, newPassword) || !srv.CheckPassword(bob, oldPassword) {
		t.Error("wrong passwords changed")
	}
}

func TestLockAndDeleteUser(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	bobToken := srv.TokenFor(bob)
	send(t, srv, "POST", "/v2/users/123456789012345678/lock", pat, `{}`).want(t, 404, 5, "COMMAND-450yxuqrh1")
	// Without permission: the state is checked first.
	send(t, srv, "POST", "/v2/users/"+alice+"/unlock", bobToken, `{}`).want(t, 400, 9, "COMMAND-olb9vb0oca")
	send(t, srv, "POST", "/v2/users/"+alice+"/lock", bobToken, `{}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "POST", "/v2/users/"+alice+"/lock", pat, `{}`).want(t, 200, 0, "")
	send(t, srv, "POST", "/v2/users/"+alice+"/lock", pat, `{}`).want(t, 400, 9, "COMMAND-lgws8wtsqf")
	send(t, srv, "POST", "/v2/users/"+alice+"/unlock", bobToken, `{}`).want(t, 404, 5, "AUTHZ-cdgFk")
	// An INITIAL user can be locked.
	initial := srv.AddHumanUser(clienttest.HumanUser{Username: "ivy", Initial: true})
	send(t, srv, "POST", "/v2/users/"+initial+"/lock", pat, `{}`).want(t, 200, 0, "")

	send(t, srv, "DELETE", "/v2/users/"+alice, bobToken, "").want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "DELETE", "/v2/users/"+alice, pat, "").want(t, 200, 0, "")
	send(t, srv, "DELETE", "/v2/users/"+alice, pat, "").want(t, 404, 5, "COMMAND-bd4ir1mblj")
	send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+alice+`"}}}`).want(t, 404, 5, "QUERY-Dfbg2")
	// The username is free again.
	createUser(t, srv, "alice", oldPassword)
	// A user may not lock or delete itself: that needs user.write and user.self.delete,
	// which only memberships grant (internal/command/user_v2.go, permission_checks.go).
	send(t, srv, "POST", "/v2/users/"+bob+"/lock", bobToken, `{}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "DELETE", "/v2/users/"+bob, bobToken, "").want(t, 404, 5, "AUTHZ-cdgFk")
}

func TestSessionLifetimeAndSetSession(t *testing.T) {
	clock := &fakeClock{now: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}
	srv := newServer(t, clienttest.WithClock(clock.Now))
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	check := `{"checks":{"user":{"userId":"` + alice + `"}},"lifetime":"%s"}`
	for _, bad := range []string{"0s", "-300s"} {
		send(t, srv, "POST", "/v2/sessions", pat, strings.Replace(check, "%s", bad, 1)).want(t, 400, 3, "")
	}
	send(t, srv, "POST", "/v2/sessions", pat, strings.Replace(check, "%s", "5m", 1)).want(t, 400, 3, "")
	a := send(t, srv, "POST", "/v2/sessions", pat, strings.Replace(check, "%s", "5s", 1))
	a.want(t, 201, 0, "")
	id, tok := a.body["sessionId"].(string), a.body["sessionToken"].(string)
	g := send(t, srv, "GET", "/v2/sessions/"+id+"?sessionToken="+tok, pat, "")
	if exp := g.body["session"].(map[string]any)["expirationDate"]; exp != "2026-12-01T09:00:05Z" {
		t.Errorf("expirationDate = %v", exp)
	}
	// SetSession checks the password and answers a new token; the old one stops working.
	set := send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"sessionToken":"ignored","checks":{"password":{"password":"`+oldPassword+`"}}}`)
	set.want(t, 200, 0, "")
	newTok := set.body["sessionToken"].(string)
	if newTok == tok || len(newTok) != 78 {
		t.Errorf("token %q after %q", newTok, tok)
	}
	send(t, srv, "GET", "/v2/sessions/"+id+"?sessionToken="+tok, pat, "").want(t, 403, 7, "QUERY-dsfr3")
	send(t, srv, "GET", "/v2/users/"+alice, newTok, "").want(t, 200, 0, "")
	a = send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"Wrong-Passw0rd!9"}}}`)
	a.want(t, 400, 3, "COMMAND-3M0fs")
	// Expired: still readable and deletable, no more checks, its token no bearer.
	clock.Add(6 * time.Second)
	send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`).want(t, 400, 9, "COMMAND-Hkl3d")
	send(t, srv, "GET", "/v2/users/"+alice, newTok, "").want(t, 403, 7, "AUTHZ-EGDo3")
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 200, 0, "")
	send(t, srv, "DELETE", "/v2/sessions/"+id, pat, `{}`).want(t, 200, 0, "")
	send(t, srv, "GET", "/v2/sessions/"+id, pat, "").want(t, 404, 5, "QUERY-SFeaa")
	send(t, srv, "PATCH", "/v2/sessions/"+id, pat, `{}`).want(t, 400, 9, "COMMAND-Hewfq")
	// Without a lifetime a session never expires.
	a = send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"`+oldPassword+`"}}}`)
	clock.Add(1000 * time.Hour)
	g = send(t, srv, "GET", "/v2/sessions/"+a.body["sessionId"].(string), pat, "")
	if _, has := g.body["session"].(map[string]any)["expirationDate"]; has {
		t.Error("a session without a lifetime has an expiration date")
	}
	send(t, srv, "GET", "/v2/users/"+alice, a.body["sessionToken"].(string), "").want(t, 200, 0, "")
}

func TestDeleteSessionWithItsOwnToken(t *testing.T) {
	srv := newServer(t)
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	c := srv.Client()
	sa, _ := c.Sessions.CreateWithPassword(ctx, client.ByUserID(alice), oldPassword)
	sb, _ := c.Sessions.CreateWithPassword(ctx, client.ByUserID(bob), oldPassword)
	send(t, srv, "DELETE", "/v2/sessions/"+sb.ID, sa.Token, `{}`).want(t, 404, 5, "AUTHZ-cdgFk")
	send(t, srv, "DELETE", "/v2/sessions/"+sa.ID, sa.Token, `{}`).want(t, 200, 0, "")
	// The token names its session, which the read side no longer has (verifySessionToken).
	send(t, srv, "GET", "/v2/users/"+alice, sa.Token, "").want(t, 404, 5, "QUERY-SFeaa")
	send(t, srv, "GET", "/v2/users/"+alice, "no-such-token", "").want(t, 401, 16, "AUTH-7fs1e")
}

func TestListSessions(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	bob := createUser(t, srv, "bob", oldPassword)
	empty := send(t, srv, "POST", "/v2/sessions/search", pat, `{}`)
	if _, has := empty.body["sessions"]; has || empty.body["details"].(map[string]any)["totalResult"] != nil {
		t.Errorf("no sessions: %v", empty.body)
	}
	var ids []string
	for _, u := range []string{alice, bob, alice} {
		a := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+u+`"}}}`)
		ids = append(ids, a.body["sessionId"].(string))
	}
	send(t, srv, "DELETE", "/v2/sessions/"+ids[2], pat, `{}`).want(t, 200, 0, "")
	for body, want := range map[string][]string{
		`{}`: ids[:2], `{"queries":[{"userIdQuery":{"id":"` + alice + `"}}]}`: ids[:1],
		`{"queries":[{"idsQuery":{"ids":["` + ids[1] + `"]}}]}`: ids[1:2],
	} {
		a := send(t, srv, "POST", "/v2/sessions/search", pat, body)
		list, _ := a.body["sessions"].([]any)
		var got []string
		for _, s := range list {
			got = append(got, s.(map[string]any)["id"].(string))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") || a.body["details"].(map[string]any)["totalResult"] != itoa(len(want)) {
			t.Errorf("%s: sessions %v, want %v (%v)", body, got, want, a.body["details"])
		}
	}
	// A query names one of its members (the gateway's validation), and is read before any
	// session (sessionQueriesToQuery in ZITADEL's internal/api/grpc/session/v2/query.go).
	a := send(t, srv, "POST", "/v2/sessions/search", pat, `{"queries":[{"idsQuery":{}},{}]}`)
	a.want(t, 400, 3, "")
	if msg, _ := a.body["message"].(string); msg != "invalid ListSessionsRequest.Queries[1]: embedded message failed validation | caused by: invalid SearchQuery.Query: value is required" {
		t.Errorf("message %q", msg)
	}
	a = send(t, srv, "POST", "/v2/sessions/search", pat, `{"queries":[{"creatorQuery":{"id":""}}]}`)
	a.want(t, 400, 3, "GRPC-x8n24uh")
	if msg, _ := a.body["message"].(string); msg != "List.Query.Invalid (GRPC-x8n24uh)" {
		t.Errorf("message %q", msg)
	}
	send(t, srv, "POST", "/v2/sessions/search", pat, `{"queries":[{"userAgentQuery":{}}]}`).want(t, 400, 3, "GRPC-x8n23uh")
	for body, want := range map[string]int{
		`{"queries":[{"creatorQuery":{}}]}`: 2,
		`{"queries":[{"creationDateQuery":{"creationDate":"2000-01-01T00:00:00Z","method":"TIMESTAMP_QUERY_METHOD_GREATER"}}]}`:     2,
		`{"queries":[{"creationDateQuery":{"creationDate":"2000-01-01T00:00:00Z","method":"TIMESTAMP_QUERY_METHOD_LESS"}}]}`:        0,
		`{"queries":[{"expirationDateQuery":{"expirationDate":"2000-01-01T00:00:00Z","method":"TIMESTAMP_QUERY_METHOD_GREATER"}}]}`: 0, // no lifetime, no expiration to compare
		`{"queries":[{"userAgentQuery":{"fingerprintId":"f"}}]}`:                                                                    0,
	} {
		l, _ := send(t, srv, "POST", "/v2/sessions/search", pat, body).body["sessions"].([]any)
		if len(l) != want {
			t.Errorf("%s: %d sessions, want %d", body, len(l), want)
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestInviteCodes(t *testing.T) {
	srv := newServer(t, clienttest.WithCodeGenerator(func() string { return "INV123" }))
	pat := srv.PAT()
	nopw := createUser(t, srv, "nopw", "")
	withpw := createUser(t, srv, "withpw", oldPassword)
	path := "/v2/users/" + nopw + "/invite_code"
	send(t, srv, "POST", "/v2/users/"+withpw+"/invite_code", pat, `{"returnCode":{}}`).want(t, 400, 9, "COMMAND-EF34g")
	send(t, srv, "POST", "/v2/users/123456789012345678/invite_code", pat, `{"returnCode":{}}`).want(t, 400, 9, "COMMAND-Wgvn4")
	send(t, srv, "POST", path, pat, `{"sendCode":{"urlTemplate":"https://app.example/invite?code={{.Code}}"}}`).want(t, 200, 0, "")
	if n := srv.Notifications(); len(n) != 1 || n[0].Link != "https://app.example/invite?code=INV123" {
		t.Errorf("outbox = %+v", n)
	}
	a := send(t, srv, "POST", path, pat, `{"returnCode":{}}`)
	if a.body["inviteCode"] != "INV123" {
		t.Fatalf("answer = %v", a.body)
	}
	send(t, srv, "PATCH", "/v2/users/"+nopw, pat, updatePassword(newPassword, `,"verificationCode":"INV123"`)).want(t, 400, 9, "COMMAND-2M9fs")
	send(t, srv, "POST", path+"/verify", pat, `{"verificationCode":"ZZ99ZZ"}`).want(t, 400, 3, "COMMAND-Wgn4q")
	send(t, srv, "POST", path+"/verify", pat, `{"verificationCode":"INV123"}`).want(t, 200, 0, "")
	send(t, srv, "POST", path+"/verify", pat, `{"verificationCode":"INV123"}`).want(t, 400, 3, "COMMAND-Wgn4q")
}

func TestConnectTransport(t *testing.T) {
	srv := newServer(t)
	pat := srv.PAT()
	alice := createUser(t, srv, "alice", oldPassword)
	a := send(t, srv, "POST", "/zitadel.session.v2.SessionService/CreateSession", pat, `{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"Wrong-Passw0rd!9"}}}`)
	if a.status != 400 || a.body["code"] != "invalid_argument" {
		t.Fatalf("answer = %d %v", a.status, a.body)
	}
	d := a.body["details"].([]any)[0].(map[string]any)
	value, _ := base64.RawStdEncoding.DecodeString(d["value"].(string))
	if d["type"] != "zitadel.v1.CredentialsCheckError" || d["debug"].(map[string]any)["id"] != "COMMAND-3M0fs" ||
		!strings.Contains(string(value), "COMMAND-3M0fs") || value[len(value)-2] != 3<<3 || value[len(value)-1] != 1 {
		t.Errorf("detail = %v (value %q)", d, value)
	}
	a = send(t, srv, "POST", "/zitadel.session.v2.SessionService/CreateSession", pat, `{"checks":{"user":{"userId":"`+alice+`"},"password":{"password":"`+oldPassword+`"}}}`)
	if a.status != 200 || a.body["sessionToken"] == nil {
		t.Fatalf("CreateSession over Connect = %d %v", a.status, a.body)
	}
	g := send(t, srv, "POST", "/zitadel.user.v2.UserService/GetUserByID", pat, `{"userId":"`+alice+`"}`)
	if g.status != 200 || g.body["user"].(map[string]any)["userId"] != alice {
		t.Errorf("GetUserByID over Connect = %d %v", g.status, g.body)
	}
	l := send(t, srv, "POST", "/zitadel.settings.v2.SettingsService/GetLockoutSettings", pat, `{"ctx":{"instance":true}}`)
	if l.status != 200 || l.body["settings"].(map[string]any)["resourceOwnerType"] != "RESOURCE_OWNER_TYPE_INSTANCE" {
		t.Errorf("GetLockoutSettings over Connect = %d %v", l.status, l.body)
	}
	u := send(t, srv, "POST", "/zitadel.user.v2.UserService/UpdateUser", pat, `{"userId":"123456789012345678","human":{"password":{"password":{"password":"`+newPassword+`"}}}}`)
	if u.status != 404 || u.body["code"] != "not_found" {
		t.Errorf("UpdateUser of nobody = %d %v", u.status, u.body)
	}
	// A locked user's check without failed attempts: still a CredentialsCheckError, whose
	// zero count protobuf leaves out (getErrorInfo in ZITADEL's gerrors).
	bob := createUser(t, srv, "bob", oldPassword)
	s := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+bob+`"}}}`)
	send(t, srv, "POST", "/v2/users/"+bob+"/lock", pat, `{}`).want(t, 200, 0, "")
	k := send(t, srv, "POST", "/zitadel.session.v2.SessionService/SetSession", pat, `{"sessionId":"`+s.body["sessionId"].(string)+`","checks":{"password":{"password":"`+oldPassword+`"}}}`)
	kd := k.body["details"].([]any)[0].(map[string]any)
	kv, _ := base64.RawStdEncoding.DecodeString(kd["value"].(string))
	if k.status != 400 || kd["type"] != "zitadel.v1.CredentialsCheckError" || kd["debug"].(map[string]any)["failedAttempts"] != nil || !strings.HasSuffix(string(kv), "User is locked") {
		t.Errorf("SetSession on a locked user over Connect = %d %v (value %q)", k.status, k.body, kv)
	}
	send(t, srv, "POST", "/zitadel.user.v2.UserService/Nope", pat, `{}`).want(t, 404, 5, "")
	send(t, srv, "GET", "/zitadel.user.v2.UserService/CreateUser", pat, "").want(t, 405, 12, "")
}

func TestFaultsOnCreateUser(t *testing.T) {
	srv := newServer(t)
	body := `{"organizationId":"` + srv.DefaultOrgID() + `","userId":"u-1","username":"x","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"x@example.com"}}}`
	srv.InjectFault(clienttest.Fault{WriteConflict: true})
	send(t, srv, "POST", "/v2/users/new", srv.PAT(), body).want(t, 500, 2, "")
	if len(srv.Users()) != 0 {
		t.Fatal("the write conflict created a user")
	}
	srv.InjectFault(clienttest.Fault{Status: 504, Applied: true})
	send(t, srv, "POST", "/v2/users/new", srv.PAT(), body).want(t, 504, 4, "")
	if u := srv.Users(); len(u) != 1 || u[0].ID != "u-1" {
		t.Fatalf("users = %+v", u)
	}
	send(t, srv, "POST", "/v2/users/new", srv.PAT(), body).want(t, 400, 9, "COMMAND-7yiox1isql")
}

// TestHashVerifiers: every scheme WithHashVerifiers names verifies its hashes for real
// (vectors from the recording, openssl, Python's hashlib and crypt(3)'s specification);
// schemes not named are refused, and a hash of a named scheme that cannot be verified
// makes every check answer COMMAND-CahN2.
func TestHashVerifiers(t *testing.T) {
	const pw = "Hashed-Passw0rd!1"
	vectors := map[string]string{
		"bcrypt":      "$2y$10$cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46",
		"md5crypt":    "$1$FP0czrUy$OVkZt1OZSGQ3jAbrf23J81",
		"sha256crypt": "$5$.JytNb0VgnT8yXYs$Vu0.pSrLJF3avsPqHST5untKB4mz9N61tyrDdvpl1E.",
		"sha512crypt": "$6$saltsaltsalt$hNHZ8NPX2i.VEtBsbHErB6OE03WQsoWRUyOn44QSqYV9TweEjoQVc7Y91eXs70.Kd2tIEO1TfmJ4qdr.LZiP1.",
		"argon2id":    "$argon2id$v=19$m=8192,t=1,p=1$Ewm0kFMVyjAtbCRalhUq3Q$PJSBVv5B2IiX0xCaud9P4GRudGKXKhBBWgsIaUbWXhI",
		"pbkdf2":      "$pbkdf2-sha256$1000$wD.BM/RkxrBkMDSKwEhnRw$gy0yun/q7kQIjK9P6e6.qy1XwcfRcXY9csSTvG4Svjo",
		"scrypt":      "$scrypt$ln=10,r=8,p=1$MDEyMzQ1Njc4OWFiY2RlZg$CwVsq+10or+tGO6nxTlitY1kkSSdrGEbohjMpoxsLUU",
		"phpass":      "$P$BabcdefghaOKJRrZ6Mo8LeKW3.DMon.",
	}
	more := map[string]string{ // other variants, by scheme
		"$pbkdf2-sha512$1000$c2FsdHNhbHQ$ai9FxIrD93eJ3Nm/fUMHt2BaWxCM/HYrPke4yu/qOheuR3pj.7S8Q33RD05bRz0BLr19D4EiqAd7zj6RIP135Q": "pbkdf2",
		"$pbkdf2$1000$c2FsdHNhbHQ$m/WiV84ht6.WXxMiEqRwBoKwk4Y":                                                                   "pbkdf2",
		"$6$ancMbWZeNW7QIfAM$aK8a6DdinaTrqi46AAbiu4HLTfOu7k.xbX5PlGF6.6zywfjGj4rNpRrziLdIZSrO0oxlzqRBrTRw2n2Q0Q.Hh.":             "sha2",
	}
	names := []string{"bcrypt", "md5crypt", "sha256crypt", "sha512crypt", "argon2id", "pbkdf2", "scrypt", "phpass", "sha2"}
	srv := newServer(t, clienttest.WithHashVerifiers(names...))
	for scheme, hash := range vectors {
		more[hash] = scheme
	}
	for hash, scheme := range more {
		id := srv.AddHumanUser(clienttest.HumanUser{Username: hash[:12] + scheme, PasswordHash: hash})
		if !srv.CheckPassword(id, pw) || srv.CheckPassword(id, pw+"x") {
			t.Errorf("%s: %s does not verify", scheme, hash)
		}
	}
	// crypt(3)'s own vectors with a custom round count.
	for hash, p := range map[string]string{
		"$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA":                                            "Hello world!",
		"$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.": "Hello world!",
	} {
		id := srv.AddHumanUser(clienttest.HumanUser{Username: hash[:3] + "rounds", PasswordHash: hash})
		if !srv.CheckPassword(id, p) {
			t.Errorf("%s does not verify", hash)
		}
	}
	// Only bcrypt by default: the others are refused.
	def := newServer(t)
	pat := def.PAT()
	for scheme, hash := range vectors {
		want := "USER-JDk4t"
		if scheme == "bcrypt" {
			want = ""
		}
		body := `{"organizationId":"` + def.DefaultOrgID() + `","username":"` + scheme + `","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"h@example.com"},"hashedPassword":{"hash":"` + hash + `"}}}`
		a := send(t, def, "POST", "/v2/users/new", pat, body)
		if want == "" {
			a.want(t, 200, 0, "")
		} else {
			a.want(t, 400, 3, want)
		}
	}
	// A named scheme whose hash is broken: accepted, never verified.
	broken := srv.AddHumanUser(clienttest.HumanUser{Username: "broken", PasswordHash: "$argon2id$v=19$nonsense"})
	send(t, srv, "POST", "/v2/sessions", srv.PAT(), `{"checks":{"user":{"userId":"`+broken+`"},"password":{"password":"`+pw+`"}}}`).want(t, 500, 13, "COMMAND-CahN2")
	send(t, srv, "PATCH", "/v2/users/"+broken, srv.PAT(), updatePassword(newPassword, `,"currentPassword":"`+pw+`"`)).want(t, 500, 13, "COMMAND-CahN2")
	if srv.FailedPasswordChecks(broken) != 2 {
		t.Errorf("failed checks = %d, want 2", srv.FailedPasswordChecks(broken))
	}
	// Without bcrypt named, bcrypt is refused too.
	argonOnly := newServer(t, clienttest.WithHashVerifiers("argon2"))
	body := `{"organizationId":"` + argonOnly.DefaultOrgID() + `","human":{"profile":{"givenName":"G","familyName":"F"},"email":{"email":"h@example.com"},"hashedPassword":{"hash":"` + vectors["bcrypt"] + `"}}}`
	send(t, argonOnly, "POST", "/v2/users/new", argonOnly.PAT(), body).want(t, 400, 3, "USER-JDk4t")
}

func TestWithHashVerifiersUnknownScheme(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "clienttest: ") {
			t.Errorf("recover() = %v, want a clienttest panic", r)
		}
	}()
	clienttest.WithHashVerifiers("rot13")
}
