package apigw

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// CredentialRule is how one dialect's routes present their credential to the
// flow functions' credential check (CredentialGuard). It picks the rule whose path prefix is the longest
// match of the request's resource (or path), turns the request into the
// rule's Material and looks its hash up among the stored credentials of the
// rule's Kind, so a credential of one kind never opens a route of another (a
// Worldpay password is not a native key, and the other way round).
type CredentialRule struct {
	// Dialect is the dialect whose routes the rule guards (in the authorizer context the handlers read).
	Dialect string
	// Kind is the kind of the stored credentials the rule accepts
	// (threeds.APIKey.Kind): "" for the native API key. A stored credential
	// of another kind never matches, whatever its material.
	Kind string
	// PathPrefixes are the resource paths the rule guards ("/preauth",
	// "/verifications/customers/3ds/"); the longest matching prefix wins.
	PathPrefixes []string
	// Material is what is hashed and looked up for this request; an error
	// (ErrNoCredential, ErrConflictingCredentials) is a 401.
	Material func(r events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error)
	// GatewayRejects: a refused credential is answered before the handler
	// with the native 401 (Unauthorized: the EMV Erro body API Gateway's
	// UNAUTHORIZED gateway response had when an authorizer checked keys).
	// When false, the check lets the request reach the dialect's handler
	// without a merchant, and the handler answers 401 in the dialect's own
	// error shape (MerchantID fails with ErrUnauthenticated).
	GatewayRejects bool
	// Alternate, when set, is the rule used instead whenever the request
	// carries the alternate's credential (its Material finds one): UAS
	// routes take a path token, or the native Bearer key when present.
	Alternate *CredentialRule
}

// For returns the rule that applies to the request: the Alternate when the
// request carries its credential, else r itself.
func (r CredentialRule) For(ev events.APIGatewayCustomAuthorizerRequestTypeRequest) CredentialRule {
	if r.Alternate != nil && r.Alternate.Material != nil {
		if _, err := r.Alternate.Material(ev); !errors.Is(err, ErrNoCredential) {
			return *r.Alternate
		}
	}
	return r
}

// AuthorizerDialectKey is the authorizer context key naming the dialect whose
// credential rule authorized the request.
const AuthorizerDialectKey = "dialect"

// RuleFor returns the rule guarding the request's resource (else its path),
// by longest prefix; ok is false when no rule guards it.
func RuleFor(rules []CredentialRule, resource, path string) (CredentialRule, bool) {
	for _, p := range []string{resource, path} {
		best, bestLen := CredentialRule{}, -1
		for _, r := range rules {
			for _, prefix := range r.PathPrefixes {
				if len(prefix) > bestLen && matchesPrefix(p, prefix) {
					best, bestLen = r, len(prefix)
				}
			}
		}
		if bestLen >= 0 {
			return best, true
		}
	}
	return CredentialRule{}, false
}

// matchesPrefix: a prefix ending in "/" guards everything below it; any
// other prefix guards exactly that path (so "/auth" does not guard
// "/authentication").
func matchesPrefix(path, prefix string) bool {
	if strings.HasSuffix(prefix, "/") {
		return strings.HasPrefix(path, prefix)
	}
	return path == prefix
}

// HeaderMaterial reads one credential from the sources (ExtractCredential)
// and uses its value as the material, prefixed with kind+":" unless kind is
// empty (the native API key is hashed as it is).
func HeaderMaterial(kind string, sources []CredentialSource) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
	return func(r events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
		c, err := ExtractCredential(r.Headers, r.MultiValueHeaders, sources)
		if err != nil {
			return "", err
		}
		if kind == "" {
			return c.Value, nil
		}
		return kind + ":" + c.Value, nil
	}
}

// CredentialBasic is HTTP Basic (RFC 7617): username and password.
const CredentialBasic CredentialKind = "basic"

// BasicSources is `Authorization: Basic <base64(user:password)>`.
var BasicSources = []CredentialSource{{Kind: CredentialBasic, Header: "Authorization", Scheme: "Basic"}}

// ErrMalformedBasic is a Basic credential that does not decode to
// user:password; it answers 401 like any other refused credential.
var ErrMalformedBasic = errors.New("malformed Basic credential")

// BasicMaterial is kind + ":" + username + ":" + password of the request's
// one Basic credential (an empty password is allowed: Juspay sends the API key
// as the username and no password).
func BasicMaterial(kind string) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
	return func(r events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
		c, err := ExtractCredential(r.Headers, r.MultiValueHeaders, BasicSources)
		if err != nil {
			return "", err
		}
		user, pass, err := DecodeBasic(c.Value)
		if err != nil {
			return "", err
		}
		return BasicCredentialMaterial(kind, user, pass), nil
	}
}

// BasicCredentialMaterial is what BasicMaterial hashes for user and password:
// the admin CLI stores the hash of the same string.
func BasicCredentialMaterial(kind, user, pass string) string {
	return kind + ":" + user + ":" + pass
}

// DecodeBasic splits a Basic credential's base64 token into user and
// password.
func DecodeBasic(token string) (user, pass string, err error) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return "", "", ErrMalformedBasic
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || !isASCII(user) || !isASCII(pass) {
		return "", "", ErrMalformedBasic
	}
	return user, pass, nil
}

// PathTokenMaterial is kind + ":" + the path parameter param (a capability
// token in the URL, for clients that send no credential header).
func PathTokenMaterial(kind, param string) func(events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
	return func(r events.APIGatewayCustomAuthorizerRequestTypeRequest) (string, error) {
		tok := r.PathParameters[param]
		if tok == "" {
			return "", ErrNoCredential
		}
		return kind + ":" + tok, nil
	}
}
