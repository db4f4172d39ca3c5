package client

import (
	"strconv"
	"strings"
)

// PasswordComplexity is a password complexity policy, as SettingsService.PasswordComplexity
// returns it. The zero value accepts every password.
type PasswordComplexity struct {
	MinLength         int // in bytes, as ZITADEL counts
	RequiresUppercase bool
	RequiresLowercase bool
	RequiresNumber    bool
	RequiresSymbol    bool
}

// PolicyRule is a rule of a password complexity policy.
type PolicyRule int

// The rules of a password complexity policy, in the order ZITADEL checks them.
const (
	RuleMinLength PolicyRule = iota
	RuleLowercase
	RuleUppercase
	RuleNumber
	RuleSymbol
)

var ruleText = [...]string{
	RuleMinLength: "too short",
	RuleLowercase: "no lower case letter (a-z)",
	RuleUppercase: "no upper case letter (A-Z)",
	RuleNumber:    "no digit (0-9)",
	RuleSymbol:    "no symbol",
}

// ruleIDs are the suffixes of the ids ZITADEL answers a broken rule with; the prefix
// differs between calls (DOMAIN- for SetPassword, COMMA- for AddHumanUser).
var ruleIDs = [...]string{
	RuleMinLength: "HuJf6",
	RuleLowercase: "co3Xw",
	RuleUppercase: "VoaRj",
	RuleNumber:    "ZBv4H",
	RuleSymbol:    "ZDLwA",
}

// String describes the rule, e.g. "no digit (0-9)".
func (r PolicyRule) String() string {
	if r >= 0 && int(r) < len(ruleText) {
		return ruleText[r]
	}
	return "PolicyRule(" + strconv.Itoa(int(r)) + ")"
}

// ErrorIDSuffix is the suffix of the error id ZITADEL answers when a password breaks the
// rule first, e.g. "HuJf6" for RuleMinLength: APIError.ID ends in "-" and the suffix.
func (r PolicyRule) ErrorIDSuffix() string {
	if r >= 0 && int(r) < len(ruleIDs) {
		return ruleIDs[r]
	}
	return ""
}

// PolicyError is the error of PasswordComplexity.Check: the rules a password breaks. It
// matches ErrPasswordPolicy and ErrInvalidArgument, as ZITADEL's answer to such a password
// does, and it never contains the password.
type PolicyError struct {
	// Broken lists every rule the password breaks, in ZITADEL's order: Broken[0] is the
	// one ZITADEL would report.
	Broken    []PolicyRule
	MinLength int // the policy's minimum length, for messages
}

// Error names every broken rule.
func (e *PolicyError) Error() string {
	parts := make([]string, len(e.Broken))
	for i, r := range e.Broken {
		parts[i] = r.String()
		if r == RuleMinLength {
			parts[i] = "shorter than " + strconv.Itoa(e.MinLength) + " bytes"
		}
	}
	return "zitpass: the password does not meet the policy: " + strings.Join(parts, ", ")
}

// Is makes a PolicyError match ErrPasswordPolicy and ErrInvalidArgument.
func (e *PolicyError) Is(target error) bool {
	return target == ErrPasswordPolicy || target == ErrInvalidArgument
}

// Check applies the policy as ZITADEL does: length in bytes, a lower case letter [a-z],
// an upper case letter [A-Z], a digit [0-9], and a symbol, which is any byte outside
// [A-Za-z0-9] (so "ä" counts as a symbol, and as two bytes). It returns nil when ZITADEL
// would accept the password, else a *PolicyError naming every rule it breaks, so that a
// form can show them all at once.
func (p PasswordComplexity) Check(password string) error {
	var lower, upper, digit, symbol bool
	for i := 0; i < len(password); i++ {
		switch b := password[i]; {
		case 'a' <= b && b <= 'z':
			lower = true
		case 'A' <= b && b <= 'Z':
			upper = true
		case '0' <= b && b <= '9':
			digit = true
		default:
			symbol = true
		}
	}
	var broken []PolicyRule
	for _, r := range []struct {
		rule   PolicyRule
		broken bool
	}{
		{RuleMinLength, len(password) < p.MinLength},
		{RuleLowercase, p.RequiresLowercase && !lower},
		{RuleUppercase, p.RequiresUppercase && !upper},
		{RuleNumber, p.RequiresNumber && !digit},
		{RuleSymbol, p.RequiresSymbol && !symbol},
	} {
		if r.broken {
			broken = append(broken, r.rule)
		}
	}
	if broken == nil {
		return nil
	}
	return &PolicyError{Broken: broken, MinLength: p.MinLength}
}
