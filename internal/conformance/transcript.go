package conformance

import (
	"encoding/json"
	"io"
	"regexp"
	"strconv"
	"strings"
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

// WriteTranscript writes the exchanges of steps in the transcript format.
func WriteTranscript(w io.Writer, steps []Step) error {
	var out []transcriptRecord
	for _, s := range steps {
		for _, e := range s.Exchanges {
			rec := transcriptRecord{
				Call:     e.Method + " " + pathTemplate(e.Path),
				Scenario: s.Name,
				Request: transcriptRequest{Method: e.request.method, Path: pathPlaceholders(e.request.path),
					Query: placeholderMap(e.request.query), Headers: e.request.headers, Body: placeholders(decode(e.request.body))},
				Response: transcriptResponse{Status: e.response.status, Body: placeholders(decode(e.response.body))},
			}
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
	case (key == "verificationCode" || key == "inviteCode") && code6.MatchString(s):
		return "<" + key + ": 6 chars [A-Z0-9]>"
	case key == "sessionToken" && token78.MatchString(s):
		return "<sessionToken: 78 chars base64url without padding [A-Za-z0-9_-]>"
	case key == "sessionToken":
		return "<sessionToken>"
	}
	return s
}

func placeholders(v any) any {
	return walkPlaceholders("", v)
}

func walkPlaceholders(key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			t[k] = walkPlaceholders(k, val)
		}
	case []any:
		for i := range t {
			t[i] = walkPlaceholders(key, t[i])
		}
	case string:
		return placeholder(key, t)
	}
	return v
}

func placeholderMap(m map[string]string) map[string]string {
	for k, v := range m {
		m[k] = placeholder(k, v)
	}
	return m
}

// pathPlaceholders names the ids of a path as the transcripts do.
func pathPlaceholders(p string) string {
	seg := strings.Split(p, "/")
	for i, s := range seg {
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
