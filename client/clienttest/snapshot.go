package clienttest

import (
	"maps"
	"slices"

	"github.com/zitpass/zitpass-go/client"
)

// A Snapshot is the state of a Server at one moment, taken with Snapshot and put back with
// Restore. It is opaque and immutable: one snapshot can be restored any number of times.
type Snapshot struct {
	owner    *Server
	nextID   int64
	orgs     map[string]*org
	users    map[string]*user
	tokens   map[string]*principal
	sessions map[string]*session
	keys     map[string]*serviceKey
	secrets  map[string]*clientSecret
	lockout  client.Lockout
	outbox   []Notification
	faults   []Fault
	requests []Request
	counts   map[string]int
}

// Snapshot returns the server's state: its organizations and their lockout policies, its
// users (passwords, hashes, codes, states, failed checks, sequences), service users' keys
// and client secrets, access tokens, sessions, the instance's lockout policy, the outbox,
// queued faults, the request log and its counts, and the counter the next ids come from.
//
// Take one after seeding a server, and Restore it between tests that share the server, so
// that each starts from the seed: the same users with the same ids, and the ids of what a
// test creates the same in every test. cmd/zitadel-fake's POST /_fake/reset does that.
func (s *Server) Snapshot() *Snapshot {
	s.mu.Lock()
	snap := &Snapshot{
		owner:    s,
		nextID:   s.nextID,
		orgs:     copyMap(s.orgs, (*org).clone),
		users:    copyMap(s.users, (*user).clone),
		tokens:   copyMap(s.tokens, func(p *principal) *principal { c := *p; return &c }),
		sessions: copyMap(s.sessions, func(x *session) *session { c := *x; return &c }),
		keys:     copyMap(s.keys, func(k *serviceKey) *serviceKey { c := *k; return &c }),
		secrets:  copyMap(s.secrets, func(x *clientSecret) *clientSecret { c := *x; return &c }),
		outbox:   slices.Clone(s.outbox),
		lockout:  s.lockout,
		faults:   slices.Clone(s.faults),
	}
	s.mu.Unlock()
	s.logMu.Lock()
	snap.requests = slices.Clone(s.requests)
	snap.counts = maps.Clone(s.counts)
	s.logMu.Unlock()
	return snap
}

// Restore puts the server back into the state of snap, a Snapshot of this server: what was
// added since is gone (users, organizations, sessions, keys, client secrets, notifications,
// faults, requests), what changed is as it was, and the next ids are those that followed
// the snapshot. The instance (its id, the PAT, the default organization, the options the
// server was created with) never changes.
//
// One exception, for applications that hold a token across a restore: an access token
// issued since the snapshot (by the token endpoint or TokenFor) stays valid while its
// holder exists after the restore, so that an application's cached token of a seeded
// service user keeps working. Tokens of users the restore removed are gone, and so are the
// session tokens of every session created since.
//
// A call in progress during Restore completes on the state it found, or, when it was
// verifying an imported hash, answers as if its user had been deleted. The rate limit's
// bucket and the server's clock are not part of the state. Restore panics when snap is not
// a snapshot of s.
func (s *Server) Restore(snap *Snapshot) {
	if snap == nil || snap.owner != s {
		panic("clienttest: Restore: the snapshot is not one of this server")
	}
	s.mu.Lock()
	s.nextID = snap.nextID
	s.orgs = copyMap(snap.orgs, (*org).clone)
	s.users = copyMap(snap.users, (*user).clone)
	tokens := copyMap(snap.tokens, func(p *principal) *principal { c := *p; return &c })
	for tok, p := range s.tokens {
		if _, kept := tokens[tok]; !kept && s.users[p.userID] != nil {
			tokens[tok] = p
		}
	}
	s.tokens = tokens
	s.sessions = copyMap(snap.sessions, func(x *session) *session { c := *x; return &c })
	s.keys = copyMap(snap.keys, func(k *serviceKey) *serviceKey { c := *k; return &c })
	s.secrets = copyMap(snap.secrets, func(x *clientSecret) *clientSecret { c := *x; return &c })
	s.lockout = snap.lockout
	s.outbox = slices.Clone(snap.outbox)
	s.faults = slices.Clone(snap.faults)
	s.mu.Unlock()
	s.logMu.Lock()
	s.requests = slices.Clone(snap.requests)
	s.counts = maps.Clone(snap.counts)
	s.logMu.Unlock()
}

// copyMap copies m, each value with clone: the snapshot shares no mutable value with the
// server.
func copyMap[V any](m map[string]V, clone func(V) V) map[string]V {
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[k] = clone(v)
	}
	return out
}

func (o *org) clone() *org {
	c := *o
	if o.lockout != nil {
		l := *o.lockout
		c.lockout = &l
	}
	return &c
}

func (u *user) clone() *user {
	c := *u
	if u.code != nil {
		v := *u.code
		c.code = &v
	}
	if u.invite != nil {
		v := *u.invite
		c.invite = &v
	}
	return &c
}
