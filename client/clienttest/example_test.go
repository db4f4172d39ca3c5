package clienttest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func ExampleServer() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com", Password: "Old-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()

	// The application under test sends a reset email...
	if _, err := c.Users.RequestPasswordReset(ctx, alice, client.SendLink(client.NotificationEmail, "")); err != nil {
		panic(err)
	}
	// ...the test reads the code from the outbox, as the user would from the email...
	code := srv.Notifications()[0].Code
	// ...and completes the flow.
	_, err := c.Users.UpdateUser(ctx, alice, client.UpdateUserRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: code})
	fmt.Println(err, srv.CheckPassword(alice, "N3w-Passw0rd!"))
	// Output: <nil> true
}

func ExampleServer_InjectFault() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	c := srv.Client()

	// The reset is made, but its answer is lost on the way back.
	srv.InjectFault(clienttest.Fault{Status: 504, Applied: true})
	_, err := c.Users.RequestPasswordReset(context.Background(), alice, client.SendLink(client.NotificationEmail, ""))
	fmt.Println(errors.Is(err, client.ErrOutcomeUnknown), len(srv.Notifications()))
	// Output: true 1
}
