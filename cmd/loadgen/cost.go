package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/costmodel"
)

// Memory of every flow function (template.yaml Globals: MemorySize 256).
const functionMemoryMB = 256

// webhookAssumedMS is the duration assumed for one webhook invocation: it
// POSTs to the merchant, whose answer time loadgen cannot know.
const webhookAssumedMS = 100

// flowCost is the metered use of one flow type, per flow.
type flowCost struct {
	Scenario    string             `json:"scenario"`
	Flows       int                `json:"flows"`
	Failed      int                `json:"failed"`
	APIRequests float64            `json:"api_requests"`
	Invocations map[string]float64 `json:"lambda_invocations"`
	StreamRecs  float64            `json:"stream_records"` // items written: stream records before the filter
	RRU         float64            `json:"read_units"`
	WRU         float64            `json:"write_units"`
	CondFails   float64            `json:"condition_fails"`
	DDBErrors   float64            `json:"dynamodb_errors"`
	Ops         map[string]opStat  `json:"operations_total"`
	DurationsMS map[string]float64 `json:"billed_ms_per_invocation"`
	Cost        costmodel.Cost     `json:"usd_per_million"`
	CostBatched costmodel.Cost     `json:"usd_per_million_stream_batched"`
	EndpointP50 map[string]float64 `json:"endpoint_p50_ms"`
	// GatewayInvocations are the Lambda invocations per flow the local
	// gateway made (lambdalocal.Gateway.Invocations: what ran, by function,
	// the authorizers' included); Invocations must agree with them.
	GatewayInvocations map[string]float64 `json:"gateway_invocations_per_flow"`
	weightInMix        float64
}

// meterGateway records the gateway's own per-flow invocation counts and
// flags a function whose count from the requests sent disagrees.
func (fc *flowCost) meterGateway(gw map[string]int64) {
	fc.GatewayInvocations = map[string]float64{}
	if fc.Flows == 0 {
		return
	}
	for fn, v := range gw {
		fc.GatewayInvocations[fn] = float64(v) / float64(fc.Flows)
	}
}

// runCost runs each scenario of the mix alone, one flow at a time, with the
// functions' DynamoDB traffic metered, and prices a million of each.
func runCost(ctx context.Context, stdout, stderr io.Writer, o options, hc *http.Client, stk *stack.Stack, meter *ddbMeter) int {
	m, _ := parseMix(o.mix)
	var out []*flowCost
	failed := 0
	for _, e := range m.entries {
		sc := e.sc
		fmt.Fprintf(stderr, "loadgen: cost: %d × %s\n", o.costFlows, sc.name)
		// A few flows first so no cold path (first connection, first key
		// lookup) is metered; then the counters start from zero.
		c := &client{base: o.baseURL, key: o.key, http: hc, rec: newRecorder()}
		one := &mix{entries: []weighted{{sc, 1}}, total: 1}
		runFlows(ctx, c, one, 2, 1, time.Minute, 0, io.Discard)
		waitQuiet(ctx, meter, 1500*time.Millisecond, 20*time.Second)
		meter.reset()
		streamBefore, authzBefore, gwBefore := stk.StreamStats(), stk.AuthorizerStats(), stk.GatewayInvocations()

		c = &client{base: o.baseURL, key: o.key, http: hc, rec: newRecorder()}
		results := runFlows(ctx, c, one, o.costFlows, 1, o.maxDuration, 0, io.Discard)
		rep := &report{}
		rep.checkWebhooks(ctx, hc, o.baseURL, results, o.webhookWait, io.Discard)
		waitQuiet(ctx, meter, 1500*time.Millisecond, 20*time.Second)
		// Records the stream mapping handed to the webhook function (after
		// its FilterCriteria).
		streamAfter := stk.StreamStats()
		delivered := streamAfter.Records + streamAfter.DeadLettered - streamBefore.Records - streamBefore.DeadLettered
		authorized := stk.AuthorizerStats().Invoked - authzBefore.Invoked
		gw := map[string]int64{}
		for fn, v := range stk.GatewayInvocations() {
			if d := v - gwBefore[fn]; d > 0 {
				gw[fn] = d
			}
		}
		fc := meterFlows(sc, results, c.rec, meter.snapshot(), stk, delivered, authorized)
		fc.meterGateway(gw)
		fc.weightInMix = float64(e.weight) / float64(m.total)
		for _, r := range results {
			if r.err != nil {
				failed++
				fmt.Fprintf(stderr, "loadgen: cost: %s flow failed: %v\n", sc.name, r.err)
			}
		}
		out = append(out, fc)
	}
	printCost(stdout, o, out)
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(map[string]any{"machine": machine(), "prices": costmodel.USEast1, "flows": out}, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

// waitQuiet waits until the meter has seen no request for quiet (the stream
// poller and webhook function finish asynchronously), at most limit.
func waitQuiet(ctx context.Context, meter *ddbMeter, quiet, limit time.Duration) {
	deadline := time.Now().Add(limit)
	last, since := meter.calls(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(100 * time.Millisecond)
		if n := meter.calls(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}

// meterFlows turns one scenario's counters into per-flow usage and cost.
func meterFlows(sc scenario, results []flowResult, rec *recorder, ops map[string]opStat, stk *stack.Stack, webhookRecords, authorizerCalls int64) *flowCost {
	n := float64(len(results))
	fc := &flowCost{Scenario: sc.name, Flows: len(results), Invocations: map[string]float64{}, Ops: ops,
		DurationsMS: map[string]float64{}, EndpointP50: map[string]float64{}}
	for _, r := range results {
		if r.err != nil {
			fc.Failed++
		}
	}
	for _, st := range ops {
		fc.RRU += st.RCU / n
		fc.WRU += st.WCU / n
		fc.StreamRecs += float64(st.Writes) / n
		fc.CondFails += float64(st.CondFails) / n
		fc.DDBErrors += float64(st.Errors) / n
	}
	// RReqs the simulator sent to /ds/results (API Gateway + the
	// challenge-callback function), from its exchange log.
	rreqs := 0
	for _, r := range results {
		for _, e := range stk.Sim.Exchanges(r.txID) {
			if e.Direction == dssim.Sent && e.MessageType == "RReq" {
				rreqs++
			}
		}
	}
	rec.mu.Lock()
	hits := func(ep string) float64 { return float64(len(rec.latencies[ep])) / n }
	p50 := func(ep string) float64 { return summarize(rec.latencies[ep]).P50 }
	merchant := hits(epPreauth) + hits(epAuth) + hits(epPostauth)
	callbacks := hits(epMethodCB) + hits(epChallengeCB)
	for _, ep := range endpointOrder {
		if len(rec.latencies[ep]) > 0 {
			fc.EndpointP50[ep] = p50(ep)
		}
	}
	// Billed duration: the route's end-to-end median through the local
	// gateway, an upper bound of the function's own time. An authorizer
	// (none in template.yaml since the flow functions check the credential
	// themselves) would be billed as long as /postauth.
	durs := map[string]float64{
		"AuthorizerFunction": p50(epPostauth), "PreauthFunction": p50(epPreauth), "AuthFunction": p50(epAuth),
		"PostauthFunction": p50(epPostauth), "ChallengeCallbackFunction": math.Max(p50(epChallengeCB), p50(epMethodCB)),
		"WebhookFunction": webhookAssumedMS,
	}
	rec.mu.Unlock()

	fc.APIRequests = merchant + callbacks + float64(rreqs)/n
	fc.Invocations = map[string]float64{
		"PreauthFunction":           hits(epPreauth),
		"AuthFunction":              hits(epAuth),
		"PostauthFunction":          hits(epPostauth),
		"ChallengeCallbackFunction": callbacks + float64(rreqs)/n,
		// The records the stream mapping passed to the webhook function
		// (its FilterCriteria drops the rest); one record per invocation is
		// the worst case.
		"WebhookFunction": float64(webhookRecords) / n,
	}
	// The local gateway's own count of API Gateway authorizer invocations:
	// zero since the flow functions check the credential themselves
	// (apigw.CredentialGuard); counted from what ran, so an authorizer
	// attached again would show here.
	if authorizerCalls > 0 {
		fc.Invocations["AuthorizerFunction"] = float64(authorizerCalls) / n
	}
	usage := func(streamBatch float64) costmodel.Usage {
		u := costmodel.Usage{APIRequests: fc.APIRequests, RRU: fc.RRU, WRU: fc.WRU + fc.CondFails}
		for _, fn := range sortedKeys(fc.Invocations) {
			count := fc.Invocations[fn]
			if fn == "WebhookFunction" {
				count /= streamBatch
			}
			if count == 0 {
				continue
			}
			u.Lambda = append(u.Lambda, costmodel.Invocations{Function: fn, Count: count, MemoryMB: functionMemoryMB, DurationMS: durs[fn]})
		}
		return u
	}
	for fn, d := range durs {
		if fc.Invocations[fn] > 0 {
			fc.DurationsMS[fn] = math.Ceil(d)
		}
	}
	fc.Cost = costmodel.USEast1.PerMillion(usage(1))
	fc.CostBatched = costmodel.USEast1.PerMillion(usage(10))
	return fc
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func printCost(w io.Writer, o options, out []*flowCost) {
	p := costmodel.USEast1
	mc := machine()
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s, %s\n", mc.NProc, mc.CPU, mc.GoVersion)
	fmt.Fprintf(w, "cost per flow type (%d flows each, one at a time, functions' DynamoDB traffic metered with ReturnConsumedCapacity=TOTAL against DynamoDB Local)\n\n", o.costFlows)
	fmt.Fprintf(w, "%-18s %5s %6s %7s %7s %7s %7s %6s %9s  %s\n", "flow", "ok", "API", "Lambda", "stream", "RRU", "WRU", "cond✗", "$/M", "invocations per flow")
	var mixCost, mixBatched costmodel.Cost
	var mixW float64
	for _, fc := range out {
		total := 0.0
		var parts []string
		for _, fn := range sortedKeys(fc.Invocations) {
			if v := fc.Invocations[fn]; v > 0 {
				total += v
				parts = append(parts, fmt.Sprintf("%s %.2g", strings.TrimSuffix(fn, "Function"), v))
			}
		}
		fmt.Fprintf(w, "%-18s %2d/%-2d %6.2f %7.2f %7.2f %7.2f %7.2f %6.2f %9.2f  %s\n", fc.Scenario, fc.Flows-fc.Failed, fc.Flows,
			fc.APIRequests, total, fc.StreamRecs, fc.RRU, fc.WRU, fc.CondFails, fc.Cost.Total, strings.Join(parts, ", "))
		mixCost = mixCost.Add(fc.Cost, fc.weightInMix)
		mixBatched = mixBatched.Add(fc.CostBatched, fc.weightInMix)
		mixW += fc.weightInMix
	}
	fmt.Fprintln(w, "\nLambda invocations per flow the local gateway made itself (by function; + the stream's webhook invocations):")
	for _, fc := range out {
		total := fc.Invocations["WebhookFunction"]
		var parts []string
		for _, fn := range sortedKeys(fc.GatewayInvocations) {
			v := fc.GatewayInvocations[fn]
			total += v
			parts = append(parts, fmt.Sprintf("%s %.2g", strings.TrimSuffix(fn, "Function"), v))
		}
		fmt.Fprintf(w, "  %-18s %5.2f  %s, Webhook %.2g\n", fc.Scenario, total, strings.Join(parts, ", "), fc.Invocations["WebhookFunction"])
	}
	fmt.Fprintf(w, "\nUSD per million flows, %s prices (%s):\n", p.Region, p.AsOf)
	fmt.Fprintf(w, "  API Gateway REST $%.2f/M requests; Lambda $%.2f/M requests + $%.10f/GB-s arm64 (%d MB; billed ms = the route's local p50, webhook %d ms assumed);\n",
		p.APIGatewayRESTPerMillion, p.LambdaRequestsPerMillion, p.LambdaGBSecondArm, functionMemoryMB, webhookAssumedMS)
	fmt.Fprintf(w, "  DynamoDB on-demand $%.3f/M WRU, $%.3f/M RRU (a rejected conditional write is charged 1 WRU here)\n\n", p.DynamoDBWRUPerMillion, p.DynamoDBRRUPerMillion)
	fmt.Fprintf(w, "%-18s %8s %8s %8s %8s %8s %9s %14s\n", "flow", "APIGW", "λ req", "λ GB-s", "DDB RRU", "DDB WRU", "total", "stream×10 total")
	for _, fc := range out {
		c := fc.Cost
		fmt.Fprintf(w, "%-18s %8.3f %8.3f %8.3f %8.3f %8.3f %9.3f %14.3f\n", fc.Scenario, c.APIGateway, c.LambdaRequests, c.LambdaDuration, c.DynamoDBRead, c.DynamoDBWrite, c.Total, fc.CostBatched.Total)
	}
	if mixW > 0 {
		c := mixCost
		fmt.Fprintf(w, "%-18s %8.3f %8.3f %8.3f %8.3f %8.3f %9.3f %14.3f\n", "mix (-mix weights)", c.APIGateway, c.LambdaRequests, c.LambdaDuration, c.DynamoDBRead, c.DynamoDBWrite, c.Total, mixBatched.Total)
	}
	fmt.Fprintln(w, "\nDynamoDB operations per flow (calls, RRU, WRU, items written, mean ms per call at DynamoDB Local):")
	for _, fc := range out {
		fmt.Fprintf(w, "  %s:\n", fc.Scenario)
		for _, k := range sortedKeys(fc.Ops) {
			st := fc.Ops[k]
			n := float64(fc.Flows)
			fmt.Fprintf(w, "    %-60s %5.2f %6.2f %6.2f %5.2f %6.2f", k, float64(st.Calls)/n, st.RCU/n, st.WCU/n, float64(st.Writes)/n, ms(st.Time/time.Duration(max(st.Calls, 1))))
			if strings.HasPrefix(k, "PutItem") && st.Calls > 0 {
				fmt.Fprintf(w, "  avg item %d B, %d%% in gsi1", st.ItemBytes/st.Calls, 100*st.GSIItems/st.Calls)
			}
			if st.CondFails > 0 || st.Errors > 0 {
				fmt.Fprintf(w, "  (%d condition fails, %d errors)", st.CondFails, st.Errors)
			}
			fmt.Fprintln(w)
		}
	}
}
