// Command migrate shows every v1 password call next to the current v2 call that replaces
// it (ZITADEL v4's UpdateUser and CreateUser, not the deprecated v2 SetPassword and
// AddHumanUser), each run on a fresh in-memory fake ZITADEL, and compares where both leave
// the user:
//
//	go run ./examples/migrate
//
// For each pair it prints whether the password works afterwards, whether a change is
// required at the next login, and which messages were sent. See MIGRATING.md for the
// full map.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	if _, err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
}

const (
	oldPassword = "Old-Passw0rd!"
	newPassword = "N3w-Passw0rd!"
)

// env is one fake with one user, in its own organization as v1 expects.
type env struct {
	srv    *clienttest.Server
	c      *client.Client
	org    string
	userID string
}

// half is one way of doing something: the v1 call or its v2 replacement.
type half func(ctx context.Context, e *env) error

// pair is a v1 call and its v2 replacement.
type pair struct {
	name          string
	before, after half
}

var pairs = []pair{
	{
		name: "SetHumanInitialPassword",
		before: func(ctx context.Context, e *env) error {
			//lint:ignore SA1019 this example shows the deprecated call on purpose
			_, err := e.c.Management.SetHumanInitialPassword(ctx, e.userID, newPassword, client.InOrg(e.org))
			return err
		},
		after: func(ctx context.Context, e *env) error {
			// v1 always required a change at the next login; v2 does so when asked.
			_, err := e.c.Users.UpdateUser(ctx, e.userID, client.UpdateUserRequest{NewPassword: newPassword, ChangeRequired: true})
			return err
		},
	},
	{
		name: "SetHumanPassword",
		before: func(ctx context.Context, e *env) error {
			//lint:ignore SA1019 this example shows the deprecated call on purpose
			_, err := e.c.Management.SetHumanPassword(ctx, e.userID, newPassword, false, client.InOrg(e.org))
			return err
		},
		after: func(ctx context.Context, e *env) error {
			_, err := e.c.Users.UpdateUser(ctx, e.userID, client.UpdateUserRequest{NewPassword: newPassword, ChangeRequired: false})
			return err
		},
	},
	{
		name: "SendHumanResetPasswordNotification",
		before: func(ctx context.Context, e *env) error {
			//lint:ignore SA1019 this example shows the deprecated call on purpose
			_, err := e.c.Management.SendHumanResetPasswordNotification(ctx, e.userID, client.NotificationEmail, client.InOrg(e.org))
			return err
		},
		after: func(ctx context.Context, e *env) error {
			// v2 can also put your own link into the email, or return the code.
			_, err := e.c.Users.RequestPasswordReset(ctx, e.userID, client.SendLink(client.NotificationEmail, ""))
			return err
		},
	},
	{
		name: "UpdateMyPassword",
		before: func(ctx context.Context, e *env) error {
			// v1 needs the user's own token: here a session token from a password check.
			sess, err := e.c.Sessions.CreateWithPassword(ctx, client.ByUserID(e.userID), oldPassword)
			if err != nil {
				return err
			}
			//lint:ignore SA1019 this example shows the deprecated call on purpose
			_, err = e.c.Auth.UpdateMyPassword(ctx, oldPassword, newPassword, client.AsUser(sess.Token))
			return err
		},
		after: func(ctx context.Context, e *env) error {
			// v2 takes the user id and the current password, with any token allowed to.
			_, err := e.c.Users.UpdateUser(ctx, e.userID, client.UpdateUserRequest{NewPassword: newPassword, CurrentPassword: oldPassword})
			return err
		},
	},
	{
		name: "ImportHumanUser with a password",
		before: func(ctx context.Context, e *env) error {
			// Raw v1 REST: zitpass-go does not offer the v1 import.
			var out struct{ UserID string }
			body := `{"userName":"minnie","profile":{"firstName":"Minnie","lastName":"Mouse"},` +
				`"email":{"email":"minnie@example.com","isEmailVerified":true},"password":"` + newPassword + `","passwordChangeRequired":true}`
			if err := rawV1(ctx, e, "POST", "/management/v1/users/human/_import", body, &out); err != nil {
				return err
			}
			e.userID = out.UserID
			return nil
		},
		after: func(ctx context.Context, e *env) error {
			added, err := e.c.Users.CreateUser(ctx, client.CreateUserRequest{OrgID: e.org, Username: "minnie", GivenName: "Minnie",
				FamilyName: "Mouse", Email: "minnie@example.com", EmailVerified: true, Password: newPassword, ChangeRequired: true})
			if err != nil {
				return err
			}
			e.userID = added.UserID
			return nil
		},
	},
	{
		name: "GetMyPasswordComplexityPolicy",
		before: func(ctx context.Context, e *env) error {
			// Raw v1 REST: the v1 policy names its flags hasUppercase, ..., where v2 has requiresUppercase.
			var out struct {
				Policy struct {
					MinLength                                        string
					HasUppercase, HasLowercase, HasNumber, HasSymbol bool
				}
			}
			if err := rawV1(ctx, e, "GET", "/auth/v1/policies/passwords/complexity", "", &out); err != nil {
				return err
			}
			if out.Policy.MinLength != "8" || !out.Policy.HasSymbol {
				return fmt.Errorf("v1 policy = %+v", out.Policy)
			}
			return nil
		},
		after: func(ctx context.Context, e *env) error {
			p, err := e.c.Settings.PasswordComplexity(ctx)
			if err != nil {
				return err
			}
			if p.MinLength != 8 || !p.RequiresSymbol {
				return fmt.Errorf("v2 policy = %+v", p)
			}
			return p.Check(newPassword)
		},
	},
}

// rawV1 calls a v1 endpoint the SDK does not offer, with the fake's administrator token.
func rawV1(ctx context.Context, e *env, method, path, body string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL()+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.srv.PAT())
	req.Header.Set("x-zitadel-orgid", e.org)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// endState is where a half leaves the user.
type endState struct {
	NewPasswordWorks bool
	OldPasswordWorks bool
	ChangeRequired   bool
	Sent             string // the messages sent, e.g. "map[Email:1]"
}

func (s endState) String() string {
	return fmt.Sprintf("new password works %-5t  old password works %-5t  change required %-5t  sent %s",
		s.NewPasswordWorks, s.OldPasswordWorks, s.ChangeRequired, s.Sent)
}

// runHalf runs a half on a fresh fake and reports where it left the user.
func runHalf(ctx context.Context, h half) (endState, error) {
	srv := clienttest.NewServer()
	defer srv.Close()
	e := &env{srv: srv, c: srv.Client(), org: srv.AddOrg()}
	e.userID = srv.AddHumanUser(clienttest.HumanUser{OrgID: e.org, Username: "mickey", Email: "mickey@example.com", Password: oldPassword})
	if err := h(ctx, e); err != nil {
		return endState{}, err
	}
	sent := map[client.NotificationType]int{}
	for _, n := range srv.Notifications() {
		sent[n.Type]++
	}
	st := endState{NewPasswordWorks: srv.CheckPassword(e.userID, newPassword), OldPasswordWorks: srv.CheckPassword(e.userID, oldPassword),
		ChangeRequired: srv.PasswordChangeRequired(e.userID), Sent: "nothing"}
	if len(sent) > 0 {
		st.Sent = fmt.Sprint(sent)
	}
	return st, nil
}

// run executes every pair, prints the comparison and returns the end states.
func run(w io.Writer) (map[string][2]endState, error) {
	ctx := context.Background()
	results := map[string][2]endState{}
	for _, p := range pairs {
		before, err := runHalf(ctx, p.before)
		if err != nil {
			return nil, fmt.Errorf("%s, v1: %w", p.name, err)
		}
		after, err := runHalf(ctx, p.after)
		if err != nil {
			return nil, fmt.Errorf("%s, v2: %w", p.name, err)
		}
		results[p.name] = [2]endState{before, after}
		same := "same end state"
		if before != after {
			same = "DIFFERENT"
		}
		fmt.Fprintf(w, "%s: %s\n  v1: %v\n  v2: %v\n", p.name, same, before, after)
	}
	return results, nil
}
