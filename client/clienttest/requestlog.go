package clienttest

import (
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Request is one entry of the server's request log: what was asked and answered, never a
// body, query, header or token.
type Request struct {
	// Time is when the request arrived, on the server's clock (WithClock).
	Time time.Time
	// Method and Path are the request's method and escaped path.
	Method, Path string
	// Pattern is the route it was served by, with "{id}" for the id segment (e.g.
	// "/v2/users/{id}/password"), the Connect procedure ("/zitadel.user.v2.UserService/
	// CreateUser"), or Path for anything else.
	Pattern string
	// Status is the HTTP status answered; 0 when the caller left before an answer.
	Status int
	// ErrorID is the ZITADEL error id of an error answer, if it has one.
	ErrorID string
}

// maxRequestLog bounds the request log; RequestCount counts every request regardless.
const maxRequestLog = 100_000

// Requests returns the request log, oldest first: every request the server received
// (API calls, the token endpoint, health checks, rate-limited and faulted calls), up to the
// last 100,000. With WithClock the times are those of the injected clock, so that a test can
// count requests per second of its own time.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount returns how many requests with that method matched pathPattern since the
// server started, however long the log. pathPattern is a route pattern as Request.Pattern
// names it, where any "{...}" segment matches any one segment: RequestCount("POST",
// "/v2/users/new"), RequestCount("PATCH", "/v2/users/{userId}"). method "" matches any.
func (s *Server) RequestCount(method, pathPattern string) int {
	want := strings.Split(pathPattern, "/")
	s.logMu.Lock()
	defer s.logMu.Unlock()
	n := 0
	for key, c := range s.counts {
		m, p, _ := strings.Cut(key, " ")
		if (method == "" || strings.EqualFold(m, method)) && samePattern(want, strings.Split(p, "/"), !isRoute(p)) {
			n += c
		}
	}
	return n
}

// samePattern reports whether a logged pattern fits want. A "{...}" segment of want
// matches the "{id}" of a route's pattern and, in a path no route served (a 404 or 405,
// such as ZITADEL v3's answer to UpdateUser), any one segment.
func samePattern(want, got []string, rawPath bool) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		wild := strings.HasPrefix(want[i], "{") && strings.HasSuffix(want[i], "}")
		gotWild := got[i] == "{id}" || rawPath
		if want[i] != got[i] && !(wild && gotWild) {
			return false
		}
	}
	return true
}

// record adds a request to the log and, with WithLogger, logs it.
func (s *Server) record(r *http.Request, w *bufferedWriter, pattern string, arrived time.Time, d time.Duration) {
	entry := Request{Time: arrived, Method: r.Method, Path: r.URL.EscapedPath(), Pattern: pattern, Status: w.status, ErrorID: errorID(w)}
	s.logMu.Lock()
	s.counts[r.Method+" "+pattern]++
	if len(s.requests) == maxRequestLog {
		s.requests = append(s.requests[:0], s.requests[1:]...)
	}
	s.requests = append(s.requests, entry)
	s.logMu.Unlock()
	if s.logger != nil {
		s.logRequest(r, entry, w.Header().Get("X-Request-Id"), d)
	}
}

// errorID reads the id of an error answer: the first detail's, REST or Connect.
func errorID(w *bufferedWriter) string {
	if w.status < 400 {
		return ""
	}
	var body struct {
		Details []struct {
			ID    string
			Debug struct{ ID string }
		}
	}
	if json.Unmarshal(w.body.Bytes(), &body) != nil || len(body.Details) == 0 {
		return ""
	}
	if body.Details[0].ID != "" {
		return body.Details[0].ID
	}
	return body.Details[0].Debug.ID
}

// logRequest logs one request without its body, query or headers: they can hold
// passwords, codes and tokens.
func (s *Server) logRequest(r *http.Request, e Request, requestID string, d time.Duration) {
	attrs := []slog.Attr{
		slog.String("method", e.Method),
		slog.String("path", e.Path),
		slog.Int("status", e.Status),
		slog.Duration("duration", d.Round(time.Microsecond)),
	}
	if e.ErrorID != "" {
		attrs = append(attrs, slog.String("error_id", e.ErrorID))
	}
	attrs = append(attrs, slog.String("request_id", requestID))
	s.logger.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
}

// rateLimit takes a token for an API call, or answers 429 with a Retry-After in whole
// seconds: how long until the bucket holds a token again.
func (s *Server) rateLimit(w http.ResponseWriter) *zerr {
	if s.limiter == nil {
		return nil
	}
	now := s.now()
	if s.limiter.AllowN(now, 1) {
		return nil
	}
	missing := 1 - s.limiter.TokensAt(now)
	wait := math.Ceil(missing / float64(s.limiter.Limit()))
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(wait))))
	return errRateLimited
}

// isRoute reports whether pattern is a route's pattern rather than a path served by none.
func isRoute(pattern string) bool {
	for _, rt := range routes {
		if rt.pattern == pattern {
			return true
		}
	}
	return false
}
