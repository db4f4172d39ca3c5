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
// A user's "org" is an organization's name (created when new) or id.
//
// # Control API
//
// A test harness in any language (Playwright, pytest, curl) reads and steers the fake
// through paths a real ZITADEL never serves, under /_fake/. Every call needs the
// administrator's token ("Authorization: Bearer <pat>", the pat of the startup JSON; else
// 401), takes and answers JSON, and answers errors as {"error": "..."}:
//
//	GET    /_fake/outbox             the notifications the fake would have sent (reset codes,
//	                                 links), oldest first: [{"userId", "type": "email"|"sms",
//	                                 "code", "link"}]; "link" is the urlTemplate expanded
//	DELETE /_fake/outbox             empties it: {"cleared": n}
//	POST   /_fake/reset              back to the seed: the state right after startup, with the
//	                                 same users, organizations and service users (same ids,
//	                                 keys, secrets, PAT), no sessions, no other users, an empty
//	                                 outbox, the id counter and request counts of then, and
//	                                 the clock back to the real time; answers {}
//	POST   /_fake/users              one user as the seed file has them: {"userId", "orgId"};
//	                                 a bad body, an unknown field, a taken id or username is
//	                                 400 with the reason
//	POST   /_fake/users/{id}/lock    locks the user (as LockUser; 404 for an unknown id):
//	                                 {"userId", "state": "USER_STATE_LOCKED"}
//	POST   /_fake/users/{id}/unlock  unlocks it; its failed password checks start over
//	POST   /_fake/clock              {"advance": "2s"} (a Go or protobuf duration, not
//	                                 negative) moves the fake's clock forward, for session
//	                                 lifetimes, code expiry and token lifetimes: {"now": RFC 3339}
//	GET    /_fake/clock              {"now": RFC 3339}
//
// An access token an application fetched from the token endpoint survives a reset, as
// long as its service user is one of the seed's; see clienttest.Server.Restore.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
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

const usageHead = `Usage: zitadel-fake [flags]

Serves the fake ZITADEL of package clienttest. Prints one line of JSON once it serves: url,
issuer, pat, instanceId, defaultOrgId, orgs, users, serviceUsers.

Flags:
`

const usageControl = `
Control API, for test harnesses (paths no ZITADEL serves; every call needs the
administrator's token, "Authorization: Bearer <pat>", else 401; JSON in and out; errors are
{"error": "..."}):

  GET    /_fake/outbox            the notifications the fake would have sent, oldest first:
                                  [{"userId","type":"email"|"sms","code","link"}]
  DELETE /_fake/outbox            empties the outbox: {"cleared": n}
  POST   /_fake/reset             back to the seed: the state right after startup (the same
                                  users, ids, keys, secrets and PAT; no sessions, no other
                                  users, an empty outbox, the clock's offset 0): {}
  POST   /_fake/users             a user as in the seed file (id, username, email, phone,
                                  password, passwordHash, changeRequired, initial, org: a
                                  name or an id): {"userId", "orgId"}; 400 on bad input
  POST   /_fake/users/{id}/lock   locks a user: {"userId", "state"}; 404 for an unknown id
  POST   /_fake/users/{id}/unlock unlocks a user (its failed checks start over)
  POST   /_fake/clock             {"advance": "2s"} moves the fake's clock forward (session
                                  lifetimes, code expiry, token lifetimes): {"now": RFC 3339}
  GET    /_fake/clock             {"now": RFC 3339}
`

// run serves until ctx ends. It is main without the process: the test drives it too.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("zitadel-fake", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	publicURL := fs.String("public-url", "", "the instance's public URL; requests must name its host")
	// The environment's token is read after parsing, not made the flag's default: usage
	// prints defaults, and a credential must not reach stderr.
	pat := fs.String("pat", "", "fixed administrator token (default: ZITADEL_FAKE_PAT, else random)")
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
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), usageControl)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
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
	if *pat == "" {
		*pat = os.Getenv("ZITADEL_FAKE_PAT")
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
	ctl := &control{clock: &offsetClock{}}
	opts := []clienttest.ServerOption{clienttest.WithListener(l), clienttest.WithVersion(*version),
		clienttest.WithRateLimit(*rateLimit), clienttest.WithLatency(*latency), clienttest.WithHashVerifiers(schemes...),
		clienttest.WithClock(ctl.clock.Now), clienttest.WithMiddleware(ctl.middleware)}
	if *publicURL != "" {
		opts = append(opts, clienttest.WithPublicURL(*publicURL))
	}
	if *pat != "" {
		opts = append(opts, clienttest.WithPAT(*pat))
	}
	if !*quiet {
		ctl.logger = slog.New(slog.NewTextHandler(stderr, nil))
		opts = append(opts, clienttest.WithLogger(ctl.logger))
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
	ctl.ready(srv, st) // from here on, control calls change st
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
	for _, name := range sd.Orgs {
		orgID(srv, st, name)
	}
	for _, u := range sd.Users {
		if _, dup := st.Users[u.Username]; dup && u.Username != "" {
			return nil, fmt.Errorf("user %q is seeded twice", u.Username)
		}
		if _, _, err := addSeedUser(srv, st, u); err != nil {
			return nil, err
		}
	}
	for _, su := range sd.ServiceUsers {
		id := srv.AddServiceUser(clienttest.ServiceUser{OrgID: orgID(srv, st, su.Org), Username: su.Username, Admin: su.Admin})
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

// orgID is the organization a seeded user names: "" is the default organization, a name
// the seed or an earlier user named is that organization, an organization's id is that
// organization, and any other name creates one.
func orgID(srv *clienttest.Server, st *state, name string) string {
	if name == "" {
		return st.DefaultOrgID
	}
	if id, ok := st.Orgs[name]; ok {
		return id
	}
	if name == st.DefaultOrgID || slices.Contains(slices.Collect(maps.Values(st.Orgs)), name) {
		return name
	}
	st.Orgs[name] = srv.AddOrg()
	return st.Orgs[name]
}

// addSeedUser adds a user of the seed file (or of POST /_fake/users) and records it in st.
func addSeedUser(srv *clienttest.Server, st *state, u seedUser) (userID, org string, err error) {
	switch {
	case u.Username == "":
		return "", "", errors.New("a user has no username")
	case u.Password != "" && u.PasswordHash != "":
		return "", "", fmt.Errorf("user %q: password and passwordHash are exclusive", u.Username)
	case u.Initial && (u.Password != "" || u.PasswordHash != "" || u.ChangeRequired):
		return "", "", fmt.Errorf("user %q: an initial user has no password (initial excludes password, passwordHash and changeRequired)", u.Username)
	}
	email := u.Email
	if email == "" {
		email = u.Username + "@example.com"
	}
	org = orgID(srv, st, u.Org)
	userID = srv.AddHumanUser(clienttest.HumanUser{ID: u.ID, OrgID: org, Username: u.Username, Email: email,
		Phone: u.Phone, Password: u.Password, PasswordHash: u.PasswordHash, ChangeRequired: u.ChangeRequired, Initial: u.Initial})
	st.Users[u.Username] = userID
	return userID, org, nil
}
