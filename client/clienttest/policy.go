package clienttest

// check applies the policy as ZITADEL does: length in bytes, then lower case, upper case,
// digit and symbol, where a symbol is any byte outside [A-Za-z0-9].
func (p PasswordComplexity) check(pw string) *zerr {
	if len(pw) < p.MinLength {
		return errTooShort
	}
	var lower, upper, digit, symbol bool
	for i := 0; i < len(pw); i++ {
		switch b := pw[i]; {
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
	switch {
	case p.RequiresLowercase && !lower:
		return errNoLower
	case p.RequiresUppercase && !upper:
		return errNoUpper
	case p.RequiresNumber && !digit:
		return errNoDigit
	case p.RequiresSymbol && !symbol:
		return errNoSymbol
	}
	return nil
}
