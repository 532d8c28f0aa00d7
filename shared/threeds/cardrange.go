package threeds

import (
	"fmt"
	"sort"
	"strconv"
)

// Card range rules (protocol doc §3): startRange and endRange are 13–19
// digits of the same length, start ≤ end. A PAN matches a range of its own
// length only.

// Validate checks one range.
func (r CardRange) Validate() error {
	if !digits(r.Start) || !digits(r.End) {
		return fmt.Errorf("startRange/endRange must be digits: %w", ErrCardRangeInvalid)
	}
	if len(r.Start) < 13 || len(r.Start) > 19 {
		return fmt.Errorf("startRange must have 13 to 19 digits: %w", ErrCardRangeInvalid)
	}
	if len(r.Start) != len(r.End) {
		return fmt.Errorf("startRange and endRange differ in length: %w", ErrCardRangeInvalid)
	}
	if r.Start > r.End {
		return fmt.Errorf("startRange after endRange: %w", ErrCardRangeInvalid)
	}
	return nil
}

// Contains reports whether pan (digits) lies in the range.
func (r CardRange) Contains(pan string) bool {
	return len(pan) == len(r.Start) && r.Start <= pan && pan <= r.End
}

// Width is End-Start (the number of PANs in the range minus one).
func (r CardRange) Width() uint64 {
	s, _ := strconv.ParseUint(r.Start, 10, 64)
	e, _ := strconv.ParseUint(r.End, 10, 64)
	return e - s
}

// BetterMatch reports whether a should win over b when both hold a PAN: the
// narrower range wins (it is the more specific), then the DS name decides so
// that the choice is deterministic.
func BetterMatch(a, b CardRange) bool {
	if wa, wb := a.Width(), b.Width(); wa != wb {
		return wa < wb
	}
	if a.DS != b.DS {
		return a.DS < b.DS
	}
	return a.Start < b.Start
}

// ValidPAN reports whether pan has the shape of a PAN the range lookup
// accepts: 13–19 digits.
func ValidPAN(pan string) bool {
	return len(pan) >= 13 && len(pan) <= 19 && digits(pan)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ApplyCardRangeLoad computes a DS's ranges after load: a full load replaces
// current (its delete entries are ignored), an incremental one applies add,
// modify and delete in order. Ranges of one DS must not overlap. The result
// is sorted by length and start, with DS and Scheme set from the load.
func ApplyCardRangeLoad(current []CardRange, load CardRangeLoad) ([]CardRange, error) {
	if load.DS == "" {
		return nil, fmt.Errorf("card range load: missing DS: %w", ErrCardRangeInvalid)
	}
	type key struct{ start, end string }
	set := map[key]CardRange{}
	if !load.Full {
		for _, r := range current {
			set[key{r.Start, r.End}] = r
		}
	}
	for i, c := range load.Changes {
		r := c.Range
		r.DS, r.Scheme = load.DS, load.Scheme
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("cardRangeData[%d]: %w", i, err)
		}
		k := key{r.Start, r.End}
		switch c.Action {
		case "", ActionAdd:
			set[k] = r // re-adding a known range replaces it (DSs resend on full loads)
		case ActionModify:
			if _, ok := set[k]; !ok {
				return nil, fmt.Errorf("cardRangeData[%d]: modify: %w", i, ErrCardRangeUnknown)
			}
			set[k] = r
		case ActionDelete:
			if load.Full {
				continue
			}
			if _, ok := set[k]; !ok {
				return nil, fmt.Errorf("cardRangeData[%d]: delete: %w", i, ErrCardRangeUnknown)
			}
			delete(set, k)
		default:
			return nil, fmt.Errorf("cardRangeData[%d]: actionInd must be A, M or D: %w", i, ErrCardRangeInvalid)
		}
	}
	out := make([]CardRange, 0, len(set))
	for _, r := range set {
		out = append(out, r)
	}
	SortCardRanges(out)
	for i := 1; i < len(out); i++ {
		p, r := out[i-1], out[i]
		if len(p.Start) == len(r.Start) && r.Start <= p.End {
			return nil, fmt.Errorf("ranges %s…/%s… of DS %s: %w", head(p.Start), head(r.Start), load.DS, ErrCardRangeOverlap)
		}
	}
	return out, nil
}

// SortCardRanges orders ranges by length, then start, then end, then DS.
func SortCardRanges(rs []CardRange) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if len(a.Start) != len(b.Start) {
			return len(a.Start) < len(b.Start)
		}
		if a.Start != b.Start {
			return a.Start < b.Start
		}
		if a.End != b.End {
			return a.End < b.End
		}
		return a.DS < b.DS
	})
}

// head is the BIN part of a range bound, enough to find it in a PRes
// without printing a full card number.
func head(s string) string {
	if len(s) > 6 {
		return s[:6]
	}
	return s
}
