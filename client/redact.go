package client

import (
	"fmt"
	"log/slog"
)

// Types that hold secrets print them as "[REDACTED]" (or "" when unset) under every fmt
// verb and in slog, so that logging a request or a result cannot leak a password or code.

const redacted = "[REDACTED]"

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// Format prints the request with its secrets masked, for every verb.
func (r SetPasswordRequest) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "client.SetPasswordRequest{NewPassword:%q, ChangeRequired:%t, CurrentPassword:%q, VerificationCode:%q}",
		mask(r.NewPassword), r.ChangeRequired, mask(r.CurrentPassword), mask(r.VerificationCode))
}

// String returns the request with its secrets masked.
func (r SetPasswordRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its secrets masked.
func (r SetPasswordRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its secrets masked.
func (r SetPasswordRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("NewPassword", mask(r.NewPassword)),
		slog.Bool("ChangeRequired", r.ChangeRequired),
		slog.String("CurrentPassword", mask(r.CurrentPassword)),
		slog.String("VerificationCode", mask(r.VerificationCode)),
	)
}

// Format prints the result with the verification code masked, for every verb. Read the
// VerificationCode field to use the code.
func (p PasswordReset) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "client.PasswordReset{Details:%+v, VerificationCode:%q}", p.Details, mask(p.VerificationCode))
}

// String returns the result with the verification code masked.
func (p PasswordReset) String() string { return fmt.Sprint(p) }

// GoString returns the result with the verification code masked.
func (p PasswordReset) GoString() string { return fmt.Sprint(p) }

// LogValue makes slog log the result with the verification code masked.
func (p PasswordReset) LogValue() slog.Value {
	return slog.GroupValue(
		slog.Uint64("Sequence", p.Details.Sequence),
		slog.String("ResourceOwner", p.Details.ResourceOwner),
		slog.String("VerificationCode", mask(p.VerificationCode)),
	)
}

// Format prints the request with its password and hash masked, for every verb.
func (r AddHumanUserRequest) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "client.AddHumanUserRequest{UserID:%q, OrgID:%q, Username:%q, GivenName:%q, FamilyName:%q, Email:%q, EmailVerified:%t, Phone:%q, Password:%q, PasswordHash:%q, ChangeRequired:%t}",
		r.UserID, r.OrgID, r.Username, r.GivenName, r.FamilyName, r.Email, r.EmailVerified, r.Phone, mask(r.Password), mask(r.PasswordHash), r.ChangeRequired)
}

// String returns the request with its password and hash masked.
func (r AddHumanUserRequest) String() string { return fmt.Sprint(r) }

// GoString returns the request with its password and hash masked.
func (r AddHumanUserRequest) GoString() string { return fmt.Sprint(r) }

// LogValue makes slog log the request with its password and hash masked.
func (r AddHumanUserRequest) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("UserID", r.UserID),
		slog.String("OrgID", r.OrgID),
		slog.String("Username", r.Username),
		slog.String("Email", r.Email),
		slog.String("Password", mask(r.Password)),
		slog.String("PasswordHash", mask(r.PasswordHash)),
		slog.Bool("ChangeRequired", r.ChangeRequired),
	)
}

// Format prints the session with its token masked, for every verb. Read the Token field
// to use it.
func (s Session) Format(f fmt.State, verb rune) {
	fmt.Fprintf(f, "client.Session{ID:%q, Token:%q, Details:%+v}", s.ID, mask(s.Token), s.Details)
}

// String returns the session with its token masked.
func (s Session) String() string { return fmt.Sprint(s) }

// GoString returns the session with its token masked.
func (s Session) GoString() string { return fmt.Sprint(s) }

// LogValue makes slog log the session with its token masked.
func (s Session) LogValue() slog.Value {
	return slog.GroupValue(slog.String("ID", s.ID), slog.String("Token", mask(s.Token)))
}
