package client

import (
	"strings"
	"testing"
)

// TestScrubReadsFromEveryPosition: a secret is found in any of its wire forms whatever the
// text before it, and the text around it is kept as it was.
func TestScrubReadsFromEveryPosition(t *testing.T) {
	for _, tc := range []struct{ name, secret, text, want string }{
		{"raw", "Pa<ss>w0rd", "x Pa<ss>w0rd y", "x [REDACTED] y"},
		{"Go JSON", "Pa<ss>w0rd", `x Pa\u003css\u003ew0rd y`, "x [REDACTED] y"},
		{"upper-case hex", "Pa<ss>w0rd", `Pa\u003Css\u003Ew0rd`, "[REDACTED]"},
		{"each character escaped", `"000`, `\u0022\u0030\u0030\u0030`, "[REDACTED]"},
		{"after a stray backslash", `"000`, `\\u00220000`, `\[REDACTED]0`},
		{"after an unfinished escape", `ab"c`, `\u00ab\u0022c`, `\u00[REDACTED]`},
		{"short escapes", "a/b\"c", `a\/b\"c`, "[REDACTED]"},
		{"surrogate pair", "pw-\U0001F600!", `pw-\uD83D\uDE00!`, "[REDACTED]"},
		{"URL query", "a b&c", "q=a+b%26c", "q=[REDACTED]"},
		{"URL path, lower-case hex", "a/b&c", "a%2fb%26c", "[REDACTED]"},
		{"URL-escaped JSON", "a<bc", "a%5Cu003cbc", "[REDACTED]"},
		{"URL-escaped hex digits", "a<bc", `a\u00%33cbc`, "[REDACTED]"},
		{"marker completes the secret", "]000", "]0000000", "[REDACTED]0"},
		{"two secrets overlapping", "abcd", "abcdcd abcd", "[REDACTED]cd [REDACTED]"},
		{"no secret", "abcd", `abc\u0064e`[:7], `abc\u00`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := newScrubber([]string{tc.secret}).scrub(tc.text); got != tc.want {
				t.Errorf("scrub(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

// TestScrubEndsWhenTheMarkerHoldsTheSecret: a secret that the marker spells by itself
// cannot be scrubbed away, and scrubbing still ends, with the secret's own text redacted.
func TestScrubEndsWhenTheMarkerHoldsTheSecret(t *testing.T) {
	got := newScrubber([]string{"DACT"}).scrub("xDACTy DACT")
	if got != "x[REDACTED]y [REDACTED]" {
		t.Errorf("scrub = %q", got)
	}
}

// TestScrubLargeBody: a body of maxBody bytes full of escape starts is scrubbed in bounded
// time: the reading from each position stops at the first character that cannot continue
// the secret.
func TestScrubLargeBody(t *testing.T) {
	body := strings.Repeat(`\u00%`, maxBody/5) + "Secr3t!!"
	got := newScrubber([]string{"Secr3t!!"}).scrub(body)
	if !strings.HasSuffix(got, redacted) || strings.Contains(got, "Secr3t") {
		t.Errorf("scrub left %q", got[len(got)-20:])
	}
}
