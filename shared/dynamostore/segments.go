package dynamostore

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/open3ds/server/shared/threeds"
)

// segment is a piece of the PAN space of one length where one range wins.
// Lookup finds the segment whose start is the greatest ≤ PAN with one
// Query (Limit 1), then checks the PAN is ≤ its end.
type segment struct {
	Start, End string // same length as the PANs they cover
	Range      threeds.CardRange
}

// buildSegments cuts possibly overlapping ranges (all of one length) into
// disjoint segments, each carrying the best range (threeds.BetterMatch) of
// the ranges covering it; neighbours with the same winner are merged.
func buildSegments(ranges []threeds.CardRange) []segment {
	if len(ranges) == 0 {
		return nil
	}
	n := len(ranges[0].Start)
	type bound struct{ s, e uint64 }
	bs := make([]bound, len(ranges))
	points := make([]uint64, 0, 2*len(ranges))
	for i, r := range ranges {
		s, _ := strconv.ParseUint(r.Start, 10, 64)
		e, _ := strconv.ParseUint(r.End, 10, 64)
		bs[i] = bound{s, e}
		points = append(points, s, e+1) // e+1 ≤ 10^19 fits in uint64
	}
	sort.Slice(points, func(i, j int) bool { return points[i] < points[j] })
	points = dedupe(points)

	// ranges sorted by start for the sweep; active holds those covering the
	// current elementary interval.
	order := make([]int, len(ranges))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return bs[order[a]].s < bs[order[b]].s })

	var out []segment
	active := map[int]bool{}
	next := 0
	for pi := 0; pi+1 < len(points); pi++ {
		lo, hi := points[pi], points[pi+1]-1
		for next < len(order) && bs[order[next]].s <= lo {
			active[order[next]] = true
			next++
		}
		best := -1
		for i := range active {
			if bs[i].e < lo {
				delete(active, i)
				continue
			}
			if best < 0 || threeds.BetterMatch(ranges[i], ranges[best]) {
				best = i
			}
		}
		if best < 0 {
			continue
		}
		if k := len(out) - 1; k >= 0 && sameRange(out[k].Range, ranges[best]) && out[k].End == pad(lo-1, n) {
			out[k].End = pad(hi, n)
			continue
		}
		out = append(out, segment{Start: pad(lo, n), End: pad(hi, n), Range: ranges[best]})
	}
	return out
}

func sameRange(a, b threeds.CardRange) bool {
	return a.DS == b.DS && a.Start == b.Start && a.End == b.End
}

func dedupe(xs []uint64) []uint64 {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func pad(v uint64, n int) string { return fmt.Sprintf("%0*d", n, v) }
