package clienttest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"golang.org/x/time/rate"
)

// Server is a fake ZITADEL instance. Create it with NewServer and stop it with Close.
type Server struct {
	ts      *httptest.Server
	closing chan struct{}

	now         func() time.Time
	codeTTL     time.Duration
	newCode     func() string
	complexity  PasswordComplexity
	expiry      client.PasswordExpiry
	tokenTTL    time.Duration
	hasherLimit int
	publicURL   string // the issuer; its host is the instance host, when set
	logger      *slog.Logger
	listener    net.Listener
	middleware  func(http.Handler) http.Handler
	version     int             // ZITADEL's major version the fake answers as: 4 or 3
	verifiers   map[string]bool // the hash schemes imported hashes may use (hashes.go)
	limiter     *rate.Limiter   // nil: no rate limit
	latency     time.Duration
	hashHook    func() // a test seam: runs before a hash is verified, outside s.mu
	delayHook   func() // a test seam: runs when a faulted call starts its delay
	latencyHook func() // a test seam: runs when an answer starts its latency

	logMu    sync.Mutex // guards the request log, apart from s.mu so that logging never waits for a handler
	requests []Request
	counts   map[string]int // "METHOD pattern" → requests

	mu         sync.Mutex
	nextID     int64
	instanceID string
	defaultOrg string
	created    time.Time             // when the instance (and its default policies) were set up
	orgs       map[string]*org       // by id
	users      map[string]*user      // by id
	tokens     map[string]*principal // access token → who holds it
	sessions   map[string]*session   // by id
	keys       map[string]*serviceKey
	secrets    map[string]*clientSecret // client id → secret
	lockout    client.Lockout           // the instance's lockout policy
	outbox     []Notification
	faults     []Fault
	pat        string
	domain     string // the instance's generated domain label, "zitadel-" and six characters
}

type org struct {
	id       string
	lockout  *client.Lockout // the organization's own lockout policy, if any
	sequence uint64
	changed  time.Time
}

// userState is the state of a user, as ZITADEL's user states.
type userState int

const (
	stateActive userState = iota
	stateLocked
	stateInitial
)

type user struct {
	id, org, username, email, phone string
	givenName, familyName           string
	machineName, description        string // a machine user's, from CreateUser; "" for the seeded service users
	human                           bool
	admin                           bool // instance administrator (service users only)
	emailVerified                   bool
	state                           userState
	password                        string // the password in clear, "" when none or hash is set
	hash                            string // an imported bcrypt hash
	changeRequired                  bool
	passwordChanged                 time.Time
	passwordGen                     int // bumped by every password change: older sessions stop working
	sequence                        uint64
	created, changed                time.Time
	code                            *verificationCode
	invite                          *verificationCode // a pending invite code
	failedChecks                    int
}

type verificationCode struct {
	value   string
	expires time.Time
}

type session struct {
	id, token, userID string
	creator           string // the user who created it
	passwordChecked   bool
	passwordGen       int // the user's passwordGen at the check
	deleted           bool
	// hidden: the read side has no row for it (its user was locked or deleted since, or
	// it was never created), though the command side still knows it.
	hidden            bool
	oldTokens         []string // the tokens SetSession replaced
	sequence          uint64
	created, changed  time.Time
	userChecked       time.Time
	passwordCheckedAt time.Time
	expires           time.Time // zero: never, as without a lifetime
}

type principal struct {
	userID  string
	expires time.Time
	api     bool // the token carries the ZITADEL API audience scope
}

type serviceKey struct {
	userID string
	key    *rsa.PublicKey
}

type clientSecret struct {
	userID string
	secret string
}

// HumanUser is a human user to add with AddHumanUser.
type HumanUser struct {
	OrgID, Username, Email, Phone string
	// Password is the user's password; "" makes an active user without a password, as v2
	// AddHumanUser does. SetPassword, a reset and v1 SetHumanInitialPassword can give it
	// one.
	Password string
	// Initial makes a user in ZITADEL's INITIAL state: created through the v1 API without
	// a password and with an unverified email. Every password call refuses it: a reset
	// with COMMAND-Sfe4g, v2 SetPassword and v1 SetHumanInitialPassword with COMMAND-M9dse.
	Initial bool

	// ID is the user's id; "" lets the server assign one.
	ID string
	// PasswordHash is an imported hash, instead of Password, of a scheme the server
	// verifies (WithHashVerifiers; default bcrypt).
	PasswordHash string
	// ChangeRequired makes the password change-required.
	ChangeRequired bool
	// GivenName and FamilyName default to the username and "User".
	GivenName, FamilyName string
}

// ServiceUser is a machine user to add with AddServiceUser.
type ServiceUser struct {
	OrgID, Username string
	// Admin makes the user an instance administrator, with permission to manage every
	// user's password in every organization (like the PAT's owner).
	Admin bool
}

// Notification is a message the fake would have sent: the "outbox".
type Notification struct {
	UserID string
	Type   client.NotificationType // Email or SMS (the server default and Unspecified mean Email)
	Code   string
	Link   string // urlTemplate expanded, "" when no template applies
}

// PasswordComplexity is the password policy the fake enforces, checked with
// client.PasswordComplexity.Check: length in bytes, a symbol is any byte outside
// [A-Za-z0-9], as in ZITADEL.
type PasswordComplexity = client.PasswordComplexity

// DefaultPasswordComplexity is ZITADEL's default policy.
var DefaultPasswordComplexity = PasswordComplexity{MinLength: 8, RequiresUppercase: true, RequiresLowercase: true, RequiresNumber: true, RequiresSymbol: true}

// DefaultHasherLimit is the longest password, in bytes, that ZITADEL's default hasher
// (bcrypt) accepts.
const DefaultHasherLimit = 72

// A ServerOption configures a Server.
type ServerOption func(*Server)

// WithClock sets the server's clock: for code expiry, token and session lifetimes, the
// rate limit's bucket and the times of the request log. A test advances it instead of
// sleeping.
func WithClock(now func() time.Time) ServerOption { return func(s *Server) { s.now = now } }

// WithPasswordComplexity sets the password policy (default DefaultPasswordComplexity).
func WithPasswordComplexity(p PasswordComplexity) ServerOption {
	return func(s *Server) { s.complexity = p }
}

// WithLockout sets the instance's lockout policy (default: no limit). Organizations can
// have their own: see SetLockout.
func WithLockout(l client.Lockout) ServerOption { return func(s *Server) { s.lockout = l } }

// WithPasswordExpiry sets the instance's password expiry policy (default: never). The
// fake reports it; it does not expire passwords.
func WithPasswordExpiry(e client.PasswordExpiry) ServerOption {
	return func(s *Server) { s.expiry = e }
}

// WithHasherLimit sets the longest password in bytes the server's password hasher
// accepts (default DefaultHasherLimit, bcrypt's). A longer password fails as in ZITADEL:
// 500 COMMAND-CahN2 when set, 500 with bcrypt's message on AddHumanUser, nothing applied.
// 0 means no limit, as with ZITADEL configured for another hasher.
func WithHasherLimit(bytes int) ServerOption { return func(s *Server) { s.hasherLimit = bytes } }

// WithCodeExpiry sets how long a verification code is valid (default one hour).
func WithCodeExpiry(d time.Duration) ServerOption { return func(s *Server) { s.codeTTL = d } }

// WithCodeGenerator replaces the random verification codes (six characters of A-Z and
// 0-9, as ZITADEL's), e.g. to make them predictable in a test.
func WithCodeGenerator(gen func() string) ServerOption { return func(s *Server) { s.newCode = gen } }

// WithPublicURL names the instance's public URL, e.g. "http://localhost:8080". The server
// then answers like a ZITADEL whose instance has that external domain: a request whose
// x-zitadel-instance-host header (or, without it, Host header) is not the URL's host[:port]
// gets ZITADEL's 404 "unable to set instance using origin ... ID=QUERY-1kIjX Message=Instance
// not found ..." (code 5, no details: the id is only inside the message; the token endpoint
// and the discovery document answer the same text as text/plain), and JWT assertions must
// name the public URL as their audience. Use it to test how an application reaches ZITADEL
// through another address (client.WithInstanceHost, ZITADEL_ISSUER). Without it, any host is
// accepted and the issuer is URL().
func WithPublicURL(u string) ServerOption {
	return func(s *Server) { s.publicURL = strings.TrimRight(u, "/") }
}

// WithPAT fixes the administrator's personal access token instead of a random one, e.g.
// for a development setup whose application is configured before the fake starts.
func WithPAT(token string) ServerOption { return func(s *Server) { s.pat = token } }

// WithLogger logs every request at info level: method, path, status, duration, error id
// and request id. Bodies and tokens are never logged.
func WithLogger(l *slog.Logger) ServerOption { return func(s *Server) { s.logger = l } }

// WithVersion makes the server answer as that major version of ZITADEL: 4 (the default, as
// v4.13.1) or 3 (as v3.4.9). Version 3 has no CreateUser (POST /v2/users/new) and no
// UpdateUser (PATCH /v2/users/{userId}): both answer 405 {"code":12,"message":"Method Not
// Allowed"} and apply nothing; it serves no Connect transport (404 {"code":5}); its
// AddHumanUser answers 201 instead of 200; its v1 calls without a token answer 401/16
// instead of v4's 500/2; raw errors from below its command layer carry no details; and
// GET /admin/v1/instances/me reports "v3.4.9". Any other major panics.
func WithVersion(major int) ServerOption {
	if major != 3 && major != 4 {
		panic("clienttest: WithVersion: want 3 or 4, not " + itoa(major))
	}
	return func(s *Server) { s.version = major }
}

// WithHashVerifiers sets the schemes of imported password hashes (HumanUser.PasswordHash,
// CreateUser's and AddHumanUser's hashedPassword, UpdateUser's) the server can verify, as
// ZITADEL's PasswordHasher.Verifiers config does. The default is "bcrypt" alone, as
// ZITADEL's default config: $2a$, $2b$ and $2y$, any cost. The names, by what they accept:
//
//   - "bcrypt": $2a$, $2b$, $2y$
//   - "argon2": $argon2i$ and $argon2id$ (PHC strings); "argon2i" and "argon2id" one each
//   - "scrypt": $scrypt$ln=..,r=..,p=..$salt$hash (standard base64 without padding)
//   - "pbkdf2": $pbkdf2$ (SHA-1), $pbkdf2-sha256$, $pbkdf2-sha512$ (passlib's format)
//   - "md5crypt" (also "md5"): $1$
//   - "sha2": $5$ and $6$ (crypt(3) SHA-256 and SHA-512); "sha256crypt", "sha512crypt" one each
//   - "phpass": $P$ and $H$
//
// Every one is verified for real (golang.org/x/crypto and the standard library). A hash
// is accepted by its prefix alone, as ZITADEL accepts the truncated "$2a$10$": one that
// then cannot be verified makes every password check of its user answer 500/13
// COMMAND-CahN2. A hash of a scheme not named is refused with 400/3 USER-JDk4t (creating a
// user) or USER-oz74onzvqr (UpdateUser). An unknown name panics; bcrypt stays a verifier
// only when named.
func WithHashVerifiers(schemes ...string) ServerOption {
	set := map[string]bool{}
	for _, name := range schemes {
		prefixes, ok := hashSchemes[strings.ToLower(name)]
		if !ok {
			panic("clienttest: WithHashVerifiers: unknown scheme " + strconv.Quote(name))
		}
		for _, p := range prefixes {
			set[p] = true
		}
	}
	return func(s *Server) { s.verifiers = set }
}

// WithRateLimit answers API calls beyond perSecond requests per second, counted per server
// on its clock (a token bucket of golang.org/x/time/rate whose burst is perSecond rounded
// up, at least 1), with 429 {"code":8,"message":"Quota exceeded (QUOTA-vjAy8)",...}, ZITADEL's
// answer, and a Retry-After header in whole seconds (at least 1). It applies to every API
// call (REST and Connect, known routes or not) before any handler or fault runs, not to the
// token endpoint, the discovery document or the health endpoints: an SDK fetches a token
// rarely, and a bulk import should meet the limit on the calls it makes. perSecond <= 0
// means no limit.
func WithRateLimit(perSecond float64) ServerOption {
	return func(s *Server) {
		s.limiter = nil
		if perSecond > 0 {
			s.limiter = rate.NewLimiter(rate.Limit(perSecond), int(math.Ceil(perSecond)))
		}
	}
}

// WithLatency makes every answer wait d before it is written, as a remote server's would:
// the call is handled first (its change is made), then the answer waits. The wait ends
// early when the request's context ends (the answer is then lost, as on a dropped
// connection) or the server closes; Close does not wait for it.
func WithLatency(d time.Duration) ServerOption { return func(s *Server) { s.latency = d } }

// WithListener serves on l instead of a new loopback port, e.g. to listen on a fixed
// address. The server closes l.
func WithListener(l net.Listener) ServerOption { return func(s *Server) { s.listener = l } }

// WithMiddleware wraps the server's handler: every request reaches the handler mw returns
// first, which passes on to next what the fake should answer. For paths of one's own next to
// ZITADEL's, as cmd/zitadel-fake's control API under /_fake/; what mw answers itself skips
// the fake's instance check, rate limit, faults, latency and request log.
func WithMiddleware(mw func(next http.Handler) http.Handler) ServerOption {
	return func(s *Server) { s.middleware = mw }
}

// NewServer starts a fake ZITADEL on a loopback port.
func NewServer(opts ...ServerOption) *Server {
	s := &Server{
		closing:     make(chan struct{}),
		now:         time.Now,
		codeTTL:     time.Hour,
		newCode:     randomCode,
		complexity:  DefaultPasswordComplexity,
		tokenTTL:    12 * time.Hour,
		hasherLimit: DefaultHasherLimit,
		version:     4,
		verifiers:   map[string]bool{"$2a$": true, "$2b$": true, "$2y$": true},
		counts:      map[string]int{},
		domain:      "zitadel-" + randomLabel(6),
		nextID:      300000000000000000,
		orgs:        map[string]*org{},
		users:       map[string]*user{},
		tokens:      map[string]*principal{},
		sessions:    map[string]*session{},
		keys:        map[string]*serviceKey{},
		secrets:     map[string]*clientSecret{},
	}
	for _, opt := range opts {
		opt(s)
	}
	s.created = s.now().UTC()
	s.instanceID = s.id()
	s.defaultOrg = s.newOrg().id
	admin := s.AddServiceUser(ServiceUser{Username: "zitadel-admin", Admin: true})
	if s.pat == "" {
		s.pat = randomToken()
	}
	s.tokens[s.pat] = &principal{userID: admin, api: true}
	var h http.Handler = http.HandlerFunc(s.serveHTTP)
	if s.middleware != nil {
		h = s.middleware(h)
	}
	s.ts = httptest.NewUnstartedServer(h)
	if s.listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = s.listener
	}
	s.ts.Start()
	return s
}

// Close shuts the server down, ending injected delays, and waits for its handlers.
func (s *Server) Close() {
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	s.ts.Close()
}

// URL returns the address the server listens on, e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.ts.URL }

// Issuer returns the instance's public URL: the one WithPublicURL named, else URL(). It is
// the issuer token sources need, and the audience of JWT assertions. Without
// WithPublicURL the server, like ZITADEL, takes the issuer from the host a request names,
// so that an address such as http://fake:8080 in a compose network is its own issuer.
func (s *Server) Issuer() string {
	if s.publicURL != "" {
		return s.publicURL
	}
	return s.URL()
}

// PAT returns a personal access token of an instance administrator; it never expires.
func (s *Server) PAT() string { return s.pat }

// DefaultOrgID returns the organization that users added without OrgID belong to, and
// that the PAT's owner belongs to.
func (s *Server) DefaultOrgID() string { return s.defaultOrg }

// InstanceID returns the instance's id, the resource owner of its default policies and of
// sessions.
func (s *Server) InstanceID() string { return s.instanceID }

// Client returns a client for the server, authenticated with PAT(). Its retries wait
// milliseconds rather than seconds; opts are applied after that and may change it. With
// WithPublicURL, the client sends the public host as x-zitadel-instance-host.
func (s *Server) Client(opts ...client.Option) *client.Client {
	base := []client.Option{
		client.WithTokenSource(auth.PAT(s.pat)),
		client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}),
	}
	if s.publicURL != "" {
		if u, err := url.Parse(s.publicURL); err == nil {
			base = append(base, client.WithInstanceHost(u.Host))
		}
	}
	c, err := client.New(s.URL(), append(base, opts...)...)
	if err != nil {
		panic("clienttest: " + err.Error()) // a loopback URL is always valid
	}
	return c
}

// Users returns every human user, sorted by ID, as stored: ID, OrgID, Username, Email,
// Phone, GivenName, FamilyName, ChangeRequired and Initial. Password and PasswordHash are
// always empty, so that secrets never leave the server; check a password with
// CheckPassword. For tests that count what an import created.
func (s *Server) Users() []HumanUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HumanUser
	for _, u := range s.users {
		if !u.human {
			continue
		}
		out = append(out, HumanUser{ID: u.id, OrgID: u.org, Username: u.username, Email: u.email, Phone: u.phone,
			GivenName: u.givenName, FamilyName: u.familyName, ChangeRequired: u.changeRequired, Initial: u.state == stateInitial})
	}
	slices.SortFunc(out, func(a, b HumanUser) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// AddHumanUser adds a human user and returns its id. Users added with an unknown OrgID
// create that organization.
func (s *Server) AddHumanUser(u HumanUser) (userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu := s.addUser(u.ID, u.OrgID, u.Username)
	nu.human, nu.email, nu.phone = true, u.Email, u.Phone
	nu.givenName, nu.familyName = u.GivenName, u.FamilyName
	if nu.givenName == "" {
		nu.givenName = u.Username
	}
	if nu.familyName == "" {
		nu.familyName = "User"
	}
	nu.emailVerified = !u.Initial
	if u.Initial {
		nu.state = stateInitial
		return nu.id
	}
	if u.Password != "" || u.PasswordHash != "" {
		nu.password, nu.hash = u.Password, u.PasswordHash
		nu.changeRequired = u.ChangeRequired
		nu.passwordChanged = nu.created
	}
	return nu.id
}

// AddServiceUser adds a machine user and returns its id; see KeyFile, ClientSecret and
// TokenFor for its credentials.
func (s *Server) AddServiceUser(u ServiceUser) (userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu := s.addUser("", u.OrgID, u.Username)
	nu.admin = u.Admin
	return nu.id
}

// addUser creates a user in org (the default org when ""), creating the org if needed.
func (s *Server) addUser(id, orgID, username string) *user {
	if orgID == "" {
		orgID = s.defaultOrg
	}
	if s.orgs[orgID] == nil {
		s.orgs[orgID] = &org{id: orgID, sequence: 1, changed: s.now().UTC()}
	}
	if id == "" {
		id = s.id()
	}
	now := s.now().UTC()
	u := &user{id: id, org: orgID, username: username, sequence: 1, created: now, changed: now}
	s.users[u.id] = u
	return u
}

// AddOrg creates an organization and returns its id.
func (s *Server) AddOrg() (orgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newOrg().id
}

func (s *Server) newOrg() *org {
	o := &org{id: s.id(), sequence: 1, changed: s.now().UTC()}
	s.orgs[o.id] = o
	return o
}

// SetLockout sets an organization's own lockout policy, as the management API's
// AddCustomLockoutPolicy does; orgID "" sets the instance's policy. With
// MaxPasswordAttempts 3, the third wrong password in a row locks a user.
func (s *Server) SetLockout(orgID string, l client.Lockout) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if orgID == "" {
		s.lockout = l
		return
	}
	o := s.orgs[orgID]
	if o == nil {
		panic("clienttest: SetLockout: unknown organization " + orgID)
	}
	o.lockout = &l
}

// lockoutFor is the lockout policy that applies to users of orgID.
func (s *Server) lockoutFor(orgID string) client.Lockout {
	if o := s.orgs[orgID]; o != nil && o.lockout != nil {
		return *o.lockout
	}
	return s.lockout
}

func (s *Server) id() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// TokenFor issues an access token for any user, valid for 12 hours on the server's clock.
// A human user's token lets them change their own password only.
func (s *Server) TokenFor(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[userID] == nil {
		panic("clienttest: TokenFor: unknown user " + userID)
	}
	return s.issueToken(userID, s.now().Add(s.tokenTTL), true)
}

func (s *Server) issueToken(userID string, expires time.Time, api bool) string {
	tok := randomToken()
	s.tokens[tok] = &principal{userID: userID, expires: expires, api: api}
	return tok
}

func randomToken() string { return randomHex(24) }

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// KeyFile creates an RSA key for a service user and returns ZITADEL's JSON key file for it,
// to use with auth.JWTProfile and s.Issuer() as the issuer.
func (s *Server) KeyFile(userID string) []byte {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.users[userID] == nil {
		panic("clienttest: KeyFile: unknown user " + userID)
	}
	keyID := s.id()
	s.keys[keyID] = &serviceKey{userID: userID, key: &key.PublicKey}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	b, _ := json.Marshal(map[string]string{"type": "serviceaccount", "keyId": keyID, "key": string(pemKey), "userId": userID})
	return b
}

// ClientSecret creates a client secret for a service user, to use with
// auth.ClientCredentials and s.Issuer() as the issuer.
func (s *Server) ClientSecret(userID string) (clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		panic("clienttest: ClientSecret: unknown user " + userID)
	}
	clientID, secret = u.username+"@"+u.org, randomToken()
	s.secrets[clientID] = &clientSecret{userID: userID, secret: secret}
	return clientID, secret
}

// Notifications returns the messages sent so far, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.outbox...)
}

// ClearNotifications empties the outbox, e.g. between the steps of a test that reads it.
func (s *Server) ClearNotifications() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox = nil
}

// LockUser locks a user, as UserService.LockUser does, without a caller: it reports false
// for an unknown user and is a no-op for a locked one. The user stays locked until
// UnlockUser or the API's UnlockUser.
func (s *Server) LockUser(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		return false
	}
	if u.state != stateLocked {
		s.lock(u)
		s.changed(u)
	}
	return true
}

// lock locks u. ZITADEL's session projection deletes the rows of a user's sessions when
// the user is locked or removed (reduceUserStateNotActive in
// internal/query/projection/session.go): GetSession, ListSessions and the sessions' tokens
// no longer find them, while SetSession and DeleteSession, which read the event store,
// still do. Callers hold s.mu.
func (s *Server) lock(u *user) {
	u.state = stateLocked
	s.hideSessionsOf(u.id)
}

// hideSessionsOf removes the user's sessions from the read side (see lock).
func (s *Server) hideSessionsOf(userID string) {
	for _, sess := range s.sessions {
		if sess.userID == userID {
			sess.hidden = true
		}
	}
}

// UnlockUser unlocks a user, as UserService.UnlockUser does, without a caller: the failed
// password checks start over. It reports false for an unknown user and is a no-op for one
// that is not locked.
func (s *Server) UnlockUser(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		return false
	}
	if u.state == stateLocked {
		u.state, u.failedChecks = stateActive, 0
		s.changed(u)
	}
	return true
}

// CheckPassword reports whether password is the user's current password. Unlike a
// password check through the API, it does not count toward the lockout policy. An imported
// hash is verified without holding the server's lock.
func (s *Server) CheckPassword(userID, password string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		return false
	}
	match, _, _ := s.passwordMatches(u, password)
	return match
}

// PasswordChangeRequired reports whether the user must change the password at next login.
func (s *Server) PasswordChangeRequired(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	return u != nil && u.changeRequired
}

// UserState returns the user's state as GetUser reports it, UserStateUnspecified for an
// unknown user.
func (s *Server) UserState(userID string) client.UserState {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		return client.UserStateUnspecified
	}
	return u.state.public()
}

// FailedPasswordChecks returns how many wrong passwords in a row the user has entered.
func (s *Server) FailedPasswordChecks(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[userID]; u != nil {
		return u.failedChecks
	}
	return 0
}

func (st userState) public() client.UserState {
	switch st {
	case stateLocked:
		return client.UserStateLocked
	case stateInitial:
		return client.UserStateInitial
	}
	return client.UserStateActive
}

const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomLabel returns n characters of a-z and 0-9, like the suffix of ZITADEL's generated
// instance domains.
func randomLabel(n int) string { return strings.ToLower(randomCodeOf(n)) }

func randomCodeOf(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = codeAlphabet[mrand.IntN(len(codeAlphabet))]
	}
	return string(b)
}

// randomCode returns six characters of A-Z and 0-9, like ZITADEL's default code generator.
func randomCode() string { return randomCodeOf(6) }

// randomRequestID returns a fresh X-Request-Id: 32 hex digits.
func randomRequestID() string { return randomHex(16) }

// randomSessionToken returns 78 characters of unpadded base64url, the shape of ZITADEL's
// session tokens.
func randomSessionToken() string {
	b := make([]byte, 58)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func itoa(n int) string { return strconv.Itoa(n) }
