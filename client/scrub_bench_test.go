package client

import (
	"net/http"
	"strings"
	"testing"
)

// BenchmarkNewAPIError measures what decoding an error answer costs with the request's
// secrets to scrub, against the same answer with none (the baseline, in the same run): a
// bulk import that is run again gets one such answer per user. The secrets are those of a
// CreateUser with an imported hash, and of a password change. Compare with
// benchstat -col /secrets.
func BenchmarkNewAPIError(b *testing.B) {
	zitadel := []byte(`{"code":9,"message":"Errors.User.AlreadyExisting (COMMAND-7yiox1isql)","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","id":"COMMAND-7yiox1isql","message":"Errors.User.AlreadyExisting"}]}`)
	proxy := []byte("<html><head><title>502 Bad Gateway</title></head><body>" + strings.Repeat("<p>upstream connect error or disconnect/reset before headers. reset reason: connection failure</p>", 20) + "</body></html>")
	secrets := []string{"$2a$10$cptgKLqNon8wQsiaCJtxmeuhs0U.bH8cujVb60iZWocZKeR79ZZ46", "N3w-Passw0rd!"}
	for _, bc := range []struct {
		name    string
		status  int
		body    []byte
		secrets []string
	}{
		{"body=zitadel/secrets=none", 400, zitadel, nil},
		{"body=zitadel/secrets=two", 400, zitadel, secrets},
		{"body=proxy-2KB/secrets=none", 502, proxy, nil},
		{"body=proxy-2KB/secrets=two", 502, proxy, secrets},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				newAPIError("UserService.CreateUser", bc.status, http.Header{}, bc.body, bc.secrets)
			}
		})
	}
}
