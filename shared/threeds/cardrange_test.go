package threeds_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
)

func cr(start, end string) threeds.CardRange { return threeds.CardRange{Start: start, End: end} }

func TestCardRangeValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    threeds.CardRange
		ok   bool
	}{
		{"16 digits", cr("4000000000000000", "4000000000000999"), true},
		{"13 digits", cr("4000000000000", "4000000000999"), true},
		{"19 digits", cr("6200000000000000000", "6200000000000999999"), true},
		{"single PAN", cr("4000000000001000", "4000000000001000"), true},
		{"12 digits", cr("400000000000", "400000000999"), false},
		{"20 digits", cr("40000000000000000000", "40000000000000000999"), false},
		{"lengths differ", cr("4000000000000000", "40000000000009999"), false},
		{"start after end", cr("4000000000000999", "4000000000000000"), false},
		{"letters", cr("400000000000000a", "4000000000000999"), false},
		{"empty", cr("", ""), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.r.Validate()
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, threeds.ErrCardRangeInvalid)
			}
		})
	}
}

func TestApplyCardRangeLoad(t *testing.T) {
	a := cr("4000000000000000", "4000000000000999")
	b := cr("4000000000001000", "4000000000001999")
	c := cr("4000000000002000", "4000000000002999")
	full := threeds.CardRangeLoad{DS: "visa", Full: true, Changes: []threeds.CardRangeChange{{Range: b}, {Action: "A", Range: a}, {Action: "D", Range: c}}}
	got, err := threeds.ApplyCardRangeLoad([]threeds.CardRange{{DS: "visa", Start: c.Start, End: c.End}}, full)
	require.NoError(t, err)
	require.Len(t, got, 2, "a full load replaces everything and ignores deletes")
	require.Equal(t, a.Start, got[0].Start)
	require.Equal(t, "visa", got[0].DS)

	inc := threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{
		{Action: "A", Range: c},
		{Action: "D", Range: a},
		{Action: "M", Range: threeds.CardRange{Start: b.Start, End: b.End, ThreeDSMethodURL: "https://acs/m"}},
	}}
	got, err = threeds.ApplyCardRangeLoad(got, inc)
	require.NoError(t, err)
	require.Len(t, got, 2)
	require.Equal(t, b.Start, got[0].Start)
	require.Equal(t, "https://acs/m", got[0].ThreeDSMethodURL)
	require.Equal(t, c.Start, got[1].Start)

	for name, tc := range map[string]struct {
		load threeds.CardRangeLoad
		err  error
	}{
		"delete unknown": {threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{{Action: "D", Range: a}}}, threeds.ErrCardRangeUnknown},
		"modify unknown": {threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{{Action: "M", Range: a}}}, threeds.ErrCardRangeUnknown},
		"overlap":        {threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{{Range: cr("4000000000001500", "4000000000002500")}}}, threeds.ErrCardRangeOverlap},
		"bad action":     {threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{{Action: "X", Range: a}}}, threeds.ErrCardRangeInvalid},
		"bad range":      {threeds.CardRangeLoad{DS: "visa", Changes: []threeds.CardRangeChange{{Range: cr("1", "2")}}}, threeds.ErrCardRangeInvalid},
		"no DS":          {threeds.CardRangeLoad{Changes: []threeds.CardRangeChange{{Range: a}}}, threeds.ErrCardRangeInvalid},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := threeds.ApplyCardRangeLoad(got, tc.load)
			require.ErrorIs(t, err, tc.err)
			require.NotContains(t, err.Error(), "4000000000001500", "errors name no full range bound")
		})
	}
}

func TestBetterMatch(t *testing.T) {
	wide := threeds.CardRange{DS: "a", Start: "4000000000000000", End: "4999999999999999"}
	narrow := threeds.CardRange{DS: "b", Start: "4000000000001000", End: "4000000000001999"}
	require.True(t, threeds.BetterMatch(narrow, wide))
	require.False(t, threeds.BetterMatch(wide, narrow))
	same := narrow
	same.DS = "a"
	require.True(t, threeds.BetterMatch(same, narrow), "tie broken by DS name")
	require.True(t, narrow.Contains("4000000000001500"))
	require.False(t, narrow.Contains("400000000000150"), "other length never matches")
}
