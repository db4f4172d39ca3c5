package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/zitpass/zitpass-go/client"
)

// User is one user to import. ID is required: it is what makes every run create the user
// at most once (see Import). The other fields mean what they mean in
// client.CreateUserRequest and are checked by the same rules.
//
// The JSON form uses ZITADEL's lowerCamelCase names, one object per user:
//
//	{"id":"u-1001","orgId":"","username":"alice","givenName":"Alice","familyName":"Smith",
//	 "email":"alice@example.com","emailVerified":true,"phone":"","password":"",
//	 "passwordHash":"$2y$12$...","changeRequired":false}
//
// A User prints its Password and PasswordHash masked under every fmt verb, in slog and when
// marshalled to JSON, so that a Result can be logged; decoding JSON reads them as given.
type User struct {
	ID             string `json:"id"`
	OrgID          string `json:"orgId,omitempty"`
	Username       string `json:"username,omitempty"` // "" means the email address
	GivenName      string `json:"givenName"`
	FamilyName     string `json:"familyName"`
	Email          string `json:"email"`
	EmailVerified  bool   `json:"emailVerified,omitempty"`
	Phone          string `json:"phone,omitempty"`
	Password       string `json:"password,omitempty"`     // a first password: the server hashes it
	PasswordHash   string `json:"passwordHash,omitempty"` // a hash to import, e.g. bcrypt "$2y$..."
	ChangeRequired bool   `json:"changeRequired,omitempty"`
}

const redacted = "[REDACTED]"

func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// field is one field of User as printed: fields lists them once, in order, so that Format,
// LogValue and MarshalJSON cannot disagree about which are secret.
type field struct {
	name  string
	value any // string or bool
}

func (u User) fields() []field {
	return []field{
		{"ID", u.ID}, {"OrgID", u.OrgID}, {"Username", u.Username}, {"GivenName", u.GivenName},
		{"FamilyName", u.FamilyName}, {"Email", u.Email}, {"EmailVerified", u.EmailVerified},
		{"Phone", u.Phone}, {"Password", mask(u.Password)}, {"PasswordHash", mask(u.PasswordHash)},
		{"ChangeRequired", u.ChangeRequired},
	}
}

// Format prints the user as %+v prints a struct, for every verb, with Password and
// PasswordHash masked.
func (u User) Format(f fmt.State, _ rune) { io.WriteString(f, u.String()) }

// String returns the user with Password and PasswordHash masked.
func (u User) String() string {
	var b strings.Builder
	b.WriteString("bulk.User{")
	for i, f := range u.fields() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name)
		b.WriteByte(':')
		switch v := f.value.(type) {
		case string:
			b.WriteString(strconv.Quote(v))
		case bool:
			b.WriteString(strconv.FormatBool(v))
		}
	}
	b.WriteByte('}')
	return b.String()
}

// GoString returns the user with Password and PasswordHash masked, for %#v.
func (u User) GoString() string { return u.String() }

// LogValue makes slog log the user with Password and PasswordHash masked.
func (u User) LogValue() slog.Value {
	fs := u.fields()
	attrs := make([]slog.Attr, len(fs))
	for i, f := range fs {
		attrs[i] = slog.Any(f.name, f.value)
	}
	return slog.GroupValue(attrs...)
}

// plainUser has User's fields and JSON names without its methods.
type plainUser User

// MarshalJSON writes the user's JSON form with Password and PasswordHash masked. Decoding
// is the default and reads them as given.
func (u User) MarshalJSON() ([]byte, error) {
	p := plainUser(u)
	p.Password, p.PasswordHash = mask(u.Password), mask(u.PasswordHash)
	return json.Marshal(p)
}

// request is the CreateUser request for the user.
func (u User) request() client.CreateUserRequest {
	return client.CreateUserRequest{
		UserID: u.ID, OrgID: u.OrgID, Username: u.Username, GivenName: u.GivenName,
		FamilyName: u.FamilyName, Email: u.Email, EmailVerified: u.EmailVerified, Phone: u.Phone,
		Password: u.Password, PasswordHash: u.PasswordHash, ChangeRequired: u.ChangeRequired,
	}
}

// kind groups users whose calls take about as long, so that the latency of one kind is not
// mistaken for congestion of another: a plain password costs the server a hash (about a
// second of CPU with bcrypt cost 14), an imported hash or no password almost nothing.
type kind int

const (
	kindHash     kind = iota // an imported hash, or no password
	kindPassword             // a plain password the server hashes
	kindRead                 // reading a user back
	kinds
)

func (u User) kind() kind {
	if u.Password != "" {
		return kindPassword
	}
	return kindHash
}

// precheck applies the client's own rules to the user without sending anything, so that a
// bad user costs no request, no rate-limit token and no concurrency slot.
//
// The client has no exported validation, but CreateUser checks its request before anything
// else and returns a *client.ValidationError then. Calling it with a context that is
// already canceled therefore either returns that error or fails on the canceled context
// before a request is written (net/http refuses a canceled request before it dials). The
// user's ID is Import's own requirement and checked first.
func precheck(c *client.Client, u User) error {
	if u.ID == "" {
		return &client.ValidationError{Field: "ID", Reason: "must not be empty: Import creates each user with its own id, so that a second run finds it instead of creating it again"}
	}
	_, err := c.Users.CreateUser(canceled, u.request())
	if ve, ok := errors.AsType[*client.ValidationError](err); ok {
		return ve
	}
	return nil
}

// canceled is a context that has ended: calls made with it send nothing.
var canceled = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()
