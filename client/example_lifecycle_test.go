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

func ExampleUserService_AddHumanUser() {
	srv := clienttest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := context.Background()

	// With your own id, a retry after a lost answer cannot create a second user.
	added, err := c.Users.AddHumanUser(ctx, client.AddHumanUserRequest{
		UserID:    "minnie-1",
		Username:  "minnie",
		GivenName: "Minnie", FamilyName: "Mouse",
		Email: "minnie@example.com", EmailVerified: true,
		Password: "Minn1e-Passw0rd!",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(added.UserID)

	// Import a user with the bcrypt hash from your old user store; the complexity policy
	// does not apply to hashes.
	_, err = c.Users.AddHumanUser(ctx, client.AddHumanUserRequest{
		Username: "daisy", GivenName: "Daisy", FamilyName: "Duck", Email: "daisy@example.com",
		PasswordHash: "$2a$10$XOg2zIT0mPNZ8uOhxgd15OxVC3Es8RsR6Mpi9JMUAHtfa4/gTgex2", // "abc"
	})
	fmt.Println(err)
	// Output:
	// minnie-1
	// <nil>
}

func ExampleSessionService_VerifyPassword() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Alice-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()

	fmt.Println(c.Sessions.VerifyPassword(ctx, client.ByLoginName("alice"), "Alice-Passw0rd!"))

	err := c.Sessions.VerifyPassword(ctx, client.ByUserID(alice), "guess")
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.ID == "COMMAND-3M0fs" {
		fmt.Println("wrong password; failed attempts in a row:", apiErr.FailedAttempts)
	}
	// Output:
	// <nil>
	// wrong password; failed attempts in a row: 1
}

func ExamplePasswordComplexity_Check() {
	srv := clienttest.NewServer()
	defer srv.Close()
	policy, err := srv.Client().Settings.PasswordComplexity(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(policy.Check("Pässw0rd")) // "ä" is a symbol, and two bytes
	fmt.Println(policy.Check("secret"))
	// Output:
	// <nil>
	// zitpass: the password does not meet the policy: shorter than 8 bytes, no upper case letter (A-Z), no digit (0-9), no symbol
}

func ExampleUserService_UnlockUser() {
	srv := clienttest.NewServer(clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 2}))
	defer srv.Close()
	bob := srv.AddHumanUser(clienttest.HumanUser{Username: "bob", Password: "B0b-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()
	for range 2 {
		c.Sessions.VerifyPassword(ctx, client.ByUserID(bob), "guess")
	}
	u, _ := c.Users.GetUser(ctx, bob)
	fmt.Println(u.State)
	// A locked user is refused even with the right password.
	err := c.Sessions.VerifyPassword(ctx, client.ByUserID(bob), "B0b-Passw0rd!")
	fmt.Println(errors.Is(err, client.ErrFailedPrecondition))

	if _, err := c.Users.UnlockUser(ctx, bob); err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.Sessions.VerifyPassword(ctx, client.ByUserID(bob), "B0b-Passw0rd!"))
	// Output:
	// Locked
	// true
	// <nil>
}

func ExampleAuthService_UpdateMyPassword() {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	c := srv.Client()
	ctx := context.Background()

	// The v1 call acts on the token's user: a session token from a password check.
	sess, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(alice), "Old-Passw0rd!")
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Auth.UpdateMyPassword(ctx, "Old-Passw0rd!", "N3w-Passw0rd!", client.AsUser(sess.Token))
	fmt.Println(err, srv.CheckPassword(alice, "N3w-Passw0rd!"))

	// The v2 replacement.
	_, err = c.Users.SetPassword(ctx, alice, client.SetPasswordRequest{NewPassword: "Th1rd-Passw0rd!", CurrentPassword: "N3w-Passw0rd!"})
	fmt.Println(err)
	// Output:
	// <nil> true
	// <nil>
}

func ExampleWithInstanceHost() {
	// Inside a compose network ZITADEL is reached as http://zitadel:8080, while its
	// instance is named by the public host localhost:8080.
	ctx := auth.WithInsecureHTTP(auth.WithAddress(context.Background(), "http://zitadel:8080"))
	ts, err := auth.JWTProfile(ctx, "http://localhost:8080", keyFileJSON())
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New("http://zitadel:8080",
		client.WithTokenSource(ts),
		client.WithInstanceHost("localhost:8080"),
		client.WithInsecureHTTP(), // plain http inside the compose network
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(c.BaseURL())
	// Output: http://zitadel:8080
}

// keyFileJSON is a service user's key file, as the fake issues it.
func keyFileJSON() []byte {
	srv := clienttest.NewServer()
	defer srv.Close()
	return srv.KeyFile(srv.AddServiceUser(clienttest.ServiceUser{Username: "svc"}))
}
