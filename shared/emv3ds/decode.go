package emv3ds

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Lenient input (client-contracts.md, protocol doc §1). Before a message is
// unmarshalled, its JSON is rewritten against the target struct:
//   - element names match case-insensitively (threeDsserverTransId), and the
//     2.2.0 names whiteListStatus(Source) fill the 2.3.1 trustList fields;
//   - null, {} and [] count as absent;
//   - a number given for a string element becomes its literal text
//     (purchaseExponent: 2 → "2"), "true"/"false" fill boolean elements;
//   - a scalar or object given for an array element becomes a one-element array
//     (2.2.0 threeDSRequestorChallengeInd into the 2.3.1 array), and a string
//     cardholderInfo becomes {"text": …};
//   - unknown elements are ignored; messageExtension data and other opaque
//     objects (sdkEphemPubKey) pass through unchanged.
// Problems that survive this are recorded, never fatal unless the input is
// not a JSON object: an element given twice (204), an empty string or a value
// of the wrong JSON type (203), an unrecognised critical extension (202).

// decodeState is what decoding found; Validate reports it.
type decodeState struct {
	issues []FieldError
	empty  map[string]bool // element paths given as "" or with the wrong JSON type
}

func (s decodeState) isEmpty(path string) bool { return s.empty[path] }

// err returns the decoding problems as a *ValidationError, or nil.
func (s decodeState) err() error {
	if len(s.issues) == 0 {
		return nil
	}
	return &ValidationError{Fields: append([]FieldError(nil), s.issues...)}
}

var rawMessageType = reflect.TypeOf(json.RawMessage(nil))
var cardholderInfoType = reflect.TypeOf(CardholderInfo{})
var panType = reflect.TypeOf(PAN(""))
var extensionsType = reflect.TypeOf([]MessageExtension(nil))

// aliases maps older element names (lower case) to the field that carries them.
var aliases = map[string]string{
	"whiteliststatus":       "trustliststatus",
	"whiteliststatussource": "trustliststatussource",
}

type fieldInfo struct {
	index int
	name  string // spec name from the json tag
	typ   reflect.Type
}

var fieldCache sync.Map // reflect.Type → map[string]fieldInfo

func fieldsOf(t reflect.Type) map[string]fieldInfo {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]fieldInfo)
	}
	m := map[string]fieldInfo{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		m[strings.ToLower(name)] = fieldInfo{index: i, name: name, typ: sf.Type}
	}
	fieldCache.Store(t, m)
	return m
}

// errNotObject means the input is not one JSON object (Erro 101).
var errNotObject = errors.New("not a JSON object")

// unmarshalLenient rewrites data for the struct v points to, unmarshals it,
// and records what it found in st. It fails only when data is not a JSON
// object; the error is then a *ValidationError with code 101.
func unmarshalLenient(data []byte, v any, st *decodeState) error {
	*st = decodeState{}
	t := reflect.TypeOf(v).Elem()
	n := &normalizer{dec: json.NewDecoder(bytes.NewReader(data)), empty: map[string]bool{}}
	n.dec.UseNumber()
	norm, err := n.top(t)
	if err != nil {
		return invalidMessage("message", "not a single JSON object")
	}
	if err := json.Unmarshal(norm, v); err != nil {
		// The rewritten JSON matches the struct by construction; this is a bug guard.
		return invalidMessage("message", "cannot be decoded")
	}
	st.issues = n.issues
	st.empty = n.empty
	if f, ok := t.FieldByName("MessageExtension"); ok && f.Type == extensionsType {
		exts := reflect.ValueOf(v).Elem().FieldByIndex(f.Index).Interface().([]MessageExtension)
		for i, e := range exts {
			if e.Critical() && !RecognisedExtensions[e.ID] {
				st.issues = append(st.issues, FieldError{
					Field: "messageExtension[" + strconv.Itoa(i) + "].id", Rule: "critical extension not recognised",
					Code: ErrorCodeCriticalExtension, Err: ErrCriticalExtension,
				})
			}
		}
	}
	return nil
}

func invalidMessage(field, rule string) error {
	return &ValidationError{Fields: []FieldError{{Field: field, Rule: rule, Code: ErrorCodeMessageInvalid, Err: ErrInvalidMessage}}}
}

type normalizer struct {
	dec    *json.Decoder
	issues []FieldError
	empty  map[string]bool
}

func (n *normalizer) top(t reflect.Type) ([]byte, error) {
	tok, err := n.dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	out, _, err := n.object(t, "")
	if err != nil {
		return nil, err
	}
	if _, err := n.dec.Token(); err != io.EOF {
		return nil, errNotObject
	}
	if out == nil {
		out = []byte("{}")
	}
	return out, nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (n *normalizer) issue(path, rule string, code ErrorCode, err error) {
	n.issues = append(n.issues, FieldError{Field: path, Rule: rule, Code: code, Err: err})
}

// value reads the next JSON value for a field of type t. keep is false when
// the value counts as absent.
func (n *normalizer) value(t reflect.Type, path string) (out []byte, keep bool, err error) {
	if t == rawMessageType {
		var raw json.RawMessage
		if err := n.dec.Decode(&raw); err != nil {
			return nil, false, err
		}
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return nil, false, err
		}
		switch s := buf.String(); s {
		case "null", "{}", "[]":
			return nil, false, nil
		case `""`:
			n.empty[path] = true
			n.issue(path, "empty value", ErrorCodeInvalidFormat, ErrEmptyValue)
			return nil, false, nil
		}
		return buf.Bytes(), true, nil
	}
	tok, err := n.dec.Token()
	if err != nil {
		return nil, false, err
	}
	return n.token(tok, t, path)
}

func (n *normalizer) token(tok json.Token, t reflect.Type, path string) ([]byte, bool, error) {
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch tok := tok.(type) {
	case nil:
		return nil, false, nil
	case json.Delim:
		switch {
		case tok == '{' && base.Kind() == reflect.Struct:
			return n.object(base, path)
		case tok == '[' && base.Kind() == reflect.Slice && base != rawMessageType:
			return n.array(base.Elem(), path)
		case tok == '{' && base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.Struct:
			obj, keep, err := n.object(base.Elem(), path)
			if err != nil || !keep {
				return nil, false, err
			}
			return append(append([]byte("["), obj...), ']'), true, nil
		}
		if err := n.skipRest(); err != nil {
			return nil, false, err
		}
		n.wrongType(path)
		return nil, false, nil
	case string:
		switch {
		case base.Kind() == reflect.String:
			if tok == "" {
				n.empty[path] = true
				n.issue(path, "empty value", ErrorCodeInvalidFormat, ErrEmptyValue)
				return nil, false, nil
			}
			b, _ := json.Marshal(tok)
			return b, true, nil
		case base.Kind() == reflect.Bool && (strings.EqualFold(tok, "true") || strings.EqualFold(tok, "false")):
			return []byte(strings.ToLower(tok)), true, nil
		case base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.String:
			b, keep, err := n.token(tok, base.Elem(), path)
			if !keep || err != nil {
				return nil, false, err
			}
			return append(append([]byte("["), b...), ']'), true, nil
		case base == cardholderInfoType:
			if tok == "" {
				n.empty[path] = true
				n.issue(path, "empty value", ErrorCodeInvalidFormat, ErrEmptyValue)
				return nil, false, nil
			}
			b, _ := json.Marshal(CardholderInfo{Text: tok})
			return b, true, nil
		}
	case json.Number:
		switch {
		case base == panType:
			// A card number is never a JSON number: a JavaScript client has
			// already rounded one of 16+ digits. Refused, as a wrong type.
		case isNumberKind(base.Kind()):
			return []byte(tok), true, nil // json.Unmarshal reports a value out of the field's range
		case base.Kind() == reflect.String:
			b, _ := json.Marshal(string(tok))
			return b, true, nil
		case base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.String:
			b, _ := json.Marshal([]string{string(tok)})
			return b, true, nil
		}
	case bool:
		if base.Kind() == reflect.Bool {
			return []byte(strconv.FormatBool(tok)), true, nil
		}
	}
	n.wrongType(path)
	return nil, false, nil
}

// wrongType records a value of the wrong JSON type. The element counts as
// present (and invalid), so it is not also reported missing.
func (n *normalizer) wrongType(path string) {
	n.empty[path] = true
	n.issue(path, "wrong JSON type", ErrorCodeInvalidFormat, ErrFormat)
}

// skipRest consumes the rest of an object or array whose opening delimiter
// has been read.
func (n *normalizer) skipRest() error {
	depth := 1
	for depth > 0 {
		tok, err := n.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

func (n *normalizer) object(t reflect.Type, path string) ([]byte, bool, error) {
	fields := fieldsOf(t)
	seen := map[int]bool{}
	var buf bytes.Buffer
	buf.WriteByte('{')
	count := 0
	for n.dec.More() {
		tok, err := n.dec.Token()
		if err != nil {
			return nil, false, err
		}
		key, _ := tok.(string)
		lk := strings.ToLower(key)
		f, ok := fields[lk]
		if !ok {
			if a, isAlias := aliases[lk]; isAlias {
				f, ok = fields[a]
			}
		}
		if !ok || seen[f.index] {
			if ok {
				n.issue(join(path, f.name), "element appears more than once", ErrorCodeDuplicateElement, ErrDuplicate)
			}
			var skip json.RawMessage
			if err := n.dec.Decode(&skip); err != nil {
				return nil, false, err
			}
			continue
		}
		seen[f.index] = true
		out, keep, err := n.value(f.typ, join(path, f.name))
		if err != nil {
			return nil, false, err
		}
		if !keep {
			continue
		}
		if count > 0 {
			buf.WriteByte(',')
		}
		name, _ := json.Marshal(f.name)
		buf.Write(name)
		buf.WriteByte(':')
		buf.Write(out)
		count++
	}
	if _, err := n.dec.Token(); err != nil { // '}'
		return nil, false, err
	}
	buf.WriteByte('}')
	if count == 0 {
		return nil, false, nil
	}
	return buf.Bytes(), true, nil
}

func (n *normalizer) array(elem reflect.Type, path string) ([]byte, bool, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	count := 0
	for i := 0; n.dec.More(); i++ {
		p := path
		if elem.Kind() == reflect.Struct || (elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct) {
			p = path + "[" + strconv.Itoa(i) + "]"
		}
		out, keep, err := n.value(elem, p)
		if err != nil {
			return nil, false, err
		}
		if !keep {
			continue
		}
		if count > 0 {
			buf.WriteByte(',')
		}
		buf.Write(out)
		count++
	}
	if _, err := n.dec.Token(); err != nil { // ']'
		return nil, false, err
	}
	buf.WriteByte(']')
	if count == 0 {
		return nil, false, nil
	}
	return buf.Bytes(), true, nil
}
