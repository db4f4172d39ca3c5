// Package endpoint checks the base URLs the SDK sends credentials to.
package endpoint

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// ErrPlainHTTP is returned for an http:// URL to a host that is not loopback when insecure
// is not set, so that callers can name their own way to allow it.
var ErrPlainHTTP = errors.New("http is only allowed for loopback hosts; use https")

// Parse checks that raw is an absolute http(s) URL without user info, query or fragment,
// and that it uses https unless its host is loopback or insecure is set. It returns the URL
// as scheme://host[/path] without a trailing slash. Errors never repeat raw, which may hold
// a password in its user info.
func Parse(raw string, insecure bool) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", errors.New("must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("not a URL")
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", errors.New(`must be an absolute URL with scheme "https" (or "http" for loopback hosts)`)
	case u.Host == "" || u.Hostname() == "":
		return "", errors.New("must name a host")
	case u.User != nil:
		return "", errors.New("must not contain user info")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", errors.New("must not have a query or fragment")
	case u.Scheme == "http" && !insecure && !IsLoopback(u.Hostname()):
		return "", ErrPlainHTTP
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.EscapedPath(), "/"), nil
}

// IsLoopback reports whether host (without port) is localhost or a loopback address.
func IsLoopback(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
