package main

import (
	"math"
	"sort"
	"sync"
	"time"
)

// recorder collects per-endpoint latencies and status counts from every
// worker.
type recorder struct {
	mu        sync.Mutex
	latencies map[string][]time.Duration
	statuses  map[string]map[int]int
	transport map[string]int
}

func newRecorder() *recorder {
	return &recorder{latencies: map[string][]time.Duration{}, statuses: map[string]map[int]int{}, transport: map[string]int{}}
}

func (r *recorder) observe(ep string, d time.Duration, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latencies[ep] = append(r.latencies[ep], d)
	if r.statuses[ep] == nil {
		r.statuses[ep] = map[int]int{}
	}
	r.statuses[ep][status]++
}

func (r *recorder) fail(ep string) {
	r.mu.Lock()
	r.transport[ep]++
	r.mu.Unlock()
}

// summary is the distribution of a set of durations, in milliseconds.
type summary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
}

// summarize sorts a copy of ds and reads its percentiles (nearest rank).
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return summary{
		N:    len(s),
		Mean: ms(sum / time.Duration(len(s))),
		P50:  ms(percentile(s, 50)),
		P90:  ms(percentile(s, 90)),
		P99:  ms(percentile(s, 99)),
		Max:  ms(s[len(s)-1]),
	}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d.Microseconds())) / 1000 }
