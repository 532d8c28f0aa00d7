package apigw

import (
	"errors"
	"strings"
)

// CredentialKind names a kind of credential a dialect accepts (the native
// API's key today; HTTP Basic, JWTs or path tokens for later dialects).
type CredentialKind string

// CredentialAPIKey is the native API key (Bearer or APIKey header).
const CredentialAPIKey CredentialKind = "apiKey"

// CredentialSource is one header a credential can arrive in. Scheme, when
// set, is the Authorization scheme that must prefix the value ("Bearer");
// a value with another scheme is a credential this source does not accept.
type CredentialSource struct {
	Kind   CredentialKind
	Header string // matched case-insensitively
	Scheme string // "" takes the whole value
}

// APIKeySources are where the native API key may be presented:
// `Authorization: Bearer <key>` or `APIKey: <key>`.
var APIKeySources = []CredentialSource{
	{Kind: CredentialAPIKey, Header: "Authorization", Scheme: "Bearer"},
	{Kind: CredentialAPIKey, Header: "APIKey"},
}

// Credential is the one credential a request presented.
type Credential struct {
	Kind  CredentialKind
	Value string
}

// Errors of ExtractCredential; both answer 401.
var (
	ErrNoCredential           = errors.New("no credential presented")
	ErrConflictingCredentials = errors.New("credential headers disagree")
)

// ExtractCredential finds the request's credential in its headers. It reads
// both maps of the REST event (headers keeps one value per name,
// multiValueHeaders every value), under any header case, and requires every
// credential header present to carry the same credential: two different
// keys (Bearer of one merchant, APIKey of another), a header repeated with
// different values, or an Authorization header of a scheme the sources do
// not accept is ErrConflictingCredentials. The answer never depends on map
// order. Blank header values count as absent.
func ExtractCredential(headers map[string]string, multi map[string][]string, sources []CredentialSource) (Credential, error) {
	var (
		found    Credential
		have     bool
		conflict bool
	)
	take := func(name, raw string) {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			return
		}
		for _, src := range sources {
			if !strings.EqualFold(name, src.Header) {
				continue
			}
			c, ok := src.read(raw)
			if !ok {
				conflict = true // a credential header holding something we do not accept
				return
			}
			if have && c != found {
				conflict = true
				return
			}
			found, have = c, true
			return
		}
	}
	for name, v := range headers {
		take(name, v)
	}
	for name, vs := range multi {
		for _, v := range vs {
			take(name, v)
		}
	}
	switch {
	case conflict:
		return Credential{}, ErrConflictingCredentials
	case !have:
		return Credential{}, ErrNoCredential
	}
	return found, nil
}

func (s CredentialSource) read(raw string) (Credential, bool) {
	if s.Scheme == "" {
		return Credential{Kind: s.Kind, Value: raw}, true
	}
	scheme, token, ok := strings.Cut(raw, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, s.Scheme) || token == "" {
		return Credential{}, false
	}
	return Credential{Kind: s.Kind, Value: token}, true
}
