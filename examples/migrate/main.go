// Command migrate sets a user's initial password twice, the v1 way and the v2 way, side
// by side, against an in-memory fake ZITADEL:
//
//	go run ./examples/migrate
//
// See MIGRATING.md for the full mapping.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "migrate:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	srv := clienttest.NewServer()
	defer srv.Close()
	org := srv.AddOrg()
	v1User := srv.AddHumanUser(clienttest.HumanUser{OrgID: org, Username: "v1-user"})
	v2User := srv.AddHumanUser(clienttest.HumanUser{OrgID: org, Username: "v2-user", Password: "Temp-Passw0rd!"})
	c := srv.Client()

	// Before: management API v1. The organization header scopes the call, the password is
	// at most 72 characters, and the user must always change it at the next login.
	//lint:ignore SA1019 this example shows the deprecated call on purpose
	d1, err := c.Management.SetHumanInitialPassword(ctx, v1User, "Init-Passw0rd!", client.InOrg(org))
	if err != nil {
		return err
	}

	// After: user service v2. No organization header (users are found by id across the
	// instance), up to 200 characters, and change-required only when asked: set it to keep
	// v1's behaviour.
	d2, err := c.Users.SetPassword(ctx, v2User, client.SetPasswordRequest{NewPassword: "Init-Passw0rd!", ChangeRequired: true})
	if err != nil {
		return err
	}

	fmt.Println("                          v1 SetHumanInitialPassword   v2 SetPassword")
	fmt.Printf("password set              %-28t %t\n", srv.CheckPassword(v1User, "Init-Passw0rd!"), srv.CheckPassword(v2User, "Init-Passw0rd!"))
	fmt.Printf("change required           %-28t %t\n", srv.PasswordChangeRequired(v1User), srv.PasswordChangeRequired(v2User))
	fmt.Printf("resource owner            %-28s %s\n", d1.ResourceOwner, d2.ResourceOwner)

	// The v1 call without the header looks in the caller's own organization.
	//lint:ignore SA1019 this example shows the deprecated call on purpose
	_, err = c.Management.SetHumanInitialPassword(ctx, v1User, "Init-Passw0rd!")
	fmt.Printf("\nv1 without x-zitadel-orgid for a user of another organization:\n  %v\n", err)
	return nil
}
