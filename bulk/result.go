package bulk

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"
)

// Outcome is what became of one user.
type Outcome int

// The outcomes. The zero Outcome is none of them.
const (
	// Created: this run created the user.
	Created Outcome = iota + 1
	// AlreadyThere: the user exists with the same username and email (and organization,
	// when the User names one): an earlier run created it.
	//
	// Created and AlreadyThere both say the user exists exactly once. Which of the two is
	// decided by what this run saw: when an answer was lost and the client's repeat found
	// the user, it is Created, though an earlier run may have made it (ZITADEL's answer
	// tells nobody who created a user, and its user has no creation date the client
	// reads).
	AlreadyThere
	// Conflict: the id or the username is taken by another user. Result.Err says which
	// (a *ConflictError wrapping ZITADEL's answer).
	Conflict
	// Failed: the user was not created. Result.Err says why: a *client.ValidationError
	// for bad input (nothing was sent), else ZITADEL's answer or the failure that ended
	// the last attempt.
	Failed
)

var outcomeNames = [...]string{"", "Created", "AlreadyThere", "Conflict", "Failed"}

// String returns the outcome's name, e.g. "AlreadyThere".
func (o Outcome) String() string {
	if o >= Created && o <= Failed {
		return outcomeNames[o]
	}
	return "Outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText returns the outcome's lowerCamelCase name, e.g. "alreadyThere", the JSON
// style of ZITADEL's wire.
func (o Outcome) MarshalText() ([]byte, error) {
	s := o.String()
	return []byte(strings.ToLower(s[:1]) + s[1:]), nil
}

// UnmarshalText reads the name MarshalText writes (or the one String returns).
func (o *Outcome) UnmarshalText(b []byte) error {
	for c := Created; c <= Failed; c++ {
		if name := c.String(); strings.EqualFold(string(b), name) {
			*o = c
			return nil
		}
	}
	return errors.New("zitpass: unknown outcome " + strconv.Quote(string(b)))
}

// Result is the outcome for one user. It prints and logs the user with its secrets masked.
type Result struct {
	User    User
	Outcome Outcome
	Err     error // for Conflict and Failed
}

// LogValue logs the user's id, the outcome and the error.
func (r Result) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("id", r.User.ID), slog.String("outcome", r.Outcome.String())}
	if r.Err != nil {
		attrs = append(attrs, slog.String("error", r.Err.Error()))
	}
	return slog.GroupValue(attrs...)
}

// ConflictError is the Err of a Conflict: the user's id or username belongs to another
// user. Err is ZITADEL's answer to the create (it matches client.ErrUserExists).
type ConflictError struct {
	// Differs names what differs from the user found under the id: "username", "email",
	// "org". It is empty when no user has the id and the username is another user's.
	Differs []string
	Err     error
}

// Error says what is taken and, when the id is, which fields differ.
func (e *ConflictError) Error() string {
	if len(e.Differs) == 0 {
		return "zitpass: the username is taken by another user: " + e.Err.Error()
	}
	return "zitpass: the id is taken by another user (" + strings.Join(e.Differs, ", ") + " differ): " + e.Err.Error()
}

// Unwrap returns ZITADEL's answer.
func (e *ConflictError) Unwrap() error { return e.Err }

// Options tune an import. The zero Options work: up to 32 calls at a time, no rate limit
// but the one learned from the server's answers.
type Options struct {
	// MaxConcurrency bounds the calls in flight; 0 (or less) means 32. The concurrency
	// adapts below it: see the package documentation.
	MaxConcurrency int
	// RateLimit is the number of requests per second the import never exceeds, every
	// request counted (reads and the client's own retries too); 0 (or less) means none is
	// set, and the import learns one from the server's 429 answers. ZITADEL Cloud allows
	// about 50 per second per client address.
	RateLimit float64
	// Progress, when set, is called at most every 250 ms while the import runs and once
	// at the end, on the goroutine that ranges over the results, between results.
	Progress func(Progress)
}

// Progress is a snapshot of a running import.
type Progress struct {
	// Done counts the results so far, by outcome in the four fields after it.
	Done, Created, AlreadyThere, Conflicts, Failed int
	// Concurrency is the current limit on calls in flight.
	Concurrency int
	// PerSecond is Done per second since the import started.
	PerSecond float64
}
