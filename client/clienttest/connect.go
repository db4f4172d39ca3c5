package clienttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/zitpass/zitpass-go/client"
)

// The Connect transport: ZITADEL v4 serves its v2 services also as Connect unary calls
// with JSON, POST /zitadel.user.v2.UserService/CreateUser. The fake maps each procedure to
// its REST route: the request body is the same message, the path's id comes from its field,
// and a GET route's other fields become query parameters. Success answers 200 with the same
// JSON (CreateSession too); errors have Connect's shape, {"code":"invalid_argument",
// "message":...,"details":[{"type":"zitadel.v1.ErrorDetail","value":<base64 protobuf>,
// "debug":{...}}]}. v3 serves no Connect transport: its paths are the gateway's 404.

// connectProc is a procedure: its REST route and the body field that holds the path's id.
type connectProc struct {
	method, pattern string
	idField         string
}

var connectProcs = map[string]connectProc{
	"zitadel.user.v2.UserService/CreateUser":                            {"POST", "/v2/users/new", ""},
	"zitadel.user.v2.UserService/AddHumanUser":                          {"POST", "/v2/users/human", ""},
	"zitadel.user.v2.UserService/GetUserByID":                           {"GET", "/v2/users/{id}", "userId"},
	"zitadel.user.v2.UserService/UpdateUser":                            {"PATCH", "/v2/users/{id}", "userId"},
	"zitadel.user.v2.UserService/DeleteUser":                            {"DELETE", "/v2/users/{id}", "userId"},
	"zitadel.user.v2.UserService/ListAuthenticationMethodTypes":         {"GET", "/v2/users/{id}/authentication_methods", "userId"},
	"zitadel.user.v2.UserService/LockUser":                              {"POST", "/v2/users/{id}/lock", "userId"},
	"zitadel.user.v2.UserService/UnlockUser":                            {"POST", "/v2/users/{id}/unlock", "userId"},
	"zitadel.user.v2.UserService/PasswordReset":                         {"POST", "/v2/users/{id}/password_reset", "userId"},
	"zitadel.user.v2.UserService/SetPassword":                           {"POST", "/v2/users/{id}/password", "userId"},
	"zitadel.user.v2.UserService/CreateInviteCode":                      {"POST", "/v2/users/{id}/invite_code", "userId"},
	"zitadel.user.v2.UserService/VerifyInviteCode":                      {"POST", "/v2/users/{id}/invite_code/verify", "userId"},
	"zitadel.session.v2.SessionService/CreateSession":                   {"POST", "/v2/sessions", ""},
	"zitadel.session.v2.SessionService/ListSessions":                    {"POST", "/v2/sessions/search", ""},
	"zitadel.session.v2.SessionService/GetSession":                      {"GET", "/v2/sessions/{id}", "sessionId"},
	"zitadel.session.v2.SessionService/SetSession":                      {"PATCH", "/v2/sessions/{id}", "sessionId"},
	"zitadel.session.v2.SessionService/DeleteSession":                   {"DELETE", "/v2/sessions/{id}", "sessionId"},
	"zitadel.settings.v2.SettingsService/GetGeneralSettings":            {"GET", "/v2/settings", ""},
	"zitadel.settings.v2.SettingsService/GetLoginSettings":              {"GET", "/v2/settings/login", ""},
	"zitadel.settings.v2.SettingsService/GetPasswordComplexitySettings": {"GET", "/v2/settings/password/complexity", ""},
	"zitadel.settings.v2.SettingsService/GetLockoutSettings":            {"GET", "/v2/settings/lockout", ""},
	"zitadel.settings.v2.SettingsService/GetPasswordExpirySettings":     {"GET", "/v2/settings/password/expiry", ""},
	"zitadel.instance.v2.InstanceService/GetInstance":                   {"POST", "", ""},
}

// isConnectPath reports whether the path names a Connect procedure: /package.Service/Method.
func isConnectPath(path string) bool {
	return strings.HasPrefix(path, "/zitadel.") && strings.Count(path, "/") == 2
}

// serveConnect answers a Connect unary call and returns its pattern for the request log.
func (s *Server) serveConnect(w http.ResponseWriter, r *http.Request) string {
	name := strings.TrimPrefix(r.URL.EscapedPath(), "/")
	proc, ok := connectProcs[name]
	if !ok || s.version < 4 {
		s.writeErr(w, errNotFoundRoute)
		return r.URL.EscapedPath()
	}
	if r.Method != http.MethodPost {
		s.writeErr(w, errMethodNotAllowed)
		return r.URL.EscapedPath()
	}
	handle, r2, id, e := s.connectRequest(r, proc)
	s.withFaults(func(w http.ResponseWriter, _ *http.Request) {
		if e != nil {
			writeConnectError(w, e)
			return
		}
		resp, e := handle(s, r2, id)
		if e != nil {
			writeConnectError(w, e)
			return
		}
		writeJSON(w, http.StatusOK, resp)
	})(w, r)
	return "/" + name
}

// connectRequest turns a Connect call into the request of its REST route.
func (s *Server) connectRequest(r *http.Request, proc connectProc) (func(*Server, *http.Request, string) (any, *zerr), *http.Request, string, *zerr) {
	if proc.pattern == "" {
		return (*Server).getInstance, r, "", nil
	}
	var rt route
	for _, candidate := range routes {
		if candidate.method == proc.method && candidate.pattern == proc.pattern {
			rt = candidate
		}
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var msg map[string]any
	if len(bytes.TrimSpace(raw)) == 0 {
		msg = map[string]any{}
	} else if err != nil || json.Unmarshal(raw, &msg) != nil || msg == nil {
		return nil, nil, "", errInvalid("unmarshal message: invalid JSON")
	}
	msg = camelKeys(msg).(map[string]any)
	var id string
	if proc.idField != "" {
		id, _ = msg[proc.idField].(string)
		delete(msg, proc.idField)
	}
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = proc.pattern, "", ""
	body := []byte("{}")
	if proc.method == http.MethodGet {
		q := url.Values{}
		flatten("", msg, q)
		u.RawQuery = q.Encode()
	} else {
		body, _ = json.Marshal(msg)
	}
	r2 := r.Clone(r.Context())
	r2.Method, r2.URL = proc.method, &u
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	if proc.idField != "" && id == "" {
		return nil, nil, "", errInvalid("invalid request: " + proc.idField + " is required")
	}
	return rt.handle, r2, id, nil
}

// flatten turns a message into query parameters as grpc-gateway reads them: nested fields
// joined by dots.
func flatten(prefix string, v any, q url.Values) {
	switch t := v.(type) {
	case map[string]any:
		for k, val := range t {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, val, q)
		}
	case string:
		q.Set(prefix, t)
	case bool, float64:
		b, _ := json.Marshal(t)
		q.Set(prefix, string(b))
	}
}

// connectCodes are Connect's names of the gRPC codes.
var connectCodes = [...]string{"ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found",
	"already_exists", "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range",
	"unimplemented", "internal", "unavailable", "data_loss", "unauthenticated"}

// writeConnectError writes e in Connect's error shape. Its details carry ZITADEL's error
// detail as protobuf (zitadel.v1.ErrorDetail: id = 1, message = 2; CredentialsCheckError
// adds failed_attempts = 3) and, readable, as debug.
func writeConnectError(w http.ResponseWriter, e *zerr) {
	code := "unknown"
	if int(e.code) < len(connectCodes) {
		code = connectCodes[e.code]
	}
	gw := e.body()
	body := map[string]any{"code": code, "message": gw["message"]}
	if e.id != "" || e.raw {
		typ := "zitadel.v1.ErrorDetail"
		pb := protoString(nil, 1, e.id)
		pb = protoString(pb, 2, e.message)
		debug := map[string]any{"message": e.message}
		if e.id != "" {
			debug["id"] = e.id
		}
		if e.failedAttempts > 0 || e.credentials {
			typ = "zitadel.v1.CredentialsCheckError"
		}
		if e.failedAttempts > 0 { // protobuf leaves out a zero
			pb = append(pb, 3<<3, byte(e.failedAttempts)) // a varint; counts stay below 128
			debug["failedAttempts"] = e.failedAttempts
		}
		body["details"] = []any{map[string]any{"type": typ, "value": base64.RawStdEncoding.EncodeToString(pb), "debug": debug}}
	}
	status := e.httpStatus()
	if e.status == http.StatusMethodNotAllowed {
		status = client.Unimplemented.HTTPStatus()
	}
	writeJSON(w, status, body)
}

// protoString appends a protobuf string field; empty strings are not encoded.
func protoString(b []byte, field int, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, byte(field<<3|2))
	for n := len(v); ; n >>= 7 {
		if n < 0x80 {
			b = append(b, byte(n))
			break
		}
		b = append(b, byte(n&0x7f|0x80))
	}
	return append(b, v...)
}
