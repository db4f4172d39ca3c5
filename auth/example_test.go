package auth_test

import (
	"context"
	"fmt"
	"log"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func ExamplePAT() {
	ts := auth.PAT("personal-access-token")
	fmt.Println(ts) // prints without the token
	// Output: auth.PAT([REDACTED])
}

func ExampleJWTProfileFile() {
	ctx := context.Background()
	ts, err := auth.JWTProfileFile(ctx, "https://acme.zitadel.cloud", "./key.json")
	if err != nil {
		log.Fatal(err) // a *auth.KeyFileError says what is wrong with the file
	}
	c, err := client.New("https://acme.zitadel.cloud", client.WithTokenSource(ts))
	if err != nil {
		log.Fatal(err)
	}
	_ = c
}

func ExampleJWTProfile() {
	srv := clienttest.NewServer()
	defer srv.Close()
	bot := srv.AddServiceUser(clienttest.ServiceUser{Username: "bot", Admin: true})

	ts, err := auth.JWTProfile(context.Background(), srv.URL(), srv.KeyFile(bot))
	if err != nil {
		log.Fatal(err)
	}
	tok, err := ts.Token()
	fmt.Println(err, tok.Type())
	// Output: <nil> Bearer
}

func ExampleClientCredentials() {
	srv := clienttest.NewServer()
	defer srv.Close()
	bot := srv.AddServiceUser(clienttest.ServiceUser{Username: "bot", Admin: true})
	id, secret := srv.ClientSecret(bot)

	c, err := client.New(srv.URL(), client.WithTokenSource(auth.ClientCredentials(context.Background(), srv.URL(), id, secret)))
	if err != nil {
		log.Fatal(err)
	}
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	_, err = c.Users.RequestPasswordReset(context.Background(), alice, client.ReturnCode())
	fmt.Println(err)
	// Output: <nil>
}
