package client_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

var defaultPolicy = client.PasswordComplexity{MinLength: 8, RequiresUppercase: true, RequiresLowercase: true, RequiresNumber: true, RequiresSymbol: true}

// TestCheckAgreesWithZitadel: the verdicts a real ZITADEL gave (length in bytes, a symbol
// is any byte outside [A-Za-z0-9]).
func TestCheckAgreesWithZitadel(t *testing.T) {
	tests := []struct {
		password string
		broken   []client.PolicyRule
	}{
		{"Pässw0rd", nil}, // ä is a symbol, 9 bytes
		{"PÄSSW0RD!", []client.PolicyRule{client.RuleLowercase}}, // Ä is not a lower case letter
		{"Äb1!Cde", nil}, // 7 characters, 8 bytes
		{"Probe-Passw0rd!1", nil},
		{"weak", []client.PolicyRule{client.RuleMinLength, client.RuleUppercase, client.RuleNumber, client.RuleSymbol}},
		{"Passw0rd1", []client.PolicyRule{client.RuleSymbol}},
		{"", []client.PolicyRule{client.RuleMinLength, client.RuleLowercase, client.RuleUppercase, client.RuleNumber, client.RuleSymbol}},
		{"abcdefgh", []client.PolicyRule{client.RuleUppercase, client.RuleNumber, client.RuleSymbol}},
		{"ABCDEFG1!", []client.PolicyRule{client.RuleLowercase}},
		{"Abcdefg!", []client.PolicyRule{client.RuleNumber}},
		{"Ab1 Cdef", nil}, // a space is a symbol
	}
	for _, tt := range tests {
		err := defaultPolicy.Check(tt.password)
		if tt.broken == nil {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", tt.password, err)
			}
			continue
		}
		var pe *client.PolicyError
		if !errors.As(err, &pe) || !reflect.DeepEqual(pe.Broken, tt.broken) {
			t.Errorf("Check(%q) = %v, want broken %v", tt.password, err, tt.broken)
			continue
		}
		if !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("Check(%q): not ErrInvalidArgument", tt.password)
		}
		for _, r := range tt.broken {
			if !strings.Contains(err.Error(), strings.SplitN(r.String(), " (", 2)[0]) && r != client.RuleMinLength {
				t.Errorf("Check(%q) = %q does not name %q", tt.password, err, r)
			}
		}
		if tt.password != "" && strings.Contains(err.Error(), tt.password) {
			t.Errorf("the error quotes the password: %q", err)
		}
	}
}

func TestCheckZeroPolicyAcceptsAll(t *testing.T) {
	if err := (client.PasswordComplexity{}).Check(""); err != nil {
		t.Errorf("zero policy: %v", err)
	}
}

func TestPolicyErrorMessage(t *testing.T) {
	err := defaultPolicy.Check("weak")
	want := "zitpass: the password does not meet the policy: shorter than 8 bytes, no upper case letter (A-Z), no digit (0-9), no symbol"
	if err.Error() != want {
		t.Errorf("Error() = %q\nwant      %q", err, want)
	}
	if got := fmt.Sprintln(client.RuleNumber.ErrorIDSuffix(), client.RuleMinLength.ErrorIDSuffix()); got != "ZBv4H HuJf6\n" {
		t.Errorf("id suffixes = %s", got)
	}
}
