package client_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

var (
	errorsIs = errors.Is
	errorsAs = func(err error, target any) bool { return errors.As(err, target) }
)

// zitadelError builds an error body the way ZITADEL's gateway does.
func zitadelError(code int, msg, id string) string {
	if id == "" {
		return jsonString(map[string]any{"code": code, "message": msg, "details": []any{}})
	}
	return jsonString(map[string]any{
		"code":    code,
		"message": msg + " (" + id + ")",
		"details": []any{map[string]any{"@type": "type.googleapis.com/zitadel.v1.ErrorDetail", "id": id, "message": msg}},
	})
}

// The rows of the error table in zitadel-facts.md.
var errorRows = []struct {
	name     string
	status   int
	body     string
	code     client.Code
	id       string
	sentinel error
}{
	{"reset unknown user", 404, zitadelError(5, "User could not be found", "COMMAND-SAF4f"), client.NotFound, "COMMAND-SAF4f", client.ErrNotFound},
	{"set unknown user", 400, zitadelError(9, "Password not found", "COMMAND-G8dh3"), client.FailedPrecondition, "COMMAND-G8dh3", client.ErrFailedPrecondition},
	{"v1 other org", 400, zitadelError(9, "User not found", "COMMAND-3M0fs"), client.FailedPrecondition, "COMMAND-3M0fs", client.ErrFailedPrecondition},
	{"code used", 400, zitadelError(9, "Code is empty", "COMMAND-2M9fs"), client.FailedPrecondition, "COMMAND-2M9fs", client.ErrFailedPrecondition},
	{"code wrong", 400, zitadelError(3, "Code is invalid", "CODE-woT0xc"), client.InvalidArgument, "CODE-woT0xc", client.ErrInvalidArgument},
	{"code expired", 400, zitadelError(9, "Code is expired", "CODE-QvUQ4P"), client.FailedPrecondition, "CODE-QvUQ4P", client.ErrFailedPrecondition},
	{"wrong current password", 400, `{"code":3,"message":"Password is invalid (COMMAND-3M0fs)","details":[{"@type":"type.googleapis.com/zitadel.v1.CredentialsCheckError","id":"COMMAND-3M0fs","message":"Password is invalid","failedAttempts":2}]}`,
		client.InvalidArgument, "COMMAND-3M0fs", client.ErrInvalidArgument},
	{"too short", 400, zitadelError(3, "Password is too short", "DOMAIN-HuJf6"), client.InvalidArgument, "DOMAIN-HuJf6", client.ErrInvalidArgument},
	{"no upper", 400, zitadelError(3, "Password must contain upper case", "DOMAIN-VoaRj"), client.InvalidArgument, "DOMAIN-VoaRj", client.ErrInvalidArgument},
	{"no lower", 400, zitadelError(3, "Password must contain lower case", "DOMAIN-co3Xw"), client.InvalidArgument, "DOMAIN-co3Xw", client.ErrInvalidArgument},
	{"no digit", 400, zitadelError(3, "Password must contain number", "DOMAIN-ZBv4H"), client.InvalidArgument, "DOMAIN-ZBv4H", client.ErrInvalidArgument},
	{"no symbol", 400, zitadelError(3, "Password must contain symbol", "DOMAIN-ZDLwA"), client.InvalidArgument, "DOMAIN-ZDLwA", client.ErrInvalidArgument},
	{"reset uninitialized", 400, zitadelError(9, "User not initialized", "COMMAND-Sfe4g"), client.FailedPrecondition, "COMMAND-Sfe4g", client.ErrFailedPrecondition},
	{"set uninitialized", 400, zitadelError(9, "User not initialized", "COMMAND-M9dse"), client.FailedPrecondition, "COMMAND-M9dse", client.ErrFailedPrecondition},
	{"empty code", 400, `{"code":3,"message":"invalid SetPasswordRequest.VerificationCode: value length must be between 1 and 20 runes, inclusive"}`, client.InvalidArgument, "", client.ErrInvalidArgument},
	{"v2 no auth header", 401, `{"code":16,"message":"auth header missing","details":[]}`, client.Unauthenticated, "", client.ErrUnauthenticated},
	{"v1 no auth header", 500, `{"code":2,"message":"rpc error: code = Unauthenticated desc = auth header missing","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"auth header missing"}]}`, client.Unknown, "", client.ErrUnauthenticated},
	{"invalid token", 401, zitadelError(16, "Token is invalid", "AUTH-7fs1e"), client.Unauthenticated, "AUTH-7fs1e", client.ErrUnauthenticated},
	{"missing permission", 403, zitadelError(7, "No matching permissions found", "AUTH-5mWD2"), client.PermissionDenied, "AUTH-5mWD2", client.ErrPermissionDenied},
	{"unknown org", 403, zitadelError(7, "Organisation doesn't exist", "AUTH-Bs7Ds"), client.PermissionDenied, "AUTH-Bs7Ds", client.ErrPermissionDenied},
	{"quota", 429, zitadelError(8, "Quota exceeded", "QUOTA-vjAy8"), client.ResourceExhausted, "QUOTA-vjAy8", client.ErrRateLimited},
	{"unavailable", 503, `{"code":14,"message":"server is starting"}`, client.Unavailable, "", client.ErrUnavailable},
}

func TestErrorDecodingTable(t *testing.T) {
	allSentinels := []error{client.ErrInvalidArgument, client.ErrNotFound, client.ErrAlreadyExists, client.ErrPermissionDenied,
		client.ErrUnauthenticated, client.ErrFailedPrecondition, client.ErrRateLimited, client.ErrUnavailable, client.ErrInternal, client.ErrOutcomeUnknown}
	for _, row := range errorRows {
		t.Run(row.name, func(t *testing.T) {
			srv := newRecorder(t, respond(row.status, row.body))
			c := srv.client(t, client.WithoutRetries())
			_, err := c.Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", CurrentPassword: "0ld-Passw0rd!"})
			var ae *client.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %#v, want *APIError", err)
			}
			if ae.StatusCode != row.status || ae.Code != row.code || ae.ID != row.id {
				t.Errorf("got status %d code %v id %q, want %d %v %q", ae.StatusCode, ae.Code, ae.ID, row.status, row.code, row.id)
			}
			if ae.Operation != "UserService.SetPassword" || ae.RequestID != "req-42" || ae.Attempts != 1 {
				t.Errorf("operation %q request id %q attempts %d", ae.Operation, ae.RequestID, ae.Attempts)
			}
			for _, s := range allSentinels {
				if got := errors.Is(err, s); got != (s == row.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			if row.id != "" && !strings.Contains(err.Error(), row.id) {
				t.Errorf("Error() = %q lacks the id", err)
			}
			if strings.Contains(err.Error(), "N3w-Passw0rd!") || strings.Contains(err.Error(), "0ld-Passw0rd!") {
				t.Errorf("Error() leaks a password: %q", err)
			}
		})
	}
}

func TestCredentialsCheckErrorFailedAttempts(t *testing.T) {
	body := errorRows[6].body
	srv := newRecorder(t, respond(400, body))
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x", CurrentPassword: "y"})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.FailedAttempts != 2 {
		t.Fatalf("err = %v, want FailedAttempts 2", err)
	}
}

func TestIDFromMessageWhenDetailsLackIt(t *testing.T) {
	srv := newRecorder(t, respond(400, `{"code":9,"message":"Code is empty (COMMAND-2M9fs)"}`))
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x", VerificationCode: "ABCDEF"})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.ID != "COMMAND-2M9fs" || ae.Message != "Code is empty (COMMAND-2M9fs)" {
		t.Fatalf("err = %#v", ae)
	}
	if strings.Count(err.Error(), "COMMAND-2M9fs") != 1 {
		t.Errorf("Error() = %q, want the id once", err)
	}
}

func TestNonJSONErrorBodies(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		code    client.Code
		message string
	}{
		{"empty 502", 502, "", "", client.Unavailable, "Bad Gateway"},
		{"html 502", 502, "text/html", "<html><body>\n<h1>502 Bad Gateway</h1>\n</body></html>", client.Unavailable, "<html><body> <h1>502 Bad Gateway</h1> </body></html>"},
		{"plain 404", 404, "text/plain", "404 page not found\n", client.NotFound, "404 page not found"},
		{"json without code", 403, "application/json", `{"error":"forbidden"}`, client.PermissionDenied, `{"error":"forbidden"}`},
		{"redirect", 302, "", "", client.Unknown, "Found"},
		{"truncated json", 500, "application/json", `{"code":13,"mess`, client.Internal, `{"code":13,"mess`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.ctype != "" {
					w.Header().Set("Content-Type", tt.ctype)
				}
				if tt.status == 302 {
					w.Header().Set("Location", "https://evil.example/steal")
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			_, err := srv.client(t, client.WithoutRetries()).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"})
			var ae *client.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v", err)
			}
			if ae.StatusCode != tt.status || ae.Code != tt.code || ae.Message != tt.message {
				t.Errorf("got %d %v %q, want %d %v %q", ae.StatusCode, ae.Code, ae.Message, tt.status, tt.code, tt.message)
			}
			if n := len(srv.requests()); n != 1 {
				t.Errorf("server saw %d requests", n)
			}
		})
	}
}

func TestErrorBodyReadThroughLimit(t *testing.T) {
	srv := newRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for i := 0; i < 64; i++ { // 4 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "x"})
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 400 {
		t.Fatalf("err = %v", err)
	}
	if len(ae.Message) > 300 {
		t.Errorf("message is %d bytes long", len(ae.Message))
	}
}

func TestServerEchoingSecretsIsScrubbed(t *testing.T) {
	srv := newRecorder(t, respond(400, `{"code":3,"message":"bad password N3w-Passw0rd! for code QWERTY and current 0ld-Passw0rd!"}`))
	_, err := srv.client(t).Users.SetPassword(ctx, "u1", client.SetPasswordRequest{NewPassword: "N3w-Passw0rd!", VerificationCode: "QWERTY"})
	for _, secret := range []string{"N3w-Passw0rd!", "QWERTY"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Error() leaks %q: %s", secret, err)
		}
	}
}

func TestCodeString(t *testing.T) {
	for code, want := range map[client.Code]string{client.OK: "OK", client.NotFound: "NotFound", client.Unauthenticated: "Unauthenticated", client.FailedPrecondition: "FailedPrecondition", 42: "Code(42)", -1: "Code(-1)"} {
		if got := code.String(); got != want {
			t.Errorf("Code(%d).String() = %q, want %q", int(code), got, want)
		}
	}
	if client.NotFound != 5 || client.Unauthenticated != 16 {
		t.Error("gRPC code values changed")
	}
}

func TestCodeHTTPStatus(t *testing.T) {
	want := map[client.Code]int{client.InvalidArgument: 400, client.FailedPrecondition: 400, client.OutOfRange: 400, client.Unauthenticated: 401,
		client.PermissionDenied: 403, client.NotFound: 404, client.AlreadyExists: 409, client.Aborted: 409, client.ResourceExhausted: 429,
		client.Unknown: 500, client.Internal: 500, client.DataLoss: 500, client.Unimplemented: 501, client.Unavailable: 503, client.DeadlineExceeded: 504}
	for code, status := range want {
		if got := code.HTTPStatus(); got != status {
			t.Errorf("%v.HTTPStatus() = %d, want %d", code, got, status)
		}
	}
}

func TestValidationErrorMatchesInvalidArgument(t *testing.T) {
	var err error = &client.ValidationError{Field: "userID", Reason: "must not be empty"}
	if !errors.Is(err, client.ErrInvalidArgument) || errors.Is(err, client.ErrNotFound) {
		t.Error("ValidationError sentinel matching is wrong")
	}
	if err.Error() != "zitpass: invalid userID: must not be empty" {
		t.Errorf("Error() = %q", err)
	}
}
