package pgv

import (
	"strings"
	"testing"
)

func TestEmail(t *testing.T) {
	for addr, want := range map[string]string{
		"alice@example.com":                             "",
		"Alice <alice@example.com>":                     "", // net/mail reads a display name too
		"alice@EXAMPLE.com":                             "",
		"not-an-email":                                  "mail: missing '@' or angle-addr",
		"alice@-example.com":                            "hostname parts cannot begin with hyphens",
		"alice@example-.com":                            "hostname parts cannot end with hyphens",
		"alice@exa_mple.com":                            `hostname parts can only contain alphanumeric characters or hyphens, got "_"`,
		"alice@" + strings.Repeat("a", 64) + ".com":     "hostname part must be non-empty and cannot exceed 63 characters",
		strings.Repeat("a", 65) + "@example.com":        "email address local phrase cannot exceed 64 characters",
		"a@" + strings.Repeat("abcdefghi.", 26) + "com": "email addresses cannot exceed 254 characters",
	} {
		got := ""
		if err := Email(addr); err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Email(%q) = %q, want %q", addr, got, want)
		}
	}
}
