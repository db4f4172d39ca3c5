// Command signup walks through a sign-up and a login with zitpass-go: it reads the
// password policy to show the rules before the user submits, checks candidate passwords
// against it the way ZITADEL will, creates the user (CreateUser), and then logs in the way
// a custom login must: it reads the login settings (is a password login allowed at all?),
// checks the password (a wrong one reports a named outcome and counts toward the lockout
// policy), and enforces the password expiry policy, which ZITADEL leaves to custom logins.
//
// With no configuration it runs against an in-memory fake ZITADEL (package clienttest):
//
//	go run ./examples/signup
//
// To run against a real instance, set ZITADEL_URL and credentials (see client.NewFromEnv)
// of a service user allowed to create users; the example creates a user named
// zitpass-example-<random> in the caller's organization and deletes it at the end:
//
//	ZITADEL_URL=https://acme.zitadel.cloud ZITADEL_PAT=... go run ./examples/signup
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "signup:", err)
		os.Exit(1)
	}
}

func run(w io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, done, err := connect(ctx, w)
	if err != nil {
		return err
	}
	defer done()

	// Sign-up, step 1: show the rules before the user types anything.
	policy, err := c.Settings.PasswordComplexity(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSign-up form: choose a password of at least %d bytes%s.\n", policy.MinLength, classes(policy))

	// Step 2: check what the user typed, as ZITADEL will, and show every broken rule at once.
	for _, candidate := range []string{"secret", "Pässw0rd", "PÄSSW0RD!"} {
		if err := policy.Check(candidate); err != nil {
			var pe *client.PolicyError
			errors.As(err, &pe)
			fmt.Fprintf(w, "  %-10q refused before sending: %v\n", candidate, pe.Broken)
			continue
		}
		fmt.Fprintf(w, "  %-10q meets the policy\n", candidate)
	}

	// Step 3: create the user with the password that passed.
	name := "zitpass-example-" + strings.ToLower(rand.Text()[:8])
	added, err := c.Users.CreateUser(ctx, client.CreateUserRequest{
		Username: name, GivenName: "Example", FamilyName: "User",
		Email: name + "@example.com", EmailVerified: true, Password: "Pässw0rd",
	})
	if err != nil {
		return err
	}
	defer c.Users.DeleteUser(context.WithoutCancel(ctx), added.UserID)
	fmt.Fprintf(w, "\nCreated %s (%s) in organization %s.\n", name, added.UserID, added.Details.ResourceOwner)

	// Login, step 1: may users log in with a password here?
	login, err := c.Settings.Login(ctx)
	if err != nil {
		return err
	}
	if !login.AllowUsernamePassword {
		return errors.New("the login settings do not allow a password login")
	}
	fmt.Fprintf(w, "\nLogin settings: password login allowed; a password check counts for %v.\n", login.PasswordCheckLifetime)

	// Step 2: check passwords. A wrong one counts toward the lockout policy.
	lockout, err := c.Settings.Lockout(ctx)
	if err != nil {
		return err
	}
	limit := "no limit"
	if lockout.MaxPasswordAttempts > 0 {
		limit = fmt.Sprintf("%d wrong passwords lock the account", lockout.MaxPasswordAttempts)
	}
	fmt.Fprintf(w, "Lockout policy: %s.\n", limit)
	err = c.Sessions.VerifyPassword(ctx, client.ByLoginName(name), "Wrong-Passw0rd!")
	var apiErr *client.APIError
	if !errors.Is(err, client.ErrWrongPassword) || !errors.As(err, &apiErr) {
		return fmt.Errorf("a wrong password gave %v", err)
	}
	fmt.Fprintf(w, "  wrong password: refused (ErrWrongPassword), %d failed attempt(s) in a row\n", apiErr.FailedAttempts)
	if err := c.Sessions.VerifyPassword(ctx, client.ByLoginName(name), "Pässw0rd"); err != nil {
		return err
	}
	fmt.Fprintln(w, "  right password: accepted (the check's session is deleted again)")

	// Step 3: enforce the expiry policy, as ZITADEL's own login would.
	u, err := c.Users.GetUser(ctx, added.UserID)
	if err != nil {
		return err
	}
	expiry, err := c.Settings.PasswordExpiry(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nUser state %v, password set %s, change required %t.\n", u.State, u.PasswordChanged.Format(time.RFC3339), u.PasswordChangeRequired)
	switch exp := expiry.ExpiresAt(u.PasswordChanged); {
	case exp.IsZero():
		fmt.Fprintln(w, "The password never expires.")
	case !time.Now().Before(exp):
		fmt.Fprintln(w, "The password has expired: ask for a new one before letting the user in.")
	default:
		fmt.Fprintf(w, "The password expires at %s", exp.Format(time.RFC3339))
		if warn := expiry.WarnFrom(u.PasswordChanged); !warn.IsZero() && !time.Now().Before(warn) {
			fmt.Fprint(w, ": warn the user")
		}
		fmt.Fprintln(w, ".")
	}
	return nil
}

// connect returns a client for the instance in the environment, or for a fake.
func connect(ctx context.Context, w io.Writer) (*client.Client, func(), error) {
	if os.Getenv(client.EnvURL) != "" || os.Getenv(client.EnvDomain) != "" {
		c, err := client.NewFromEnv(ctx)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(w, "Using the ZITADEL instance at %s.\n", c.BaseURL())
		return c, func() {}, nil
	}
	srv := clienttest.NewServer(clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: 5}),
		clienttest.WithPasswordExpiry(client.PasswordExpiry{MaxAgeDays: 90, ExpireWarnDays: 14}))
	fmt.Fprintf(w, "Started an in-memory fake ZITADEL at %s.\n", srv.URL())
	return srv.Client(), srv.Close, nil
}

// classes describes the character classes a policy requires.
func classes(p *client.PasswordComplexity) string {
	var need []string
	for _, c := range []struct {
		on   bool
		text string
	}{{p.RequiresUppercase, "an upper case letter"}, {p.RequiresLowercase, "a lower case letter"},
		{p.RequiresNumber, "a digit"}, {p.RequiresSymbol, "a symbol"}} {
		if c.on {
			need = append(need, c.text)
		}
	}
	if len(need) == 0 {
		return ""
	}
	return " with " + strings.Join(need, ", ")
}
