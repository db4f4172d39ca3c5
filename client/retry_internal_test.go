package client

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}.withDefaults()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	lowest := func(int64) int64 { return 0 }
	var spreadSeen int64
	highest := func(n int64) int64 { spreadSeen = n; return n - 1 }

	tests := []struct {
		retry     int
		rnd       func(int64) int64
		want      time.Duration
		wantCeilN int64 // the n passed to randN: ceiling-min+1
	}{
		{0, lowest, 100 * time.Millisecond, 0},
		{0, highest, 100 * time.Millisecond, 0}, // no spread on the first retry
		{1, highest, 200 * time.Millisecond, int64(100*time.Millisecond) + 1},
		{2, highest, 400 * time.Millisecond, int64(300*time.Millisecond) + 1},
		{3, highest, 800 * time.Millisecond, int64(700*time.Millisecond) + 1},
		{4, highest, time.Second, int64(900*time.Millisecond) + 1},  // capped
		{70, highest, time.Second, int64(900*time.Millisecond) + 1}, // no overflow
		{3, lowest, 100 * time.Millisecond, 0},
	}
	for _, tt := range tests {
		spreadSeen = 0
		if got := p.backoff(tt.retry, nil, now, tt.rnd); got != tt.want {
			t.Errorf("retry %d: backoff = %v, want %v", tt.retry, got, tt.want)
		}
		if tt.wantCeilN != 0 && spreadSeen != tt.wantCeilN {
			t.Errorf("retry %d: randN(%d), want randN(%d)", tt.retry, spreadSeen, tt.wantCeilN)
		}
	}
}

func TestBackoffHonorsRetryAfter(t *testing.T) {
	p := RetryPolicy{MinBackoff: 100 * time.Millisecond, MaxBackoff: 10 * time.Second}.withDefaults()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	rnd := func(int64) int64 { return 0 }
	resp := func(v string) *http.Response {
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {v}}}
	}
	tests := map[string]time.Duration{
		"3":   3 * time.Second,
		"0":   0,
		"120": 10 * time.Second, // capped
		now.Add(4 * time.Second).Format(http.TimeFormat):  4 * time.Second,
		now.Add(-4 * time.Second).Format(http.TimeFormat): 0,
		now.Add(time.Hour).Format(http.TimeFormat):        10 * time.Second,
		"-5":                   100 * time.Millisecond, // invalid: ignored
		"soon":                 100 * time.Millisecond,
		"1.5":                  100 * time.Millisecond,
		"99999999999999999999": 100 * time.Millisecond,
	}
	for v, want := range tests {
		if got := p.backoff(0, resp(v), now, rnd); got != want {
			t.Errorf("Retry-After %q: backoff = %v, want %v", v, got, want)
		}
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	if got := (RetryPolicy{}).withDefaults(); got != DefaultRetryPolicy {
		t.Errorf("zero policy = %+v, want %+v", got, DefaultRetryPolicy)
	}
	got := RetryPolicy{MinBackoff: time.Minute, MaxBackoff: time.Second}.withDefaults()
	if got.MinBackoff != time.Second {
		t.Errorf("MinBackoff above MaxBackoff not clamped: %+v", got)
	}
}
