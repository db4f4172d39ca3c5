package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// authServer records the Authorization header of every request and answers as a v1
// management call does.
type authServer struct {
	*httptest.Server
	mu      sync.Mutex
	headers []string
}

func newAuthServer(t *testing.T) *authServer {
	s := &authServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.headers = append(s.headers, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"details":{"sequence":"1"}}`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *authServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.headers...)
}

// credentialEnv sets exactly the given variables of NewFromEnv, clearing all others.
func credentialEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{client.EnvURL, client.EnvDomain, client.EnvPAT, client.EnvPATFile, client.EnvKeyFile,
		client.EnvClientID, client.EnvClientSecret, client.EnvOrgID, client.EnvIssuer, client.EnvInsecure} {
		t.Setenv(k, env[k])
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pat")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestNewFromEnvPATFile: the token is the file's content without the line break that
// secret files end with, and is sent as the bearer token.
func TestNewFromEnvPATFile(t *testing.T) {
	for name, content := range map[string]string{
		"line break":      "pat-from-file\n",
		"crlf and spaces": "  pat-from-file\r\n\r\n",
		"no line break":   "pat-from-file",
	} {
		t.Run(name, func(t *testing.T) {
			srv := newAuthServer(t)
			credentialEnv(t, map[string]string{client.EnvURL: srv.URL, client.EnvPATFile: writeFile(t, content)})
			c, err := client.NewFromEnv(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Management.SetHumanInitialPassword(context.Background(), "u1", "Init-Passw0rd!"); err != nil {
				t.Fatal(err)
			}
			if got := srv.seen(); len(got) != 1 || got[0] != "Bearer pat-from-file" {
				t.Errorf("Authorization = %q, want [Bearer pat-from-file]", got)
			}
		})
	}
}

// TestNewFromEnvPATTrimmed: a ZITADEL_PAT with a trailing line break (as from
// `export ZITADEL_PAT="$(cat file)"` on a file with CRLF, or a templated secret) works.
func TestNewFromEnvPATTrimmed(t *testing.T) {
	srv := newAuthServer(t)
	credentialEnv(t, map[string]string{client.EnvURL: srv.URL, client.EnvPAT: "pat-from-env\r\n"})
	c, err := client.NewFromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Management.SetHumanInitialPassword(context.Background(), "u1", "Init-Passw0rd!"); err != nil {
		t.Fatal(err)
	}
	if got := srv.seen(); len(got) != 1 || got[0] != "Bearer pat-from-env" {
		t.Errorf("Authorization = %q", got)
	}
}

// TestNewFromEnvPATFileWithTheFake: a PAT the fake issued, in a file, authenticates.
func TestNewFromEnvPATFileWithTheFake(t *testing.T) {
	srv := clienttest.NewServer()
	defer srv.Close()
	alice := srv.AddHumanUser(clienttest.HumanUser{Username: "alice", Password: "Old-Passw0rd!"})
	credentialEnv(t, map[string]string{client.EnvURL: srv.URL(), client.EnvPATFile: writeFile(t, srv.PAT()+"\n")})
	c, err := client.NewFromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Users.RequestPasswordReset(context.Background(), alice, client.ReturnCode()); err != nil {
		t.Fatal(err)
	}
}

// TestNewFromEnvPATErrors: every refusal is a *ValidationError naming the variable,
// returned before any request, and none contains the token or the file's content (raw or
// JSON-escaped); the file's path may appear.
func TestNewFromEnvPATErrors(t *testing.T) {
	const secret = "sEcr3t-pat-Val"
	dir := t.TempDir()
	big := writeFile(t, strings.Repeat("x", 64<<10+1))
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name     string
		env      map[string]string
		field    string
		mentions []string
	}{
		{"pat and pat file", map[string]string{client.EnvPAT: secret, client.EnvPATFile: writeFile(t, secret)},
			client.EnvPAT, []string{client.EnvPAT, client.EnvPATFile}},
		{"pat file and key file", map[string]string{client.EnvPATFile: writeFile(t, secret), client.EnvKeyFile: "/k.json"},
			client.EnvPATFile, []string{client.EnvPATFile, client.EnvKeyFile}},
		{"pat file and client credentials", map[string]string{client.EnvPATFile: writeFile(t, secret), client.EnvClientID: "id", client.EnvClientSecret: "s"},
			client.EnvPATFile, []string{client.EnvPATFile, client.EnvClientID}},
		{"missing file", map[string]string{client.EnvPATFile: missing}, client.EnvPATFile, []string{missing, "no such file"}},
		{"directory", map[string]string{client.EnvPATFile: dir}, client.EnvPATFile, []string{dir, "cannot be read"}},
		{"empty file", map[string]string{client.EnvPATFile: writeFile(t, "")}, client.EnvPATFile, []string{"empty"}},
		{"blank file", map[string]string{client.EnvPATFile: writeFile(t, " \r\n\n")}, client.EnvPATFile, []string{"empty"}},
		{"two lines in the file", map[string]string{client.EnvPATFile: writeFile(t, secret+"\n"+secret+"\n")}, client.EnvPATFile, []string{"whitespace"}},
		{"space inside, in the file", map[string]string{client.EnvPATFile: writeFile(t, secret[:6]+" "+secret[6:])}, client.EnvPATFile, []string{"whitespace"}},
		{"control character in the file", map[string]string{client.EnvPATFile: writeFile(t, secret[:6]+"\x00"+secret[6:])}, client.EnvPATFile, []string{"control"}},
		{"byte order mark in the file", map[string]string{client.EnvPATFile: writeFile(t, "\ufeff"+secret+"\n")}, client.EnvPATFile, []string{"non-ASCII"}},
		{"large file", map[string]string{client.EnvPATFile: big}, client.EnvPATFile, []string{big, "64 KiB"}},
		{"blank pat", map[string]string{client.EnvPAT: " \n"}, client.EnvPAT, []string{"empty"}},
		{"line break inside the pat", map[string]string{client.EnvPAT: secret[:6] + "\n" + secret[6:]}, client.EnvPAT, []string{"whitespace"}},
		{"tab inside the pat", map[string]string{client.EnvPAT: secret[:6] + "\t" + secret[6:]}, client.EnvPAT, []string{"whitespace"}},
		{"DEL inside the pat", map[string]string{client.EnvPAT: secret[:6] + "\x7f" + secret[6:]}, client.EnvPAT, []string{"control"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newAuthServer(t)
			tt.env[client.EnvURL] = srv.URL
			credentialEnv(t, tt.env)
			c, err := client.NewFromEnv(context.Background())
			ve, ok := errors.AsType[*client.ValidationError](err)
			if c != nil || !ok || ve.Field != tt.field || !errors.Is(err, client.ErrInvalidArgument) {
				t.Fatalf("NewFromEnv = %v, %v; want a *ValidationError for %s", c, err, tt.field)
			}
			for _, m := range append(tt.mentions, tt.field) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("Error() = %q, want it to mention %q", err, m)
				}
			}
			if !strings.HasPrefix(err.Error(), "zitpass: ") {
				t.Errorf("Error() = %q, want the prefix zitpass: ", err)
			}
			assertNoSecret(t, err, secret[:6], secret[6:], strings.Repeat("x", 64))
			if n := len(srv.seen()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// assertNoSecret fails when any part of a secret appears in err's message or its %v,
// %+v, %#v and %q output, raw or JSON-escaped.
func assertNoSecret(t *testing.T, err error, parts ...string) {
	t.Helper()
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, err))
	}
	raw, _ := json.Marshal(err.Error())
	outs = append(outs, err.Error(), string(raw))
	for _, out := range outs {
		for _, p := range parts {
			enc, _ := json.Marshal(p)
			if strings.Contains(out, p) || strings.Contains(out, strings.Trim(string(enc), `"`)) {
				t.Errorf("error output leaks %q: %s", p, out)
			}
		}
	}
}
