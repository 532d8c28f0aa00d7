package dynamostore

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
)

func TestBuildSegments(t *testing.T) {
	r := func(ds, s, e string) threeds.CardRange { return threeds.CardRange{DS: ds, Start: s, End: e} }
	segs := buildSegments([]threeds.CardRange{
		r("wide", "4000000000000000", "4099999999999999"),
		r("visa", "4000000000001000", "4000000000001999"),
		r("nest", "4000000000001400", "4000000000001600"),
	})
	got := make([]string, len(segs))
	for i, s := range segs {
		got[i] = fmt.Sprintf("%s-%s:%s", s.Start, s.End, s.Range.DS)
	}
	require.Equal(t, []string{
		"4000000000000000-4000000000000999:wide",
		"4000000000001000-4000000000001399:visa",
		"4000000000001400-4000000000001600:nest",
		"4000000000001601-4000000000001999:visa",
		"4000000000002000-4099999999999999:wide",
	}, got)

	require.Empty(t, buildSegments(nil))
	top := buildSegments([]threeds.CardRange{r("x", "9999999999999999990", "9999999999999999999")})
	require.Equal(t, "9999999999999999999", top[0].End, "the largest 19-digit value does not overflow")
	// adjacent ranges of one DS stay separate segments (different ranges)
	adj := buildSegments([]threeds.CardRange{r("a", "4000000000000", "4000000000009"), r("a", "4000000000010", "4000000000019")})
	require.Len(t, adj, 2)
}

// TestBuildSegmentsMatchesBruteForce compares the segments with a direct
// search over random overlapping ranges.
func TestBuildSegmentsMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 50; round++ {
		var rs []threeds.CardRange
		for i := 0; i < 1+rng.IntN(8); i++ {
			s := 1000 + rng.IntN(200)
			e := s + rng.IntN(60)
			rs = append(rs, threeds.CardRange{DS: fmt.Sprintf("ds%d", i), Start: fmt.Sprintf("400000000%04d", s), End: fmt.Sprintf("400000000%04d", e)})
		}
		segs := buildSegments(rs)
		for v := 990; v < 1270; v++ {
			pan := fmt.Sprintf("400000000%04d", v)
			var want *threeds.CardRange
			for i := range rs {
				if rs[i].Contains(pan) && (want == nil || threeds.BetterMatch(rs[i], *want)) {
					want = &rs[i]
				}
			}
			var got *threeds.CardRange
			for i := range segs {
				if segs[i].Start <= pan && pan <= segs[i].End {
					require.Nil(t, got, "segments overlap at %s", pan)
					got = &segs[i].Range
				}
			}
			if want == nil {
				require.Nil(t, got, "round %d pan %s", round, pan)
			} else {
				require.NotNil(t, got, "round %d pan %s", round, pan)
				require.Equal(t, *want, *got, "round %d pan %s", round, pan)
			}
		}
	}
}
