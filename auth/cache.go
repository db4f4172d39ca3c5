package auth

import (
	"context"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// maxEarly is the most a token is refreshed before it expires; tokens that live less than
// ten times as long are refreshed a tenth of their lifetime early.
const maxEarly = time.Minute

// maxRetryWait bounds the wait before a failed background refresh is tried again.
const maxRetryWait = 10 * time.Second

// cache holds the token of an exchanging source.
//
//   - A caller with a valid token never waits. In the token's early-refresh window one
//     fetch runs in the background while callers keep the current token; a background
//     fetch that fails is tried again before the token expires.
//   - On a cold cache or an expired token, callers wait for one shared fetch, each only
//     as long as its own context allows. When every waiter has left, the fetch is
//     canceled, so that the next caller starts afresh rather than joining a fetch that
//     hangs.
//   - Failures are shared by the callers waiting for the fetch, never cached.
//
// It does the job of oauth2.ReuseTokenSourceWithExpiry, plus what the client needs from
// it: contexts, Invalidate, a clock tests can set, and shared failures.
type cache struct {
	fetch func(context.Context) (*oauth2.Token, error)
	now   func() time.Time

	mu      sync.Mutex
	tok     *oauth2.Token
	refresh time.Time // when tok is due for refresh; zero means never
	retryAt time.Time // after a failed background refresh, when to try again
	flight  *flight

	// onStart and onJoin are test seams, nil outside tests: called with mu held when a
	// fetch starts and when a caller begins to wait for one, so that tests wait for those
	// events rather than poll.
	onStart, onJoin func(*flight)
}

// flight is one fetch, with the callers waiting for it.
type flight struct {
	done       chan struct{}
	tok        *oauth2.Token
	err        error
	cancel     context.CancelFunc
	waiters    int
	background bool // started by a refresh while the token was still valid
}

func newCache(fetch func(context.Context) (*oauth2.Token, error)) *cache {
	return &cache{fetch: fetch, now: time.Now}
}

// Token returns the cached token, or fetches one, waiting at most tokenTimeout.
func (c *cache) Token() (*oauth2.Token, error) { return c.TokenContext(context.Background()) }

// TokenContext returns the cached token, or fetches one. It waits for a fetch only when no
// valid token is cached, and no longer than ctx allows: then it returns ctx.Err().
func (c *cache) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	now := c.now()
	if tok := c.tok; tok != nil && (tok.Expiry.IsZero() || now.Before(tok.Expiry)) {
		if !c.refresh.IsZero() && !now.Before(c.refresh) && c.flight == nil && !now.Before(c.retryAt) {
			c.start(true)
		}
		c.mu.Unlock()
		return tok, nil
	}
	f := c.flight
	if f == nil {
		f = c.start(false)
	}
	// A refresh that callers now wait for is theirs to abandon.
	f.background = false
	f.waiters++
	if c.onJoin != nil {
		c.onJoin(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		c.leave(f)
		return nil, ctx.Err()
	}
}

// start begins a fetch on its own goroutine and context. Callers hold c.mu.
func (c *cache) start(background bool) *flight {
	fctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
	f := &flight{done: make(chan struct{}), cancel: cancel, background: background}
	c.flight = f
	if c.onStart != nil {
		c.onStart(f)
	}
	go func() {
		tok, err := c.fetch(fctx)
		cancel()
		c.mu.Lock()
		if c.flight == f {
			c.flight = nil
		}
		switch {
		case err == nil:
			c.tok, c.refresh, c.retryAt = tok, c.refreshTime(tok), time.Time{}
		case background && c.tok != nil:
			c.retryAt = c.now().Add(min(maxRetryWait, c.tok.Expiry.Sub(c.now())/2))
		}
		c.mu.Unlock()
		f.tok, f.err = tok, err
		close(f.done)
	}()
	return f
}

// leave records that a waiter gave up. The last waiter of a foreground fetch cancels it:
// nobody wants its result, and it may hang.
func (c *cache) leave(f *flight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && !f.background && c.flight == f {
		c.flight = nil
		f.cancel()
	}
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
