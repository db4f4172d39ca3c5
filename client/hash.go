package client

import (
	"regexp"
	"strings"
)

// A password hash to import must be checked before it is sent: ZITADEL v4.13.1 accepts a
// truncated bcrypt hash such as "$2a$10$", stores it, and then answers every password check
// of that user with 500 (COMMAND-CahN2): a user who can never log in, created without an
// error. ZITADEL verifies hashes with github.com/zitadel/passwap; hashSchemes are the
// encodings of its verifiers, in Modular Crypt Format. Which of them a server accepts is
// its configuration (the default verifies only bcrypt); a well-formed hash of a scheme the
// server lacks is refused by the server with ErrHashNotSupported.
var hashSchemes = []struct {
	name   string
	prefix string
	format *regexp.Regexp
}{
	{"bcrypt", "$2", regexp.MustCompile(`^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$`)},
	{"argon2", "$argon2", regexp.MustCompile(`^\$argon2(i|id)\$(v=[0-9]+\$)?m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$`)},
	{"scrypt", "$scrypt$", regexp.MustCompile(`^\$scrypt\$ln=[0-9]+,r=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/.]+={0,2}\$[A-Za-z0-9+/.]+={0,2}$`)},
	{"pbkdf2", "$pbkdf2", regexp.MustCompile(`^\$pbkdf2(-sha(1|224|256|384|512))?\$[0-9]+\$[A-Za-z0-9+/.]+={0,2}\$[A-Za-z0-9+/.]+={0,2}$`)},
	{"md5crypt", "$1$", regexp.MustCompile(`^\$1\$[^$]{0,8}\$[./0-9A-Za-z]{22}$`)},
	{"sha256crypt", "$5$", regexp.MustCompile(`^\$5\$(rounds=[0-9]+\$)?[^$]{0,16}\$[./0-9A-Za-z]{43}$`)},
	{"sha512crypt", "$6$", regexp.MustCompile(`^\$6\$(rounds=[0-9]+\$)?[^$]{0,16}\$[./0-9A-Za-z]{86}$`)},
	{"phpass", "$P$", regexp.MustCompile(`^\$[PH]\$[./0-9A-Za-z]{31}$`)},
	{"phpass", "$H$", regexp.MustCompile(`^\$[PH]\$[./0-9A-Za-z]{31}$`)},
	{"drupal7", "$S$", regexp.MustCompile(`^\$S\$[./0-9A-Za-z]{52}$`)},
}

// maxHash is ZITADEL's limit on an imported hash, in characters.
const maxHash = 200

// checkHash validates an imported password hash. The error names field and the scheme's
// expected form, never the hash.
func checkHash(field, hash string) error {
	if err := checkLength(field, hash, 1, maxHash); err != nil {
		return err
	}
	for _, s := range hashSchemes {
		if !strings.HasPrefix(hash, s.prefix) {
			continue
		}
		if s.format.MatchString(hash) {
			return nil
		}
		return &ValidationError{Field: field, Reason: "not a well-formed " + s.name + " hash" + hashHint(s.name)}
	}
	return &ValidationError{Field: field, Reason: `not a password hash in Modular Crypt Format of a scheme ZITADEL verifies (bcrypt "$2a$", "$2b$", "$2y$"; "$argon2id$", "$argon2i$"; "$scrypt$"; "$pbkdf2-sha256$"; "$1$", "$5$", "$6$"; "$P$", "$H$"; "$S$")`}
}

func hashHint(scheme string) string {
	if scheme == "bcrypt" {
		return ` ("$2a$", "$2b$" or "$2y$", a two-digit cost from 04 to 31, "$", then 53 characters of salt and hash)`
	}
	return ""
}
