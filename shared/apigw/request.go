package apigw

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxBodyBytes bounds a request body. The largest legitimate message is an app
// AReq whose sdkEncData may reach 64,000 characters.
const MaxBodyBytes = 128 << 10

// Input errors. Each becomes a 4xx answer naming what was wrong, never a value.
var (
	ErrBodyTooLarge       = errors.New("request body too large")
	ErrEmptyBody          = errors.New("request body is empty")
	ErrUnsupportedMedia   = errors.New("unsupported content type")
	ErrMalformedBody      = errors.New("request body is not valid")
	ErrUnauthenticated    = errors.New("missing merchant identity")
	ErrMethodNotAllowed   = errors.New("method not allowed")
	ErrRouteNotFound      = errors.New("route not found")
	ErrIdempotencyKeySize = errors.New("Idempotency-Key too long")
)

// BadTextError reports a text value the input rules refuse; Field is the
// JSON element (or form field) holding it. JSON bodies take UTF-8 text
// without control characters; the browser's form posts (base64 and IDs
// only) take printable ASCII (ASCIIOnly).
type BadTextError struct {
	Field     string
	ASCIIOnly bool
}

// Rule says what the refused value had to be, for error messages.
func (e *BadTextError) Rule() string {
	if e.ASCIIOnly {
		return "must be printable ASCII"
	}
	return "must be valid UTF-8 text without control characters"
}

func (e *BadTextError) Error() string {
	return fmt.Sprintf("element %s %s", e.Field, e.Rule())
}

// Body returns the raw request body after the transport rules: base64 decoding
// when API Gateway marked it so, the size limit, and a non-empty check.
func Body(ev events.APIGatewayProxyRequest) ([]byte, error) {
	raw := []byte(ev.Body)
	if ev.IsBase64Encoded {
		dec, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, ErrMalformedBody
		}
		raw = dec
	}
	if len(raw) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmptyBody
	}
	return raw, nil
}

// JSONBody returns a JSON request body checked for size and text: every
// key and string value must be valid UTF-8 (an address like "Zürich" is
// fine) without control characters (tab, CR and LF aside), escapes
// included; a lone surrogate escape is invalid. A bad value is reported by
// the element that holds it (BadTextError). The
// Content-Type is not enforced: what counts is that the body is JSON (curl's
// default form type with a JSON body is accepted); a multipart upload is
// refused as the wrong shape.
func JSONBody(ev events.APIGatewayProxyRequest) ([]byte, error) {
	if ct := Header(ev, "Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err == nil && strings.HasPrefix(mt, "multipart/") {
			return nil, ErrUnsupportedMedia
		}
	}
	raw, err := Body(ev)
	if err != nil {
		return nil, err
	}
	if !json.Valid(raw) {
		return nil, ErrMalformedBody
	}
	if field, ok := firstBadText(raw); ok {
		return nil, &BadTextError{Field: field}
	}
	return raw, nil
}

// Form parses an application/x-www-form-urlencoded body (the browser posts of
// the ACS pages: threeDSMethodData, cres, threeDSSessionData).
func Form(ev events.APIGatewayProxyRequest) (url.Values, error) {
	if ct := Header(ev, "Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, ErrUnsupportedMedia
		}
	}
	raw, err := Body(ev)
	if err != nil {
		return nil, err
	}
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, ErrMalformedBody
	}
	for k, vs := range vals {
		for _, v := range vs {
			if !isASCII(v) {
				return nil, &BadTextError{Field: ElementPath(k), ASCIIOnly: true}
			}
		}
	}
	return vals, nil
}

// Header returns a request header regardless of the case the client used.
func Header(ev events.APIGatewayProxyRequest, name string) string {
	for k, v := range ev.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range ev.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// MerchantID is the merchant the credential check (CredentialGuard) resolved
// from the request's credential.
func MerchantID(ev events.APIGatewayProxyRequest) (string, error) {
	if v, ok := ev.RequestContext.Authorizer[AuthorizerMerchantKey].(string); ok && v != "" {
		return v, nil
	}
	return "", ErrUnauthenticated
}

// AuthorizerMerchantKey is the authorizer context key carrying the merchant ID.
const AuthorizerMerchantKey = "merchantId"

// firstBadText walks the JSON tokens and names the first element whose key
// or string value is not valid UTF-8 or holds a control character (tab, CR,
// LF allowed). encoding/json turns invalid bytes and lone surrogate escapes
// into U+FFFD, so the raw body is checked first and a decoded U+FFFD
// counts as invalid.
func firstBadText(raw []byte) (string, bool) {
	if isASCII(string(raw)) && !bytes.Contains(raw, []byte(`\u`)) {
		return "", false // nothing escaped, nothing outside ASCII: skip the walk
	}
	if !utf8.Valid(raw) {
		return badUTF8Element(raw), true
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var w jsonPathWalker
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return "", false // every string decoded to good text (escapes included)
		}
		if err != nil {
			return "body", true
		}
		if t, ok := tok.(string); ok && !goodText(t) {
			w.step(tok)
			return w.path(), true
		}
		w.step(tok)
	}
}

// jsonPathWalker follows a JSON token stream and knows the element path of
// the last key or string value it was given.
type jsonPathWalker struct {
	stack     []string // object keys ("" before the first) and "[]" for arrays
	expectKey []bool
}

// step takes the next token; it reports whether the token was a key.
func (w *jsonPathWalker) step(tok json.Token) (key bool) {
	n := len(w.expectKey)
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			w.expectKey = append(w.expectKey, true)
			w.stack = append(w.stack, "")
		case '[':
			w.expectKey = append(w.expectKey, false)
			w.stack = append(w.stack, "[]")
		case '}', ']':
			w.expectKey = w.expectKey[:n-1]
			w.stack = w.stack[:n-1]
			w.valueDone()
		}
		return false
	case string:
		if n > 0 && w.expectKey[n-1] {
			w.stack[n-1] = t
			w.expectKey[n-1] = false
			return true
		}
	}
	w.valueDone()
	return false
}

// valueDone marks the end of a member's value: an object expects a key next.
func (w *jsonPathWalker) valueDone() {
	if n := len(w.expectKey); n > 0 && w.stack[n-1] != "[]" {
		w.expectKey[n-1] = true
	}
}

func (w *jsonPathWalker) path() string { return pathOf(w.stack) }

func pathOf(stack []string) string {
	parts := make([]string, 0, len(stack))
	for _, s := range stack {
		if s == "" || s == "[]" {
			continue
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "body"
	}
	return ElementPath(parts...) // the client's own member names are never copied
}

// goodText is valid UTF-8 without control characters (C0 but tab, CR and
// LF; DEL; C1) and without U+FFFD (what encoding/json decodes invalid
// bytes and lone surrogates to).
func goodText(s string) bool {
	if isASCII(s) {
		return true
	}
	for _, r := range s {
		if r == utf8.RuneError || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

// badUTF8Element names the element holding the first invalid UTF-8 byte of
// raw: the body up to there is cut and walked for its last key.
func badUTF8Element(raw []byte) string {
	i := 0
	for i < len(raw) {
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	// The last key before the bad byte: the member whose value holds it
	// (or the key itself).
	dec := json.NewDecoder(bytes.NewReader(raw[:i]))
	var w jsonPathWalker
	last := "body"
	for {
		tok, err := dec.Token()
		if err != nil {
			return last
		}
		if w.step(tok) {
			last = w.path()
		}
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f {
			return false
		}
	}
	return true
}

// BaseURL is the URL the request came in on (scheme, host and stage), the
// base of our browser callbacks when no public URL is configured.
func BaseURL(ev events.APIGatewayProxyRequest) string {
	host := Header(ev, "Host")
	if host == "" {
		host = ev.RequestContext.DomainName
	}
	if host == "" {
		return ""
	}
	scheme := Header(ev, "X-Forwarded-Proto")
	if scheme == "" {
		scheme = "https"
	}
	base := scheme + "://" + host
	// The stage is in the path only on the default execute-api host.
	if ev.RequestContext.Stage != "" && strings.Contains(host, ".execute-api.") {
		base += "/" + ev.RequestContext.Stage
	}
	return base
}
