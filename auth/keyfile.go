package auth

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"time"
)

// keyFile is the JSON key file ZITADEL issues for a service user ("serviceaccount") or an
// application ("application").
type keyFile struct {
	Type           string `json:"type"`
	KeyID          string `json:"keyId"`
	Key            string `json:"key"`
	UserID         string `json:"userId"`
	ClientID       string `json:"clientId"`
	ExpirationDate string `json:"expirationDate"`
}

// signingKey is what a key file yields: who signs, with which key.
type signingKey struct {
	keyID   string
	subject string // iss and sub of the assertion: the user id, or the application's client id
	key     *rsa.PrivateKey
}

// parseKeyFile validates a key file. now is for the expiration check.
func parseKeyFile(data []byte, now time.Time) (*signingKey, error) {
	fail := func(reason string, err error) (*signingKey, error) {
		return nil, &KeyFileError{Reason: reason, Err: err}
	}
	var kf keyFile
	if err := json.Unmarshal(data, &kf); err != nil {
		// The decoder's message can quote the file's content; keep only its kind.
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) {
			return fail("not JSON", nil)
		}
		return fail("not a ZITADEL key file (a field has the wrong JSON type)", nil)
	}
	var subject string
	switch kf.Type {
	case "serviceaccount":
		subject = kf.UserID
		if subject == "" {
			return fail(`missing "userId"`, nil)
		}
	case "application":
		subject = kf.ClientID
		if subject == "" {
			return fail(`missing "clientId"`, nil)
		}
	case "":
		return fail(`missing "type"`, nil)
	default:
		return fail(`"type" must be "serviceaccount" or "application"`, nil)
	}
	if kf.KeyID == "" {
		return fail(`missing "keyId"`, nil)
	}
	if kf.Key == "" {
		return fail(`missing "key"`, nil)
	}
	if kf.ExpirationDate != "" {
		exp, err := time.Parse(time.RFC3339Nano, kf.ExpirationDate)
		if err != nil {
			return fail(`"expirationDate" is not an RFC 3339 time`, nil)
		}
		if !now.Before(exp) {
			return fail("the key expired at "+exp.UTC().Format(time.RFC3339)+"; create a new key", nil)
		}
	}
	key, err := parseRSAKey([]byte(kf.Key))
	if err != nil {
		return fail(err.Error(), nil)
	}
	return &signingKey{keyID: kf.KeyID, subject: subject, key: key}, nil
}

// parseRSAKey reads an unencrypted RSA private key in PKCS#1 or PKCS#8 PEM.
func parseRSAKey(data []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New(`"key" is not a PEM block`)
	}
	if block.Type == "ENCRYPTED PRIVATE KEY" || block.Headers["Proc-Type"] != "" {
		return nil, errors.New(`"key" is encrypted; ZITADEL key files hold an unencrypted key`)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New(`"key" is not a valid PKCS#1 RSA private key`)
		}
		return key, nil
	case "PRIVATE KEY":
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, errors.New(`"key" is not a valid PKCS#8 private key`)
		}
		key, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New(`"key" is not an RSA key; RS256 needs one`)
		}
		return key, nil
	}
	return nil, errors.New(`"key" is a PEM block of type "` + block.Type + `", not an RSA private key`)
}
