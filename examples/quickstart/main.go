// Command quickstart walks through ZITADEL's password flows with zitpass-go.
//
// With no configuration it starts an in-memory fake ZITADEL (package clienttest) and runs
// against it:
//
//	go run ./examples/quickstart
//
// To run against a real instance, set ZITADEL_URL and credentials (ZITADEL_PAT,
// ZITADEL_KEY_FILE, or ZITADEL_CLIENT_ID and ZITADEL_CLIENT_SECRET; see client.NewFromEnv)
// and name a human user whose password may be changed:
//
//	ZITADEL_URL=https://acme.zitadel.cloud ZITADEL_PAT=... go run ./examples/quickstart -user 2801...
//
// The flow: set an initial password with the deprecated v1 call, request a reset code
// (v2), set a new password with the code (v2), then show the typed error of a wrong code.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	userID := flag.String("user", "", "id of a human user on the real instance (required with ZITADEL_URL or ZITADEL_DOMAIN)")
	verbose := flag.Bool("v", false, "log each HTTP attempt")
	flag.Parse()
	if err := run(*userID, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(userID string, verbose bool) error {
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
		userID = srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Email: "alice@example.com"})
		c = srv.Client(opts...)
		fmt.Printf("Started an in-memory fake ZITADEL at %s with user alice (%s).\n", srv.URL(), userID)
	} else {
		if userID == "" {
			return errors.New("-user is required when running against a real instance")
		}
		var err error
		if c, err = client.NewFromEnv(ctx, opts...); err != nil {
			return err
		}
		fmt.Printf("Using the ZITADEL instance at %s, user %s.\n", c.BaseURL(), userID)
	}

	fmt.Println("\n1. Set an initial password with ManagementService.SetHumanInitialPassword (v1, deprecated).")
	//lint:ignore SA1019 the quickstart shows the deprecated call on purpose
	d, err := c.Management.SetHumanInitialPassword(ctx, userID, strongPassword())
	if err != nil {
		return err
	}
	fmt.Printf("   done: sequence %d, organization %s; ZITADEL will ask for a new password at the next login.\n", d.Sequence, d.ResourceOwner)

	fmt.Println("\n2. Request a reset code with UserService.RequestPasswordReset (v2), returned instead of emailed.")
	reset, err := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
	if err != nil {
		return err
	}
	fmt.Printf("   got a code of %d characters (%s…).\n", len(reset.VerificationCode), reset.VerificationCode[:1])

	fmt.Println("\n3. Set a new password with the code using UserService.SetPassword (v2).")
	d, err = c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{NewPassword: strongPassword(), VerificationCode: reset.VerificationCode})
	if err != nil {
		return err
	}
	fmt.Printf("   done: sequence %d, changed %s.\n", d.Sequence, d.ChangeDate.Format(time.RFC3339))

	fmt.Println("\n4. Try a wrong code and inspect the typed error.")
	if _, err := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode()); err != nil {
		return err
	}
	_, err = c.Users.SetPassword(ctx, userID, client.SetPasswordRequest{NewPassword: strongPassword(), VerificationCode: "WRONG1"})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("expected an API error, got %v", err)
	}
	fmt.Printf("   error: %v\n", err)
	fmt.Printf("   HTTP %d, gRPC code %v, ZITADEL id %s, errors.Is(err, client.ErrInvalidArgument) = %t\n",
		apiErr.StatusCode, apiErr.Code, apiErr.ID, errors.Is(err, client.ErrInvalidArgument))
	fmt.Println("\nDone. Match errors on the id and the code, never on the message: ZITADEL translates messages.")
	return nil
}

// strongPassword returns a random password that satisfies ZITADEL's default policy.
func strongPassword() string { return "Zp-" + rand.Text()[:12] + "-7a" }
