// Package conformance is the SDK's scenario suite: it drives a ZITADEL through the SDK's
// own calls, step by step, and records what each step sent and got, so that two servers
// (a real ZITADEL and the fake of package clienttest) can be compared answer by answer.
//
// The suite is safe on a real instance: it creates only its own users (a unique prefix,
// in one organization), never sends email or SMS (emails are created verified, reset codes
// are returned, not sent), locks only its own users, and deletes every user it created at
// the end, also after a failure or a cancelled context.
//
// cmd/zitpass's "conformance" command runs it against a server and a fake configured like
// it and prints Diff's table; Probe reads what the suite needs outside the SDK (the
// server's version, the standalone fake's clock); WriteTranscript writes a run in the
// transcript format that client/clienttest/conformance_test.go replays.
package conformance

//lint:file-ignore SA1019 the suite drives the deprecated calls on purpose: they are part of what it compares

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// Step is one step of the suite: the SDK call it made and the exchanges it caused.
type Step struct {
	Name      string
	Exchanges []Exchange

	run    *runID        // the run's prefix and ids, which WriteTranscript names canonically
	waited time.Duration // how long the run waited (Config.Wait) right before the step
}

// runID is what makes a run's names and ids unique.
type runID struct {
	prefix string
	idBase int64
}

// Config configures a run.
type Config struct {
	// Prefix makes the run's usernames and ids unique, e.g. "zpconf-1a2b3c". Required.
	Prefix string
	// IDBase is the first of the 19-digit decimal user ids the run chooses; 0 derives one
	// from Prefix.
	IDBase int64
	// OrgID is the organization the users are created in; "" is the caller's own.
	OrgID string
	// Wait waits d of the server's time, for session lifetimes to pass. nil skips the
	// steps that need it. A real server needs a real wait; a fake can advance its clock.
	Wait func(ctx context.Context, d time.Duration) error
	// Log receives what the run created and removed; nil discards it.
	Log io.Writer
	// Edit, when not nil, changes each exchange as it is recorded, before it is kept: a
	// test seam, to show that one wrong answer is reported as its step.
	Edit func(*Exchange)
}

// Build returns a client for the server under test whose requests go through rt; the
// suite passes its recording transport and turns retries off.
type Build func(opts ...client.Option) (*client.Client, error)

// run is the state of one run.
type run struct {
	ctx     context.Context
	cfg     Config
	c       *client.Client
	rec     *recorder
	steps   []Step
	created []string // user ids, for the cleanup
	log     io.Writer
	ident   *runID
	waited  time.Duration // the wait before the next step

	policy  client.PasswordComplexity
	lockout client.Lockout
}

// hash is a bcrypt hash (cost 4) of hashPlain, as an imported user store would have it.
const (
	hash      = "$2a$04$.T0R.TVGVXif3jcfSZniGOxKvTjgucqx.ctrs16anrQP/C6qceiDq"
	hashPlain = "Hashed-Passw0rd!1"
)

// Run runs the suite against the server build reaches and returns its steps. The users
// the run created are deleted before Run returns, whatever happened; the deletions are not
// steps.
func Run(ctx context.Context, build Build, cfg Config) ([]Step, error) {
	if cfg.Prefix == "" {
		return nil, errors.New("zitpass: conformance: Config.Prefix is required")
	}
	rec := &recorder{base: http.DefaultTransport, edit: cfg.Edit}
	c, err := build(client.WithHTTPClient(&http.Client{Transport: rec, Timeout: time.Minute}), client.WithoutRetries())
	if err != nil {
		return nil, err
	}
	r := &run{ctx: ctx, cfg: cfg, c: c, rec: rec, log: cfg.Log}
	if r.log == nil {
		r.log = io.Discard
	}
	if r.cfg.IDBase == 0 {
		r.cfg.IDBase = idBase(cfg.Prefix)
	}
	r.ident = &runID{prefix: r.cfg.Prefix, idBase: r.cfg.IDBase}
	defer r.cleanup(ctx)
	err = r.scenarios(ctx)
	return r.steps, err
}

// idBase derives a 19-digit decimal id base from the prefix.
func idBase(prefix string) int64 {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(prefix); i++ {
		h = (h ^ uint64(prefix[i])) * 1099511628211
	}
	return 1_000_000_000_000_000_000 + int64(h%8_000_000_000_000_000_000/1000*1000)
}

// step runs one SDK call as a named step and records its exchanges.
func (r *run) step(name string, call func() error) error {
	r.rec.take()
	err := call()
	r.steps = append(r.steps, Step{Name: name, Exchanges: r.rec.take(), run: r.ident, waited: r.waited})
	r.waited = 0
	return err
}

func (r *run) id(n int) string   { return strconv.FormatInt(r.cfg.IDBase+int64(n), 10) }
func (r *run) name(n int) string { return r.cfg.Prefix + "-" + strconv.Itoa(n) }

// user is the CreateUserRequest of the run's user n.
func (r *run) user(n int) client.CreateUserRequest {
	return client.CreateUserRequest{
		UserID: r.id(n), OrgID: r.cfg.OrgID, Username: r.name(n),
		GivenName: "Conformance", FamilyName: "User" + strconv.Itoa(n),
		Email: r.name(n) + "@example.com", EmailVerified: true, // verified: no email is sent
	}
}

// password is a password the server's policy accepts, different for each n.
func (r *run) password(n int) string {
	pw := "Conf-Passw0rd!" + strconv.Itoa(n)
	for len(pw) < r.policy.MinLength {
		pw += "x"
	}
	return pw
}

// create creates the run's user n and remembers it for the cleanup.
func (r *run) create(name string, req client.CreateUserRequest) error {
	return r.step(name, func() error {
		u, err := r.c.Users.CreateUser(r.ctx, req)
		if err == nil {
			r.created = append(r.created, u.UserID)
			fmt.Fprintf(r.log, "created user %s (%s)\n", u.UserID, req.Username)
		}
		return err
	})
}

func (r *run) scenarios(ctx context.Context) error {
	c := r.c
	// The settings decide the fixtures: passwords the policy accepts, the lockout steps.
	if err := r.step("settings: password complexity", func() error {
		p, err := c.Settings.PasswordComplexity(ctx, r.org()...)
		if p != nil {
			r.policy = *p
		}
		return err
	}); err != nil {
		return fmt.Errorf("reading the password policy: %w", err)
	}
	r.step("settings: lockout", func() error {
		l, err := c.Settings.Lockout(ctx, r.org()...)
		if l != nil {
			r.lockout = *l
		}
		return err
	})
	r.step("settings: password expiry", func() error { _, err := c.Settings.PasswordExpiry(ctx, r.org()...); return err })
	r.step("settings: login", func() error { _, err := c.Settings.Login(ctx, r.org()...); return err })

	for _, s := range []func(context.Context) error{r.users, r.passwords, r.sessions, r.lifecycle, r.deprecated} {
		if err := s(ctx); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

func (r *run) org() []client.CallOption {
	if r.cfg.OrgID == "" {
		return nil
	}
	return []client.CallOption{client.InOrg(r.cfg.OrgID)}
}

// users: CreateUser with a password, a hash and none; the answers to a repeat.
func (r *run) users(ctx context.Context) error {
	c := r.c
	a := r.user(1)
	a.Password = r.password(1)
	if err := r.create("CreateUser with a password", a); err != nil {
		return fmt.Errorf("creating the first user: %w", err)
	}
	r.step("GetUser", func() error { _, err := c.Users.GetUser(ctx, a.UserID); return err })
	r.step("HasPassword of a user with one", func() error { _, err := c.Users.HasPassword(ctx, a.UserID); return err })
	r.create("CreateUser again with the same id", a)
	dup := r.user(2)
	dup.Username, dup.Password = a.Username, r.password(2)
	r.create("CreateUser with a taken username", dup)
	if r.policy.MinLength > 1 {
		weak := r.user(3)
		weak.Password = "a"
		r.create("CreateUser with a password too short", weak)
	}
	h := r.user(4)
	h.PasswordHash = hash
	r.create("CreateUser with a bcrypt hash", h)
	r.step("CreateWithPassword, the hash's password", func() error {
		s, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(h.UserID), hashPlain, client.SessionLifetime(time.Minute))
		if err == nil {
			return c.Sessions.Delete(ctx, s.ID, s.Token)
		}
		return err
	})
	r.step("CreateWithPassword, a wrong password", func() error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(h.UserID), "Wrong-Passw0rd!9")
		return err
	})
	none := r.user(5)
	r.create("CreateUser without a password", none)
	r.step("HasPassword of a user without one", func() error { _, err := c.Users.HasPassword(ctx, none.UserID); return err })
	r.step("CreateWithPassword, a user without a password", func() error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(none.UserID), r.password(5))
		return err
	})
	return nil
}

// passwords: reset codes and UpdateUser in each form.
func (r *run) passwords(ctx context.Context) error {
	c := r.c
	id := r.id(1)
	var code string
	r.step("RequestPasswordReset, code returned", func() error {
		p, err := c.Users.RequestPasswordReset(ctx, id, client.ReturnCode())
		if err == nil {
			code = p.VerificationCode
		}
		return err
	})
	r.step("UpdateUser with a wrong code", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(11), VerificationCode: "ZZZZZZ"})
		return err
	})
	r.step("UpdateUser with the code", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(11), VerificationCode: code})
		return err
	})
	r.step("UpdateUser with the used code", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(12), VerificationCode: code})
		return err
	})
	r.step("UpdateUser with the current password", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(12), CurrentPassword: r.password(11)})
		return err
	})
	r.step("UpdateUser with a wrong current password", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(13), CurrentPassword: "Wrong-Passw0rd!9"})
		return err
	})
	r.step("UpdateUser, the new password equal to the current one", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(12), CurrentPassword: r.password(12)})
		return err
	})
	if r.policy.MinLength > 1 {
		r.step("UpdateUser with a password too short", func() error {
			_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: "a"})
			return err
		})
	}
	r.step("UpdateUser by an administrator, change required", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPassword: r.password(14), ChangeRequired: true})
		return err
	})
	r.step("GetUser after a change-required password", func() error { _, err := c.Users.GetUser(ctx, id); return err })
	r.step("UpdateUser with a bcrypt hash", func() error {
		_, err := c.Users.UpdateUser(ctx, id, client.UpdateUserRequest{NewPasswordHash: hash})
		return err
	})
	r.step("VerifyPassword, the hash's password", func() error {
		return c.Sessions.VerifyPassword(ctx, client.ByUserID(id), hashPlain)
	})
	r.step("UpdateUser of an unknown user", func() error {
		_, err := c.Users.UpdateUser(ctx, r.id(99), client.UpdateUserRequest{NewPassword: r.password(15)})
		return err
	})
	r.step("RequestPasswordReset of an unknown user", func() error {
		_, err := c.Users.RequestPasswordReset(ctx, r.id(99), client.ReturnCode())
		return err
	})
	return nil
}

// sessions: lifetimes, a second password check on a session, its new token.
func (r *run) sessions(ctx context.Context) error {
	c := r.c
	id := r.id(1)
	var s *client.Session
	r.step("CreateWithPassword with a lifetime", func() error {
		var err error
		s, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), hashPlain, client.SessionLifetime(time.Hour))
		return err
	})
	if s == nil {
		return nil
	}
	r.step("CheckPassword on the session", func() error {
		ns, err := c.Sessions.CheckPassword(ctx, s.ID, s.Token, hashPlain)
		if err == nil {
			s = ns
		}
		return err
	})
	r.step("CheckPassword, a wrong password", func() error {
		_, err := c.Sessions.CheckPassword(ctx, s.ID, s.Token, "Wrong-Passw0rd!9")
		return err
	})
	r.step("Delete the session with its token", func() error { return c.Sessions.Delete(ctx, s.ID, s.Token) })
	if r.cfg.Wait == nil {
		return nil
	}
	var short *client.Session
	r.step("CreateWithPassword with a lifetime of 1s", func() error {
		var err error
		short, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), hashPlain, client.SessionLifetime(time.Second))
		return err
	})
	if short == nil {
		return nil
	}
	if err := r.cfg.Wait(ctx, 2*time.Second); err != nil {
		return err
	}
	r.waited = 2 * time.Second
	r.step("CheckPassword on the expired session", func() error {
		_, err := c.Sessions.CheckPassword(ctx, short.ID, short.Token, hashPlain)
		return err
	})
	r.step("Delete the expired session", func() error { return c.Sessions.Delete(ctx, short.ID, short.Token) })
	return nil
}

// lifecycle: lock, unlock, delete, and the lockout policy when there is one.
func (r *run) lifecycle(ctx context.Context) error {
	c := r.c
	u := r.user(6)
	u.Password = r.password(6)
	if err := r.create("CreateUser to lock and delete", u); err != nil {
		return nil
	}
	id := u.UserID
	r.step("LockUser", func() error { _, err := c.Users.LockUser(ctx, id); return err })
	r.step("LockUser again", func() error { _, err := c.Users.LockUser(ctx, id); return err })
	r.step("CreateWithPassword on a locked user", func() error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), u.Password)
		return err
	})
	r.step("UnlockUser", func() error { _, err := c.Users.UnlockUser(ctx, id); return err })
	r.step("UnlockUser again", func() error { _, err := c.Users.UnlockUser(ctx, id); return err })
	if n := r.lockout.MaxPasswordAttempts; n > 0 && n <= 10 {
		for i := 1; i <= n; i++ {
			r.step("CreateWithPassword, wrong password "+strconv.Itoa(i)+" of "+strconv.Itoa(n), func() error {
				_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), "Wrong-Passw0rd!9")
				return err
			})
		}
		r.step("CreateWithPassword after the lockout, the right password", func() error {
			_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), u.Password)
			return err
		})
		r.step("UnlockUser after the lockout", func() error { _, err := c.Users.UnlockUser(ctx, id); return err })
	}
	r.step("DeleteUser", func() error { _, err := c.Users.DeleteUser(ctx, id); return err })
	r.step("DeleteUser again", func() error { _, err := c.Users.DeleteUser(ctx, id); return err })
	r.step("CreateWithPassword on a deleted user", func() error {
		_, err := c.Sessions.CreateWithPassword(ctx, client.ByUserID(id), u.Password)
		return err
	})
	r.step("GetUser of a deleted user", func() error { _, err := c.Users.GetUser(ctx, id); return err })
	return nil
}

// deprecated: the v2 calls ZITADEL v4 deprecated, and v1, on the run's own users.
func (r *run) deprecated(ctx context.Context) error {
	c := r.c
	add := client.AddHumanUserRequest(r.user(7))
	add.Password = r.password(7)
	r.step("AddHumanUser (deprecated)", func() error {
		u, err := c.Users.AddHumanUser(ctx, add)
		if err == nil {
			r.created = append(r.created, u.UserID)
			fmt.Fprintf(r.log, "created user %s (%s)\n", u.UserID, add.Username)
		}
		return err
	})
	r.step("SetPassword (deprecated) with the current password", func() error {
		_, err := c.Users.SetPassword(ctx, add.UserID, client.SetPasswordRequest{NewPassword: r.password(17), CurrentPassword: add.Password})
		return err
	})
	r.step("SetPassword (deprecated) of an unknown user", func() error {
		_, err := c.Users.SetPassword(ctx, r.id(99), client.SetPasswordRequest{NewPassword: r.password(17)})
		return err
	})
	r.step("v1 SetHumanPassword", func() error {
		_, err := c.Management.SetHumanPassword(ctx, add.UserID, r.password(18), false, r.org()...)
		return err
	})
	var s *client.Session
	r.step("CreateWithPassword for the user's own token", func() error {
		var err error
		s, err = c.Sessions.CreateWithPassword(ctx, client.ByUserID(add.UserID), r.password(18), client.SessionLifetime(time.Hour))
		return err
	})
	if s != nil {
		r.step("v1 UpdateMyPassword with the user's session token", func() error {
			_, err := c.Auth.UpdateMyPassword(ctx, r.password(18), r.password(19), client.AsUser(s.Token))
			return err
		})
	}
	return nil
}

// cleanup deletes every user the run created, on a context of its own: a cancelled run
// must not leave users behind.
func (r *run) cleanup(ctx context.Context) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	r.rec.take()
	for _, id := range r.created {
		_, err := r.c.Users.DeleteUser(cctx, id)
		switch {
		case err == nil, errors.Is(err, client.ErrUserNotFound):
			fmt.Fprintf(r.log, "removed user %s\n", id)
		default:
			fmt.Fprintf(r.log, "could not remove user %s: %v\n", id, err)
		}
	}
	r.rec.take()
}
