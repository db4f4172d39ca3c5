package client_test

import (
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// OnRateLimited hears of every 429 of its call, with the server's Retry-After, whether the
// call then retries or returns; other refusals do not call it.
func TestOnRateLimited(t *testing.T) {
	quota := `{"code":8,"message":"Quota exceeded (QUOTA-vjAy8)"}`
	limited := func(retryAfter string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			respond(http.StatusTooManyRequests, quota)(w, r)
		}
	}
	for _, tc := range []struct {
		name    string
		reply   http.HandlerFunc
		opts    []client.Option
		want    []time.Duration
		wantErr error
	}{
		{"retried, then done", sequence(limited("2"), limited(""), respond(200, `{"changeDate":"2026-12-01T12:00:00Z"}`)), []client.Option{fastRetries}, []time.Duration{2 * time.Second, 0}, nil},
		{"no retries", limited("7"), []client.Option{client.WithoutRetries()}, []time.Duration{7 * time.Second}, client.ErrRateLimited},
		{"a 503 is no rate limit", sequence(respond(503, `{"code":14,"message":"unavailable"}`), respond(200, `{"changeDate":"2026-12-01T12:00:00Z"}`)), []client.Option{fastRetries}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, tc.reply)
			var got []time.Duration
			_, err := srv.client(t, tc.opts...).Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Rate-Passw0rd!1"},
				client.OnRateLimited(func(d time.Duration) { got = append(got, d) }))
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("OnRateLimited heard %v, want %v", got, tc.want)
			}
		})
	}
}

// A call whose last attempt was refused unprocessed (429) after an earlier attempt that
// may have been applied (a lost answer) has an unknown outcome; after refusals alone it
// has not.
func TestRefusalAfterALostAnswerLeavesTheOutcomeUnknown(t *testing.T) {
	quota := respond(http.StatusTooManyRequests, `{"code":8,"message":"Quota exceeded (QUOTA-vjAy8)"}`)
	for _, tc := range []struct {
		name    string
		reply   http.HandlerFunc
		unknown bool
	}{
		{"lost answer, then 429s", sequence(lostAnswer, quota), true},
		{"429s only", quota, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, tc.reply)
			_, err := srv.client(t, fastRetries).Users.UpdateUser(ctx, "u1", client.UpdateUserRequest{NewPassword: "Rate-Passw0rd!1"})
			if !errors.Is(err, client.ErrRateLimited) {
				t.Fatalf("err = %v, want ErrRateLimited", err)
			}
			if got := errors.Is(err, client.ErrOutcomeUnknown); got != tc.unknown {
				t.Errorf("errors.Is(err, ErrOutcomeUnknown) = %v, want %v (%v)", got, tc.unknown, err)
			}
		})
	}
}
