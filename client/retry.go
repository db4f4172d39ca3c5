package client

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how often and how patiently a call is retried. The zero value means
// the defaults: 4 attempts, backoff from 200ms up to 5s.
//
// Which failures are retried depends on the call, so that a retry never repeats a side
// effect; see the package documentation.
type RetryPolicy struct {
	// MaxAttempts is the number of HTTP requests a call may make, the first included.
	// 0 means 4; 1 means no retries.
	MaxAttempts int
	// MinBackoff is the shortest wait before a retry. 0 means 200ms.
	MinBackoff time.Duration
	// MaxBackoff caps every wait, a server's Retry-After included. 0 means 5s.
	MaxBackoff time.Duration
}

// DefaultRetryPolicy is the policy a Client uses unless told otherwise.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 4, MinBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second}

// withDefaults fills in zero fields and keeps MinBackoff ≤ MaxBackoff.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.MinBackoff <= 0 {
		p.MinBackoff = DefaultRetryPolicy.MinBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultRetryPolicy.MaxBackoff
	}
	if p.MinBackoff > p.MaxBackoff {
		p.MinBackoff = p.MaxBackoff
	}
	return p
}

// backoff is the wait before retry number retry (0 for the first retry): a server's
// Retry-After when it sent one, else exponential growth from MinBackoff with full jitter,
// a uniformly random duration between MinBackoff and min(MaxBackoff, MinBackoff·2^retry).
// Both are capped at MaxBackoff. randN(n) returns a random number in [0, n).
func (p RetryPolicy) backoff(retry int, resp *http.Response, now time.Time, randN func(int64) int64) time.Duration {
	if resp != nil {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(d, p.MaxBackoff)
		}
	}
	ceiling := p.MaxBackoff
	if retry < 62 && p.MinBackoff<<retry > 0 && p.MinBackoff<<retry < ceiling {
		ceiling = p.MinBackoff << retry
	}
	spread := int64(ceiling - p.MinBackoff)
	if spread <= 0 {
		return p.MinBackoff
	}
	return p.MinBackoff + time.Duration(randN(spread+1))
}

// retryAfter parses a Retry-After header: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(time.Hour/time.Second) {
			return time.Hour, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// failure classifies an HTTP answer for the retry decision.
type failure int

const (
	failNone         failure = iota // success, or an answer a retry would not change
	failAuth                        // the token was refused: nothing was processed
	failNotProcessed                // the server did not apply the request: retry any call
	failAmbiguous                   // the request may have been applied
)

// failureOf classifies an answer by who sent it and what it says.
//
//   - 401, and the v1 APIs' 500 for a missing or refused token: failAuth.
//   - 429, whoever sent it: rate limiters (ZITADEL's, ZITADEL Cloud's edge, a proxy's)
//     refuse before forwarding, so the request was not processed.
//   - A 503 (or any 5xx) with ZITADEL's own error body and code 14 (Unavailable): ZITADEL
//     refused it before any command ran. A 503 without it is a proxy's (Envoy's "upstream
//     connect error or disconnect/reset before headers" comes after the upstream may have
//     received the request) and is judged like the other 5xx from a proxy below.
//   - ZITADEL's write conflict, a 500 with code 2 whose message carries SQLSTATE 23505:
//     its event push lost an optimistic-concurrency race and nothing was applied, so it
//     is not processed either; the same request succeeds when repeated.
//   - Any other 5xx that is ZITADEL's own error (its JSON body with an error id, an
//     interceptor error of the v1 gateway, or the bcrypt length limit): the command failed
//     and nothing was applied; a retry would fail the same way, so it is final.
//   - 502, 504, and 5xx bodies that are not ZITADEL's (a proxy's page, plain text,
//     nothing), 503 included: the outcome is unknown.
//   - 501 (Unimplemented) and every 4xx but 401 and 429: final.
func failureOf(resp *http.Response) failure {
	switch status := resp.StatusCode; {
	case status == http.StatusUnauthorized:
		return failAuth
	case status == http.StatusTooManyRequests:
		return failNotProcessed
	case status == http.StatusBadGateway || status == http.StatusGatewayTimeout:
		return failAmbiguous
	case status < 500 || status == http.StatusNotImplemented:
		return failNone
	}
	return newAPIError("", resp.StatusCode, resp.Header, peekBody(resp), nil).failure()
}

// failure classifies a 5xx answer other than 501, 502 and 504; see failureOf.
func (e *APIError) failure() failure {
	switch {
	case !e.zitadel:
		return failAmbiguous
	case e.unauthenticated():
		return failAuth
	case e.Code == Unavailable:
		return failNotProcessed
	case e.writeConflict():
		return failNotProcessed
	case e.ID != "" || e.wrapped != OK || strings.Contains(e.Message, "bcrypt: password length exceeds"):
		return failNone
	}
	return failAmbiguous
}

// writeConflict reports ZITADEL's answer when two writes to one aggregate race: PostgreSQL
// refused the second event with a unique violation (SQLSTATE 23505).
func (e *APIError) writeConflict() bool {
	return e.Code == Unknown && e.ID == "" && strings.Contains(e.Message, "SQLSTATE 23505")
}
