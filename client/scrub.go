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
	var sc scrubber
	for _, s := range secrets {
		if len(s) >= minSecret && !slices.Contains(sc.secrets, s) {
			sc.secrets = append(sc.secrets, s)
		}
	}
	return sc
}

// scrub returns s with every occurrence of a secret, in any of its wire forms, replaced.
func (sc scrubber) scrub(s string) string {
	if len(sc.secrets) == 0 || s == "" {
		return s
	}
	spans := sc.find(s)
	if len(spans) == 0 {
		return s
	}
	for {
		out, origin := redactSpans(s, spans)
		// The marker can complete a secret with the text after it ("[REDACTED]" then
		// "000" spells "]000"): such an occurrence takes the original bytes it holds too.
		// Each round redacts more of s, so this ends.
		grew := false
		for _, f := range sc.find(out) {
			for i := f.start; i < f.end; i++ {
				if origin[i] >= 0 {
					spans = append(spans, span{origin[i], origin[i] + 1})
					grew = true
				}
			}
		}
		if !grew {
			return out
		}
	}
}

// find returns the spans of s that spell a secret in some wire form.
func (sc scrubber) find(s string) []span {
	var spans []span
	for _, secret := range sc.secrets {
		for p := range len(s) {
			if c := s[p]; c != secret[0] && c != '\\' && c != '%' && c != '+' {
				continue // no reading of s[p] can start the secret
			}
			if end := readsAs(s, p, secret); end > p {
				spans = append(spans, span{p, end})
			}
		}
	}
	return spans
}

// span is a byte range [start, end) of the original text.
type span struct{ start, end int }

// readsAs reports where the longest reading of text from p that spells secret ends, or -1
// if none does. Every character of the reading may be as it is, JSON-escaped (any escape:
// "\u003c", "\u003C", "\/", surrogate pairs) and, below that, URL-escaped ("%3C", "+" for
// a space), independently of its neighbours. Reading from every position, instead of
// undoing the escapes once from the start of the text, finds a secret whatever precedes it:
// the text `\\u0022000` decodes, as a whole, to `\u0022000`, yet from its second byte it
// is `\u0022000`, the escaped form of the secret `"000`.
func readsAs(text string, p int, secret string) int {
	// at[k] holds the positions where a reading of secret[:k] ends.
	at := make([][]int, len(secret)+1)
	at[0] = []int{p}
	for k := range len(secret) {
		for _, q := range at[k] {
			chars(text, q, func(char []byte, next int) {
				n := k + len(char)
				if n <= len(secret) && secret[k:n] == string(char) && !slices.Contains(at[n], next) {
					at[n] = append(at[n], next)
				}
			})
		}
	}
	if len(at[len(secret)]) == 0 {
		return -1
	}
	return slices.Max(at[len(secret)])
}

// chars calls f with each character text can mean at p (its UTF-8 bytes), read as it is
// or as a JSON escape, and with where that reading ends.
func chars(text string, p int, f func(char []byte, next int)) {
	urlByte(text, p, func(b byte, p1 int) {
		f([]byte{b}, p1)
		if b != '\\' {
			return
		}
		urlByte(text, p1, func(c byte, p2 int) {
			if c == 'u' {
				jsonRune(text, p2, func(r rune, next int) { f(utf8.AppendRune(nil, r), next) })
			} else if r, ok := shortEscapes[c]; ok {
				f([]byte{r}, p2)
			}
		})
	})
}

// shortEscapes are JSON's two-character escapes, by the character after the backslash.
var shortEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// jsonRune reads the four hex digits of a "\u" escape at p, and a second escape after it
// when the two make a surrogate pair.
func jsonRune(text string, p int, f func(r rune, next int)) {
	hex4(text, p, func(r rune, p1 int) {
		f(r, p1)
		if !utf16.IsSurrogate(r) {
			return
		}
		urlByte(text, p1, func(b byte, p2 int) {
			if b != '\\' {
				return
			}
			urlByte(text, p2, func(u byte, p3 int) {
				if u != 'u' {
					return
				}
				hex4(text, p3, func(r2 rune, next int) {
					if dec := utf16.DecodeRune(r, r2); dec != unicode.ReplacementChar {
						f(dec, next)
					}
				})
			})
		})
	})
}

// hex4 reads four hex digits at p, each as it is or URL-escaped.
func hex4(text string, p int, f func(r rune, next int)) {
	var digits func(p int, n int, r rune)
	digits = func(p int, n int, r rune) {
		if n == 4 {
			f(r, p)
			return
		}
		urlByte(text, p, func(b byte, next int) {
			if d, ok := hexDigit(b); ok {
				digits(next, n+1, r<<4|rune(d))
			}
		})
	}
	digits(p, 0, 0)
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

// urlByte calls f with each byte text can mean at p: the byte as it is, and its URL
// decoding ("%3C", "+" for a space as in query strings).
func urlByte(text string, p int, f func(b byte, next int)) {
	if p >= len(text) {
		return
	}
	f(text[p], p+1)
	switch text[p] {
	case '%':
		if p+2 < len(text) {
			hi, ok1 := hexDigit(text[p+1])
			lo, ok2 := hexDigit(text[p+2])
			if ok1 && ok2 {
				f(hi<<4|lo, p+3)
			}
		}
	case '+':
		f(' ', p+1)
	}
}

// redactSpans replaces the spans of s, merged where they touch, by "[REDACTED]". origin
// gives, for each byte of the result, the index of the byte of s it is, or -1 for the
// marker's bytes.
func redactSpans(s string, spans []span) (string, []int) {
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	var origin []int
	keep := func(from, to int) {
		b.WriteString(s[from:to])
		for i := from; i < to; i++ {
			origin = append(origin, i)
		}
	}
	at := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].start <= cur.end; i++ {
			cur.end = max(cur.end, spans[i].end)
		}
		keep(at, cur.start)
		b.WriteString(redacted)
		for range len(redacted) {
			origin = append(origin, -1)
		}
		at = cur.end
	}
	keep(at, len(s))
	return b.String(), origin
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
