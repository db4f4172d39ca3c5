package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func ExampleNew() {
	c, err := client.New("https://acme.zitadel.cloud",
		client.WithTokenSource(auth.PAT("personal-access-token")),
		client.WithUserAgent("billing-service/1.4"),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	// Output: https://acme.zitadel.cloud
}

func ExampleNewFromEnv() {
	// ZITADEL_URL=https://acme.zitadel.cloud ZITADEL_KEY_FILE=./key.json
	c, err := client.NewFromEnv(context.Background())
	if err != nil {
		log.Fatal(err) // e.g. "zitpass: invalid ZITADEL_URL: not set (...)"
	}
	_ = c
}

func ExampleUserService_RequestPasswordReset() {
	srv := clienttest.NewServer(clienttest.WithCodeGenerator(func() string { return "QWERTY" }))
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Password: "Old-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()

	// ZITADEL emails a link built from your template.
	_, err := c.Users.RequestPasswordReset(ctx, alice,
		client.SendLink(client.NotificationEmail, "https://app.example/reset?code={{.Code}}"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.Notifications()[0].Link)

	// Or the code comes back to you, and nothing is sent.
	reset, err := c.Users.RequestPasswordReset(ctx, alice, client.ReturnCode())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(reset.VerificationCode)
	// Output:
	// https://app.example/reset?code=QWERTY
	// QWERTY
}

func ExampleUserService_SetPassword() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()

	// Self-service: verified by the current password.
	_, err := c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{
		NewPassword:     "N3w-Passw0rd!",
		CurrentPassword: "Old-Passw0rd!",
	})
	fmt.Println(err, srv.CheckPassword(alice, "N3w-Passw0rd!"))

	// An administrator, forcing a change at the next login.
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "Temp-Passw0rd!", ChangeRequired: true})
	fmt.Println(err, srv.PasswordChangeRequired(alice))
	// Output:
	// <nil> true
	// <nil> true
}

func ExampleManagementService_SetHumanInitialPassword() {
	srv := clienttest.NewServer()
	defer srv.Close()
	bob := srv.AddHumanUser(clienttest.HumanUser{Username: "bob"})
	c := srv.Client()

	_, err := c.Management.SetHumanInitialPassword(context.Background(), bob, "Init-Passw0rd!", client.InOrg(srv.DefaultOrgID()))
	fmt.Println(err, srv.PasswordChangeRequired(bob))
	// Output: <nil> true
}

func ExampleAPIError() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	c := srv.Client()

	_, err := c.Users.SetPassword(context.Background(), alice, client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "ABCDEF"})
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code, apiErr.ID)
	}
	fmt.Println(errors.Is(err, client.ErrFailedPrecondition))
	// Output:
	// 400 FailedPrecondition COMMAND-2M9fs
	// true
}

func ExampleValidationError() {
	c, _ := client.New("https://acme.zitadel.cloud")
	_, err := c.Users.SetPassword(context.Background(), "123", client.SetPasswordRequest{
		NewPassword: "N3w-Passw0rd!", CurrentPassword: "old", VerificationCode: "ABCDEF",
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, client.ErrInvalidArgument))
	// Output:
	// zitpass: invalid VerificationCode: set at most one of CurrentPassword and VerificationCode
	// true
}
