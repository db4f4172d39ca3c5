package conformance

import (
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The transcript format of client/clienttest/testdata: one record per request, with ids,
// tokens, codes, dates and sequences replaced by placeholders that give their shape, so
// that a maintainer can record a new ZITADEL release and let the fake's conformance test
// show what changed.

type transcriptRecord struct {
	Call     string             `json:"call"`
	Scenario string             `json:"scenario"`
	Request  transcriptRequest  `json:"request"`
	Response transcriptResponse `json:"response"`
}

type transcriptRequest struct {
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Query   map[string]string `json:"query"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

type transcriptResponse struct {
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body"`
}

// WriteTranscript writes the exchanges of steps in the transcript format, ready for the
// replay of client/clienttest/conformance_test.go: each record names its call as the
// transcripts do ("UserService.CreateUser"), the caller's token "Bearer <PAT>" and a
// session's "Bearer <user token>", and the run's own users by canonical names and ids (the
// prefix "zpconf-recorded", ids from 1000000000000000000), so that two recordings of the
// same release are the same file and the replay can address the users literally. Other ids,
// tokens, returned codes, dates and sequences are placeholders that give their shape; an
// organization id the SDK sent is "<orgId: ...>", which the replay fills with its own.
func WriteTranscript(w io.Writer, steps []Step) error {
	var out []transcriptRecord
	c := &canon{codes: map[string]bool{}}
	for _, s := range steps {
		c.run = s.run
		for _, e := range s.Exchanges {
			rec := transcriptRecord{
				Call:     callName(e.Method, e.Path),
				Scenario: s.Name,
				Request: transcriptRequest{Method: e.request.method, Path: c.path(e.request.path),
					Query: c.strings(e.request.query), Headers: e.request.headers, Body: c.walk("", decode(e.request.body), true)},
			}
			c.rememberCode(e.response.body)
			rec.Response = transcriptResponse{Status: e.response.status, Body: c.walk("", decode(e.response.body), false)}
			if e.response.status != 200 {
				rec.Response.Headers = e.response.headers
			}
			out = append(out, rec)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// TranscriptInfo is what the replay's table (client/clienttest/conformance_test.go) needs
// to know of a transcript beyond its records.
type TranscriptInfo struct {
	Records int
	// Advance is how far the replay moves the fake's clock before a record, by index: the
	// run's waits for session lifetimes to pass.
	Advance map[int]time.Duration
}

// Transcript returns the TranscriptInfo of the file WriteTranscript writes for steps.
func Transcript(steps []Step) TranscriptInfo {
	info := TranscriptInfo{Advance: map[int]time.Duration{}}
	for _, s := range steps {
		if s.waited > 0 && len(s.Exchanges) > 0 {
			info.Advance[info.Records] += s.waited
		}
		info.Records += len(s.Exchanges)
	}
	return info
}

// canonicalPrefix and canonicalBase name a run's users in a transcript.
const (
	canonicalPrefix = "zpconf-recorded"
	canonicalBase   = 1_000_000_000_000_000_000
)

// canon rewrites the values of one recording.
type canon struct {
	run   *runID          // the run of the current step
	codes map[string]bool // the verification codes answered so far
}

// ownID returns the canonical id of one of the run's user ids.
func (c *canon) ownID(s string) (string, bool) {
	if c.run == nil || !decimalID.MatchString(s) {
		return "", false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if n := v - c.run.idBase; err != nil || n < 0 || n >= 1000 {
		return "", false
	}
	return strconv.FormatInt(canonicalBase+v-c.run.idBase, 10), true
}

// value rewrites one string: the run's ids and names canonically, others by placeholder.
// A verification code sent is a placeholder only when the server answered it before: a
// made-up wrong code stays, so that the replay sends it too.
func (c *canon) value(key, s string, request bool) string {
	if id, ok := c.ownID(s); ok {
		return id
	}
	if c.run != nil {
		s = strings.ReplaceAll(s, c.run.prefix, canonicalPrefix)
	}
	switch {
	case request && (key == "organizationId" || key == "orgId") && decimalID.MatchString(s):
		return "<orgId: " + strconv.Itoa(len(s)) + "-digit decimal string>"
	case (key == "verificationCode" || key == "inviteCode") && request && !c.codes[s]:
		return s
	}
	return placeholder(key, s)
}

func (c *canon) rememberCode(body []byte) {
	var a struct{ VerificationCode, InviteCode string }
	if json.Unmarshal(body, &a) != nil {
		return
	}
	for _, code := range []string{a.VerificationCode, a.InviteCode} {
		if code != "" {
			c.codes[code] = true
		}
	}
}

func (c *canon) walk(key string, v any, request bool) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			t[k] = c.walk(k, val, request)
		}
	case []any:
		for i := range t {
			t[i] = c.walk(key, t[i], request)
		}
	case string:
		return c.value(key, t, request)
	}
	return v
}

func (c *canon) strings(m map[string]string) map[string]string {
	for k, v := range m {
		m[k] = c.value(k, v, true)
	}
	return m
}

// path names the ids of a path: the run's users canonically, other ids as the transcripts
// do.
func (c *canon) path(p string) string {
	seg := strings.Split(p, "/")
	for i, s := range seg {
		if id, ok := c.ownID(s); ok {
			seg[i] = id
			continue
		}
		if !idSegment.MatchString(s) {
			continue
		}
		switch {
		case i > 0 && seg[i-1] == "sessions":
			seg[i] = "{sessionId}"
		default:
			seg[i] = "{userId}"
		}
	}
	return strings.Join(seg, "/")
}

// rpcNames are the calls of the suite as the transcripts name them: ZITADEL's service and
// method, by method and path template.
var rpcNames = map[string]string{
	"GET /v2/settings":                          "SettingsService.GetGeneralSettings",
	"GET /v2/settings/login":                    "SettingsService.GetLoginSettings",
	"GET /v2/settings/password/complexity":      "SettingsService.GetPasswordComplexitySettings",
	"GET /v2/settings/lockout":                  "SettingsService.GetLockoutSettings",
	"GET /v2/settings/password/expiry":          "SettingsService.GetPasswordExpirySettings",
	"POST /v2/users/new":                        "UserService.CreateUser",
	"POST /v2/users/human":                      "UserService.AddHumanUser",
	"GET /v2/users/{id}":                        "UserService.GetUserByID",
	"PATCH /v2/users/{id}":                      "UserService.UpdateUser",
	"DELETE /v2/users/{id}":                     "UserService.DeleteUser",
	"GET /v2/users/{id}/authentication_methods": "UserService.ListAuthenticationMethodTypes",
	"POST /v2/users/{id}/lock":                  "UserService.LockUser",
	"POST /v2/users/{id}/unlock":                "UserService.UnlockUser",
	"POST /v2/users/{id}/password_reset":        "UserService.PasswordReset",
	"POST /v2/users/{id}/password":              "UserService.SetPassword",
	"POST /v2/users/{id}/invite_code":           "UserService.CreateInviteCode",
	"POST /v2/users/{id}/invite_code/verify":    "UserService.VerifyInviteCode",
	"POST /v2/sessions":                         "SessionService.CreateSession",
	"POST /v2/sessions/search":                  "SessionService.ListSessions",
	"GET /v2/sessions/{id}":                     "SessionService.GetSession",
	"PATCH /v2/sessions/{id}":                   "SessionService.SetSession",
	"DELETE /v2/sessions/{id}":                  "SessionService.DeleteSession",

	"POST /management/v1/users/{id}/password/_initialize": "ManagementService.SetHumanInitialPassword",
	"POST /management/v1/users/{id}/password/_reset":      "ManagementService.SendHumanResetPasswordNotification",
	"POST /management/v1/users/{id}/password":             "ManagementService.SetHumanPassword",
	"POST /management/v1/users/human/_import":             "ManagementService.ImportHumanUser",
	"GET /management/v1/users/{id}":                       "ManagementService.GetUserByID",
	"GET /admin/v1/instances/me":                          "AdminService.GetMyInstance",
	"GET /auth/v1/users/me":                               "AuthService.GetMyUser",
	"PUT /auth/v1/users/me/password":                      "AuthService.UpdateMyPassword",
	"GET /auth/v1/policies/passwords/complexity":          "AuthService.GetMyPasswordComplexityPolicy",
}

// callName is the transcripts' name of a call; "METHOD path" for one the table lacks.
func callName(method, path string) string {
	call := method + " " + pathTemplate(path)
	if name, ok := rpcNames[call]; ok {
		return name
	}
	return call
}

// decode reads a JSON body, or keeps a text body as a string.
func decode(b []byte) any {
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	var v any
	if json.Unmarshal(b, &v) != nil {
		return string(b)
	}
	return v
}

var (
	decimalID = regexp.MustCompile(`^[0-9]{18,19}$`)
	timestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$`)
	code6     = regexp.MustCompile(`^[A-Z0-9]{6}$`)
	token78   = regexp.MustCompile(`^[A-Za-z0-9_-]{78}$`)
)

// placeholder replaces a value whose exact bytes vary between runs by its shape.
func placeholder(key, s string) string {
	switch {
	case key == "sequence":
		return "<sequence: uint64 as decimal string>"
	case decimalID.MatchString(s):
		return "<" + key + ": " + strconv.Itoa(len(s)) + "-digit decimal string>"
	case timestamp.MatchString(s):
		return "<" + key + ": RFC3339 UTC timestamp, fractional seconds>"
	case key == "verificationCode" || key == "inviteCode":
		// Never the code itself: its length and alphabet are the instance's configuration.
		return "<" + key + ": " + codeShape(s) + ">"
	case key == "sessionToken" && token78.MatchString(s):
		return "<sessionToken: 78 chars base64url without padding [A-Za-z0-9_-]>"
	case key == "sessionToken":
		return "<sessionToken>"
	}
	return s
}

// codeShape describes a code by its length and alphabet, "6 chars [A-Z0-9]" for ZITADEL's
// default generator.
func codeShape(s string) string {
	if code6.MatchString(s) {
		return "6 chars [A-Z0-9]"
	}
	var upper, lower, digit, other bool
	for _, r := range s {
		switch {
		case 'A' <= r && r <= 'Z':
			upper = true
		case 'a' <= r && r <= 'z':
			lower = true
		case '0' <= r && r <= '9':
			digit = true
		default:
			other = true
		}
	}
	class := ""
	for _, c := range []struct {
		has  bool
		name string
	}{{upper, "A-Z"}, {lower, "a-z"}, {digit, "0-9"}} {
		if c.has {
			class += c.name
		}
	}
	shape := strconv.Itoa(utf8.RuneCountInString(s)) + " chars [" + class + "]"
	if other {
		shape += " and others"
	}
	return shape
}
