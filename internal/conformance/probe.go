package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/zitpass/zitpass-go/client"
)

// Probe makes the few calls the suite needs beyond the SDK's (the server's version, the
// fake's clock), as the client Build makes would: to the same address, with the same
// Authorization and x-zitadel-instance-host headers, borrowed from one SDK call. It never
// prints or returns those headers.
type Probe struct {
	base   string
	header http.Header
	hc     *http.Client
}

// NewProbe makes one SDK call through build (GetPasswordComplexitySettings, which any
// authenticated caller may make) and keeps the address and headers it was sent with.
func NewProbe(ctx context.Context, build Build) (*Probe, error) {
	capture := &headerCapture{base: http.DefaultTransport}
	hc := &http.Client{Transport: capture, Timeout: time.Minute}
	c, err := build(client.WithHTTPClient(hc), client.WithoutRetries())
	if err != nil {
		return nil, err
	}
	_, callErr := c.Settings.PasswordComplexity(ctx)
	h := capture.sent()
	if h == nil {
		return nil, fmt.Errorf("zitpass: conformance: no request reached the server: %w", callErr)
	}
	return &Probe{base: c.BaseURL(), header: h, hc: &http.Client{Timeout: time.Minute}}, nil
}

// headerCapture is a transport that keeps the headers of the first request it sends.
type headerCapture struct {
	base http.RoundTripper
	mu   sync.Mutex
	h    http.Header
}

func (c *headerCapture) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	if c.h == nil {
		c.h = http.Header{}
		for _, k := range []string{"Authorization", "X-Zitadel-Instance-Host", "User-Agent"} {
			if v := r.Header.Get(k); v != "" {
				c.h.Set(k, v)
			}
		}
	}
	c.mu.Unlock()
	return c.base.RoundTrip(r)
}

func (c *headerCapture) sent() http.Header {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.h
}

// call makes one request and decodes a 200 answer's JSON into out. Its errors name the
// method, path and status, never a header.
func (p *Probe) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.base+path, rd)
	if err != nil {
		return err
	}
	req.Header = p.header.Clone()
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, errors.Unwrap(err))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return &statusError{method: method, path: path, status: resp.StatusCode}
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the JSON expected: %v", method, path, err)
	}
	return nil
}

// statusError is a probe call that was not answered 200.
type statusError struct {
	method, path string
	status       int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s answered %d", e.method, e.path, e.status)
}

// Version returns the server's version as GET /admin/v1/instances/me reports it, e.g.
// "v4.13.1". Only an instance administrator may make that call; ZITADEL sends the version in
// no header.
func (p *Probe) Version(ctx context.Context) (string, error) {
	var out struct {
		Instance struct {
			Version string `json:"version"`
		} `json:"instance"`
	}
	if err := p.call(ctx, http.MethodGet, "/admin/v1/instances/me", nil, &out); err != nil {
		return "", err
	}
	if out.Instance.Version == "" {
		return "", errors.New("GET /admin/v1/instances/me: no instance.version in the answer")
	}
	return out.Instance.Version, nil
}

// FakeClock reports whether the server is cmd/zitadel-fake, whose control API answers GET
// /_fake/clock, and returns a Wait that advances that clock (POST /_fake/clock) instead of
// waiting. A real ZITADEL answers the path 404.
func (p *Probe) FakeClock(ctx context.Context) (wait func(context.Context, time.Duration) error, ok bool) {
	var now struct {
		Now string `json:"now"`
	}
	if err := p.call(ctx, http.MethodGet, "/_fake/clock", nil, &now); err != nil || now.Now == "" {
		return nil, false
	}
	return func(ctx context.Context, d time.Duration) error {
		var out struct{ Now string }
		return p.call(ctx, http.MethodPost, "/_fake/clock", map[string]string{"advance": d.String()}, &out)
	}, true
}
