package main

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
)

// controlPrefix is where the control API lives: a path no ZITADEL serves.
const controlPrefix = "/_fake/"

// offsetClock is the fake's clock: the real time plus an offset that POST /_fake/clock
// moves forward, so that harnesses let lifetimes pass without waiting.
type offsetClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *offsetClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *offsetClock) advance(d time.Duration) time.Time {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	return c.Now()
}

func (c *offsetClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
}

// control serves the control API. It is ready once the seed is applied and snapshotted;
// before, it answers 503.
type control struct {
	clock  *offsetClock
	logger *slog.Logger // nil: quiet

	mu       sync.Mutex // serializes the control calls, and guards the fields below
	srv      *clienttest.Server
	st       *state
	seedOrgs map[string]string // st.Orgs at the snapshot
	seedUser map[string]string // st.Users at the snapshot
	snap     *clienttest.Snapshot
}

// ready takes the seeded server's snapshot: what POST /_fake/reset returns to.
func (c *control) ready(srv *clienttest.Server, st *state) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.srv, c.st = srv, st
	c.seedOrgs, c.seedUser = maps.Clone(st.Orgs), maps.Clone(st.Users)
	c.snap = srv.Snapshot()
}

// middleware answers the control API's paths and passes every other request to the fake.
func (c *control) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, controlPrefix) {
			next.ServeHTTP(w, r)
			return
		}
		status := c.serve(w, r)
		if c.logger != nil {
			c.logger.Info("control", "method", r.Method, "path", r.URL.EscapedPath(), "status", status)
		}
	})
}

// controlError is an answer of the control API that is not a success.
type controlError struct {
	status int
	msg    string
}

func badRequest(format string, args ...any) *controlError {
	return &controlError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// serve answers one control call and returns its status.
func (c *control) serve(w http.ResponseWriter, r *http.Request) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var resp any
	var e *controlError
	switch {
	case c.snap == nil:
		e = &controlError{http.StatusServiceUnavailable, "the fake is still starting"}
	case !c.authorized(r):
		e = &controlError{http.StatusUnauthorized, `the control API needs the administrator's token: "Authorization: Bearer <pat>"`}
	default:
		resp, e = c.route(w, r)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if e != nil {
		w.WriteHeader(e.status)
		json.NewEncoder(w).Encode(map[string]string{"error": e.msg})
		return e.status
	}
	json.NewEncoder(w).Encode(resp)
	return http.StatusOK
}

func (c *control) authorized(r *http.Request) bool {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(c.srv.PAT())) == 1
}

// route dispatches a control call by method and path.
func (c *control) route(w http.ResponseWriter, r *http.Request) (any, *controlError) {
	path := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, controlPrefix), "/")
	method := func(allowed ...string) *controlError {
		for _, m := range allowed {
			if r.Method == m {
				return nil
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return &controlError{http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: want %s", r.Method, r.URL.Path, strings.Join(allowed, " or "))}
	}
	switch {
	case path == "outbox":
		if e := method(http.MethodGet, http.MethodDelete); e != nil {
			return nil, e
		}
		if r.Method == http.MethodDelete {
			n := len(c.srv.Notifications())
			c.srv.ClearNotifications()
			return map[string]int{"cleared": n}, nil
		}
		return c.outbox(), nil
	case path == "reset":
		if e := method(http.MethodPost); e != nil {
			return nil, e
		}
		return c.reset(), nil
	case path == "users":
		if e := method(http.MethodPost); e != nil {
			return nil, e
		}
		return c.addUser(r)
	case isLockPath(path):
		if e := method(http.MethodPost); e != nil {
			return nil, e
		}
		seg := strings.Split(path, "/")
		return c.lock(seg[1], seg[2] == "lock")
	case path == "clock":
		if e := method(http.MethodGet, http.MethodPost); e != nil {
			return nil, e
		}
		if r.Method == http.MethodPost {
			return c.advance(r)
		}
		return clockAnswer(c.clock.Now()), nil
	}
	return nil, &controlError{http.StatusNotFound, "no control call " + r.URL.Path + " (see zitadel-fake -help)"}
}

// isLockPath reports whether path is "users/{id}/lock" or "users/{id}/unlock".
func isLockPath(path string) bool {
	seg := strings.Split(path, "/")
	return len(seg) == 3 && seg[0] == "users" && seg[1] != "" && (seg[2] == "lock" || seg[2] == "unlock")
}

// notification is an outbox entry as the control API answers it.
type notification struct {
	UserID string `json:"userId"`
	Type   string `json:"type"` // "email" or "sms"
	Code   string `json:"code"`
	Link   string `json:"link"`
}

func (c *control) outbox() []notification {
	out := []notification{}
	for _, n := range c.srv.Notifications() {
		kind := "email"
		if n.Type == client.NotificationSMS {
			kind = "sms"
		}
		out = append(out, notification{UserID: n.UserID, Type: kind, Code: n.Code, Link: n.Link})
	}
	return out
}

// reset puts the fake back to the state right after startup, its clock included.
func (c *control) reset() any {
	c.srv.Restore(c.snap)
	c.st.Orgs, c.st.Users = maps.Clone(c.seedOrgs), maps.Clone(c.seedUser)
	c.clock.reset()
	return map[string]any{}
}

// addUser is POST /_fake/users: one user as the seed file has them.
func (c *control) addUser(r *http.Request) (any, *controlError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, badRequest("reading the body: %v", err)
	}
	var u seedUser
	if err := decodeStrict(raw, &u); err != nil {
		return nil, badRequest("the body is not a user of the seed file (id, username, email, phone, password, passwordHash, changeRequired, initial, org): %v", err)
	}
	if err := c.checkNew(u); err != nil {
		return nil, badRequest("%v", err)
	}
	id, orgID, err := addSeedUser(c.srv, c.st, u)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return map[string]string{"userId": id, "orgId": orgID}, nil
}

// decodeStrict decodes one JSON object and refuses unknown fields: a typo in a field name
// must not create a user without the password the harness meant.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// checkNew refuses a user whose id or username the fake already has: AddHumanUser would
// replace the first.
func (c *control) checkNew(u seedUser) error {
	if u.ID != "" && c.srv.UserState(u.ID) != client.UserStateUnspecified {
		return fmt.Errorf("user id %q is taken", u.ID)
	}
	taken := func(name string) bool { return strings.EqualFold(name, u.Username) }
	for _, h := range c.srv.Users() {
		if taken(h.Username) {
			return fmt.Errorf("username %q is taken", u.Username)
		}
	}
	for name := range c.st.ServiceUsers {
		if taken(name) {
			return fmt.Errorf("username %q is taken", u.Username)
		}
	}
	if taken(adminUsername) {
		return fmt.Errorf("username %q is the administrator's", u.Username)
	}
	return nil
}

// adminUsername is the username of the PAT's owner in clienttest.
const adminUsername = "zitadel-admin"

func (c *control) lock(id string, lock bool) (any, *controlError) {
	ok := c.srv.UnlockUser
	if lock {
		ok = c.srv.LockUser
	}
	if !ok(id) {
		return nil, &controlError{http.StatusNotFound, fmt.Sprintf("no user %q", id)}
	}
	// The state as ZITADEL names it, e.g. "USER_STATE_LOCKED".
	return map[string]string{"userId": id, "state": "USER_STATE_" + strings.ToUpper(c.srv.UserState(id).String())}, nil
}

// advance is POST /_fake/clock {"advance": "2s"}.
func (c *control) advance(r *http.Request) (any, *controlError) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, badRequest("reading the body: %v", err)
	}
	var req struct {
		Advance *string `json:"advance"`
	}
	if err := decodeStrict(raw, &req); err != nil || req.Advance == nil {
		return nil, badRequest(`want {"advance": "<duration>"}, e.g. {"advance": "2s"} or {"advance": "1h30m"}`)
	}
	d, err := time.ParseDuration(*req.Advance)
	switch {
	case err != nil:
		return nil, badRequest("advance %q: not a duration such as \"2s\", \"1.5s\" or \"1h30m\"", *req.Advance)
	case d < 0:
		return nil, badRequest("advance %q: the clock only moves forward (POST /_fake/reset sets it back)", *req.Advance)
	}
	return clockAnswer(c.clock.advance(d)), nil
}

func clockAnswer(now time.Time) map[string]string {
	return map[string]string{"now": now.UTC().Format(time.RFC3339Nano)}
}
