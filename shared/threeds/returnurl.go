package threeds

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/open3ds/server/shared/emv3ds"
)

// MaxReturnURLLen bounds a returnURL.
const MaxReturnURLLen = 2048

// CheckReturnURL is the rule for the merchant page a browser returns to
// after a challenge (it ends up in a page's form action and postMessage
// target): an absolute http or https URL of at most 2,048 characters, made
// only of the characters RFC 3986 allows outside quotes (no space, quote,
// angle bracket, backslash or control character), without user
// information, whose host is a DNS name (letters, digits and hyphens per
// label) or an IP address ([…] for IPv6) and whose port, when given, is a
// number from 1 to 65535. Anything else is a 203 naming field.
func CheckReturnURL(field, raw string) error {
	if !validReturnURL(raw) {
		return fieldError(field, "must be an absolute http(s) URL with a valid host and port, of at most "+
			strconv.Itoa(MaxReturnURLLen)+" characters", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	return nil
}

func validReturnURL(raw string) bool {
	if raw == "" || len(raw) > MaxReturnURLLen {
		return false
	}
	for i := 0; i < len(raw); i++ {
		if !uriChar(raw[i]) {
			return false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.User != nil {
		return false
	}
	if s := strings.ToLower(u.Scheme); s != "https" && s != "http" {
		return false
	}
	if strings.HasSuffix(u.Host, ":") {
		return false // an empty port
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 || p[0] == '0' {
			return false
		}
	}
	host := u.Hostname()
	if strings.HasPrefix(u.Host, "[") {
		a, err := netip.ParseAddr(host)
		return err == nil && a.Is6() && a.Zone() == ""
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return a.Is4()
	}
	return dnsName(host)
}

// uriChar: unreserved, reserved and '%' (RFC 3986), less the quote.
func uriChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&()*+,;=%", c) >= 0
}

// dnsName: labels of 1–63 letters, digits and hyphens (not at either end),
// at most 253 characters, at least one letter in the last label.
func dnsName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	return strings.IndexFunc(last, func(r rune) bool { return r < '0' || r > '9' }) >= 0
}
