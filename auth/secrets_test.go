package auth_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"golang.org/x/oauth2"
)

// secretForms are the ways a secret could show in an error: raw, JSON-escaped (as a log
// line holds it), URL-encoded (as a form or Basic credentials carry it) and base64 of the
// Basic credentials.
func secretForms(id, secret string) []string {
	enc, _ := json.Marshal(secret)
	return []string{secret, strings.Trim(string(enc), `"`), url.QueryEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id) + ":" + url.QueryEscape(secret)))}
}

// errorOutputs is everything an error prints as.
func errorOutputs(err error) []string {
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, err))
	}
	enc, _ := json.Marshal(err.Error())
	return append(outs, string(enc))
}

// TestErrorsNeverContainSecrets: whatever the token endpoint does, the errors of the
// exchanging sources contain neither the client secret, the private key, the assertion
// sent, nor an access token the answer held, in any form.
func TestErrorsNeverContainSecrets(t *testing.T) {
	const clientSecret = `cc-s3cr"et<&>\value`
	const accessToken = "AT-sEcr3t-Value"
	answers := map[string]struct {
		status      int
		contentType string
		body        string
	}{
		"error answer":              {400, "application/json", `{"error":"invalid_client","error_description":"client not found"}`},
		"html error page":           {502, "text/html", "<html>bad gateway</html>"},
		"form with a bad escape":    {200, "application/x-www-form-urlencoded", "access_token=" + accessToken[:6] + "%zz" + accessToken[6:] + "&token_type=Bearer"},
		"form with a semicolon":     {200, "application/x-www-form-urlencoded", "access_token=" + accessToken + ";token_type=Bearer"},
		"truncated json":            {200, "application/json", `{"access_token":"` + accessToken},
		"json with bad token_type":  {200, "application/json", `{"access_token":"` + accessToken + `","token_type":5}`},
		"json with a bad character": {200, "application/json", `{"access_token":"` + accessToken + `",` + accessToken + `}`},
		"plain text":                {200, "text/plain", accessToken},
	}
	for name, a := range answers {
		t.Run(name, func(t *testing.T) {
			var assertion string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				raw, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(raw))
				assertion = form.Get("assertion")
				w.Header().Set("Content-Type", a.contentType)
				w.WriteHeader(a.status)
				io.WriteString(w, a.body)
			}))
			defer srv.Close()
			jwt := must(auth.JWTProfile(context.Background(), srv.URL, serviceAccountKey(t)))
			cc := auth.ClientCredentials(context.Background(), srv.URL, "svc@acme", clientSecret)
			for source, ts := range map[string]oauth2.TokenSource{"jwt": jwt, "client credentials": cc} {
				_, err := ts.Token()
				te, ok := errors.AsType[*auth.TokenError](err)
				if !ok || te.StatusCode != a.status {
					t.Fatalf("%s: %v, want a *TokenError with HTTP %d", source, err, a.status)
				}
				forbidden := append(secretForms("svc@acme", clientSecret), accessToken, accessToken[:6], accessToken[6:],
					"%zz", "PRIVATE KEY", strings.Split(pkcs1PEM(testKey(t)), "\n")[1])
				if assertion != "" {
					forbidden = append(forbidden, assertion, strings.Split(assertion, ".")[2])
				}
				for _, out := range errorOutputs(err) {
					for _, s := range forbidden {
						if strings.Contains(out, s) {
							t.Errorf("%s: error output holds %q: %s", source, s, out)
						}
					}
				}
			}
		})
	}
}

// TestTransportErrorsNeverContainSecrets: a request that gets no answer, or whose context
// ends, fails without the credentials it carried.
func TestTransportErrorsNeverContainSecrets(t *testing.T) {
	const clientSecret = "cc-s3cret-value"
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	// The handler ends when the source cancels its request (the last waiter left); the
	// server notices a closed connection only once the body is read.
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	defer hanging.Close()
	for name, issuer := range map[string]string{"connection refused": closed.URL, "deadline": hanging.URL} {
		jwt := must(auth.JWTProfile(context.Background(), issuer, serviceAccountKey(t)))
		cc := auth.ClientCredentials(context.Background(), issuer, "svc", clientSecret)
		for source, ts := range map[string]oauth2.TokenSource{"jwt": jwt, "client credentials": cc} {
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			_, err := ts.(auth.ContextTokenSource).TokenContext(ctx)
			cancel()
			if err == nil {
				t.Fatalf("%s, %s: no error", name, source)
			}
			for _, out := range errorOutputs(err) {
				for _, s := range append(secretForms("svc", clientSecret), "PRIVATE KEY", strings.Split(pkcs1PEM(testKey(t)), "\n")[1]) {
					if strings.Contains(out, s) {
						t.Errorf("%s, %s: error output holds %q: %s", name, source, s, out)
					}
				}
			}
		}
	}
}
