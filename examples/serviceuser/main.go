// Command serviceuser authenticates with a service user's key file (JWT profile) and
// requests a password reset code.
//
// Against a real instance:
//
//	go run ./examples/serviceuser -url https://acme.zitadel.cloud -key ./key.json -user 2801...
//
// With no flags it starts an in-memory fake ZITADEL, creates a service user and its key
// file there, and uses them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	url := flag.String("url", "", "instance URL, e.g. https://acme.zitadel.cloud")
	keyFile := flag.String("key", "", "path of the service user's JSON key file")
	userID := flag.String("user", "", "id of the human user to request a reset code for")
	flag.Parse()
	if err := run(*url, *keyFile, *userID); err != nil {
		fmt.Fprintln(os.Stderr, "serviceuser:", err)
		os.Exit(1)
	}
}

func run(url, keyFile, userID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if url == "" {
		srv := clienttest.NewServer()
		defer srv.Close()
		svc := srv.AddServiceUser(clienttest.ServiceUser{Username: "password-bot", Admin: true})
		keyFile = filepath.Join(os.TempDir(), "zitpass-example-key.json")
		if err := os.WriteFile(keyFile, srv.KeyFile(svc), 0o600); err != nil {
			return err
		}
		defer os.Remove(keyFile)
		url = srv.URL()
		userID = srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
		fmt.Printf("Started a fake ZITADEL at %s; service user %s, key file %s.\n", url, svc, keyFile)
	}
	if keyFile == "" || userID == "" {
		return errors.New("-key and -user are required with -url")
	}

	// The key file is checked here; tokens are fetched on the first call and cached.
	ts, err := auth.JWTProfileFile(ctx, url, keyFile)
	if err != nil {
		return err
	}
	c, err := client.New(url, client.WithTokenSource(ts))
	if err != nil {
		return err
	}
	reset, err := c.Users.RequestPasswordReset(ctx, userID, client.ReturnCode())
	if err != nil {
		return err
	}
	fmt.Printf("Authenticated with the key file and got a reset code of %d characters for user %s (sequence %d).\n",
		len(reset.VerificationCode), userID, reset.Details.Sequence)
	return nil
}
