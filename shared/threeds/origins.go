package threeds

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalidOrigin is an allowed-origin entry that is not scheme://host[:port].
var ErrInvalidOrigin = errors.New("invalid origin")

// NormalizeOrigin checks one allowed-origin entry and returns it in the
// form it is compared in: "http" or "https", "://", a host (DNS name, IPv4,
// or [IPv6]), and an optional port, where "*" allows any port
// ("http://localhost:*"). Nothing else: no path, query, user or wildcard
// host. The default port of the scheme is dropped.
func NormalizeOrigin(s string) (string, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	scheme = strings.ToLower(scheme)
	if !ok || (scheme != "http" && scheme != "https") {
		return "", fmt.Errorf("%w: the scheme must be http or https", ErrInvalidOrigin)
	}
	if rest == "" || strings.ContainsAny(rest, "/?#@\\ \t\r\n\"'<>`") {
		return "", fmt.Errorf("%w: only scheme://host[:port], no path", ErrInvalidOrigin)
	}
	host, port := rest, ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 && !strings.HasSuffix(rest, "]") {
		host, port = rest[:i], rest[i+1:]
		if port != "*" {
			if _, err := parsePort(port); err != nil {
				return "", err
			}
		}
	}
	host = strings.ToLower(host)
	if !validHost(host) {
		return "", fmt.Errorf("%w: the host is not a DNS name or IP address", ErrInvalidOrigin)
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		return scheme + "://" + host + ":" + port, nil
	}
	return scheme + "://" + host, nil
}

// CheckOrigins reports every entry of list that NormalizeOrigin refuses.
func CheckOrigins(list []string) error {
	var errs []error
	for i, o := range list {
		if _, err := NormalizeOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("origin %d: %w", i+1, err))
		}
	}
	return errors.Join(errs...)
}

// OriginOf returns the origin (scheme://host[:port]) of an absolute http(s)
// URL, normalised as NormalizeOrigin does, or "" when raw is not one.
func OriginOf(raw string) string {
	if CheckHTTPURL(raw) != nil {
		return ""
	}
	u, _ := url.Parse(raw)
	o, err := NormalizeOrigin(strings.ToLower(u.Scheme) + "://" + u.Host)
	if err != nil {
		return ""
	}
	return o
}

// CheckHTTPURL is CheckReturnURL's rule as a plain error, for URLs that are
// not a merchant's field (an ACS URL placed in a page): an absolute http or
// https URL with a valid host and port and nothing a page could misread.
func CheckHTTPURL(raw string) error {
	if !validReturnURL(raw) {
		return errors.New("not an absolute http(s) URL with a valid host and port")
	}
	return nil
}

// OriginMatches reports whether origin (as a browser sends it) is allowed by
// pattern (an entry of AllowedOrigins).
func OriginMatches(pattern, origin string) bool {
	p, err := NormalizeOrigin(pattern)
	if err != nil {
		return false
	}
	o, err := NormalizeOrigin(origin)
	if err != nil || strings.HasSuffix(o, ":*") {
		return false
	}
	if base, ok := strings.CutSuffix(p, ":*"); ok {
		if o == base {
			return true
		}
		host, _, found := strings.Cut(strings.TrimPrefix(o, base), ":")
		return found && host == ""
	}
	return p == o
}

// AllowsOrigin reports whether origin is one of the merchant's.
func (m *Merchant) AllowsOrigin(origin string) bool {
	for _, p := range m.AllowedOrigins {
		if OriginMatches(p, origin) {
			return true
		}
	}
	return false
}

// AllowsReturnURL reports whether raw may be the merchant's returnURL:
// always, unless RestrictReturnURL limits it to AllowedOrigins.
func (m *Merchant) AllowsReturnURL(raw string) bool {
	if !m.RestrictReturnURL {
		return true
	}
	o := OriginOf(raw)
	return o != "" && m.AllowsOrigin(o)
}

func parsePort(p string) (int, error) {
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 || n > 65535 || p[0] == '0' {
		return 0, fmt.Errorf("%w: the port must be 1 to 65535", ErrInvalidOrigin)
	}
	return n, nil
}

// validHost accepts a bracketed IPv6 address, an IPv4 address, or a DNS name
// of letters, digits and hyphens (labels of 1–63, at most 253 in all).
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") {
		ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(h, "["), "]"))
		return strings.HasSuffix(h, "]") && ip != nil && ip.To4() == nil
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
