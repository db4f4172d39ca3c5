package clienttest

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Imported password hashes, as ZITADEL's passwap verifiers read them. A hash is accepted by
// its prefix (hashSupported); verifyHash then either verifies it or fails, and a failure is
// ZITADEL's COMMAND-CahN2, as for the truncated "$2a$10$" v4.13.1 accepted.

// hashSchemes maps the names of WithHashVerifiers to the prefixes they accept.
var hashSchemes = map[string][]string{
	"bcrypt":      {"$2a$", "$2b$", "$2y$"},
	"argon2":      {"$argon2i$", "$argon2id$"},
	"argon2i":     {"$argon2i$"},
	"argon2id":    {"$argon2id$"},
	"scrypt":      {"$scrypt$"},
	"pbkdf2":      {"$pbkdf2$", "$pbkdf2-sha256$", "$pbkdf2-sha512$"},
	"md5crypt":    {"$1$"},
	"md5":         {"$1$"},
	"sha2":        {"$5$", "$6$"},
	"sha256crypt": {"$5$"},
	"sha512crypt": {"$6$"},
	"phpass":      {"$P$", "$H$"},
}

// errBadHash is a stored hash that cannot be verified.
var errBadHash = errors.New("malformed hash")

// hashPrefix is the scheme prefix of an encoded hash: "$2a$", "$argon2id$", ...
func hashPrefix(encoded string) string {
	if !strings.HasPrefix(encoded, "$") {
		return ""
	}
	end := strings.IndexByte(encoded[1:], '$')
	if end < 0 {
		return ""
	}
	return encoded[:end+2]
}

// hashSupported reports whether the server has a verifier for the hash's scheme.
func (s *Server) hashSupported(encoded string) bool { return s.verifiers[hashPrefix(encoded)] }

// verified caches the outcome of hash verifications in the process, keyed by a digest of
// the hash and the password (neither is kept): the recordings import a bcrypt hash of cost
// 17, whose every check takes seconds (minutes under the race detector), and tests repeat
// them.
var verified struct {
	sync.Mutex
	m map[[32]byte]verifyResult
}

type verifyResult struct {
	ok  bool
	err error
}

// verifyHash checks pw against an imported hash: a mismatch is (false, nil), a hash that
// cannot be verified an error.
func verifyHash(encoded, pw string) (bool, error) {
	key := sha256.Sum256([]byte(encoded + "\x00" + pw))
	verified.Lock()
	r, ok := verified.m[key]
	verified.Unlock()
	if ok {
		return r.ok, r.err
	}
	r.ok, r.err = computeHash(encoded, pw)
	verified.Lock()
	defer verified.Unlock()
	if verified.m == nil || len(verified.m) >= 4096 {
		verified.m = map[[32]byte]verifyResult{}
	}
	verified.m[key] = r
	return r.ok, r.err
}

func computeHash(encoded, pw string) (bool, error) {
	switch p := hashPrefix(encoded); p {
	case "$2a$", "$2b$", "$2y$":
		err := bcrypt.CompareHashAndPassword([]byte(encoded), []byte(pw))
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, nil
		}
		return err == nil, err
	case "$argon2i$", "$argon2id$":
		return verifyArgon2(encoded, pw)
	case "$scrypt$":
		return verifyScrypt(encoded, pw)
	case "$pbkdf2$", "$pbkdf2-sha256$", "$pbkdf2-sha512$":
		return verifyPBKDF2(encoded, pw)
	case "$1$":
		return sameString(md5Crypt(pw, encoded), encoded), nil
	case "$5$", "$6$":
		return verifyShaCrypt(encoded, pw)
	case "$P$", "$H$":
		return verifyPHPass(encoded, pw)
	}
	return false, errBadHash
}

func sameString(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// params reads "k=v,k=v" into a map of integers.
func params(s string) (map[string]int, bool) {
	out := map[string]int{}
	for kv := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 {
			return nil, false
		}
		out[k] = n
	}
	return out, true
}

// verifyArgon2 reads a PHC string: $argon2id$v=19$m=..,t=..,p=..$salt$hash, salt and hash
// in standard base64 without padding.
func verifyArgon2(encoded, pw string) (bool, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[2] != "v=19" {
		return false, errBadHash
	}
	p, ok := params(f[3])
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	want, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if !ok || err1 != nil || err2 != nil || p["t"] < 1 || p["p"] < 1 || p["p"] > 255 || p["m"] < 8 || p["m"] > 1<<22 || len(want) == 0 {
		return false, errBadHash
	}
	key := argon2.Key
	if f[1] == "argon2id" {
		key = argon2.IDKey
	}
	got := key([]byte(pw), salt, uint32(p["t"]), uint32(p["m"]), uint8(p["p"]), uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// verifyScrypt reads $scrypt$ln=..,r=..,p=..$salt$hash (standard base64, no padding).
func verifyScrypt(encoded, pw string) (bool, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 5 {
		return false, errBadHash
	}
	p, ok := params(f[2])
	salt, err1 := base64.RawStdEncoding.DecodeString(f[3])
	want, err2 := base64.RawStdEncoding.DecodeString(f[4])
	if !ok || err1 != nil || err2 != nil || p["ln"] < 1 || p["ln"] > 24 || p["r"] < 1 || p["p"] < 1 || len(want) == 0 {
		return false, errBadHash
	}
	got, err := scrypt.Key([]byte(pw), salt, 1<<p["ln"], p["r"], p["p"], len(want))
	if err != nil {
		return false, errBadHash
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// ab64 is passlib's "adapted base64": standard base64 with "." for "+", no padding.
var ab64 = base64.RawStdEncoding

func decodeAB64(s string) ([]byte, error) { return ab64.DecodeString(strings.ReplaceAll(s, ".", "+")) }

// verifyPBKDF2 reads passlib's $pbkdf2-sha256$rounds$salt$hash (adapted base64).
func verifyPBKDF2(encoded, pw string) (bool, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 5 {
		return false, errBadHash
	}
	var h func() hash.Hash
	switch f[1] {
	case "pbkdf2":
		h = sha1.New
	case "pbkdf2-sha256":
		h = sha256.New
	case "pbkdf2-sha512":
		h = sha512.New
	}
	rounds, err := strconv.Atoi(f[2])
	salt, err1 := decodeAB64(f[3])
	want, err2 := decodeAB64(f[4])
	if err != nil || err1 != nil || err2 != nil || rounds < 1 || rounds > 1<<24 || len(want) == 0 {
		return false, errBadHash
	}
	got, err := pbkdf2.Key(h, pw, salt, rounds, len(want))
	if err != nil {
		return false, errBadHash
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// cryptB64 is the alphabet of crypt(3): ./0-9A-Za-z.
const cryptB64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// b64From24 appends the crypt(3) encoding of three bytes, n characters of it.
func b64From24(out []byte, b2, b1, b0 byte, n int) []byte {
	w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
	for ; n > 0; n-- {
		out = append(out, cryptB64[w&0x3f])
		w >>= 6
	}
	return out
}

// md5Crypt computes the md5crypt ($1$) hash of pw with the salt of setting.
func md5Crypt(pw, setting string) string {
	salt := strings.TrimPrefix(setting, "$1$")
	if i := strings.IndexByte(salt, '$'); i >= 0 {
		salt = salt[:i]
	}
	if len(salt) > 8 {
		salt = salt[:8]
	}
	alt := md5.Sum([]byte(pw + salt + pw))
	ctx := md5.New()
	ctx.Write([]byte(pw + "$1$" + salt))
	for i := len(pw); i > 0; i -= 16 {
		ctx.Write(alt[:min(i, 16)])
	}
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			ctx.Write([]byte{0})
		} else {
			ctx.Write([]byte{pw[0]})
		}
	}
	sum := ctx.Sum(nil)
	for i := range 1000 {
		c := md5.New()
		if i&1 != 0 {
			c.Write([]byte(pw))
		} else {
			c.Write(sum)
		}
		if i%3 != 0 {
			c.Write([]byte(salt))
		}
		if i%7 != 0 {
			c.Write([]byte(pw))
		}
		if i&1 != 0 {
			c.Write(sum)
		} else {
			c.Write([]byte(pw))
		}
		sum = c.Sum(nil)
	}
	out := []byte("$1$" + salt + "$")
	for _, t := range [][3]int{{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5}} {
		out = b64From24(out, sum[t[0]], sum[t[1]], sum[t[2]], 4)
	}
	return string(b64From24(out, 0, 0, sum[11], 2))
}

// verifyShaCrypt checks a crypt(3) SHA-256 ($5$) or SHA-512 ($6$) hash.
func verifyShaCrypt(encoded, pw string) (bool, error) {
	got, ok := shaCrypt(pw, encoded)
	if !ok {
		return false, errBadHash
	}
	return sameString(got, encoded), nil
}

// shaCrypt computes the SHA-crypt hash of pw with the settings (prefix, rounds, salt) of
// encoded, after Ulrich Drepper's specification.
func shaCrypt(pw, encoded string) (string, bool) {
	prefix := hashPrefix(encoded)
	newHash, size, order := sha256.New, 32, sha256Order
	if prefix == "$6$" {
		newHash, size, order = sha512.New, 64, sha512Order
	}
	rest := strings.TrimPrefix(encoded, prefix)
	rounds, custom := 5000, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		n, tail, found := strings.Cut(r, "$")
		v, err := strconv.Atoi(n)
		if !found || err != nil {
			return "", false
		}
		rounds, custom, rest = min(max(v, 1000), 999999999), true, tail
	}
	salt, _, found := strings.Cut(rest, "$")
	if !found {
		return "", false
	}
	salt = salt[:min(len(salt), 16)]
	p, s := []byte(pw), []byte(salt)
	b := newHash()
	b.Write(p)
	b.Write(s)
	b.Write(p)
	sumB := b.Sum(nil)
	a := newHash()
	a.Write(p)
	a.Write(s)
	for i := len(p); i > 0; i -= size {
		a.Write(sumB[:min(i, size)])
	}
	for i := len(p); i > 0; i >>= 1 {
		if i&1 != 0 {
			a.Write(sumB)
		} else {
			a.Write(p)
		}
	}
	sumA := a.Sum(nil)
	dp := repeatDigest(newHash, p, len(p), len(p))
	ds := repeatDigest(newHash, s, 16+int(sumA[0]), len(s))
	c := sumA
	for i := range rounds {
		h := newHash()
		if i&1 != 0 {
			h.Write(dp)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(ds)
		}
		if i%7 != 0 {
			h.Write(dp)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(dp)
		}
		c = h.Sum(nil)
	}
	out := []byte(prefix)
	if custom {
		out = append(out, "rounds="+strconv.Itoa(rounds)+"$"...)
	}
	out = append(out, salt+"$"...)
	for _, t := range order {
		if t[1] < 0 {
			out = b64From24(out, 0, 0, c[t[0]], t[2])
			continue
		}
		if t[2] < 0 { // the last group of SHA-256: two bytes, three characters
			out = b64From24(out, 0, c[t[0]], c[t[1]], 3)
			continue
		}
		out = b64From24(out, c[t[0]], c[t[1]], c[t[2]], 4)
	}
	return string(out), true
}

// repeatDigest is the digest of src written times times, stretched or cut to n bytes (the
// P and S sequences of SHA-crypt).
func repeatDigest(newHash func() hash.Hash, src []byte, times, n int) []byte {
	h := newHash()
	for range times {
		h.Write(src)
	}
	d := h.Sum(nil)
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, d[:min(len(d), n-len(out))]...)
	}
	return out
}

// The byte order of SHA-crypt's final encoding: groups of three bytes; {i, -1, n} is a
// single last byte in n characters, {i, j, -1} the two last bytes of SHA-256.
var (
	sha256Order = [][3]int{{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14}, {15, 25, 5}, {6, 16, 26},
		{27, 7, 17}, {18, 28, 8}, {9, 19, 29}, {31, 30, -1}}
	sha512Order = [][3]int{{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4}, {47, 5, 26}, {6, 27, 48},
		{28, 49, 7}, {50, 8, 29}, {9, 30, 51}, {31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19}, {62, 20, 41}, {63, -1, 2}}
)

// verifyPHPass checks a portable phpass hash: $P$ (or $H$), a cost character, eight salt
// characters and the iterated MD5 in crypt(3) base64.
func verifyPHPass(encoded, pw string) (bool, error) {
	if len(encoded) != 34 {
		return false, errBadHash
	}
	cost := strings.IndexByte(cryptB64, encoded[3])
	if cost < 7 || cost > 30 {
		return false, errBadHash
	}
	salt := encoded[4:12]
	sum := md5.Sum([]byte(salt + pw))
	for range 1 << cost {
		sum = md5.Sum(append(sum[:], pw...))
	}
	out := []byte(encoded[:12])
	for i := 0; i < 16; i += 3 {
		switch {
		case i+2 < 16:
			out = b64From24(out, sum[i+2], sum[i+1], sum[i], 4)
		default: // the 16th byte alone
			out = b64From24(out, 0, 0, sum[i], 2)
		}
	}
	return sameString(string(out), encoded), nil
}
