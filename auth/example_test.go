package auth_test

import (
	"context"
	"fmt"
	"log"
	"sync/atomic"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
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

// countedSource counts the tokens a client asks for. It wraps a ContextTokenSource and
// keeps its TokenContext.
type countedSource struct {
	src auth.ContextTokenSource
	n   *atomic.Int64
}

func (s countedSource) Token() (*oauth2.Token, error) {
	s.n.Add(1)
	return s.src.Token()
}

func (s countedSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	s.n.Add(1)
	return s.src.TokenContext(ctx)
}

// countedInvalidator is a countedSource around an Invalidator, which it stays.
type countedInvalidator struct {
	countedSource
	inv auth.Invalidator
}

func (s countedInvalidator) Invalidate(accessToken string) { s.inv.Invalidate(accessToken) }

// counted wraps src, keeping its capabilities: Invalidate only when src has it, since a
// source that claims it makes the client retry a refused token once in vain.
func counted(src oauth2.TokenSource, n *atomic.Int64) oauth2.TokenSource {
	cs, ok := src.(auth.ContextTokenSource)
	if !ok {
		return src // a wrapper for plain sources would count through Token only
	}
	c := countedSource{src: cs, n: n}
	if inv, ok := src.(auth.Invalidator); ok {
		return countedInvalidator{countedSource: c, inv: inv}
	}
	return c
}

// A wrapper keeps the capabilities of the source it wraps by having the same methods.
func ExampleContextTokenSource() {
	srv := clienttest.NewServer()
	defer srv.Close()
	bot := srv.AddServiceUser(clienttest.ServiceUser{Username: "bot", Admin: true})
	id, secret := srv.ClientSecret(bot)

	var n atomic.Int64
	cc := counted(auth.ClientCredentials(context.Background(), srv.URL(), id, secret), &n)
	pat := counted(auth.PAT(srv.PAT()), &n)
	for _, ts := range []oauth2.TokenSource{cc, pat} {
		_, withContext := ts.(auth.ContextTokenSource)
		_, invalidates := ts.(auth.Invalidator)
		fmt.Println(withContext, invalidates)
	}

	c, err := client.New(srv.URL(), client.WithTokenSource(cc))
	if err != nil {
		log.Fatal(err)
	}
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	_, err = c.Users.RequestPasswordReset(context.Background(), alice, client.ReturnCode())
	fmt.Println(err, n.Load())
	// Output:
	// true true
	// true false
	// <nil> 1
}
