package clienttest_test

import (
	"testing"

	"github.com/zitpass/zitpass-go/client/clienttest"
)

// TestRequestCountOfUnroutedPaths: RequestCount's "{...}" matches any one segment of a path
// no route served, so that the doc's own example, RequestCount("PATCH",
// "/v2/users/{userId}"), counts ZITADEL v3's 405 answers to UpdateUser; a route's literal
// segment ("new") still does not match it.
func TestRequestCountOfUnroutedPaths(t *testing.T) {
	srv := clienttest.NewServer(clienttest.WithVersion(3))
	defer srv.Close()
	id := srv.AddHumanUser(clienttest.HumanUser{Username: "v3", Email: "v3@example.com"})
	send(t, srv, "PATCH", "/v2/users/"+id, srv.PAT(), `{"human":{}}`).want(t, 405, 12, "")
	send(t, srv, "GET", "/v2/users/"+id, srv.PAT(), "").want(t, 200, 0, "")
	if n := srv.RequestCount("PATCH", "/v2/users/{userId}"); n != 1 {
		t.Errorf(`RequestCount("PATCH", "/v2/users/{userId}") = %d, want 1`, n)
	}
	if n := srv.RequestCount("", "/v2/users/{userId}"); n != 2 {
		t.Errorf(`RequestCount("", "/v2/users/{userId}") = %d, want 2`, n)
	}
}
