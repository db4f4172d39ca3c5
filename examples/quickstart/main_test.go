package main

import "testing"

// TestRuns runs the example against its built-in fake server.
func TestRuns(t *testing.T) {
	t.Setenv("ZITADEL_URL", "")
	t.Setenv("ZITADEL_DOMAIN", "")
	if err := run(false); err != nil {
		t.Fatal(err)
	}
}
