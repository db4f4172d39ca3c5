package clienttest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
)

// Server is a fake ZITADEL instance. Create it with NewServer and stop it with Close.
type Server struct {
	ts      *httptest.Server
	closing chan struct{}

	now        func() time.Time
	codeTTL    time.Duration
	newCode    func() string
	complexity PasswordComplexity
	tokenTTL   time.Duration

	mu         sync.Mutex
	nextID     int64
	defaultOrg string
	orgs       map[string]bool
	users      map[string]*user
	tokens     map[string]*principal // access token → who holds it
	keys       map[string]*serviceKey
	secrets    map[string]*clientSecret // client id → secret
	outbox     []Notification
	faults     []Fault
	pat        string
}

type user struct {
	id, org, username, email, phone string
	human                           bool
	admin                           bool // instance administrator (service users only)
	password                        string
	changeRequired                  bool
	sequence                        uint64
	created, changed                time.Time
	code                            *verificationCode
	failedChecks                    int
}

type verificationCode struct {
	value   string
	expires time.Time
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
	Password                      string // "" = no password yet (uninitialized)
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

// PasswordComplexity is the password policy the fake enforces. Length counts bytes, and a
// symbol is any byte outside [A-Za-z0-9], as in ZITADEL.
type PasswordComplexity struct {
	MinLength                                                            int
	RequiresUppercase, RequiresLowercase, RequiresNumber, RequiresSymbol bool
}

// DefaultPasswordComplexity is ZITADEL's default policy.
var DefaultPasswordComplexity = PasswordComplexity{MinLength: 8, RequiresUppercase: true, RequiresLowercase: true, RequiresNumber: true, RequiresSymbol: true}

// A ServerOption configures a Server.
type ServerOption func(*Server)

// WithClock sets the server's clock, for code expiry and token lifetimes.
func WithClock(now func() time.Time) ServerOption { return func(s *Server) { s.now = now } }

// WithPasswordComplexity sets the password policy (default DefaultPasswordComplexity).
func WithPasswordComplexity(p PasswordComplexity) ServerOption {
	return func(s *Server) { s.complexity = p }
}

// WithCodeExpiry sets how long a verification code is valid (default one hour).
func WithCodeExpiry(d time.Duration) ServerOption { return func(s *Server) { s.codeTTL = d } }

// WithCodeGenerator replaces the random six-letter verification codes, e.g. to make them
// predictable in a test.
func WithCodeGenerator(gen func() string) ServerOption { return func(s *Server) { s.newCode = gen } }

// NewServer starts a fake ZITADEL on a loopback port.
func NewServer(opts ...ServerOption) *Server {
	s := &Server{
		closing:    make(chan struct{}),
		now:        time.Now,
		codeTTL:    time.Hour,
		newCode:    randomCode,
		complexity: DefaultPasswordComplexity,
		tokenTTL:   12 * time.Hour,
		nextID:     300000000000000000,
		orgs:       map[string]bool{},
		users:      map[string]*user{},
		tokens:     map[string]*principal{},
		keys:       map[string]*serviceKey{},
		secrets:    map[string]*clientSecret{},
	}
	for _, opt := range opts {
		opt(s)
	}
	s.defaultOrg = s.id()
	s.orgs[s.defaultOrg] = true
	admin := s.AddServiceUser(ServiceUser{Username: "zitadel-admin", Admin: true})
	s.pat = s.issueToken(admin, time.Time{}, true)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
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

// URL returns the instance's base URL, e.g. "http://127.0.0.1:41234". It is also the
// issuer for token requests.
func (s *Server) URL() string { return s.ts.URL }

// PAT returns a personal access token of an instance administrator; it never expires.
func (s *Server) PAT() string { return s.pat }

// DefaultOrgID returns the organization that users added without OrgID belong to, and
// that the PAT's owner belongs to.
func (s *Server) DefaultOrgID() string { return s.defaultOrg }

// Client returns a client for the server, authenticated with PAT(). Its retries wait
// milliseconds rather than seconds; opts are applied after that and may change it.
func (s *Server) Client(opts ...client.Option) *client.Client {
	base := []client.Option{
		client.WithTokenSource(auth.PAT(s.pat)),
		client.WithRetryPolicy(client.RetryPolicy{MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}),
	}
	c, err := client.New(s.URL(), append(base, opts...)...)
	if err != nil {
		panic("clienttest: " + err.Error()) // a loopback URL is always valid
	}
	return c
}

// AddHumanUser adds a human user and returns its id.
func (s *Server) AddHumanUser(u HumanUser) (userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu := s.addUser(u.OrgID, u.Username)
	nu.human, nu.email, nu.phone, nu.password = true, u.Email, u.Phone, u.Password
	return nu.id
}

// AddServiceUser adds a machine user and returns its id; see KeyFile, ClientSecret and
// TokenFor for its credentials.
func (s *Server) AddServiceUser(u ServiceUser) (userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	nu := s.addUser(u.OrgID, u.Username)
	nu.admin = u.Admin
	return nu.id
}

// addUser creates a user in org (the default org when ""), creating the org if needed.
func (s *Server) addUser(org, username string) *user {
	if org == "" {
		org = s.defaultOrg
	}
	s.orgs[org] = true
	now := s.now().UTC()
	u := &user{id: s.id(), org: org, username: username, sequence: 1, created: now, changed: now}
	s.users[u.id] = u
	return u
}

// AddOrg creates an organization and returns its id.
func (s *Server) AddOrg() (orgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.id()
	s.orgs[id] = true
	return id
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
	b := make([]byte, 24)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	s.tokens[tok] = &principal{userID: userID, expires: expires, api: api}
	return tok
}

// KeyFile creates an RSA key for a service user and returns ZITADEL's JSON key file for it,
// to use with auth.JWTProfile and s.URL() as the issuer.
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
// auth.ClientCredentials and s.URL() as the issuer.
func (s *Server) ClientSecret(userID string) (clientID, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	if u == nil {
		panic("clienttest: ClientSecret: unknown user " + userID)
	}
	b := make([]byte, 24)
	rand.Read(b)
	clientID, secret = u.username+"@"+u.org, hex.EncodeToString(b)
	s.secrets[clientID] = &clientSecret{userID: userID, secret: secret}
	return clientID, secret
}

// Notifications returns the messages sent so far, oldest first.
func (s *Server) Notifications() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.outbox...)
}

// CheckPassword reports whether password is the user's current password.
func (s *Server) CheckPassword(userID, password string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	return u != nil && u.password != "" && u.password == password
}

// PasswordChangeRequired reports whether the user must change the password at next login.
func (s *Server) PasswordChangeRequired(userID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[userID]
	return u != nil && u.changeRequired
}

// randomCode returns six upper-case letters, like ZITADEL's default code generator.
func randomCode() string {
	b := make([]byte, 6)
	for i := range b {
		b[i] = byte('A' + mrand.IntN(26))
	}
	return string(b)
}
