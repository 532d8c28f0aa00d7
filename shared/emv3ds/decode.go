package emv3ds

import (
	"bytes"
	"encoding/json"
	"errors"
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
//
// The input is checked once with json.Valid and then walked by a small
// lexer over the bytes (lexer below): json.Decoder.Token allocates several
// times per token, which made decoding most of an AReq's cost. String values
// are copied to the rewritten JSON as the literals they are (valid JSON by
// then), so only the final json.Unmarshal allocates them.
func unmarshalLenient(data []byte, v any, st *decodeState) error {
	*st = decodeState{}
	t := reflect.TypeOf(v).Elem()
	if !json.Valid(data) {
		return invalidMessage("message", "not a single JSON object")
	}
	n := &normalizer{lex: lexer{data: data}}
	n.out = make([]byte, 0, len(data)+16)
	if err := n.top(t); err != nil {
		return invalidMessage("message", "not a single JSON object")
	}
	if err := json.Unmarshal(n.out, v); err != nil {
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

// tokKind is a JSON token kind of the lexer.
type tokKind uint8

const (
	tokEnd tokKind = iota
	tokObjOpen
	tokObjClose
	tokArrOpen
	tokArrClose
	tokString
	tokNumber
	tokTrue
	tokFalse
	tokNull
)

// lexer walks JSON that json.Valid has accepted, so it need not check the
// grammar: separators (',' ':') and whitespace are skipped, and each token
// comes back as its raw bytes (a string with its quotes and escapes).
type lexer struct {
	data []byte
	pos  int
}

func (l *lexer) skipSep() {
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r', ',', ':':
			l.pos++
		default:
			return
		}
	}
}

// more reports whether the current object or array has another element.
func (l *lexer) more() bool {
	l.skipSep()
	return l.pos < len(l.data) && l.data[l.pos] != '}' && l.data[l.pos] != ']'
}

func (l *lexer) next() (tokKind, []byte) {
	l.skipSep()
	if l.pos >= len(l.data) {
		return tokEnd, nil
	}
	start := l.pos
	c := l.data[l.pos]
	switch c {
	case '{':
		l.pos++
		return tokObjOpen, l.data[start:l.pos]
	case '}':
		l.pos++
		return tokObjClose, l.data[start:l.pos]
	case '[':
		l.pos++
		return tokArrOpen, l.data[start:l.pos]
	case ']':
		l.pos++
		return tokArrClose, l.data[start:l.pos]
	case '"':
		l.pos++
		for l.pos < len(l.data) {
			switch l.data[l.pos] {
			case '\\':
				l.pos += 2
				continue
			case '"':
				l.pos++
				return tokString, l.data[start:l.pos]
			}
			l.pos++
		}
		return tokEnd, nil
	case 't':
		l.pos += 4
		return tokTrue, l.data[start:l.pos]
	case 'f':
		l.pos += 5
		return tokFalse, l.data[start:l.pos]
	case 'n':
		l.pos += 4
		return tokNull, l.data[start:l.pos]
	}
	for l.pos < len(l.data) {
		switch l.data[l.pos] {
		case ' ', '\t', '\n', '\r', ',', ':', '}', ']':
			return tokNumber, l.data[start:l.pos]
		}
		l.pos++
	}
	return tokNumber, l.data[start:l.pos]
}

// skipValue consumes one value and returns its raw bytes.
func (l *lexer) skipValue() []byte {
	l.skipSep()
	start := l.pos
	k, _ := l.next()
	if k != tokObjOpen && k != tokArrOpen {
		return l.data[start:l.pos]
	}
	for depth := 1; depth > 0; {
		switch k, _ := l.next(); k {
		case tokObjOpen, tokArrOpen:
			depth++
		case tokObjClose, tokArrClose:
			depth--
		case tokEnd:
			return l.data[start:l.pos]
		}
	}
	return l.data[start:l.pos]
}

// unquote is the text of a raw JSON string literal.
func unquote(raw []byte) string {
	if bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1])
	}
	var s string
	_ = json.Unmarshal(raw, &s) // valid by json.Valid
	return s
}

type normalizer struct {
	lex    lexer
	out    []byte
	issues []FieldError
	empty  map[string]bool
}

func (n *normalizer) top(t reflect.Type) error {
	if k, _ := n.lex.next(); k != tokObjOpen {
		return errNotObject
	}
	mark := len(n.out)
	if !n.object(t, "") {
		n.out = append(n.out[:mark], "{}"...)
	}
	return nil
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

func (n *normalizer) markEmpty(path string) {
	if n.empty == nil {
		n.empty = map[string]bool{}
	}
	n.empty[path] = true
}

// value writes the next JSON value, rewritten for a field of type t, to
// n.out; it returns false (and writes nothing) when the value counts as
// absent.
func (n *normalizer) value(t reflect.Type, path string) bool {
	if t == rawMessageType {
		raw := n.lex.skipValue()
		if bytes.ContainsAny(raw, " \t\r\n") {
			var buf bytes.Buffer
			_ = json.Compact(&buf, raw) // valid by json.Valid
			raw = buf.Bytes()
		}
		switch string(raw) {
		case "null", "{}", "[]":
			return false
		case `""`:
			n.markEmpty(path)
			n.issue(path, "empty value", ErrorCodeInvalidFormat, ErrEmptyValue)
			return false
		}
		n.out = append(n.out, raw...)
		return true
	}
	k, raw := n.lex.next()
	return n.token(k, raw, t, path)
}

func (n *normalizer) emptyString(path string) bool {
	n.markEmpty(path)
	n.issue(path, "empty value", ErrorCodeInvalidFormat, ErrEmptyValue)
	return false
}

func (n *normalizer) token(k tokKind, raw []byte, t reflect.Type, path string) bool {
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch k {
	case tokNull, tokEnd:
		return false
	case tokObjOpen, tokArrOpen:
		switch {
		case k == tokObjOpen && base.Kind() == reflect.Struct:
			return n.object(base, path)
		case k == tokArrOpen && base.Kind() == reflect.Slice && base != rawMessageType:
			return n.array(base.Elem(), path)
		case k == tokObjOpen && base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.Struct:
			mark := len(n.out)
			n.out = append(n.out, '[')
			if !n.object(base.Elem(), path) {
				n.out = n.out[:mark]
				return false
			}
			n.out = append(n.out, ']')
			return true
		}
		n.skipRest()
		n.wrongType(path)
		return false
	case tokString:
		switch {
		case base.Kind() == reflect.String:
			if len(raw) == 2 {
				return n.emptyString(path)
			}
			n.out = append(n.out, raw...)
			return true
		case base.Kind() == reflect.Bool:
			if s := unquote(raw); strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
				n.out = append(n.out, strings.ToLower(s)...)
				return true
			}
		case base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.String:
			mark := len(n.out)
			n.out = append(n.out, '[')
			if !n.token(k, raw, base.Elem(), path) {
				n.out = n.out[:mark]
				return false
			}
			n.out = append(n.out, ']')
			return true
		case base == cardholderInfoType:
			if len(raw) == 2 {
				return n.emptyString(path)
			}
			n.out = append(n.out, `{"text":`...)
			n.out = append(n.out, raw...)
			n.out = append(n.out, '}')
			return true
		}
	case tokNumber:
		switch {
		case base == panType:
			// A card number is never a JSON number: a JavaScript client has
			// already rounded one of 16+ digits. Refused, as a wrong type.
		case isNumberKind(base.Kind()):
			n.out = append(n.out, raw...) // json.Unmarshal reports a value out of the field's range
			return true
		case base.Kind() == reflect.String:
			n.out = append(append(append(n.out, '"'), raw...), '"')
			return true
		case base.Kind() == reflect.Slice && base.Elem().Kind() == reflect.String:
			n.out = append(append(append(n.out, `["`...), raw...), `"]`...)
			return true
		}
	case tokTrue, tokFalse:
		if base.Kind() == reflect.Bool {
			n.out = append(n.out, raw...)
			return true
		}
	}
	n.wrongType(path)
	return false
}

// wrongType records a value of the wrong JSON type. The element counts as
// present (and invalid), so it is not also reported missing.
func (n *normalizer) wrongType(path string) {
	n.markEmpty(path)
	n.issue(path, "wrong JSON type", ErrorCodeInvalidFormat, ErrFormat)
}

// skipRest consumes the rest of an object or array whose opening delimiter
// has been read.
func (n *normalizer) skipRest() {
	for depth := 1; depth > 0; {
		switch k, _ := n.lex.next(); k {
		case tokObjOpen, tokArrOpen:
			depth++
		case tokObjClose, tokArrClose:
			depth--
		case tokEnd:
			return
		}
	}
}

// lowerKey is the lower-case form of a raw key for the field lookup,
// without allocating for the usual short ASCII key.
func lowerKey(raw []byte, buf *[64]byte) []byte {
	s := raw[1 : len(raw)-1]
	if len(s) > len(buf) || bytes.IndexByte(s, '\\') >= 0 {
		return []byte(strings.ToLower(unquote(raw)))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return []byte(strings.ToLower(unquote(raw)))
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return buf[:len(s)]
}

// object rewrites the members of an object whose '{' has been read. It
// returns false, writing nothing, when no member is kept.
func (n *normalizer) object(t reflect.Type, path string) bool {
	fields := fieldsOf(t)
	var seenSmall [4]uint64
	seen := seenSmall[:]
	if nf := t.NumField(); nf > 64*len(seenSmall) {
		seen = make([]uint64, (nf+63)/64)
	}
	mark := len(n.out)
	n.out = append(n.out, '{')
	count := 0
	var kb [64]byte
	for n.lex.more() {
		_, key := n.lex.next()
		lk := lowerKey(key, &kb)
		f, ok := fields[string(lk)]
		if !ok {
			if a, isAlias := aliases[string(lk)]; isAlias {
				f, ok = fields[a]
			}
		}
		if ok && seen[f.index/64]&(1<<(f.index%64)) != 0 {
			n.issue(join(path, f.name), "element appears more than once", ErrorCodeDuplicateElement, ErrDuplicate)
			ok = false
		}
		if !ok {
			n.lex.skipValue()
			continue
		}
		seen[f.index/64] |= 1 << (f.index % 64)
		before := len(n.out)
		if count > 0 {
			n.out = append(n.out, ',')
		}
		n.out = append(n.out, '"')
		n.out = append(n.out, f.name...)
		n.out = append(n.out, '"', ':')
		if !n.value(f.typ, join(path, f.name)) {
			n.out = n.out[:before]
			continue
		}
		count++
	}
	n.lex.next() // '}'
	if count == 0 {
		n.out = n.out[:mark]
		return false
	}
	n.out = append(n.out, '}')
	return true
}

// array rewrites the elements of an array whose '[' has been read.
func (n *normalizer) array(elem reflect.Type, path string) bool {
	mark := len(n.out)
	n.out = append(n.out, '[')
	count := 0
	structs := elem.Kind() == reflect.Struct || (elem.Kind() == reflect.Pointer && elem.Elem().Kind() == reflect.Struct)
	for i := 0; n.lex.more(); i++ {
		p := path
		if structs {
			p = path + "[" + strconv.Itoa(i) + "]"
		}
		before := len(n.out)
		if count > 0 {
			n.out = append(n.out, ',')
		}
		if !n.value(elem, p) {
			n.out = n.out[:before]
			continue
		}
		count++
	}
	n.lex.next() // ']'
	if count == 0 {
		n.out = n.out[:mark]
		return false
	}
	n.out = append(n.out, ']')
	return true
}
