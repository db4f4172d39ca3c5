package client_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

const hashPassword = "Hash-Passw0rd!1"

// recordedHashes are the hashes imported into ZITADEL v4.13.1 in the recorded scenarios:
// the bcrypt ones were accepted and verify, the others are well-formed hashes of schemes
// the default configuration has no verifier for (USER-JDk4t). All must be sent.
var recordedHashes = []string{
	"$2a$10$cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46",
	"$2y$10$cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46",
	"$2b$10$cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46",
	"$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq",
	"$2a$17$fqlvGxFyyfHUlFTlZzJCK.UTRtAtfUynLDyRULLdB9e/telKtUnF2",
	"$1$FP0czrUy$OVkZt1OZSGQ3jAbrf23J81",
	"$6$ancMbWZeNW7QIfAM$aK8a6DdinaTrqi46AAbiu4HLTfOu7k.xbX5PlGF6.6zywfjGj4rNpRrziLdIZSrO0oxlzqRBrTRw2n2Q0Q.Hh.",
	"$5$.JytNb0VgnT8yXYs$Vu0.pSrLJF3avsPqHST5untKB4mz9N61tyrDdvpl1E.",
	"$argon2id$v=19$m=8192,t=1,p=1$Ewm0kFMVyjAtbCRalhUq3Q$PJSBVv5B2IiX0xCaud9P4GRudGKXKhBBWgsIaUbWXhI",
	"$pbkdf2-sha256$1000$wD.BM/RkxrBkMDSKwEhnRw$gy0yun/q7kQIjK9P6e6.qy1XwcfRcXY9csSTvG4Svjo",
}

// opensslHashes are hashes of hashPassword made with `openssl passwd -1 / -5 / -6`, with a
// chosen salt, a random one, an empty one, the longest one and explicit rounds.
var opensslHashes = []string{
	"$1$zitpass1$c3EFfrIPjOZYjc8rv2c7Z/",
	"$1$L9OJraou$LIWXTQ1DAQ6N5TYpL1UrO/",
	"$1$$2axmv/1elHiSURMK7zuTr/",
	"$5$zitpass5$n0mn8hJpey8NvS7ychIHAgkCxchosvgqMAUISWU/lzB",
	"$5$n6LFQDHb6md6HcVx$1g2lJjs9C95cmjE5qqVE8cbM7zwbuBD5YKxRm8NYkb5",
	"$5$longsaltlongsalt$T0M48IRObPb4FMJ75ffvxKVMbIJ8jtF9nIaBawxKrE7",
	"$6$zitpass6$idtUe9a8iDhOGXYR1xV5.NtKP.mgFLrRRs5g0w/pW7R0Ik8WUhBfbnlPDGWT3TUYY1PuIzkpivXdpsbTm7ZiG/",
	"$6$ecbtbAqUltPslcex$ORrGODw.plGHW4vbXOs9xTtU5tbC1BHb0l.Uri.ZAHMPrl9ccDB0.wXoNUF9xkPDlwtSSBJdcoGpSyd1UH.KH0",
	"$6$x$xGvwT183dHKrDb4hu9HC3B.ADWGrXkXHQGInGSYqi0vJ/K3iIEPcbVVxxYv2YZu6pyfYyfqB65Qed5lzd6N1a/",
	"$6$rounds=5000$abc$K4v3HcZ8yAmpRfxML6S46NCcqy9r4/KdbQpFvqSWsBf4dgySOEOo1DHJTrmn2BsJK2aNmPN8Tfb826D2o9.z51",
}

// argon2Hashes are PHC strings of hashPassword made with golang.org/x/crypto/argon2 (salt
// "zitpass-salt-16b"; argon2 is not built here, since it needs golang.org/x/sys).
var argon2Hashes = []string{
	"$argon2id$v=19$m=8192,t=1,p=1$eml0cGFzcy1zYWx0LTE2Yg$gJmB0vyxihljjcQSS9mZ/w9T4H3URqjwMZ5vPLeNWcw",
	"$argon2i$v=19$m=4096,t=3,p=1$eml0cGFzcy1zYWx0LTE2Yg$Uhvb3zZFMIr4eSCeXwF3hL4cbVa7sTRDFxe2XUf2t6Q",
}

// generatedHashes computes real hashes of hashPassword: bcrypt in its three spellings at
// cost 4, and scrypt and pbkdf2-sha256 in passlib's Modular Crypt Format, as ZITADEL's
// verifiers (github.com/zitadel/passwap) read them.
func generatedHashes(t *testing.T) []string {
	t.Helper()
	b, err := bcrypt.GenerateFromPassword([]byte(hashPassword), 4)
	if err != nil {
		t.Fatal(err)
	}
	if bcrypt.CompareHashAndPassword(b, []byte(hashPassword)) != nil {
		t.Fatal("bcrypt hash does not verify")
	}
	bc := string(b)
	out := []string{bc, "$2b$" + bc[4:], "$2y$" + bc[4:]}
	salt := []byte("zitpass-salt-16b")
	b64 := base64.RawStdEncoding.EncodeToString
	sk, err := scrypt.Key([]byte(hashPassword), salt, 1<<10, 8, 1, 32)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, "$scrypt$ln=10,r=8,p=1$"+b64(salt)+"$"+b64(sk))
	pk, err := pbkdf2.Key(sha256.New, hashPassword, salt, 1000, 32)
	if err != nil {
		t.Fatal(err)
	}
	ab64 := func(b []byte) string { return strings.ReplaceAll(b64(b), "+", ".") } // passlib's adapted base64
	out = append(out, "$pbkdf2-sha256$1000$"+ab64(salt)+"$"+ab64(pk))
	return out
}

// hashCalls are the three calls that take an imported hash, with the field that names it.
var hashCalls = []struct {
	name, field string
	call        func(c *client.Client, hash string) error
}{
	{"CreateUser", "PasswordHash", func(c *client.Client, hash string) error {
		r := createReq(ownOrg)
		r.Password, r.PasswordHash = "", hash
		_, err := c.Users.CreateUser(ctx, r)
		return err
	}},
	{"AddHumanUser", "PasswordHash", func(c *client.Client, hash string) error {
		r := newUser("")
		r.Password, r.PasswordHash = "", hash
		_, err := c.Users.AddHumanUser(ctx, r)
		return err
	}},
	{"UpdateUser", "NewPasswordHash", func(c *client.Client, hash string) error {
		_, err := c.Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPasswordHash: hash})
		return err
	}},
}

// TestWellFormedHashesAreSent: a real hash of every scheme ZITADEL can verify is sent as it
// is, whether or not this server has the scheme's verifier (the server decides that).
func TestWellFormedHashesAreSent(t *testing.T) {
	hashes := append(append(append(append([]string{}, recordedHashes...), opensslHashes...), argon2Hashes...), generatedHashes(t)...)
	for _, hc := range hashCalls {
		t.Run(hc.name, func(t *testing.T) {
			srv := newRecorder(t, respond(200, `{"id":"u1","userId":"u1","changeDate":"2026-11-23T12:33:03Z"}`))
			c := srv.client(t)
			for _, h := range hashes {
				if err := hc.call(c, h); err != nil {
					t.Errorf("%s: %v", h, err)
					continue
				}
				if want := `"hash":"` + h + `"`; !strings.Contains(srv.last(t).Body, want) {
					t.Errorf("body %s lacks %s", srv.last(t).Body, want)
				}
			}
			if n := len(srv.requests()); n != len(hashes) {
				t.Errorf("%d requests for %d hashes", n, len(hashes))
			}
		})
	}
}

// TestMalformedHashesAreRefused: a hash that is not a well-formed hash of a scheme ZITADEL
// knows is a *ValidationError before anything is sent, naming the field and never the
// hash. ZITADEL itself stores the truncated "$2a$10$", leaving a user who can never log in.
func TestMalformedHashesAreRefused(t *testing.T) {
	salt53 := "cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46"
	bad := map[string]string{
		"truncated, as ZITADEL stores it":  "$2a$10$",
		"bcrypt cost 03":                   "$2a$03$" + salt53,
		"bcrypt cost 32":                   "$2a$32$" + salt53,
		"bcrypt cost 1":                    "$2a$1$" + salt53,
		"bcrypt cost 99":                   "$2b$99$" + salt53,
		"bcrypt 52 characters":             "$2a$10$" + salt53[:52],
		"bcrypt 54 characters":             "$2a$10$" + salt53 + "a",
		"bcrypt unknown variant":           "$2x$10$" + salt53,
		"bcrypt bad alphabet":              "$2a$10$" + salt53[:52] + "!",
		"bcrypt trailing newline":          "$2a$10$" + salt53 + "\n",
		"garbage":                          "not-a-hash",
		"201 characters":                   "$2a$10$" + strings.Repeat("a", 194),
		"a bare $":                         "$",
		"md5 hex":                          "5f4dcc3b5aa765d61d8327deb882cf99",
		"md5crypt short":                   "$1$FP0czrUy$OVkZt1OZSGQ3jAbrf23J8",
		"sha512crypt short":                "$6$ancMbWZeNW7QIfAM$aK8a6DdinaTrqi46AAbiu4HLTfOu7k",
		"sha256crypt no salt separator":    "$5$Vu0.pSrLJF3avsPqHST5untKB4mz9N61tyrDdvpl1E.",
		"argon2id without parameters":      "$argon2id$Ewm0kFMVyjAtbCRalhUq3Q$PJSBVv5B2IiX0xCaud9P4GRudGKXKhBBWgsIaUbWXhI",
		"argon2d (no verifier in ZITADEL)": "$argon2d$v=19$m=8192,t=1,p=1$Ewm0kFMVyjAtbCRalhUq3Q$PJSBVv5B2IiX0xCaud9P4GRudGKXKhBBWgsIaUbWXhI",
		"pbkdf2 without rounds":            "$pbkdf2-sha256$wD.BM/RkxrBkMDSKwEhnRw$gy0yun/q7kQIjK9P6e6.qy1XwcfRcXY9csSTvG4Svjo",
		"unknown scheme":                   "$7$CU..../....abcdefgh$",
		"leading space":                    " " + recordedBcrypt,
	}
	for _, hc := range hashCalls {
		srv := newRecorder(t, nil)
		c := srv.client(t)
		for name, h := range bad {
			t.Run(hc.name+"/"+name, func(t *testing.T) {
				err := hc.call(c, h)
				var ve *client.ValidationError
				if !errors.As(err, &ve) || ve.Field != hc.field || !errors.Is(err, client.ErrInvalidArgument) {
					t.Fatalf("err = %v, want a *ValidationError for %s", err, hc.field)
				}
				// A one-character value cannot be told apart from the text around it.
				if len(h) > 1 && (strings.Contains(err.Error(), h) || strings.Contains(ve.Reason, h)) {
					t.Errorf("the error repeats the hash: %v", err)
				}
				if !strings.HasPrefix(err.Error(), "zitpass: invalid "+hc.field+": ") {
					t.Errorf("Error() = %q", err)
				}
			})
		}
		if n := len(srv.requests()); n != 0 {
			t.Errorf("%s: server saw %d requests, want none", hc.name, n)
		}
	}
}

// TestHashLengthLimit: 200 characters is ZITADEL's limit; a well-formed scheme of that
// length is sent.
func TestHashLengthLimit(t *testing.T) {
	salt := strings.Repeat("A", 200-len("$pbkdf2-sha256$1000$$")-43)
	h := "$pbkdf2-sha256$1000$" + salt + "$" + strings.Repeat("B", 43)
	if len(h) != 200 {
		t.Fatalf("test hash has %d characters", len(h))
	}
	srv := newRecorder(t, respond(200, createdBody))
	c := srv.client(t)
	if err := hashCalls[0].call(c, h); err != nil {
		t.Fatalf("200 characters: %v", err)
	}
	err := hashCalls[0].call(c, h[:20]+"A"+h[20:])
	var ve *client.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Reason, strconv.Itoa(201)) {
		t.Errorf("201 characters: err = %v", err)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
