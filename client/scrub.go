package client

import (
	"encoding/json"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Error answers can repeat what the request carried: a proxy echoing the request body, a
// server bug quoting a value. Before any part of an answer goes into an error, the
// request's secrets are replaced by "[REDACTED]" in every form the wire gives them: as they
// are, JSON-escaped (any escape: "\u003c", "\u003C", "\/", surrogate pairs) and
// URL-escaped ("%3C", "+"). The whole text is scrubbed before it is cut to an excerpt, so
// that a secret straddling the cut leaks no prefix either.

// secretKeys are the JSON keys whose string values are secrets in the request bodies of
// every call the SDK makes. Finding secrets by key, in the body that was sent, means a new
// call or field cannot forget to declare its secrets.
var secretKeys = map[string]bool{
	"password":         true, // v1 and v2 passwords, session checks
	"currentPassword":  true,
	"verificationCode": true,
	"hash":             true, // imported password hashes
	"sessionToken":     true,
	"oldPassword":      true, // v1 UpdateMyPassword
	"newPassword":      true, // v1 UpdateMyPassword (an object in v2 SetPassword)
}

// minSecret is the shortest secret that is scrubbed: replacing one or two characters
// wherever they occur would garble every message and hide nothing.
const minSecret = 4

// bodySecrets returns the string values under secretKeys anywhere in a JSON body.
func bodySecrets(body []byte) []string {
	if len(body) == 0 {
		return nil
	}
	var tree any
	if json.Unmarshal(body, &tree) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, val := range t {
				if s, ok := val.(string); ok && secretKeys[k] {
					out = append(out, s)
					continue
				}
				walk(val)
			}
		case []any:
			for _, val := range t {
				walk(val)
			}
		}
	}
	walk(tree)
	return out
}

// scrubber replaces secrets in text.
type scrubber struct{ secrets []string }

func newScrubber(secrets []string) scrubber {
	var keep []string
	for _, s := range secrets {
		if len(s) >= minSecret && !slices.Contains(keep, s) {
			keep = append(keep, s)
		}
	}
	return scrubber{secrets: keep}
}

// scrub returns s with every occurrence of a secret, in any of its wire forms, replaced.
func (sc scrubber) scrub(s string) string {
	if len(sc.secrets) == 0 || s == "" {
		return s
	}
	var spans []span
	// URL-escaped JSON too: a proxy that URL-encodes a JSON body it repeats.
	for _, v := range []view{rawView(s), jsonView(s), urlView(s), urlView(s).then(jsonView)} {
		for _, secret := range sc.secrets {
			spans = v.find(secret, spans)
		}
	}
	return redactSpans(s, spans)
}

// span is a byte range [start, end) of the original text.
type span struct{ start, end int }

// view is the original text with one escaping undone: text[i] came from the original bytes
// src[i].
type view struct {
	text []byte
	src  []span
}

func rawView(s string) view {
	v := view{text: []byte(s), src: make([]span, len(s))}
	for i := range v.src {
		v.src[i] = span{i, i + 1}
	}
	return v
}

func (v *view) add(b []byte, start, end int) {
	for _, c := range b {
		v.text = append(v.text, c)
		v.src = append(v.src, span{start, end})
	}
}

// then undoes a second escaping, f's, on the view's text; its positions still map to the
// original text.
func (v view) then(f func(string) view) view {
	w := f(string(v.text))
	for i, sp := range w.src {
		w.src[i] = span{v.src[sp.start].start, v.src[sp.end-1].end}
	}
	return w
}

// jsonView undoes JSON string escapes.
func jsonView(s string) view {
	var v view
	for i := 0; i < len(s); {
		if s[i] != '\\' || i+1 >= len(s) {
			v.add([]byte{s[i]}, i, i+1)
			i++
			continue
		}
		if r, n := unescapeJSON(s[i:]); n > 0 {
			v.add(utf8.AppendRune(nil, r), i, i+n)
			i += n
			continue
		}
		v.add([]byte{s[i]}, i, i+1)
		i++
	}
	return v
}

// unescapeJSON decodes the escape at the start of s, and how many bytes it took (0: none).
func unescapeJSON(s string) (rune, int) {
	switch s[1] {
	case '"', '\\', '/':
		return rune(s[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(s[2:])
		if !ok {
			return 0, 0
		}
		if utf16.IsSurrogate(r) && len(s) >= 12 && s[6] == '\\' && s[7] == 'u' {
			if r2, ok := hex4(s[8:]); ok {
				if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
					return dec, 12
				}
			}
		}
		return r, 6
	}
	return 0, 0
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		d, ok := hexDigit(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// urlView undoes URL escapes: "%XX", and "+" for a space as in query strings.
func urlView(s string) view {
	var v view
	for i := 0; i < len(s); {
		switch {
		case s[i] == '%' && i+2 < len(s):
			hi, ok1 := hexDigit(s[i+1])
			lo, ok2 := hexDigit(s[i+2])
			if ok1 && ok2 {
				v.add([]byte{hi<<4 | lo}, i, i+3)
				i += 3
				continue
			}
		case s[i] == '+':
			v.add([]byte{' '}, i, i+1)
			i++
			continue
		}
		v.add([]byte{s[i]}, i, i+1)
		i++
	}
	return v
}

// find appends the original spans of every occurrence of secret in the view.
func (v view) find(secret string, spans []span) []span {
	text := string(v.text)
	for from := 0; ; {
		i := strings.Index(text[from:], secret)
		if i < 0 {
			return spans
		}
		start := from + i
		end := start + len(secret)
		spans = append(spans, span{v.src[start].start, v.src[end-1].end})
		from = start + 1
	}
}

// redactSpans replaces the spans of s, merged where they touch, by "[REDACTED]".
func redactSpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	at := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, spans[i].end)
		}
		b.WriteString(s[at:cur.start])
		b.WriteString(redacted)
		at = cur.end
	}
	b.WriteString(s[at:])
	return b.String()
}

// maxMessage bounds the message of an error built from a body that is not ZITADEL's JSON.
const maxMessage = 256

// excerpt turns the start of an arbitrary (already scrubbed) body into a one-line message.
func excerpt(body string) string {
	if len(body) > maxMessage {
		body = body[:maxMessage]
	}
	s := strings.ToValidUTF8(body, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
