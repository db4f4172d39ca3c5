package auth

import (
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// maxEarly is the most a token is refreshed before it expires; tokens that live less than
// ten times as long are refreshed a tenth of their lifetime early.
const maxEarly = time.Minute

// cache holds the token of an exchanging source. Concurrent callers on an empty or stale
// cache share one fetch, and all of them get its result, a failure included, so that a
// failing endpoint sees one request per burst rather than one per caller.
//
// It does the job of oauth2.ReuseTokenSourceWithExpiry, plus what the client needs from
// it: Invalidate, a clock tests can set, and shared failures.
type cache struct {
	fetch func() (*oauth2.Token, error)
	now   func() time.Time

	mu      sync.Mutex
	tok     *oauth2.Token
	refresh time.Time // when tok is due for refresh; zero means never
	flight  *flight
}

type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
}

func newCache(fetch func() (*oauth2.Token, error)) *cache {
	return &cache{fetch: fetch, now: time.Now}
}

// Token returns the cached token, or fetches one when there is none or it is due.
func (c *cache) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	if c.tok != nil && (c.refresh.IsZero() || c.now().Before(c.refresh)) {
		tok := c.tok
		c.mu.Unlock()
		return tok, nil
	}
	if f := c.flight; f != nil {
		c.mu.Unlock()
		<-f.done
		return f.tok, f.err
	}
	f := &flight{done: make(chan struct{})}
	c.flight = f
	c.mu.Unlock()

	f.tok, f.err = c.fetch()

	c.mu.Lock()
	c.flight = nil
	if f.err == nil {
		c.tok, c.refresh = f.tok, c.refreshTime(f.tok)
	}
	c.mu.Unlock()
	close(f.done)
	return f.tok, f.err
}

// refreshTime is when tok should be replaced: ahead of its expiry by a tenth of its
// remaining lifetime, at most maxEarly.
func (c *cache) refreshTime(tok *oauth2.Token) time.Time {
	if tok.Expiry.IsZero() {
		return time.Time{}
	}
	life := tok.Expiry.Sub(c.now())
	return tok.Expiry.Add(-min(maxEarly, life/10))
}

// Invalidate drops the cached token if it is accessToken, the token the server refused.
// A token that has already been replaced is left alone, so that concurrent callers that
// all saw the old token cause one refresh.
func (c *cache) Invalidate(accessToken string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == accessToken {
		c.tok = nil
	}
}
