package lambdalocal

import (
	"encoding/json"
	"errors"
	"fmt"
)

// FilterPattern is one event-source-mapping filter pattern: the subset of
// Lambda's event filtering that matches values exactly. Every key of the
// pattern must be in the record; a nested object descends into the record,
// a list holds the values the record's value may equal (strings, numbers,
// booleans, null). Content filters ({"prefix": …}, {"exists": …}, …) are
// refused when the template is read, not silently ignored.
type FilterPattern map[string]any

// ParseFilterPattern parses a pattern's JSON text.
func ParseFilterPattern(text string) (FilterPattern, error) {
	var p map[string]any
	if err := json.Unmarshal([]byte(text), &p); err != nil {
		return nil, fmt.Errorf("pattern is not a JSON object: %w", err)
	}
	if len(p) == 0 {
		return nil, errors.New("pattern is empty")
	}
	if err := checkPattern(p); err != nil {
		return nil, err
	}
	return p, nil
}

func checkPattern(p map[string]any) error {
	for k, v := range p {
		switch x := v.(type) {
		case map[string]any:
			if err := checkPattern(x); err != nil {
				return err
			}
		case []any:
			if len(x) == 0 {
				return fmt.Errorf("%s: an empty list matches nothing", k)
			}
			for _, e := range x {
				switch e.(type) {
				case string, float64, bool, nil:
				default:
					return fmt.Errorf("%s: only exact values are supported locally, not content filters", k)
				}
			}
		default:
			return fmt.Errorf("%s: a pattern value must be an object or a list", k)
		}
	}
	return nil
}

// Match reports whether the record (as the JSON the function receives)
// matches the pattern.
func (p FilterPattern) Match(record []byte) bool {
	var ev map[string]any
	if json.Unmarshal(record, &ev) != nil {
		return false
	}
	return matchObject(p, ev)
}

func matchObject(p, ev map[string]any) bool {
	for k, want := range p {
		got, ok := ev[k]
		if !ok {
			return false
		}
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !ok || !matchObject(w, sub) {
				return false
			}
		case []any:
			found := false
			for _, v := range w {
				if v == got {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

// matchAny reports whether a record passes the mapping's filters (no
// filters: every record does).
func matchAny(filters []FilterPattern, record []byte) bool {
	if len(filters) == 0 {
		return true
	}
	for _, f := range filters {
		if f.Match(record) {
			return true
		}
	}
	return false
}
