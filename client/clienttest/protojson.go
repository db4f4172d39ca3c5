package clienttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// protoRules are the rules of a request that protojson (google.golang.org/protobuf/
// encoding/protojson, which ZITADEL's gateway uses) enforces while it parses the body,
// before authentication: a second member of a oneof, an unknown enum name, a malformed
// duration. protojson reads the body in order and stops at the first violation; its
// message names the line and column where the offending token starts and the token as
// it was sent, e.g. proto: (line 1:230): error parsing "hashedPassword", oneof
// zitadel.user.v2.AddHumanUserRequest.password_type is already set
// (testdata/zitadel-v4.13.1.json). Paths are the fields' JSON names joined by dots, in
// lowerCamelCase whatever case the body used.
type protoRules struct {
	oneofs map[string]string    // a field's path → the full name of the oneof it is a member of
	values map[string]valueRule // a scalar field's path → its rule
}

// valueRule returns protojson's message for a value it refuses, given the value decoded
// (json.Number for numbers) and as sent; "" when it accepts the value.
type valueRule func(v any, raw string) string

// protoRuled is a request with protoRules.
type protoRuled interface{ protoRules() *protoRules }

// enumRule accepts what protojson accepts for an enum behind ZITADEL's gateway, which
// discards what it does not know (internal/api/grpc/server/gateway.go: DiscardUnknown):
// any name (an unknown one leaves the field unset) and any 32-bit number.
func enumRule(field string) valueRule {
	return func(v any, raw string) string {
		switch t := v.(type) {
		case string:
			return ""
		case json.Number:
			if _, err := strconv.ParseInt(t.String(), 10, 32); err == nil {
				return ""
			}
		}
		return "invalid value for enum field " + field + ": " + raw
	}
}

// durationRule accepts a google.protobuf.Duration: a string of seconds with up to nine
// fractional digits and the suffix "s".
func durationRule(v any, raw string) string {
	if s, ok := v.(string); ok && durationPattern.MatchString(s) {
		return ""
	}
	return "invalid google.protobuf.Duration value " + raw
}

// check applies the rules to a body that is syntactically valid JSON.
func (pr *protoRules) check(raw []byte) *zerr {
	sc := &protoScan{raw: raw, dec: json.NewDecoder(bytes.NewReader(raw)), rules: pr}
	sc.dec.UseNumber()
	return sc.value("")
}

type protoScan struct {
	raw   []byte
	dec   *json.Decoder
	rules *protoRules
}

// value reads one value, whose path is at, and checks what it contains.
func (sc *protoScan) value(at string) *zerr {
	tok, err := sc.dec.Token()
	if err != nil {
		return nil // the syntax was checked before
	}
	switch tok {
	case json.Delim('{'):
		return sc.object(at)
	case json.Delim('['):
		for sc.dec.More() {
			if e := sc.value(at); e != nil {
				return e
			}
		}
		sc.dec.Token() // ]
	}
	return nil
}

// object reads the members of an object whose '{' was read.
func (sc *protoScan) object(at string) *zerr {
	seen := map[string]bool{} // the oneofs set in this object
	for sc.dec.More() {
		keyAt := sc.next(int(sc.dec.InputOffset()))
		tok, _ := sc.dec.Token()
		key, _ := tok.(string)
		rawKey := string(sc.raw[keyAt:sc.dec.InputOffset()])
		path := camel(key)
		if at != "" {
			path = at + "." + path
		}
		valueAt := sc.next(int(sc.dec.InputOffset()))
		if bytes.HasPrefix(sc.raw[valueAt:], []byte("null")) {
			sc.dec.Token() // protojson skips a null member: it sets nothing
			continue
		}
		if oneof, ok := sc.rules.oneofs[path]; ok {
			if seen[oneof] {
				return sc.errorAt(keyAt, "error parsing %s, oneof %s is already set", rawKey, oneof)
			}
			seen[oneof] = true
		}
		if rule, ok := sc.rules.values[path]; ok {
			tok, err := sc.dec.Token()
			if err != nil {
				return nil
			}
			if msg := rule(tok, string(sc.raw[valueAt:sc.dec.InputOffset()])); msg != "" {
				return sc.errorAt(valueAt, "%s", msg)
			}
			if d, ok := tok.(json.Delim); ok { // an object or array where a scalar belongs
				sc.skip(d)
			}
			continue
		}
		if e := sc.value(path); e != nil {
			return e
		}
	}
	sc.dec.Token() // }
	return nil
}

// skip reads to the end of the object or array whose opening delimiter was read.
func (sc *protoScan) skip(open json.Delim) {
	if open != '{' && open != '[' {
		return
	}
	for depth := 1; depth > 0; {
		tok, err := sc.dec.Token()
		if err != nil {
			return
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

// next returns where the next token starts at or after i: past white space and the
// separators the decoder consumes with the token.
func (sc *protoScan) next(i int) int {
	for i < len(sc.raw) {
		switch sc.raw[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}

// errorAt is protojson's error at byte offset i: its line, and its column in runes, both
// counted from 1.
func (sc *protoScan) errorAt(i int, format string, args ...any) *zerr {
	before := sc.raw[:i]
	line := bytes.Count(before, []byte("\n")) + 1
	if nl := bytes.LastIndexByte(before, '\n'); nl >= 0 {
		before = before[nl+1:]
	}
	col := utf8.RuneCount(before) + 1
	return errInvalid(fmt.Sprintf("proto: (line %d:%d): ", line, col) + fmt.Sprintf(format, args...))
}
