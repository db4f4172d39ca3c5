// Command quickstart walks through ZITADEL's password flows with zitpass-go's current
// calls.
//
// With no configuration it starts an in-memory fake ZITADEL (package clienttest) and runs
// against it:
//
//	go run ./examples/quickstart
//
// To run against a real instance, set ZITADEL_URL and credentials (ZITADEL_PAT,
// ZITADEL_KEY_FILE, or ZITADEL_CLIENT_ID and ZITADEL_CLIENT_SECRET; see client.NewFromEnv):
//
//	ZITADEL_URL=https://acme.zitadel.cloud ZITADEL_PAT=... go run ./examples/quickstart
//
// The flow: create a user with a password (CreateUser), check it (VerifyPassword), request
// a reset code (RequestPasswordReset, returned instead of emailed), set a new password with
// the code (UpdateUser), check the new one, and show the named outcomes of a wrong code and
// a wrong password. The user it created is deleted at the end, so nothing is left behind
// on a real instance, and no email is sent (the email is created verified).
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	verbose := flag.Bool("v", false, "log each HTTP attempt")
	flag.Parse()
	if err := run(*verbose); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var opts []client.Option
	if verbose {
		opts = append(opts, client.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}

	var c *client.Client
	if os.Getenv(client.EnvURL) == "" && os.Getenv(client.EnvDomain) == "" {
		srv := clienttest.NewServer()
		defer srv.Close()
		c = srv.Client(opts...)
		fmt.Printf("Started an in-memory fake ZITADEL at %s.\n", srv.URL())
	} else {
		var err error
		if c, err = client.NewFromEnv(ctx, opts...); err != nil {
			return err
		}
		fmt.Printf("Using the ZITADEL instance at %s.\n", c.BaseURL())
	}

	name := "quickstart-" + strings.ToLower(rand.Text()[:8])
	password := strongPassword()
	fmt.Printf("\n1. Create the user %s with a password (UserService.CreateUser).\n", name)
	user, err := c.Users.CreateUser(ctx, client.CreateUserRequest{
		Username: name, GivenName: "Quick", FamilyName: "Start",
		Email: name + "@example.com", EmailVerified: true, Password: password,
	})
	if err != nil {
		return err
	}
	defer func() {
		// Clean up on a context of its own, so that it runs also after a timeout.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := c.Users.DeleteUser(dctx, user.UserID); err == nil {
			fmt.Printf("\nDeleted the user %s (UserService.DeleteUser).\n", user.UserID)
		}
	}()
	fmt.Printf("   created %s in organization %s.\n", user.UserID, user.Details.ResourceOwner)

	fmt.Println("\n2. Check the password, as a login would (SessionService.VerifyPassword).")
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(user.UserID), password); err != nil {
		return err
	}
	fmt.Println("   right.")

	fmt.Println("\n3. Forgot it: request a reset code, returned instead of emailed (UserService.RequestPasswordReset).")
	reset, err := c.Users.RequestPasswordReset(ctx, user.UserID, client.ReturnCode())
	if err != nil {
		return err
	}
	fmt.Printf("   got a code of %d characters.\n", len(reset.VerificationCode))

	fmt.Println("\n4. A wrong code is a named outcome: errors.Is(err, client.ErrInvalidCode).")
	newPassword := strongPassword()
	_, err = c.Users.UpdateUser(ctx, user.UserID, client.UpdateUserRequest{NewPassword: newPassword, VerificationCode: "WRONG1"})
	if !errors.Is(err, client.ErrInvalidCode) {
		return fmt.Errorf("expected ErrInvalidCode, got %v", err)
	}
	var apiErr *client.APIError
	errors.As(err, &apiErr)
	fmt.Printf("   %v\n   (HTTP %d, gRPC code %v, ZITADEL id %s: match the outcome, not the id or the message)\n",
		err, apiErr.StatusCode, apiErr.Code, apiErr.ID)

	fmt.Println("\n5. Set the new password with the code (UserService.UpdateUser).")
	d, err := c.Users.UpdateUser(ctx, user.UserID, client.UpdateUserRequest{NewPassword: newPassword, VerificationCode: reset.VerificationCode})
	if err != nil {
		return err
	}
	fmt.Printf("   changed at %s.\n", d.ChangeDate.Format(time.RFC3339))

	fmt.Println("\n6. The old password is wrong now: errors.Is(err, client.ErrWrongPassword).")
	err = c.Sessions.VerifyPassword(ctx, client.ByUserID(user.UserID), password)
	if !errors.Is(err, client.ErrWrongPassword) {
		return fmt.Errorf("expected ErrWrongPassword, got %v", err)
	}
	errors.As(err, &apiErr)
	fmt.Printf("   wrong, %d failed attempt(s) in a row (each counts toward the lockout policy).\n", apiErr.FailedAttempts)
	if err := c.Sessions.VerifyPassword(ctx, client.ByUserID(user.UserID), newPassword); err != nil {
		return err
	}
	fmt.Println("   the new one is right.")
	return nil
}

// strongPassword returns a random password that satisfies ZITADEL's default policy.
func strongPassword() string { return "Zp-" + rand.Text()[:12] + "-7a" }
