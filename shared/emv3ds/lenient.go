package emv3ds

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// ErrEmptyValue is an element given as "" (a 203 in a message; a request
// wrapper may treat it as absent). It wraps ErrFormat.
var ErrEmptyValue = fmt.Errorf("%w: empty value", ErrFormat)

// DecodeLenient decodes one JSON object into the struct v points to under
// the lenient rules of every message (see the package's decode notes):
// names matched case-insensitively, null/{}/[] as absent, numbers for
// strings, unknown members ignored. Any element given twice, or a value of
// the wrong JSON type, is reported as a *ValidationError naming the spec
// element (204, 203); a body that is not one JSON object is a
// *ValidationError with code 101. It is the one decoder for request
// bodies that are not EMV messages themselves (the merchant API's own
// members, later dialects' bodies), so they follow the message rules.
func DecodeLenient(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return errors.New("emv3ds: DecodeLenient needs a pointer to a struct")
	}
	var st decodeState
	if err := unmarshalLenient(data, v, &st); err != nil {
		return err
	}
	return st.err()
}

func isNumberKind(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

var (
	elementsOnce sync.Once
	elementNames map[string]string // lower case → spec spelling
)

// ElementName returns the specification's spelling of a data element name
// given in any case ("threedsservertransid" → "threeDSServerTransID"), and
// false for a name no message of this package defines. Error details and
// log lines name elements through it, so a client's own member names are
// never copied into them.
func ElementName(name string) (string, bool) {
	elementsOnce.Do(func() {
		elementNames = map[string]string{}
		seen := map[reflect.Type]bool{}
		for _, m := range []any{AReq{}, ARes{}, CReq{}, CRes{}, RReq{}, RRes{}, PReq{}, PRes{}, Erro{}, ThreeDSMethodData{}} {
			collectNames(reflect.TypeOf(m), seen)
		}
		// The 2.2.0 names the decoder still accepts (aliases).
		elementNames["whiteliststatus"] = "whiteListStatus"
		elementNames["whiteliststatussource"] = "whiteListStatusSource"
	})
	n, ok := elementNames[strings.ToLower(name)]
	return n, ok
}

func collectNames(t reflect.Type, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for _, f := range fieldsOf(t) {
		elementNames[strings.ToLower(f.name)] = f.name
		collectNames(f.typ, seen)
	}
}
