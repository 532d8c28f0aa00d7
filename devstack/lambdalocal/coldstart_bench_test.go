package lambdalocal

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
)

// BenchmarkColdStart starts every function of template.yaml from its real
// bootstrap, once per iteration, through the Runtime API emulator: init-ms
// is process start → first /next (Lambda's Init Duration), first-answer-ms
// is process start → the first invocation's answer. The event is a minimal
// one each function answers without a DS (a 4xx for the API functions).
func BenchmarkColdStart(b *testing.B) {
	root, err := ModuleRoot(".")
	if err != nil {
		b.Fatal(err)
	}
	tpl, err := ReadTemplate(filepath.Join(root, "template.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	tpl = tpl.Without("SimulatorFunction")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var pkgs []string
	for _, fn := range tpl.Functions {
		pkgs = append(pkgs, fn.Package)
	}
	sort.Strings(pkgs)
	out := b.TempDir()
	bins, err := Build(ctx, BuildConfig{ModuleDir: root, Packages: pkgs, OutDir: out})
	if err != nil {
		b.Fatal(err)
	}

	// A real table, so a function that reads at its first event gets an
	// answer instead of connection retries.
	ddb, err := ddblocal.Start(ctx, ddblocal.Options{Dir: root})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = ddb.Stop() }()
	if err := tabledef.CreateTableFromTemplate(ctx, ddb.Client(), filepath.Join(root, "template.yaml"), tabledef.TableLogicalID, "bench"); err != nil {
		b.Fatal(err)
	}
	secrets := filepath.Join(out, "secrets.json")
	if err := os.WriteFile(secrets, []byte(`{"masterKey":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}`), 0o600); err != nil {
		b.Fatal(err)
	}
	env := map[string]string{
		"TABLE_NAME": "bench", "DYNAMODB_ENDPOINT": ddb.Endpoint(), "SECRETS_FILE": secrets,
		"PUBLIC_BASE_URL": "http://127.0.0.1:1", "RESULTS_URL": "http://127.0.0.1:1/ds/results",
		"DS_URL": "http://127.0.0.1:1/ds", "THREEDS_SERVER_REF_NUMBER": "3DS_LOA_SER_OPEN_020200_00001",
	}

	ids := make([]string, 0, len(tpl.Functions))
	for id := range tpl.Functions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		spec := tpl.Functions[id]
		fenv := map[string]string{}
		for k, v := range spec.Env {
			fenv[k] = v
		}
		for k, v := range env {
			fenv[k] = v
		}
		payload := coldStartEvent(spec)
		b.Run(id, func(b *testing.B) {
			var inits, answers []time.Duration
			for b.Loop() {
				fn, err := NewFunction(FunctionConfig{Name: id, Bootstrap: bins[spec.Package], Env: fenv, Timeout: 10 * time.Second})
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				_, err = fn.Invoke(ctx, payload)
				answered := time.Since(start)
				var fe *FunctionError
				if err != nil && !asFunctionError(err, &fe) {
					_ = fn.Close()
					b.Fatalf("%s: no answer: %v", id, err)
				}
				cs := fn.ColdStarts()
				_ = fn.Close()
				if len(cs) != 1 {
					b.Fatalf("%s: %d cold starts recorded, want 1", id, len(cs))
				}
				inits = append(inits, cs[0])
				answers = append(answers, answered)
			}
			b.ReportMetric(meanMS(inits), "init-ms")
			b.ReportMetric(maxMS(inits), "init-max-ms")
			b.ReportMetric(meanMS(answers), "first-answer-ms")
		})
	}
}

// coldStartEvent is a minimal event of the function's trigger.
func coldStartEvent(spec *FunctionSpec) []byte {
	var ev any
	switch {
	case len(spec.Streams) > 0:
		ev = map[string]any{"Records": []any{}}
	case spec.LogicalID == "AuthorizerFunction":
		ev = map[string]any{"type": "REQUEST", "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abc/prod/POST/auth", "headers": map[string]string{}}
	case spec.LogicalID == "CardRangesFunction":
		// Not a scheduled event: answered without a PReq.
		ev = map[string]any{"source": "bench"}
	default:
		ev = map[string]any{
			"httpMethod": "POST", "path": "/postauth", "resource": "/postauth",
			"headers": map[string]string{"Content-Type": "application/json"}, "body": "{}",
			"requestContext": map[string]any{"stage": "prod", "authorizer": map[string]any{"merchantId": "bench-merchant"}},
		}
	}
	b, _ := json.Marshal(ev)
	return b
}

func asFunctionError(err error, target **FunctionError) bool {
	fe, ok := err.(*FunctionError)
	if ok {
		*target = fe
	}
	return ok
}

func meanMS(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return float64(s.Microseconds()) / 1000 / float64(len(ds))
}

func maxMS(ds []time.Duration) float64 {
	var m time.Duration
	for _, d := range ds {
		m = max(m, d)
	}
	return float64(m.Microseconds()) / 1000
}
