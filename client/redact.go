package client

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Types that hold secrets print them as "[REDACTED]" (or "" when unset) under every fmt
// verb and in slog, so that logging a request or a result cannot leak a password, hash,
// code or token. Each such type lists its fields once, in fields(), with the secret ones
// marked; Format, String, GoString and LogValue are all derived from that one list, and a
// test checks that the list names every field of the struct in order.

const redacted = "[REDACTED]"

// field is one field of a type that prints itself: its name, its value (a string, bool or
// Details) and whether it is a secret.
type field struct {
	name   string
	value  any
	secret bool
}

// masked is a type that lists its fields for printing.
type masked interface {
	typeName() string
	fields() []field
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// shown is the value of f as printed and logged.
func (f field) shown() any {
	if s, ok := f.value.(string); ok && f.secret {
		return mask(s)
	}
	return f.value
}

// formatMasked prints m as %+v would print the struct, every verb alike, with its secrets
// masked: client.Session{ID:"s1", Token:"[REDACTED]", Details:{...}}.
func formatMasked(w io.Writer, m masked) {
	var b strings.Builder
	b.WriteString(m.typeName())
	b.WriteByte('{')
	for i, f := range m.fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name)
		b.WriteByte(':')
		switch v := f.shown().(type) {
		case string:
			b.WriteString(strconv.Quote(v))
		default:
			fmt.Fprintf(&b, "%+v", v)
		}
	}
	b.WriteByte('}')
	io.WriteString(w, b.String())
}

// logMasked is m as a slog group, with its secrets masked.
func logMasked(m masked) slog.Value {
	fs := m.fields()
	attrs := make([]slog.Attr, 0, len(fs))
	for _, f := range fs {
		switch v := f.shown().(type) {
		case string:
			attrs = append(attrs, slog.String(f.name, v))
		case bool:
			attrs = append(attrs, slog.Bool(f.name, v))
		case Details:
			attrs = append(attrs, slog.Group(f.name, slog.Uint64("Sequence", v.Sequence), slog.String("ResourceOwner", v.ResourceOwner)))
		default:
			attrs = append(attrs, slog.Any(f.name, v))
		}
	}
	return slog.GroupValue(attrs...)
}

// SetPasswordRequest

func (r SetPasswordRequest) typeName() string { return "client.SetPasswordRequest" }
func (r SetPasswordRequest) fields() []field {
	return []field{
		{"NewPassword", r.NewPassword, true},
		{"ChangeRequired", r.ChangeRequired, false},
		{"CurrentPassword", r.CurrentPassword, true},
		{"VerificationCode", r.VerificationCode, true},
	}
}

// Format prints the request with its secrets masked, for every verb.
func (r SetPasswordRequest) Format(f fmt.State, _ rune) { formatMasked(f, r) }

// String returns the request with its secrets masked.
func (r SetPasswordRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its secrets masked.
func (r SetPasswordRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its secrets masked.
func (r SetPasswordRequest) LogValue() slog.Value { return logMasked(r) }

// UpdateUserRequest

func (r UpdateUserRequest) typeName() string { return "client.UpdateUserRequest" }
func (r UpdateUserRequest) fields() []field {
	return []field{
		{"NewPassword", r.NewPassword, true},
		{"NewPasswordHash", r.NewPasswordHash, true},
		{"ChangeRequired", r.ChangeRequired, false},
		{"CurrentPassword", r.CurrentPassword, true},
		{"VerificationCode", r.VerificationCode, true},
	}
}

// Format prints the request with its secrets masked, for every verb.
func (r UpdateUserRequest) Format(f fmt.State, _ rune) { formatMasked(f, r) }

// String returns the request with its secrets masked.
func (r UpdateUserRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its secrets masked.
func (r UpdateUserRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its secrets masked.
func (r UpdateUserRequest) LogValue() slog.Value { return logMasked(r) }

// PasswordReset

func (p PasswordReset) typeName() string { return "client.PasswordReset" }
func (p PasswordReset) fields() []field {
	return []field{{"Details", p.Details, false}, {"VerificationCode", p.VerificationCode, true}}
}

// Format prints the result with the verification code masked, for every verb. Read the
// VerificationCode field to use the code.
func (p PasswordReset) Format(f fmt.State, _ rune) { formatMasked(f, p) }

// String returns the result with the verification code masked.
func (p PasswordReset) String() string { return fmt.Sprint(p) }

// GoString returns the result with the verification code masked.
func (p PasswordReset) GoString() string { return fmt.Sprint(p) }

// LogValue makes slog log the result with the verification code masked.
func (p PasswordReset) LogValue() slog.Value { return logMasked(p) }

// AddHumanUserRequest

func (r AddHumanUserRequest) typeName() string { return "client.AddHumanUserRequest" }
func (r AddHumanUserRequest) fields() []field  { return newUserFields(CreateUserRequest(r)) }

// Format prints the request with its password and hash masked, for every verb.
func (r AddHumanUserRequest) Format(f fmt.State, _ rune) { formatMasked(f, r) }

// String returns the request with its password and hash masked.
func (r AddHumanUserRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its password and hash masked.
func (r AddHumanUserRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its password and hash masked.
func (r AddHumanUserRequest) LogValue() slog.Value { return logMasked(r) }

// CreateUserRequest

func (r CreateUserRequest) typeName() string { return "client.CreateUserRequest" }
func (r CreateUserRequest) fields() []field  { return newUserFields(r) }

// newUserFields lists the fields of CreateUserRequest, which AddHumanUserRequest shares.
func newUserFields(r CreateUserRequest) []field {
	return []field{
		{"UserID", r.UserID, false},
		{"OrgID", r.OrgID, false},
		{"Username", r.Username, false},
		{"GivenName", r.GivenName, false},
		{"FamilyName", r.FamilyName, false},
		{"Email", r.Email, false},
		{"EmailVerified", r.EmailVerified, false},
		{"Phone", r.Phone, false},
		{"Password", r.Password, true},
		{"PasswordHash", r.PasswordHash, true},
		{"ChangeRequired", r.ChangeRequired, false},
	}
}

// Format prints the request with its password and hash masked, for every verb.
func (r CreateUserRequest) Format(f fmt.State, _ rune) { formatMasked(f, r) }

// String returns the request with its password and hash masked.
func (r CreateUserRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its password and hash masked.
func (r CreateUserRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its password and hash masked.
func (r CreateUserRequest) LogValue() slog.Value { return logMasked(r) }

// Session

func (s Session) typeName() string { return "client.Session" }
func (s Session) fields() []field {
	return []field{{"ID", s.ID, false}, {"Token", s.Token, true}, {"Details", s.Details, false}}
}

// Format prints the session with its token masked, for every verb. Read the Token field
// to use it.
func (s Session) Format(f fmt.State, _ rune) { formatMasked(f, s) }

// String returns the session with its token masked.
func (s Session) String() string { return fmt.Sprint(s) }

// GoString returns the session with its token masked.
func (s Session) GoString() string { return fmt.Sprint(s) }

// LogValue makes slog log the session with its token masked.
func (s Session) LogValue() slog.Value { return logMasked(s) }
