// Command loadgen drives concurrent complete 3DS flows against a running
// 3DS Server (make run) or a stack it starts itself, and reports throughput,
// latency per endpoint, the latency the server adds to /auth, errors by kind
// and every flow whose final result is wrong or missing. With -cost it counts
// DynamoDB capacity and Lambda invocations per flow type instead.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/shared/dssim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	baseURL, simURL, key string
	flows, concurrency   int
	warmup               int
	mix                  string
	maxDuration          time.Duration
	requestTimeout       time.Duration
	webhookWait          time.Duration
	checkWebhooks        bool
	startStack           bool
	stackLogs            string
	jsonOut              string
	cost                 bool
	costFlows            int
	progress             time.Duration
	rate                 float64
	floor                bool
	floorN               int
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.baseURL, "url", "http://127.0.0.1:8080", "base URL of the 3DS Server (make run's)")
	fs.StringVar(&o.simURL, "sim-url", "http://127.0.0.1:8443", "base URL of the DS/ACS simulator (for its /debug/transactions exchange log)")
	fs.StringVar(&o.key, "key", os.Getenv("THREEDS_API_KEY"), "merchant API key (default $THREEDS_API_KEY)")
	fs.IntVar(&o.flows, "flows", 1000, "number of measured flows")
	fs.IntVar(&o.concurrency, "c", 50, "concurrent flows")
	fs.IntVar(&o.warmup, "warmup", 100, "flows run first and left out of the figures")
	fs.StringVar(&o.mix, "mix", defaultMix, "scenario weights, name=weight,… (-list shows the scenarios)")
	fs.DurationVar(&o.maxDuration, "max-duration", 10*time.Minute, "stop starting flows after this long")
	fs.DurationVar(&o.requestTimeout, "timeout", 30*time.Second, "per-request timeout")
	fs.DurationVar(&o.webhookWait, "webhook-wait", 60*time.Second, "how long to wait for the last webhooks after the run")
	fs.BoolVar(&o.checkWebhooks, "check-webhooks", true, "check every flow's webhook at {url}/_local/webhooks?format=json")
	fs.BoolVar(&o.startStack, "start-stack", false, "start the local stack (DynamoDB Local, simulator, functions) in this process instead of using -url")
	fs.StringVar(&o.stackLogs, "stack-logs", "", "with -start-stack: write the stack's and functions' logs to this file (default: discard)")
	fs.StringVar(&o.jsonOut, "json", "", "also write the report as JSON to this file")
	fs.BoolVar(&o.cost, "cost", false, "with -start-stack: count DynamoDB capacity and Lambda invocations per flow type and compute the AWS cost")
	fs.IntVar(&o.costFlows, "cost-flows", 20, "with -cost: flows per scenario (run one at a time)")
	fs.Float64Var(&o.rate, "rate", 0, "start at most this many flows a second (open loop); 0: closed loop, every worker starts its next flow at once")
	fs.BoolVar(&o.floor, "floor", false, "with -start-stack: after the run, time /auth's DynamoDB round trips against the same DynamoDB Local at the same concurrency and rate (the storage floor)")
	fs.IntVar(&o.floorN, "floor-n", 600, "with -floor: probe sequences")
	fs.DurationVar(&o.progress, "progress", 2*time.Second, "progress line interval")
	list := fs.Bool("list", false, "list the scenarios and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, n := range scenarioNames() {
			sc := scenarios[n]
			fmt.Fprintf(stdout, "%-18s %s  ARes %s  → %s\n", n, sc.pan, sc.aresWant, sc.want.transStatus)
		}
		return 0
	}
	if o.flows < 0 || o.concurrency < 1 || o.warmup < 0 {
		fmt.Fprintln(stderr, "loadgen: -flows and -warmup must be ≥ 0 and -c ≥ 1")
		return 2
	}
	if o.cost && !o.startStack {
		fmt.Fprintln(stderr, "loadgen: -cost needs -start-stack (it meters the functions' DynamoDB traffic)")
		return 2
	}
	m, err := parseMix(o.mix)
	if err != nil {
		fmt.Fprintf(stderr, "loadgen: -mix: %v\n", err)
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var (
		stk   *stack.Stack
		meter *ddbMeter
	)
	if o.startStack {
		var logs io.Writer = io.Discard
		if o.stackLogs != "" {
			f, err := os.Create(o.stackLogs)
			if err != nil {
				fmt.Fprintf(stderr, "loadgen: %v\n", err)
				return 1
			}
			defer f.Close()
			logs = f
		}
		cfg := stack.Config{NewStore: stack.DynamoStore, Logs: logs, Logger: slog.New(slog.NewTextHandler(logs, nil))}
		if o.cost {
			if meter, cfg, err = withMeter(cfg); err != nil {
				fmt.Fprintf(stderr, "loadgen: %v\n", err)
				return 1
			}
			defer meter.Close()
		}
		fmt.Fprintln(stderr, "loadgen: starting the local stack (builds every function; DynamoDB Local)…")
		t0 := time.Now()
		startCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		stk, err = stack.Start(startCtx, cfg)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: stack: %v\n", err)
			return 1
		}
		defer stk.Close()
		fmt.Fprintf(stderr, "loadgen: stack up in %.1fs at %s\n", time.Since(t0).Seconds(), stk.URL)
		o.baseURL, o.simURL, o.key = stk.URL, stk.Sim.URL(), stk.Merchants[0].APIKey
	}
	if o.key == "" {
		fmt.Fprintln(stderr, "loadgen: no API key: pass -key, set THREEDS_API_KEY, or use -start-stack")
		return 2
	}

	hc := &http.Client{
		Timeout: o.requestTimeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        4 * o.concurrency,
			MaxIdleConnsPerHost: 2 * o.concurrency,
			IdleConnTimeout:     90 * time.Second,
		},
		// The browser follows nothing here: every page is a form we post.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	var exch exchangeSource = httpExchanges(hc, o.simURL)
	if stk != nil {
		exch = func(_ context.Context, id string) ([]dssim.Exchange, error) { return stk.Sim.Exchanges(id), nil }
	}

	if o.cost {
		return runCost(ctx, stdout, stderr, o, hc, stk, meter)
	}

	if o.warmup > 0 {
		fmt.Fprintf(stderr, "loadgen: warm-up, %d flows at %d concurrent\n", o.warmup, o.concurrency)
		c := &client{base: o.baseURL, key: o.key, http: hc, rec: newRecorder()}
		runFlows(ctx, c, m, o.warmup, o.concurrency, o.maxDuration, 0, io.Discard)
	}
	c := &client{base: o.baseURL, key: o.key, http: hc, rec: newRecorder()}
	fmt.Fprintf(stderr, "loadgen: %d flows at %d concurrent (rate %s) against %s\n", o.flows, o.concurrency, rateText(o.rate), o.baseURL)
	t0 := time.Now()
	results := runFlowsAt(ctx, c, m, o.flows, o.concurrency, o.rate, o.maxDuration, o.progress, stderr)
	elapsed := time.Since(t0)

	rep := buildReport(o, c.rec, results, elapsed)
	rep.Rate = rateText(o.rate)
	rep.Machine = machine()
	rep.serverAdded(ctx, results, exch, stderr)
	if o.checkWebhooks {
		rep.checkWebhooks(ctx, hc, o.baseURL, results, o.webhookWait, stderr)
	}
	rep.finish(results)
	if o.floor && stk != nil {
		// The floor takes AuthFunction's own path to DynamoDB Local (the
		// local IAM checker and the capacity meter in front of it), so the
		// server's overhead is not charged with the dev stack's proxies.
		f, err := runFloor(ctx, ddblocal.NewClient(stk.FunctionDynamoDBEndpoint("AuthFunction")), stk.Table, o.floorN, o.concurrency, o.rate)
		if err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
		f.relate(rep.Endpoints[epAuth], rep.AuthServerAdded)
		rep.Floor = f
	}
	rep.print(stdout)
	if rep.Floor != nil {
		rep.Floor.print(stdout)
	}
	if o.jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintf(stderr, "loadgen: %v\n", err)
			return 1
		}
	}
	if rep.Lost > 0 || ctx.Err() != nil {
		return 1
	}
	return 0
}

// runFlows runs n flows with the given concurrency, starting none after
// maxDuration, and prints a progress line every interval (0: none).
func runFlows(ctx context.Context, c *client, m *mix, n, concurrency int, maxDuration, interval time.Duration, progress io.Writer) []flowResult {
	return runFlowsAt(ctx, c, m, n, concurrency, 0, maxDuration, interval, progress)
}

// runFlowsAt is runFlows with an arrival rate: rate > 0 starts at most rate
// flows a second (open loop, still at most concurrency at once; a start that
// finds every worker busy is skipped, so the achieved rate can be lower).
func runFlowsAt(ctx context.Context, c *client, m *mix, n, concurrency int, rate float64, maxDuration, interval time.Duration, progress io.Writer) []flowResult {
	results := make([]flowResult, n)
	var next, done, failed, inFlight atomic.Int64
	deadline := time.Now().Add(maxDuration)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	stopProgress := make(chan struct{})
	var pwg sync.WaitGroup
	if interval > 0 {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			start := time.Now()
			t := time.NewTicker(interval)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					d, el := done.Load(), time.Since(start).Seconds()
					fmt.Fprintf(progress, "loadgen: [%5.0fs] %d/%d flows  %.1f flows/s  failed %d  in flight %d\n",
						el, d, n, float64(d)/el, failed.Load(), inFlight.Load())
				}
			}
		}()
	}

	var tokens chan struct{}
	if rate > 0 {
		tokens = make(chan struct{}, 1)
		go func() {
			t := time.NewTicker(time.Duration(float64(time.Second) / rate))
			defer t.Stop()
			for {
				select {
				case <-runCtx.Done():
					return
				case <-t.C:
					select {
					case tokens <- struct{}{}:
					default:
					}
				}
			}
		}()
	}

	var wg sync.WaitGroup
	for range min(concurrency, max(n, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || runCtx.Err() != nil || time.Now().After(deadline) {
					return
				}
				if tokens != nil {
					select {
					case <-tokens:
					case <-runCtx.Done():
						return
					case <-time.After(time.Until(deadline)):
						return
					}
				}
				inFlight.Add(1)
				t0 := time.Now()
				results[i] = c.run(runCtx, m.pick(i))
				results[i].dur = time.Since(t0)
				inFlight.Add(-1)
				if results[i].err != nil {
					failed.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	close(stopProgress)
	pwg.Wait()
	// Flows never started (deadline, Ctrl-C) are left out, not counted lost.
	out := results[:0]
	for _, r := range results {
		if r.scenario != "" {
			out = append(out, r)
		}
	}
	return out
}

// exchangeSource returns the simulator's exchange log of a transaction.
type exchangeSource func(ctx context.Context, threeDSServerTransID string) ([]dssim.Exchange, error)

// httpExchanges reads GET {simURL}/debug/transactions/{id}.
func httpExchanges(hc *http.Client, simURL string) exchangeSource {
	return func(ctx context.Context, id string) ([]dssim.Exchange, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, simURL+"/debug/transactions/"+id, nil)
		if err != nil {
			return nil, err
		}
		res, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		if res.StatusCode == http.StatusNotFound {
			return nil, nil
		}
		if res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("simulator debug route: HTTP %d", res.StatusCode)
		}
		var doc struct {
			Exchanges []dssim.Exchange `json:"exchanges"`
		}
		if err := json.NewDecoder(io.LimitReader(res.Body, 8<<20)).Decode(&doc); err != nil {
			return nil, err
		}
		return doc.Exchanges, nil
	}
}

// dsLeg is the simulator's own time for a transaction's AReq: from the AReq
// received to the ARes (or Erro) sent, as its exchange log records them.
func dsLeg(list []dssim.Exchange) (time.Duration, error) {
	var got time.Time
	for _, e := range list {
		switch {
		case e.Direction == dssim.Received && e.MessageType == "AReq" && got.IsZero():
			got = e.Time
		case e.Direction == dssim.Sent && (e.MessageType == "ARes" || e.MessageType == "Erro") && !got.IsZero() && e.Peer == "3DS Server":
			return e.Time.Sub(got), nil
		}
	}
	return 0, errors.New("no AReq → ARes pair in the simulator's exchange log")
}

// machineInfo describes where the figures were taken.
type machineInfo struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
}

func machine() machineInfo {
	return machineInfo{NProc: runtime.NumCPU(), CPU: cpuModel(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func rateText(r float64) string {
	if r <= 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%g flows/s", r)
}
