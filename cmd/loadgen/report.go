package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// report is everything a run measured.
type report struct {
	Machine     machineInfo        `json:"machine"`
	Concurrency int                `json:"concurrency"`
	Rate        string             `json:"rate"`
	Mix         string             `json:"mix"`
	Flows       int                `json:"flows"`
	ByScenario  map[string]int     `json:"flows_by_scenario"`
	ElapsedS    float64            `json:"elapsed_s"`
	FlowsPerS   float64            `json:"flows_per_s"`
	RequestsPS  float64            `json:"requests_per_s"`
	Endpoints   map[string]summary `json:"endpoints"`
	Statuses    map[string]string  `json:"statuses"`
	FlowTime    summary            `json:"flow_time"`
	// AuthServerAdded is /auth end to end minus the simulator's own time
	// for that AReq (its exchange log); AuthDSLeg is that simulator time.
	AuthServerAdded summary        `json:"auth_server_added"`
	AuthDSLeg       summary        `json:"auth_ds_leg"`
	DSLegMissing    int            `json:"ds_leg_missing"`
	Webhooks        webhookCheck   `json:"webhooks"`
	Errors          map[string]int `json:"errors_by_kind"`
	ErrorSamples    []string       `json:"error_samples,omitempty"`
	Lost            int            `json:"lost_or_wrong"`
	// Floor is the storage-floor probe (-floor).
	Floor *floorReport `json:"storage_floor,omitempty"`
}

type webhookCheck struct {
	Checked    bool   `json:"checked"`
	Note       string `json:"note,omitempty"`
	Expected   int    `json:"expected"`
	Received   int    `json:"received"`
	Duplicates int    `json:"duplicate_deliveries"`
	WaitedS    float64
}

func buildReport(o options, rec *recorder, results []flowResult, elapsed time.Duration) *report {
	r := &report{
		Concurrency: o.concurrency, Mix: o.mix, Flows: len(results), ByScenario: map[string]int{},
		ElapsedS: elapsed.Seconds(), Endpoints: map[string]summary{}, Statuses: map[string]string{}, Errors: map[string]int{},
	}
	r.FlowsPerS = float64(len(results)) / elapsed.Seconds()
	total := 0
	rec.mu.Lock()
	for ep, ds := range rec.latencies {
		r.Endpoints[ep] = summarize(ds)
		total += len(ds)
		var parts []string
		codes := make([]int, 0, len(rec.statuses[ep]))
		for code := range rec.statuses[ep] {
			codes = append(codes, code)
		}
		sort.Ints(codes)
		for _, code := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", rec.statuses[ep][code], code))
		}
		if n := rec.transport[ep]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d×transport", n))
		}
		r.Statuses[ep] = strings.Join(parts, " ")
	}
	rec.mu.Unlock()
	r.RequestsPS = float64(total) / elapsed.Seconds()
	flows := make([]time.Duration, 0, len(results))
	for _, res := range results {
		r.ByScenario[res.scenario]++
		flows = append(flows, res.dur)
	}
	r.FlowTime = summarize(flows)
	return r
}

// serverAdded reads the simulator's exchange log of every flow that got an
// /auth answer and subtracts the DS leg from /auth's end-to-end time.
func (r *report) serverAdded(ctx context.Context, results []flowResult, exch exchangeSource, progress io.Writer) {
	var (
		mu          sync.Mutex
		added, legs []time.Duration
		wg          sync.WaitGroup
		sem         = make(chan struct{}, 8)
	)
	fmt.Fprintf(progress, "loadgen: reading the simulator's exchange log of %d transactions\n", len(results))
	for i := range results {
		res := &results[i]
		if res.authDur == 0 || res.txID == "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			list, err := exch(cctx, res.txID)
			var leg time.Duration
			if err == nil {
				leg, err = dsLeg(list)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				r.DSLegMissing++
				return
			}
			legs = append(legs, leg)
			added = append(added, res.authDur-leg)
		}()
	}
	wg.Wait()
	r.AuthServerAdded = summarize(added)
	r.AuthDSLeg = summarize(legs)
}

// sinkEvent is one entry of GET /_local/webhooks?format=json.
type sinkEvent struct {
	Signature string `json:"signature"`
	Body      struct {
		ID   string            `json:"id"`
		Type string            `json:"type"`
		Data map[string]string `json:"data"`
	} `json:"body"`
}

// checkWebhooks waits (bounded) until the local sink has an event for every
// flow that reached a final result, then checks each against the result.
// A flow whose webhook is missing, unsigned or different is lost.
func (r *report) checkWebhooks(ctx context.Context, hc *http.Client, base string, results []flowResult, wait time.Duration, progress io.Writer) {
	want := map[string]*flowResult{}
	for i := range results {
		if results[i].err == nil && results[i].final != nil {
			want[results[i].txID] = &results[i]
		}
	}
	r.Webhooks.Expected = len(want)
	start := time.Now()
	deadline := start.Add(wait)
	var byTx map[string][]sinkEvent
	for {
		events, err := fetchSink(ctx, hc, base)
		if err != nil {
			r.Webhooks.Note = "webhook check skipped: " + err.Error()
			return
		}
		byTx = map[string][]sinkEvent{}
		for _, e := range events {
			if id := e.Body.Data["threeDSServerTransID"]; want[id] != nil {
				byTx[id] = append(byTx[id], e)
			}
		}
		if len(byTx) == len(want) || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		fmt.Fprintf(progress, "loadgen: waiting for webhooks: %d/%d\n", len(byTx), len(want))
		time.Sleep(500 * time.Millisecond)
	}
	r.Webhooks.Checked = true
	r.Webhooks.WaitedS = time.Since(start).Seconds()
	r.Webhooks.Received = len(byTx)
	for id, res := range want {
		evs := byTx[id]
		if len(evs) == 0 {
			res.err = failf("webhook missing", "%s: no webhook within %s", res.scenario, wait)
			continue
		}
		first := evs[0]
		for _, e := range evs[1:] {
			r.Webhooks.Duplicates++
			if e.Body.ID != first.Body.ID {
				res.err = failf("webhook wrong", "%s: two events with different ids", res.scenario)
			}
		}
		if res.err != nil {
			continue
		}
		d := first.Body.Data
		switch {
		case first.Signature != "valid":
			res.err = failf("webhook wrong", "%s: signature %s", res.scenario, first.Signature)
		case first.Body.Type != "authentication.completed":
			res.err = failf("webhook wrong", "%s: type %q", res.scenario, first.Body.Type)
		case d["transStatus"] != stringOf(res.final["transStatus"]),
			d["authenticationValue"] != stringOf(res.final["authenticationValue"]),
			d["eci"] != stringOf(res.final["eci"]),
			d["dsTransID"] != stringOf(res.final["dsTransID"]):
			res.err = failf("webhook wrong", "%s: the event differs from postauth", res.scenario)
		}
	}
}

func fetchSink(ctx context.Context, hc *http.Client, base string) ([]sinkEvent, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/_local/webhooks?format=json", nil)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /_local/webhooks: HTTP %d (not the local stack, or webhooks go elsewhere)", res.StatusCode)
	}
	var events []sinkEvent
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<30)).Decode(&events); err != nil {
		return nil, fmt.Errorf("GET /_local/webhooks: %w", err)
	}
	return events, nil
}

// finish counts lost flows and errors by kind.
func (r *report) finish(results []flowResult) {
	for _, res := range results {
		if res.err == nil {
			continue
		}
		r.Lost++
		r.Errors[res.err.kind]++
		if len(r.ErrorSamples) < 20 {
			r.ErrorSamples = append(r.ErrorSamples, res.txID+" "+res.err.Error())
		}
	}
}

// endpointOrder is the flow's order, for a readable table.
var endpointOrder = []string{epPreauth, epMethodACS, epMethodCB, epAuth, epChallengeACS, epSubmitACS, epChallengeCB, epPostauth}

func (r *report) print(w io.Writer) {
	m := r.Machine
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s, %s, %s\n", m.NProc, m.CPU, m.GoVersion, m.OS)
	fmt.Fprintf(w, "flows: %d at concurrency %d (%s) in %.1fs: %.1f flows/s, %.1f HTTP requests/s\n", r.Flows, r.Concurrency, r.Rate, r.ElapsedS, r.FlowsPerS, r.RequestsPS)
	names := make([]string, 0, len(r.ByScenario))
	for n := range r.ByScenario {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d", n, r.ByScenario[n]))
	}
	fmt.Fprintf(w, "mix: %s\n\n", strings.Join(parts, ", "))
	fmt.Fprintf(w, "%-32s %7s %8s %8s %8s %8s %8s  %s\n", "latency (ms, end to end)", "n", "mean", "p50", "p90", "p99", "max", "statuses")
	for _, ep := range endpointOrder {
		s, ok := r.Endpoints[ep]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "%-32s %7d %8.2f %8.2f %8.2f %8.2f %8.2f  %s\n", ep, s.N, s.Mean, s.P50, s.P90, s.P99, s.Max, r.Statuses[ep])
	}
	row := func(name string, s summary) {
		fmt.Fprintf(w, "%-32s %7d %8.2f %8.2f %8.2f %8.2f %8.2f\n", name, s.N, s.Mean, s.P50, s.P90, s.P99, s.Max)
	}
	row("whole flow", r.FlowTime)
	fmt.Fprintln(w)
	row("/auth simulator (DS leg)", r.AuthDSLeg)
	row("/auth server-added", r.AuthServerAdded)
	if r.DSLegMissing > 0 {
		fmt.Fprintf(w, "  (%d /auth answers had no AReq→ARes pair in the simulator's log)\n", r.DSLegMissing)
	}
	fmt.Fprintln(w)
	if r.Webhooks.Checked {
		fmt.Fprintf(w, "webhooks: %d/%d flows have their event (%d duplicate deliveries), waited %.1fs after the run\n",
			r.Webhooks.Received, r.Webhooks.Expected, r.Webhooks.Duplicates, r.Webhooks.WaitedS)
	} else if r.Webhooks.Note != "" {
		fmt.Fprintln(w, r.Webhooks.Note)
	}
	fmt.Fprintf(w, "lost or wrong results: %d of %d flows\n", r.Lost, r.Flows)
	if len(r.Errors) > 0 {
		kinds := make([]string, 0, len(r.Errors))
		for k := range r.Errors {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		fmt.Fprintln(w, "errors by kind:")
		for _, k := range kinds {
			fmt.Fprintf(w, "  %6d  %s\n", r.Errors[k], k)
		}
		fmt.Fprintln(w, "first errors:")
		for _, s := range r.ErrorSamples {
			fmt.Fprintf(w, "  %s\n", s)
		}
	}
}
