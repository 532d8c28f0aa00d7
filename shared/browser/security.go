package browser

import (
	"crypto/rand"
	"encoding/base64"
	"strings"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/threeds"
)

// Nonce returns a fresh CSP nonce (16 random bytes, base64url: nothing to escape in HTML).
func Nonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Policy is the Content-Security-Policy of one HTML answer.
type Policy struct {
	Nonce string // scripts and styles run only with this nonce
	// FrameAncestors are the origins that may frame the page besides our
	// own ('self'): the merchant's allowed origins.
	FrameAncestors []string
	// FrameSrc and FormAction are the origins the page may frame and post
	// forms to, besides its own; empty: none.
	FrameSrc, FormAction []string
	// AnyFormAction allows forms to post anywhere (the final challenge page
	// sends the top window to the merchant's return URL).
	AnyFormAction bool
}

// String renders the policy: nothing is allowed unless listed.
func (p Policy) String() string {
	parts := []string{"default-src 'none'", "base-uri 'none'", "object-src 'none'"}
	if p.Nonce != "" {
		parts = append(parts, "script-src 'nonce-"+p.Nonce+"'", "style-src 'nonce-"+p.Nonce+"'")
	}
	if len(p.FrameSrc) > 0 {
		parts = append(parts, "frame-src 'self' "+strings.Join(p.FrameSrc, " "))
	}
	switch {
	case p.AnyFormAction:
		parts = append(parts, "form-action *")
	case len(p.FormAction) > 0:
		parts = append(parts, "form-action 'self' "+strings.Join(p.FormAction, " "))
	default:
		parts = append(parts, "form-action 'self'")
	}
	parts = append(parts, "frame-ancestors "+strings.Join(Ancestors(p.FrameAncestors), " "))
	return strings.Join(parts, "; ")
}

// Ancestors is 'self' plus every well-formed origin of list (normalised;
// anything else is left out, so a bad entry can never widen the policy).
func Ancestors(list []string) []string {
	out := []string{"'self'"}
	for _, o := range list {
		if n, err := threeds.NormalizeOrigin(o); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// Secure adds the security headers of an HTML answer to resp: the policy
// as a Content-Security-Policy header, X-Content-Type-Options: nosniff,
// Referrer-Policy: no-referrer, and no caching.
func Secure(resp apigw.Response, p Policy) apigw.Response {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	resp.Headers["Content-Security-Policy"] = p.String()
	resp.Headers["X-Content-Type-Options"] = "nosniff"
	resp.Headers["Referrer-Policy"] = "no-referrer"
	resp.Headers["Cache-Control"] = "no-store"
	return resp
}
