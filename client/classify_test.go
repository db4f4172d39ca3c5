package client_test

import (
	"errors"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

// The 5xx answers a real ZITADEL v4.13.1 gave (recorded in client/clienttest/testdata and documented in README.md "Retries").
const (
	bodyCahN2 = `{"code":13,"message":"An internal error occurred (COMMAND-CahN2)","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","id":"COMMAND-CahN2","message":"An internal error occurred"}]}`
	// The event push lost an optimistic-concurrency race; nothing was applied.
	bodyWriteConflict = `{"code":2,"message":"ERROR: duplicate key value violates unique constraint \"events2_pkey\" (SQLSTATE 23505) ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"ERROR: duplicate key value violates unique constraint \"events2_pkey\" (SQLSTATE 23505)"}]}`
	bodyBcrypt        = `{"code":2,"message":"bcrypt: password length exceeds 72 bytes ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"bcrypt: password length exceeds 72 bytes"}]}`
	bodyV1NoToken     = `{"code":2,"message":"rpc error: code = Unauthenticated desc = auth header missing ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"rpc error: code = Unauthenticated desc = auth header missing"}]}`
	bodyV1TooLong     = `{"code":2,"message":"rpc error: code = InvalidArgument desc = invalid SetHumanPasswordRequest.Password: value length must be between 1 and 72 runes, inclusive ()","details":[{"@type":"type.googleapis.com/zitadel.v1.ErrorDetail","message":"rpc error: code = InvalidArgument desc = invalid SetHumanPasswordRequest.Password: value length must be between 1 and 72 runes, inclusive"}]}`
)

// TestZitadelErrorsAreFinal: a 5xx that is ZITADEL's own error says the command failed
// and nothing was applied. It is answered after one request, for every call, as an
// *APIError matching ErrInternal (or the wrapped code), never ErrOutcomeUnknown.
func TestZitadelErrorsAreFinal(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error
	}{
		{"COMMAND-CahN2", bodyCahN2, client.ErrInternal},
		{"bcrypt limit", bodyBcrypt, client.ErrInternal},
		{"v1 interceptor validation", bodyV1TooLong, client.ErrInvalidArgument},
	}
	for _, ck := range callKinds {
		for _, tt := range tests {
			t.Run(ck.name+"/"+tt.name, func(t *testing.T) {
				srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 500, body: tt.body})
				err := ck.do(ctx, newFaultClient(t, srv.URL))
				var ae *client.APIError
				if !errors.As(err, &ae) || ae.StatusCode != 500 || ae.Attempts != 1 {
					t.Fatalf("err = %#v, want one *APIError 500", err)
				}
				if !errors.Is(err, tt.want) {
					t.Errorf("err = %v, want it to match %v", err, tt.want)
				}
				if errors.Is(err, client.ErrOutcomeUnknown) || ae.OutcomeUnknown {
					t.Errorf("err = %v matches ErrOutcomeUnknown; ZITADEL said nothing was applied", err)
				}
				if n := srv.requests.Load(); n != 1 {
					t.Errorf("server saw %d requests, want 1", n)
				}
			})
		}
	}
}

func TestCahN2Details(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 500, body: bodyCahN2})
	err := callKinds[4].do(ctx, newFaultClient(t, srv.URL))
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.ID != "COMMAND-CahN2" || ae.Code != client.Internal {
		t.Fatalf("err = %#v", err)
	}
}

// TestWriteConflictIsRetriedForEveryCall: the write-conflict answer means nothing was
// applied, so even calls that send a message or check a code are repeated.
func TestWriteConflictIsRetriedForEveryCall(t *testing.T) {
	for _, ck := range callKinds {
		t.Run(ck.name, func(t *testing.T) {
			f := fault{kind: faultStatusBefore, status: 500, body: bodyWriteConflict}
			srv := newFaultServer(t, f, f)
			if err := ck.do(ctx, newFaultClient(t, srv.URL)); err != nil {
				t.Fatalf("err = %v, want success after two conflicts", err)
			}
			if n := srv.requests.Load(); n != 3 {
				t.Errorf("server saw %d requests, want 3", n)
			}
		})
	}
}

func TestPersistentWriteConflictIsNotUnknown(t *testing.T) {
	f := fault{kind: faultStatusBefore, status: 500, body: bodyWriteConflict}
	srv := newFaultServer(t, f, f, f, f)
	err := callKinds[2].do(ctx, newFaultClient(t, srv.URL))
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.Attempts != 4 || errors.Is(err, client.ErrOutcomeUnknown) {
		t.Fatalf("err = %#v, want the conflict after 4 attempts, outcome known", err)
	}
	if !errors.Is(err, client.ErrInternal) {
		t.Errorf("err = %v, want ErrInternal", err)
	}
}

// TestOtherFiveHundredsStayAmbiguous: answers that do not come from ZITADEL's command
// layer say nothing about the outcome.
func TestOtherFiveHundredsStayAmbiguous(t *testing.T) {
	tests := map[string]fault{
		"504 code 4":       {kind: faultStatusAfter, status: 504, body: `{"code":4,"message":"context deadline exceeded"}`},
		"500 html":         {kind: faultStatusAfter, status: 500, body: `<html><body>Internal Server Error</body></html>`},
		"500 plain text":   {kind: faultStatusAfter, status: 500, body: "upstream failed"},
		"500 empty":        {kind: faultStatusAfter, status: 500},
		"500 code 2 no id": {kind: faultStatusAfter, status: 500, body: `{"code":2,"message":"ERROR: connection reset by peer ()"}`},
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) {
			srv := newFaultServer(t, f)
			err := callKinds[2].do(ctx, newFaultClient(t, srv.URL)) // a reset that sends an email
			if !errors.Is(err, client.ErrOutcomeUnknown) || srv.requests.Load() != 1 {
				t.Fatalf("err = %v after %d requests, want ErrOutcomeUnknown after 1", err, srv.requests.Load())
			}
		})
	}
}

func TestV1MissingTokenIsUnauthenticated(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 500, body: bodyV1NoToken})
	err := callKinds[0].do(ctx, newFaultClient(t, srv.URL))
	if !errors.Is(err, client.ErrUnauthenticated) || errors.Is(err, client.ErrOutcomeUnknown) || errors.Is(err, client.ErrInternal) {
		t.Fatalf("err = %v, want ErrUnauthenticated only", err)
	}
	if srv.requests.Load() != 1 {
		t.Errorf("server saw %d requests, want 1", srv.requests.Load())
	}
}

func TestNotImplementedIsFinal(t *testing.T) {
	srv := newFaultServer(t, fault{kind: faultStatusBefore, status: 501, body: `{"code":12,"message":"Not Implemented"}`})
	err := callKinds[4].do(ctx, newFaultClient(t, srv.URL)) // repeatable: would be retried if ambiguous
	var ae *client.APIError
	if !errors.As(err, &ae) || ae.StatusCode != 501 || errors.Is(err, client.ErrOutcomeUnknown) || srv.requests.Load() != 1 {
		t.Fatalf("err = %v after %d requests, want the 501 at once", err, srv.requests.Load())
	}
}
