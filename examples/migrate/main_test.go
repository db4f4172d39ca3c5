package main

import (
	"io"
	"testing"
)

// TestBothHalvesReachTheSameEndState runs each v1 call and its v2 replacement on fresh
// fakes: the password works (or not) the same way, the change-required flag is equal, and
// the same messages were sent.
func TestBothHalvesReachTheSameEndState(t *testing.T) {
	results, err := run(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(pairs) {
		t.Fatalf("%d results for %d pairs", len(results), len(pairs))
	}
	for name, r := range results {
		if r[0] != r[1] {
			t.Errorf("%s: v1 %v, v2 %v", name, r[0], r[1])
		}
	}
	// The end states say something: the set calls leave a working password, the resets
	// an email.
	if r := results["SetHumanInitialPassword"][0]; !r.NewPasswordWorks || r.OldPasswordWorks || !r.ChangeRequired {
		t.Errorf("v1 initialize: %v", r)
	}
	if r := results["SendHumanResetPasswordNotification"][0]; r.Sent != "map[Email:1]" || !r.OldPasswordWorks {
		t.Errorf("v1 reset: %v", r)
	}
}
