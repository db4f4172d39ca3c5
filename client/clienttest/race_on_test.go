//go:build race

package clienttest_test

// raceEnabled: the race detector slows bcrypt about twelvefold.
const raceEnabled = true
