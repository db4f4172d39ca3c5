package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Exchange is one HTTP request the SDK made during a step and the answer it got.
type Exchange struct {
	Method string
	Path   string // the escaped path, without the query
	Status int
	// Code and ErrorID are the gRPC code and ZITADEL error id of an error answer: from
	// details[].id, else from the message ("(COMMAND-xyz)", "ID=QUERY-xyz").
	Code    int
	ErrorID string
	// Shape is the answer's JSON shape: field names and value types, with the values that
	// carry meaning (booleans, numbers, enum names such as "USER_STATE_LOCKED"); other
	// strings are "string". Messages are left out: ZITADEL translates them.
	Shape string

	// What -record writes.
	request  recordedRequest
	response recordedResponse
}

type recordedRequest struct {
	method  string
	path    string
	query   map[string]string
	headers map[string]string
	body    []byte
}

type recordedResponse struct {
	status  int
	headers map[string]string
	body    []byte
}

// recorder is an http.RoundTripper that keeps every exchange of the current step.
type recorder struct {
	base http.RoundTripper

	mu       sync.Mutex
	cur      []Exchange
	edit     func(*Exchange) // a test seam: changes what was seen, before it is kept
	sessions map[string]bool // the session tokens answered so far, to name a caller's token
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil && req.GetBody != nil {
		if b, err := req.GetBody(); err == nil {
			reqBody, _ = io.ReadAll(b)
			b.Close()
		}
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ex := Exchange{Method: req.Method, Path: req.URL.EscapedPath(), Status: resp.StatusCode}
	ex.Code, ex.ErrorID = errorOf(body)
	ex.Shape = shapeOf(body)
	ex.response = recordedResponse{status: resp.StatusCode, headers: map[string]string{"Content-Type": resp.Header.Get("Content-Type")}, body: body}
	r.mu.Lock()
	ex.request = recordedRequest{method: req.Method, path: req.URL.EscapedPath(), query: flatten(req.URL.Query()),
		headers: requestHeaders(req.Header, r.sessions), body: reqBody}
	r.rememberSession(body)
	if r.edit != nil {
		r.edit(&ex)
	}
	r.cur = append(r.cur, ex)
	r.mu.Unlock()
	return resp, nil
}

// take returns the exchanges since the last take.
func (r *recorder) take() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.cur
	r.cur = nil
	return out
}

func flatten(v map[string][]string) map[string]string {
	out := map[string]string{}
	for k, vs := range v {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// rememberSession keeps the session token of an answer (CreateSession, SetSession), so
// that a later call authenticated with it is recorded as the user's. Callers hold r.mu.
func (r *recorder) rememberSession(body []byte) {
	var a struct{ SessionToken string }
	if json.Unmarshal(body, &a) != nil || a.SessionToken == "" {
		return
	}
	if r.sessions == nil {
		r.sessions = map[string]bool{}
	}
	r.sessions[a.SessionToken] = true
}

// requestHeaders keeps the headers a transcript shows, the token replaced as the
// transcripts of client/clienttest/testdata name it: "Bearer <user token>" for a session
// token the server answered, "Bearer <PAT>" for the caller's own credential (whatever its
// kind: the replay uses the fake's PAT).
func requestHeaders(h http.Header, sessions map[string]bool) map[string]string {
	out := map[string]string{}
	if v := h.Get("Content-Type"); v != "" {
		out["Content-Type"] = v
	}
	if a := h.Get("Authorization"); a != "" {
		out["Authorization"] = "Bearer <PAT>"
		if _, tok, _ := strings.Cut(a, " "); sessions[tok] {
			out["Authorization"] = "Bearer <user token>"
		}
	}
	if v := h.Get("X-Zitadel-Orgid"); v != "" {
		out["x-zitadel-orgid"] = "{orgId}"
	}
	return out
}

// errorOf reads the gRPC code and the error id of a ZITADEL error body.
func errorOf(body []byte) (int, string) {
	var st struct {
		Code    json.Number
		Message string
		Details []struct{ ID string }
	}
	if json.Unmarshal(body, &st) != nil {
		return 0, ""
	}
	code, _ := strconv.Atoi(st.Code.String())
	for _, d := range st.Details {
		if d.ID != "" {
			return code, d.ID
		}
	}
	return code, idInMessage(st.Message)
}

var messageID = regexp.MustCompile(`\(([A-Za-z0-9]+-[A-Za-z0-9]+)\)\s*$|ID=([A-Za-z0-9]+-[A-Za-z0-9]+)`)

func idInMessage(msg string) string {
	m := messageID.FindStringSubmatch(msg)
	if m == nil {
		return ""
	}
	return m[1] + m[2]
}

var enumValue = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Za-z0-9]+)+$`)

// isEnum reports whether a string is an enum name such as "USER_STATE_LOCKED". A session
// token can look like one ("E7F_GPF8gIC7..."): tokens are never enums, and enum names are
// short.
func isEnum(key, s string) bool {
	return key != "sessionToken" && len(s) <= 64 && enumValue.MatchString(s)
}

// shapeOf is the JSON shape of a body, "" for an empty one and "text" for one that is not
// JSON.
func shapeOf(body []byte) string {
	if len(bytes.TrimSpace(body)) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return "text"
	}
	var b strings.Builder
	writeShape(&b, "", v)
	return b.String()
}

func writeShape(b *strings.Builder, key string, v any) {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			if k != "message" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(k)
			b.WriteByte(':')
			writeShape(b, k, t[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeShape(b, key, e)
		}
		b.WriteByte(']')
	case string:
		switch {
		case key == "@type" || isEnum(key, t):
			b.WriteString(strconv.Quote(t))
		default:
			b.WriteString("string")
		}
	case json.Number, float64:
		b.WriteString("number")
		if key == "code" || key == "failedAttempts" {
			b.WriteString("=" + toString(t))
		}
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case nil:
		b.WriteString("null")
	}
}

func toString(v any) string {
	switch t := v.(type) {
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	}
	return ""
}
