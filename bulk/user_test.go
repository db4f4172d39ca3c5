package bulk_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/bulk"
)

// A User and a Result never print the password or the hash: every fmt verb, slog's text
// and JSON handlers, and JSON.
func TestSecretsNeverPrinted(t *testing.T) {
	const password, hash = "Plain-S3cret!", "$2a$04$abcdefghijklmnopqrstuuMyHashValueThatMustNotLeakXYZ01"
	u := bulk.User{ID: "u-1", Username: "alice", Email: "alice@example.com", Password: password, PasswordHash: hash}
	r := bulk.Result{User: u, Outcome: bulk.Failed, Err: fmt.Errorf("boom")}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		outs = append(outs, fmt.Sprintf(verb, u), fmt.Sprintf(verb, &u), fmt.Sprintf(verb, r), fmt.Sprintf(verb, []bulk.User{u}))
	}
	outs = append(outs, u.String(), u.GoString(), fmt.Sprint(map[string]bulk.User{"k": u}))
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("x", "user", u, "result", r, "ptr", &u)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("x", "user", u, "result", r, "ptr", &u)
	outs = append(outs, text.String(), js.String())
	for _, v := range []any{u, r, []bulk.User{u}} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	for _, s := range outs {
		if strings.Contains(s, password) || strings.Contains(s, hash) || strings.Contains(s, "MyHashValue") {
			t.Fatalf("a secret printed: %s", s)
		}
	}
	// What is not secret still prints, and a set secret shows as set.
	if s := fmt.Sprintf("%+v", u); !strings.Contains(s, `ID:"u-1"`) || !strings.Contains(s, `Password:"[REDACTED]"`) {
		t.Fatalf("%%+v: %s", s)
	}
	if s := fmt.Sprintf("%v", bulk.User{ID: "u-2"}); !strings.Contains(s, `Password:""`) {
		t.Fatalf("an unset password should print empty: %s", s)
	}
	if !strings.Contains(text.String(), "user.ID=u-1") || !strings.Contains(text.String(), "result.outcome=Failed") {
		t.Fatalf("slog: %s", text.String())
	}
}

// Decoding reads the input format; only marshalling masks.
func TestUserJSON(t *testing.T) {
	line := `{"id":"u-1","orgId":"o","username":"alice","givenName":"A","familyName":"S","email":"a@example.com","emailVerified":true,"phone":"+41","password":"pw","passwordHash":"h","changeRequired":true}`
	var u bulk.User
	if err := json.Unmarshal([]byte(line), &u); err != nil {
		t.Fatal(err)
	}
	want := bulk.User{ID: "u-1", OrgID: "o", Username: "alice", GivenName: "A", FamilyName: "S", Email: "a@example.com",
		EmailVerified: true, Phone: "+41", Password: "pw", PasswordHash: "h", ChangeRequired: true}
	if u != want {
		t.Fatalf("decoded %#v", u)
	}
	b, _ := json.Marshal(u)
	if !strings.Contains(string(b), `"password":"[REDACTED]"`) || !strings.Contains(string(b), `"orgId":"o"`) {
		t.Fatalf("marshalled %s", b)
	}
}

func TestOutcomeNames(t *testing.T) {
	for o, want := range map[bulk.Outcome]string{bulk.Created: "created", bulk.AlreadyThere: "alreadyThere", bulk.Conflict: "conflict", bulk.Failed: "failed"} {
		b, _ := o.MarshalText()
		var back bulk.Outcome
		if string(b) != want || back.UnmarshalText(b) != nil || back != o {
			t.Errorf("%v: %q, back %v", o, b, back)
		}
	}
	if s := bulk.Outcome(0).String(); s != "Outcome(0)" {
		t.Errorf("zero: %s", s)
	}
	var o bulk.Outcome
	if o.UnmarshalText([]byte("maybe")) == nil {
		t.Error("an unknown name was read")
	}
}
