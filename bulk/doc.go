// Package bulk imports users into ZITADEL: thousands to millions of them, with their
// password hashes, so that nobody has to reset a password after a migration.
//
//	users := func(yield func(bulk.User) bool) { ... read them from your old system ... }
//	for r := range bulk.Import(ctx, c, users, bulk.Options{RateLimit: 50}) {
//		if r.Outcome == bulk.Failed || r.Outcome == bulk.Conflict {
//			log.Printf("%s: %v: %v", r.User.ID, r.Outcome, r.Err)
//		}
//	}
//
// ZITADEL has no bulk endpoint: Import calls client.UserService.CreateUser once per user,
// many at a time. The command zitpass import (cmd/zitpass) runs it on a JSON Lines file.
//
// # Exactly once
//
// Every User carries its own ID, and CreateUser is sent with it. A user that exists already
// answers COMMAND-7yiox1isql (the id, 400/9) or V3-DKcYh (the username, 409/6), both
// client.ErrUserExists; Import then reads the user back (GetUser) and reports AlreadyThere
// when it is the same user (username, the email if there is none, compared exactly; email
// case-insensitively; the organization when the User names one), Conflict when it is not.
// So an import that stopped halfway (a crash, Ctrl-C, a canceled context) is finished by
// running it again with the same input: the second run creates only what is missing. A
// user whose create was cut short by the cancellation has no Result; if the create had
// been applied, the next run finds it AlreadyThere.
//
// Bad input costs nothing: each user is checked by the client's own rules before any
// request (a *client.ValidationError, Outcome Failed; a truncated bcrypt hash such as
// "$2a$10$", which ZITADEL would store and then refuse every login of, is one).
//
// # How fast
//
// Over a network each call costs a round trip, so concurrency decides the speed, until a
// rate limit or the server says stop. Two controls decide how many calls go out.
//
// The concurrency limit is AIMD with a latency gradient. It starts at 8 calls and doubles
// every round trip while answers come back fast and clean (slow start), then grows by one
// per round trip. It halves on a refusal: a 429, a 503, ZITADEL's write conflict (a 500 with
// SQLSTATE 23505), an answer lost to a timeout; at most once per round trip, since the
// calls that started before a cut report on the limit before it. It also watches latency
// against a baseline, the fastest answer seen for the same kind of call: at 1.5 times the
// baseline the queue is building and the limit stops growing; at twice the baseline it
// shrinks by a tenth per round trip. AIMD because refusals are the signal ZITADEL and
// ZITADEL Cloud give, and halving is what keeps a client that keeps exceeding a limit from
// being banned; the gradient because a server that only slows down (a database, two vCPUs)
// gives no refusal until its clients time out. The baseline is kept per kind of call:
// a plain password makes the server hash it (about a second of CPU with bcrypt cost 14), so
// its latency is its own and is not mistaken for congestion of the cheap calls; the first
// such call goes alone, so that its baseline is one hash, not a queue of them (only answers
// that did the work count: a rerun's "exists" measures nothing, and ends the wait). A pure
// gradient limiter was not chosen: it needs a trustworthy baseline before it can grow, and
// has no way to answer a 429 that comes with no latency at all. The limit never exceeds
// Options.MaxConcurrency, and it only grows while at least half of it is in use.
//
// The rate is a token bucket (golang.org/x/time/rate, burst 1): Options.RateLimit when
// set, else none until the server refuses. Every HTTP request passes it: the creates, the
// reads back, the client's organization lookup and the client's own retries. After a 429
// the rate is learned: 0.85 times what the server accepted in the second before (a whole
// second, so that a limiter's initial burst is not taken for its rate). It regrows each
// second it binds without a refusal, fast (5 %, 10 %, 15 % ...) up to 0.95 of the rate that
// was refused, then by 0.5 % a second, probing: a limit is most likely where it was. Told
// the limit, an import never exceeds it and meets no 429; not told, it learns it from the
// 429s, a few of them each time it probes past it.
//
// # The client's own retries
//
// Import works with any *client.Client, and keeps its retry policy: the client retries
// what is safe (a 429 after its Retry-After, a 503, a write conflict, a lost connection
// with a read-back of the user), which is what a bulk import wants too. But a client that
// retries shows only its last answer. So each call carries an httptrace.ClientTrace in
// its context (see probe.go): every attempt passes the import's token bucket and its shared
// pause before net/http takes a connection for it; an attempt that is repeated was refused;
// the last attempt's time to its first answer byte is the latency. A refusal seen this way
// has no status: it shrinks the concurrency, and counts toward the rate only when it
// recurs in a call begun after the first one (one round may be a fault or a write
// conflict; a rate limit refuses again). A 429 the call tells of as it is answered
// (client.OnRateLimited): every request of the import then pauses for its Retry-After (a
// second when it names none), the worker's own retry included, and the rate is learned
// at once. After the client gave up on a refusal, Import itself tries the user again, up
// to three rounds, before it is Failed.
//
// An answer that refuses the client's credentials (client.ErrUnauthenticated from the
// API's 401 or the token endpoint's 4xx) ends the import: every later call would be
// refused too. A token the source could not get for another reason (its endpoint
// unreachable or answering 5xx) is retried in the importer's rounds.
//
// # Memory
//
// The input is an iterator and the results are streamed: an import holds only the users
// in flight and a few results not yet taken, whatever the size of the input.
package bulk
