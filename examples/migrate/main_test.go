package main

import "testing"

// TestRuns runs the example against its built-in fake server.
func TestRuns(t *testing.T) {
	if err := run(); err != nil {
		t.Fatal(err)
	}
}
