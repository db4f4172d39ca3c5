package pgv

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Email is protoc-gen-validate's email rule (templates/goshared/known.go, v1.3.3): the
// address is parsed with net/mail, then its length, its local part and its host name are
// checked. The error is the cause the gateway appends to "value must be a valid email
// address".
func Email(addr string) error {
	a, err := mail.ParseAddress(addr)
	if err != nil {
		return err
	}
	addr = a.Address
	if len(addr) > 254 {
		return errors.New("email addresses cannot exceed 254 characters")
	}
	local, host, _ := strings.Cut(addr, "@")
	if len(local) > 64 {
		return errors.New("email address local phrase cannot exceed 64 characters")
	}
	return Hostname(host)
}

// Hostname is protoc-gen-validate's hostname rule, as Email applies it.
func Hostname(host string) error {
	if len(host) > 253 {
		return errors.New("hostname cannot exceed 253 characters")
	}
	for part := range strings.SplitSeq(strings.ToLower(strings.TrimSuffix(host, ".")), ".") {
		switch l := len(part); {
		case l == 0 || l > 63:
			return errors.New("hostname part must be non-empty and cannot exceed 63 characters")
		case part[0] == '-':
			return errors.New("hostname parts cannot begin with hyphens")
		case part[l-1] == '-':
			return errors.New("hostname parts cannot end with hyphens")
		}
		for _, r := range part {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return fmt.Errorf("hostname parts can only contain alphanumeric characters or hyphens, got %q", string(r))
			}
		}
	}
	return nil
}
