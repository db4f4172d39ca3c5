package main

import (
	"strings"
	"testing"
)

// TestRuns runs the example against its built-in fake server and checks what it shows.
func TestRuns(t *testing.T) {
	t.Setenv("ZITADEL_URL", "")
	t.Setenv("ZITADEL_DOMAIN", "")
	var out strings.Builder
	if err := run(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"at least 8 bytes with an upper case letter, a lower case letter, a digit, a symbol",
		`"secret"   refused before sending: [too short no upper case letter (A-Z) no digit (0-9) no symbol]`,
		`"Pässw0rd" meets the policy`,
		`"PÄSSW0RD!" refused before sending: [no lower case letter (a-z)]`,
		"5 wrong passwords lock the account",
		"password login allowed; a password check counts for 240h0m0s",
		"refused (ErrWrongPassword), 1 failed attempt(s) in a row",
		"right password: accepted",
		"User state Active",
		"The password expires at ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
