package apigw

import (
	"errors"
	"strings"
	"sync"

	"github.com/open3ds/server/shared/emv3ds"
)

// DecodeFields decodes a JSON request body into v with the one lenient
// decoder every body goes through (emv3ds.DecodeLenient, the decoder of the
// EMV messages themselves): names matched case-insensitively (clients send
// threeDsServerTransId), null and "" as absent, numbers accepted for
// strings, unknown members ignored. An element given twice is a 204 and a
// value of the wrong JSON type a 203, each naming the spec element; a body
// that is not one JSON object is ErrMalformedBody. Every dialect decodes
// its bodies with it.
func DecodeFields(raw []byte, v any) error {
	err := emv3ds.DecodeLenient(raw, v)
	var verr *emv3ds.ValidationError
	switch {
	case err == nil:
		return nil
	case !errors.As(err, &verr) || verr.Code() == emv3ds.ErrorCodeMessageInvalid:
		return ErrMalformedBody
	}
	var kept []emv3ds.FieldError
	for _, f := range verr.Fields {
		if !errors.Is(f.Err, emv3ds.ErrEmptyValue) { // "" is absent in a request wrapper
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &emv3ds.ValidationError{Fields: kept}
}

// UnknownElement is what an error detail says instead of a member name the
// specification (or a dialect) does not define: the client's own text is
// never copied into an answer or a log line.
const UnknownElement = "unknown element"

var (
	extraMu    sync.RWMutex
	extraNames = map[string]string{}
)

// RegisterElementNames adds the member names of a dialect's request bodies
// and forms that are not EMV data elements (the native API's returnURL), so
// errors may name them. Call it from an init function.
func RegisterElementNames(names ...string) {
	extraMu.Lock()
	defer extraMu.Unlock()
	for _, n := range names {
		extraNames[strings.ToLower(n)] = n
	}
}

func init() {
	RegisterElementNames("returnURL", "ds", "body", "cres", "creq", "threeDSSessionData", "threeDSMethodData")
}

// elementName is the defined spelling of a member name, or false.
func elementName(name string) (string, bool) {
	if n, ok := emv3ds.ElementName(name); ok {
		return n, true
	}
	extraMu.RLock()
	defer extraMu.RUnlock()
	n, ok := extraNames[strings.ToLower(name)]
	return n, ok
}

// ElementPath names a member path in an error: each segment in its defined
// spelling, cut at the first segment that is not a defined name (an opaque
// extension's own keys, a member the client invented); a path with no
// defined segment at all is UnknownElement.
func ElementPath(segments ...string) string {
	var out []string
	for _, s := range segments {
		n, ok := elementName(s)
		if !ok {
			break
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return UnknownElement
	}
	return strings.Join(out, ".")
}
