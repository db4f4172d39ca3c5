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
