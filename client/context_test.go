package client_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/oauth2"
)

// countingSource is a plain token source that counts its calls.
type countingSource struct{ n atomic.Int32 }

func (s *countingSource) Token() (*oauth2.Token, error) {
	s.n.Add(1)
	return &oauth2.Token{AccessToken: testToken}, nil
}

// A call whose context has ended before it began sends nothing and asks the token source
// for nothing, whatever it would have done first (CreateUser's organization lookup, the
// question whether the server has the call).
func TestEndedContextSendsNothing(t *testing.T) {
	srv := newRecorder(t, respond(200, `{"changeDate":"2026-12-01T12:00:00Z"}`))
	ts := &countingSource{}
	c := srv.client(t, client.WithTokenSource(ts))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"CreateUser": func() error {
			_, err := c.Users.CreateUser(done, client.CreateUserRequest{GivenName: "G", FamilyName: "F", Email: "g@example.com"})
			return err
		},
		"UpdateUser": func() error {
			_, err := c.Users.UpdateUser(done, "u1", client.UpdateUserRequest{NewPassword: "Ctx-Passw0rd!1"})
			return err
		},
		"GetUser": func() error { _, err := c.Users.GetUser(done, "u1"); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want context.Canceled", name, err)
		}
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if n := ts.n.Load(); n != 0 {
		t.Errorf("the token source was asked %d times", n)
	}
}
