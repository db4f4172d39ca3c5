package clienttest_test

import (
	"testing"

	"github.com/zitpass/zitpass-go/client/clienttest"
)

// TestVersion3 pins the answers of ZITADEL v3.4.9 that the probe replay does not: the
// current calls are absent and apply nothing, and the v1 APIs answer a missing token 401.
func TestVersion3(t *testing.T) {
	srv := newServer(t, clienttest.WithVersion(3))
	pat := srv.PAT()
	alice := addAlice(srv)
	a := send(t, srv, "PATCH", "/v2/users/"+alice, pat, updatePassword(newPassword, ""))
	a.want(t, 405, 12, "")
	if a.body["message"] != "Method Not Allowed" || len(a.body) != 2 || !srv.CheckPassword(alice, oldPassword) {
		t.Errorf("UpdateUser on v3: %v", a.body)
	}
	send(t, srv, "POST", "/v2/users/new", pat, `{"organizationId":"`+srv.DefaultOrgID()+`","username":"x","human":{}}`).want(t, 405, 12, "")
	if n := len(srv.Users()); n != 1 {
		t.Errorf("%d users after a v3 CreateUser", n)
	}
	send(t, srv, "GET", "/v2/users/"+alice, pat, "").want(t, 200, 0, "") // the path exists, for GET
	send(t, srv, "POST", "/zitadel.user.v2.UserService/UpdateUser", pat, `{}`).want(t, 404, 5, "")
	a = send(t, srv, "POST", "/management/v1/users/"+alice+"/password/_initialize", "", `{"password":"`+newPassword+`"}`)
	a.want(t, 401, 16, "")
	// What v3 has: lock, delete, session lifetimes, SetSession.
	s := send(t, srv, "POST", "/v2/sessions", pat, `{"checks":{"user":{"userId":"`+alice+`"}},"lifetime":"60s"}`)
	s.want(t, 201, 0, "")
	send(t, srv, "PATCH", "/v2/sessions/"+s.body["sessionId"].(string), pat, `{"checks":{"password":{"password":"`+oldPassword+`"}}}`).want(t, 200, 0, "")
	send(t, srv, "POST", "/v2/users/"+alice+"/lock", pat, `{}`).want(t, 200, 0, "")
	send(t, srv, "DELETE", "/v2/users/"+alice, pat, "").want(t, 200, 0, "")
	// Raw errors come without details on v3.
	srv.InjectFault(clienttest.Fault{WriteConflict: true})
	a = send(t, srv, "POST", "/v2/users/human", pat, `{}`)
	if _, has := a.body["details"]; a.status != 500 || has {
		t.Errorf("write conflict on v3: %d %v", a.status, a.body)
	}
	v4 := newServer(t)
	send(t, v4, "POST", "/management/v1/users/"+addAlice(v4)+"/password/_initialize", "", `{"password":"`+newPassword+`"}`).want(t, 500, 2, "")
}

func TestWithVersionRefusesOthers(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("WithVersion(5) did not panic")
		}
	}()
	clienttest.WithVersion(5)
}
