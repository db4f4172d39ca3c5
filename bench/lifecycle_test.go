package bench

//lint:file-ignore SA1019 the benchmarks measure the deprecated calls too, for servers older than v4

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/zitpass/zitpass-go/client"
)

const (
	sessionResponse = `{"details":{"sequence":"2","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000000"},"sessionId":"300000000000000077","sessionToken":"c2Vzc2lvbi10b2tlbi1zZWNyZXQtYmVuY2htYXJrLXNlc3Npb24tdG9rZW4tb2YtNzgtY2hhcmFjdGVycy14eHh4eA"}`
	addedResponse   = `{"userId":"300000000000000042","details":{"sequence":"2","changeDate":"2026-11-23T12:33:03.201225Z","resourceOwner":"300000000000000001"}}`
	password        = "Probe-Passw0rd!1"
	createdResponse = `{"id":"300000000000000042","creationDate":"2026-11-23T12:33:03.201225Z"}`
	updatedResponse = `{"changeDate":"2026-11-23T12:33:03.201225Z"}`
)

// newLifecycleServer answers sessions (201), user creation and deletion like ZITADEL.
func newLifecycleServer(b *testing.B) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v2/sessions":
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, sessionResponse)
		case r.Method == http.MethodPost && r.URL.Path == "/v2/users/human":
			io.WriteString(w, addedResponse)
		case r.Method == http.MethodPost && r.URL.Path == "/v2/users/new":
			io.WriteString(w, createdResponse)
		case r.Method == http.MethodPatch:
			io.WriteString(w, updatedResponse)
		default:
			io.WriteString(w, response)
		}
	}))
}

// do is the floor's request: JSON in, JSON out, bearer token.
func (f *floor) do(ctx context.Context, method, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, method, f.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+pat)
	resp, err := f.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

type floorCheck struct {
	Checks struct {
		User struct {
			UserID string `json:"userId"`
		} `json:"user"`
		Password struct {
			Password string `json:"password"`
		} `json:"password"`
	} `json:"checks"`
}

type floorSession struct {
	Details      floorResponse `json:"details"`
	SessionID    string        `json:"sessionId"`
	SessionToken string        `json:"sessionToken"`
}

// verifyPassword is the floor of Sessions.VerifyPassword: create a session with a password
// check, then delete it with its token.
func (f *floor) verifyPassword(ctx context.Context) error {
	var in floorCheck
	in.Checks.User.UserID, in.Checks.Password.Password = userID, password
	var s floorSession
	if err := f.do(ctx, http.MethodPost, "/v2/sessions", &in, &s); err != nil {
		return err
	}
	var out floorResponse
	return f.do(ctx, http.MethodDelete, "/v2/sessions/"+s.SessionID, map[string]string{"sessionToken": s.SessionToken}, &out)
}

type floorHuman struct {
	Username string `json:"username"`
	Profile  struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"profile"`
	Email struct {
		Email      string `json:"email"`
		IsVerified bool   `json:"isVerified"`
	} `json:"email"`
	Password struct {
		Password string `json:"password"`
	} `json:"password"`
}

type floorAdded struct {
	UserID  string        `json:"userId"`
	Details floorResponse `json:"details"`
}

var human = client.AddHumanUserRequest{Username: "minnie", GivenName: "Minnie", FamilyName: "Mouse",
	Email: "minnie@example.com", EmailVerified: true, Password: password}

func (f *floor) addHumanUser(ctx context.Context) error {
	var in floorHuman
	in.Username, in.Profile.GivenName, in.Profile.FamilyName = human.Username, human.GivenName, human.FamilyName
	in.Email.Email, in.Email.IsVerified, in.Password.Password = human.Email, true, password
	var out floorAdded
	return f.do(ctx, http.MethodPost, "/v2/users/human", &in, &out)
}

// benchPair runs the floor and the SDK doing the same thing, in the same run.
func benchPair(b *testing.B, floorCall func(*floor) error, sdkCall func(*client.Client) error) {
	b.Run("impl=floor", func(b *testing.B) {
		srv := newLifecycleServer(b)
		defer srv.Close()
		f := &floor{hc: &http.Client{Transport: newTransport()}, url: srv.URL}
		defer f.hc.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			if err := floorCall(f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=sdk", func(b *testing.B) {
		srv := newLifecycleServer(b)
		defer srv.Close()
		c := newSDK(b, srv.URL)
		defer c.CloseIdleConnections()
		b.ReportAllocs()
		for b.Loop() {
			if err := sdkCall(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifyPassword: Sessions.VerifyPassword (two requests: create and delete the
// session) against the floor.
func BenchmarkVerifyPassword(b *testing.B) {
	ctx := context.Background()
	benchPair(b, func(f *floor) error { return f.verifyPassword(ctx) },
		func(c *client.Client) error { return c.Sessions.VerifyPassword(ctx, client.ByUserID(userID), password) })
}

// BenchmarkAddHumanUser: Users.AddHumanUser with a password against the floor.
func BenchmarkAddHumanUser(b *testing.B) {
	ctx := context.Background()
	benchPair(b, func(f *floor) error { return f.addHumanUser(ctx) },
		func(c *client.Client) error { _, err := c.Users.AddHumanUser(ctx, human); return err })
}
