// Command zitadel-fake serves the in-memory fake ZITADEL of package clienttest as a
// standalone process, for test harnesses in other languages and development setups
// (docker compose, CI services) that need ZITADEL's password APIs without a real server.
//
//	go run github.com/zitpass/zitpass-go/cmd/zitadel-fake@latest -addr 127.0.0.1:8080 -user alice:Alice-Passw0rd!
//
// It prints one line of JSON to stdout once it serves: its URL, issuer, the
// administrator's personal access token, the instance, organization and user ids (and
// writes the same to -out, for other processes to read). It logs every request to stderr,
// without bodies or tokens, and stops cleanly on SIGINT or SIGTERM.
//
// Flags:
//
//	-addr host:port    where to listen (default 127.0.0.1:8080; 0.0.0.0:8080 in a container)
//	-public-url URL    the instance's public URL: requests must name its host (the Host or
//	                   x-zitadel-instance-host header) and JWT assertions its URL, as with a
//	                   real instance reached through another address
//	-pat token         a fixed administrator token (default: random; also ZITADEL_FAKE_PAT)
//	-user name:pw      a human user in the default organization; repeatable; "name:" has no password
//	-seed file.json    users, service users, organizations and the lockout policy (see below)
//	-out file.json     also write the startup JSON there
//	-lockout n         wrong passwords in a row that lock a user (default 0: no limit)
//	-version major     answer as ZITADEL v4.13.1 (4, the default) or v3.4.9 (3): v3 has no
//	                   CreateUser or UpdateUser (405), no Connect, and AddHumanUser answers 201
//	-rate-limit n      answer API calls beyond n per second with 429 and Retry-After (a
//	                   token bucket of burst n rounded up; not the token endpoint); 0: none
//	-latency d         every answer waits d (e.g. 50ms) before it is written, as a remote
//	                   server's would; the call itself is handled at once
//	-hash-verifiers s  comma-separated schemes of imported password hashes (default bcrypt;
//	                   also argon2, scrypt, pbkdf2, md5crypt, sha2, phpass)
//	-quiet             do not log requests
//
// The seed file:
//
//	{
//	  "orgs": ["acme"],
//	  "users": [{"username": "alice", "email": "alice@example.com", "password": "Alice-Passw0rd!", "org": "acme"},
//	            {"username": "ivy", "initial": true}],
//	  "serviceUsers": [{"username": "app", "admin": true, "keyFile": "/shared/app-key.json", "clientSecret": true}],
//	  "lockout": {"maxPasswordAttempts": 3}
//	}
//
// A service user's "keyFile" is where its JSON key file is written (for a JWT profile
// login); "clientSecret": true creates a client id and secret, printed in the startup JSON.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "zitadel-fake:", err)
		os.Exit(2)
	}
}

// seed is the -seed file.
type seed struct {
	Orgs         []string      `json:"orgs"`
	Users        []seedUser    `json:"users"`
	ServiceUsers []seedService `json:"serviceUsers"`
	Lockout      *struct {
		MaxPasswordAttempts int `json:"maxPasswordAttempts"`
	} `json:"lockout"`
}

type seedUser struct {
	ID             string `json:"id"`
	Username       string `json:"username"`
	Email          string `json:"email"`
	Phone          string `json:"phone"`
	Password       string `json:"password"`
	PasswordHash   string `json:"passwordHash"`
	ChangeRequired bool   `json:"changeRequired"`
	Initial        bool   `json:"initial"`
	Org            string `json:"org"`
}

type seedService struct {
	Username     string `json:"username"`
	Org          string `json:"org"`
	Admin        bool   `json:"admin"`
	KeyFile      string `json:"keyFile"`
	ClientSecret bool   `json:"clientSecret"`
}

// state is what the fake prints once it serves.
type state struct {
	URL          string                  `json:"url"`
	Issuer       string                  `json:"issuer"`
	PAT          string                  `json:"pat"`
	InstanceID   string                  `json:"instanceId"`
	DefaultOrgID string                  `json:"defaultOrgId"`
	Orgs         map[string]string       `json:"orgs"`
	Users        map[string]string       `json:"users"`
	ServiceUsers map[string]serviceState `json:"serviceUsers,omitempty"`
}

type serviceState struct {
	UserID       string `json:"userId"`
	KeyFile      string `json:"keyFile,omitempty"`
	ClientID     string `json:"clientId,omitempty"`
	ClientSecret string `json:"clientSecret,omitempty"`
}

// userFlags collects repeated -user flags.
type userFlags []seedUser

func (u *userFlags) String() string { return fmt.Sprint(len(*u), " users") }

func (u *userFlags) Set(v string) error {
	name, pw, ok := strings.Cut(v, ":")
	if !ok || name == "" {
		return errors.New(`want "name:password" (or "name:" for a user without a password)`)
	}
	*u = append(*u, seedUser{Username: name, Password: pw})
	return nil
}

// run serves until ctx ends. It is main without the process: the test drives it too.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zitadel-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "", "the instance's public URL; requests must name its host")
	pat := fs.String("pat", os.Getenv("ZITADEL_FAKE_PAT"), "fixed administrator token (default random)")
	seedPath := fs.String("seed", "", "seed file (JSON)")
	out := fs.String("out", "", "also write the startup JSON to this file")
	lockout := fs.Int("lockout", 0, "wrong passwords in a row that lock a user (0: no limit)")
	quiet := fs.Bool("quiet", false, "do not log requests")
	version := fs.Int("version", 4, "ZITADEL major version to answer as: 4 (v4.13.1) or 3 (v3.4.9)")
	rateLimit := fs.Float64("rate-limit", 0, "API calls per second beyond which the fake answers 429 (0: no limit)")
	latency := fs.Duration("latency", 0, "how long every answer waits before it is written, e.g. 50ms")
	verifiers := fs.String("hash-verifiers", "bcrypt", "comma-separated schemes of imported password hashes")
	var users userFlags
	fs.Var(&users, "user", `a user "name:password"; repeatable`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var sd seed
	if *seedPath != "" {
		raw, err := os.ReadFile(*seedPath)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &sd); err != nil {
			return fmt.Errorf("seed file %s: %w", *seedPath, err)
		}
	}
	sd.Users = append(sd.Users, users...)
	if *lockout > 0 {
		sd.Lockout = &struct {
			MaxPasswordAttempts int `json:"maxPasswordAttempts"`
		}{*lockout}
	}

	if *version != 3 && *version != 4 {
		return fmt.Errorf("-version %d: want 3 or 4", *version)
	}
	if *latency < 0 {
		return fmt.Errorf("-latency %v: must not be negative", *latency)
	}
	schemes, err := hashSchemes(*verifiers)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	opts := []clienttest.ServerOption{clienttest.WithListener(l), clienttest.WithVersion(*version),
		clienttest.WithRateLimit(*rateLimit), clienttest.WithLatency(*latency), clienttest.WithHashVerifiers(schemes...)}
	if *publicURL != "" {
		opts = append(opts, clienttest.WithPublicURL(*publicURL))
	}
	if *pat != "" {
		opts = append(opts, clienttest.WithPAT(*pat))
	}
	if !*quiet {
		opts = append(opts, clienttest.WithLogger(slog.New(slog.NewTextHandler(stderr, nil))))
	}
	if sd.Lockout != nil {
		opts = append(opts, clienttest.WithLockout(client.Lockout{MaxPasswordAttempts: sd.Lockout.MaxPasswordAttempts}))
	}
	srv := clienttest.NewServer(opts...)
	defer srv.Close()

	st, err := apply(srv, &sd)
	if err != nil {
		return err
	}
	line, _ := json.Marshal(st)
	if *out != "" {
		if err := os.WriteFile(*out, append(line, '\n'), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s\n", line)
	slog.New(slog.NewTextHandler(stderr, nil)).Info("zitadel-fake serving", "url", st.URL, "issuer", st.Issuer)
	<-ctx.Done()
	slog.New(slog.NewTextHandler(stderr, nil)).Info("zitadel-fake stopping")
	return nil
}

// knownSchemes are the names clienttest.WithHashVerifiers takes.
var knownSchemes = []string{"bcrypt", "argon2", "argon2i", "argon2id", "scrypt", "pbkdf2", "md5crypt", "md5", "sha2", "sha256crypt", "sha512crypt", "phpass"}

// hashSchemes reads -hash-verifiers, refusing unknown names before the server would panic.
func hashSchemes(list string) ([]string, error) {
	var out []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		if !slices.Contains(knownSchemes, name) {
			return nil, fmt.Errorf("-hash-verifiers: unknown scheme %q (known: %s)", name, strings.Join(knownSchemes, ", "))
		}
		out = append(out, name)
	}
	return out, nil
}

// apply seeds the server and returns its startup state.
func apply(srv *clienttest.Server, sd *seed) (*state, error) {
	st := &state{URL: srv.URL(), Issuer: srv.Issuer(), PAT: srv.PAT(), InstanceID: srv.InstanceID(), DefaultOrgID: srv.DefaultOrgID(),
		Orgs: map[string]string{}, Users: map[string]string{}}
	if listening := srv.URL(); strings.Contains(listening, "://0.0.0.0:") || strings.Contains(listening, "://[::]:") {
		st.Issuer = "" // the issuer is whatever host the clients use
	}
	orgID := func(name string) string {
		if name == "" {
			return ""
		}
		if id, ok := st.Orgs[name]; ok {
			return id
		}
		st.Orgs[name] = srv.AddOrg()
		return st.Orgs[name]
	}
	for _, name := range sd.Orgs {
		orgID(name)
	}
	for _, u := range sd.Users {
		if u.Username == "" {
			return nil, errors.New("a seeded user has no username")
		}
		if _, dup := st.Users[u.Username]; dup {
			return nil, fmt.Errorf("user %q is seeded twice", u.Username)
		}
		email := u.Email
		if email == "" {
			email = u.Username + "@example.com"
		}
		st.Users[u.Username] = srv.AddHumanUser(clienttest.HumanUser{ID: u.ID, OrgID: orgID(u.Org), Username: u.Username, Email: email,
			Phone: u.Phone, Password: u.Password, PasswordHash: u.PasswordHash, ChangeRequired: u.ChangeRequired, Initial: u.Initial})
	}
	for _, su := range sd.ServiceUsers {
		id := srv.AddServiceUser(clienttest.ServiceUser{OrgID: orgID(su.Org), Username: su.Username, Admin: su.Admin})
		ss := serviceState{UserID: id}
		if su.KeyFile != "" {
			if err := os.WriteFile(su.KeyFile, srv.KeyFile(id), 0o600); err != nil {
				return nil, err
			}
			ss.KeyFile = su.KeyFile
		}
		if su.ClientSecret {
			ss.ClientID, ss.ClientSecret = srv.ClientSecret(id)
		}
		if st.ServiceUsers == nil {
			st.ServiceUsers = map[string]serviceState{}
		}
		st.ServiceUsers[su.Username] = ss
	}
	return st, nil
}
