package emv3ds

import (
	"errors"
	"sort"
	"strings"
)

// Sentinel errors. Every FieldError wraps one of them, so callers can test
// with errors.Is without parsing text.
var (
	// ErrInvalidMessage: the input is not a JSON object, or its messageType is
	// missing or unknown (Erro 101).
	ErrInvalidMessage = errors.New("message invalid")
	// ErrUnsupportedVersion: messageVersion is not one this server speaks (Erro 102).
	ErrUnsupportedVersion = errors.New("message version not supported")
	// ErrMissing: a required element is absent (Erro 201).
	ErrMissing = errors.New("required element missing")
	// ErrCriticalExtension: a message extension marked critical is not recognised (Erro 202).
	ErrCriticalExtension = errors.New("critical message extension not recognised")
	// ErrFormat: an element has the wrong format, length or value (Erro 203, or 304/306 for codes).
	ErrFormat = errors.New("invalid format")
	// ErrDuplicate: an element appears twice (Erro 204).
	ErrDuplicate = errors.New("duplicate element")
	// ErrNotAllowed: an element or value is not allowed in this context
	// (channel, category, version or another element's value) (Erro 203 or 305).
	ErrNotAllowed = errors.New("element not allowed")
	// ErrTransIDMismatch: an ID does not match the transaction it answers (Erro 301).
	ErrTransIDMismatch = errors.New("transaction ID not recognised")
)

// FieldError is one failed rule. Its text names the element and the rule,
// never the element's value, so it is safe to log and to put in an Erro.
type FieldError struct {
	Field string    // spec element name, dotted for nested elements ("acctInfo.chAccDate")
	Rule  string    // short rule description ("required for browser", "YYMM")
	Code  ErrorCode // the Erro code this failure maps to
	Err   error     // one of the sentinels
}

func (e FieldError) Error() string {
	s := e.Field
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Rule != "" {
		s += " (" + e.Rule + ")"
	}
	return s
}

// Unwrap returns the sentinel.
func (e FieldError) Unwrap() error { return e.Err }

// ValidationError is every failure found in one message.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return "emv3ds: " + string(e.Code()) + ": " + strings.Join(parts, "; ")
}

// Unwrap returns the field errors, so errors.Is(err, ErrMissing) works.
func (e *ValidationError) Unwrap() []error {
	out := make([]error, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f
	}
	return out
}

// codeRank orders Erro codes by significance: the code of a message with
// several failures is the one a DS reports first. Structural problems (the
// message cannot be understood) outrank version problems, which outrank
// element problems; among element problems a missing element outranks a bad
// one, and specific business codes (ISO, MCC, data) come after the generic
// format code; an ID mismatch is reported last because it is only meaningful
// once the message itself is sound.
var codeRank = map[ErrorCode]int{
	ErrorCodeMessageInvalid:         0,
	ErrorCodeVersionNotSupported:    1,
	ErrorCodeCriticalExtension:      2,
	ErrorCodeDuplicateElement:       3,
	ErrorCodeRequiredMissing:        4,
	ErrorCodeInvalidFormat:          5,
	ErrorCodeReservedValue:          6,
	ErrorCodeISOCodeInvalid:         7,
	ErrorCodeMCCInvalid:             8,
	ErrorCodeTransactionDataInvalid: 9,
	ErrorCodeCardRangeOverlap:       10,
	ErrorCodeActionNotPossible:      11,
	ErrorCodeTransIDNotRecognised:   12,
}

func rank(c ErrorCode) int {
	if r, ok := codeRank[c]; ok {
		return r
	}
	return 100
}

// Code is the most significant Erro code among the failures, in the order
// 101 > 102 > 202 > 204 > 201 > 203 > 207 > 304 > 306 > 305 > 205 > 206 > 301.
func (e *ValidationError) Code() ErrorCode {
	if e == nil || len(e.Fields) == 0 {
		return ""
	}
	best := e.Fields[0].Code
	for _, f := range e.Fields[1:] {
		if rank(f.Code) < rank(best) {
			best = f.Code
		}
	}
	return best
}

// Detail is the errorDetail: the offending element names, comma separated,
// those carrying the reported code first, at most 2048 characters.
func (e *ValidationError) Detail() string {
	if e == nil {
		return ""
	}
	code := e.Code()
	fs := append([]FieldError(nil), e.Fields...)
	sort.SliceStable(fs, func(i, j int) bool {
		return (fs[i].Code == code) && (fs[j].Code != code)
	})
	seen := map[string]bool{}
	var b strings.Builder
	for _, f := range fs {
		if seen[f.Field] {
			continue
		}
		seen[f.Field] = true
		add := f.Field
		if b.Len() > 0 {
			add = "," + add
		}
		if b.Len()+len(add) > 2048 {
			break
		}
		b.WriteString(add)
	}
	return b.String()
}

// Description is a short errorDescription for the code, naming the first
// failed rule (never a value).
func (e *ValidationError) Description() string {
	code := e.Code()
	for _, f := range e.Fields {
		if f.Code == code {
			return truncate(f.Error(), 2048)
		}
	}
	return ""
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// asValidation returns err as a *ValidationError when it is one (or wraps one).
func asValidation(err error) *ValidationError {
	var ve *ValidationError
	if errors.As(err, &ve) {
		return ve
	}
	var fe FieldError
	if errors.As(err, &fe) {
		return &ValidationError{Fields: []FieldError{fe}}
	}
	return nil
}
