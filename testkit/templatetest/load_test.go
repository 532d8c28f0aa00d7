package templatetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/awslabs/goformation/v7"
	"github.com/awslabs/goformation/v7/cloudformation"
	"github.com/awslabs/goformation/v7/intrinsics"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/config"
)

// functionDirs is the fixed mapping of logical IDs to main packages (the
// names other code is written against).
var functionDirs = map[string]string{
	"PreauthFunction":           "functions/preauth",
	"AuthFunction":              "functions/auth",
	"PostauthFunction":          "functions/postauth",
	"ChallengeCallbackFunction": "functions/challenge-callback",
	"WebhookFunction":           "functions/webhook",
	"CardRangesFunction":        "functions/cardranges",
	"SimulatorFunction":         "cmd/dssim",
}

// configFunctions maps logical IDs to the shared/config function whose
// variables they get; SimulatorFunction reads none.
var configFunctions = map[string]config.Function{
	"PreauthFunction":           config.Preauth,
	"AuthFunction":              config.Auth,
	"PostauthFunction":          config.Postauth,
	"ChallengeCallbackFunction": config.ChallengeCallback,
	"WebhookFunction":           config.Webhook,
	"CardRangesFunction":        config.CardRanges,
}

// repoRoot is the folder holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := lambdalocal.ModuleRoot(".")
	require.NoError(t, err)
	return root
}

// ---------------------------------------------------------------- raw YAML

// rawTemplate reads template.yaml into plain maps and lists, short-form
// intrinsics (!Ref X) turned into their long form ({"Ref": X}) as the local
// stack reads them (lambdalocal.UnmarshalYAML), so the tests can see what
// goformation drops or cannot type.
func rawTemplate(t *testing.T) map[string]any {
	t.Helper()
	rawOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
		if err != nil {
			rawErr = err
			return
		}
		rawErr = lambdalocal.UnmarshalYAML(b, &rawTree)
	})
	require.NoError(t, rawErr, "read template.yaml")
	return deepCopy(rawTree).(map[string]any)
}

var (
	rawOnce sync.Once
	rawTree map[string]any
	rawErr  error
)

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// dig follows map keys; nil when a step is missing.
func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func rawResource(t *testing.T, raw map[string]any, id string) map[string]any {
	t.Helper()
	r, ok := dig(raw, "Resources", id).(map[string]any)
	require.True(t, ok, "resource %s missing", id)
	return r
}

// ------------------------------------------------------------- scenarios

// scenario is one set of parameter values the template is checked under.
type scenario struct {
	name   string
	params map[string]string
}

const exampleMasterKeyARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:open3ds/master-AbCdEf"

// scenarios are the sandbox profile of samconfig.toml (plus the master key
// that sam deploy --guided asks for) and its production profile, both on top
// of the template's defaults.
func scenarios(t *testing.T) []scenario {
	t.Helper()
	raw := rawTemplate(t)
	defaults := map[string]string{}
	for name, p := range dig(raw, "Parameters").(map[string]any) {
		if d := dig(p, "Default"); d != nil {
			defaults[name] = fmt.Sprint(d)
		}
	}
	sc := samconfig(t)
	var out []scenario
	for _, profile := range []string{"default", "production"} {
		params := map[string]string{}
		for k, v := range defaults {
			params[k] = v
		}
		params["MasterKeySecretArn"] = exampleMasterKeyARN
		for k, v := range parameterOverrides(t, sc, profile) {
			params[k] = v
		}
		out = append(out, scenario{name: params["Mode"], params: params})
	}
	require.Equal(t, "sandbox", out[0].name, "samconfig default profile")
	require.Equal(t, "production", out[1].name, "samconfig production profile")
	return out
}

func samconfig(t *testing.T) map[string]any {
	t.Helper()
	var sc map[string]any
	_, err := toml.DecodeFile(filepath.Join(repoRoot(t), "samconfig.toml"), &sc)
	require.NoError(t, err, "parse samconfig.toml")
	return sc
}

// overrideRE is one Key=Value of parameter_overrides, the value bare or in
// double quotes (how SAM CLI writes them back after sam deploy --guided).
var overrideRE = regexp.MustCompile(`([A-Za-z0-9]+)=("(?:[^"\\]|\\.)*"|[^\s"]*)`)

// parameterOverrides reads a profile's deploy parameter_overrides, given as
// one space-separated string (bare or SAM's quoted values) or as a list of
// Key=Value strings.
func parameterOverrides(t *testing.T, sc map[string]any, profile string) map[string]string {
	t.Helper()
	out, err := parseOverrides(dig(sc, profile, "deploy", "parameters", "parameter_overrides"))
	require.NoError(t, err, "%s parameter_overrides", profile)
	return out
}

func parseOverrides(v any) (map[string]string, error) {
	var items []string
	switch x := v.(type) {
	case string:
		rest := strings.TrimSpace(x)
		for rest != "" {
			loc := overrideRE.FindStringSubmatchIndex(rest)
			if loc == nil || loc[0] != 0 {
				return nil, fmt.Errorf("%q is not Key=Value", rest)
			}
			items = append(items, rest[:loc[1]])
			rest = strings.TrimSpace(rest[loc[1]:])
		}
	case []any:
		for _, e := range x {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("not a string: %v", e)
			}
			items = append(items, s)
		}
	case nil:
	default:
		return nil, fmt.Errorf("unexpected %T", v)
	}
	out := map[string]string{}
	for _, it := range items {
		m := overrideRE.FindStringSubmatch(it)
		if m == nil || m[0] != it {
			return nil, fmt.Errorf("%q is not Key=Value", it)
		}
		val := m[2]
		if strings.HasPrefix(val, `"`) {
			uq, err := strconv.Unquote(val)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", m[1], err)
			}
			val = uq
		} else if val == "" {
			return nil, fmt.Errorf("%s has an empty unquoted value (SAM CLI does not accept Key=; write Key=\"\")", m[1])
		}
		out[m[1]] = val
	}
	return out, nil
}

// ------------------------------------------------------------ conditions

// evalExpr evaluates a condition or rule expression under sc's parameters.
func evalExpr(raw map[string]any, sc scenario, expr any) (any, error) {
	switch x := expr.(type) {
	case string:
		return x, nil
	case bool:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case map[string]any:
		if len(x) != 1 {
			return nil, fmt.Errorf("not an intrinsic: %v", x)
		}
		for k, arg := range x {
			switch k {
			case "Ref":
				name, _ := arg.(string)
				v, ok := sc.params[name]
				if !ok {
					return nil, fmt.Errorf("Ref %q is not a parameter", name)
				}
				return v, nil
			case "Condition":
				name, _ := arg.(string)
				return evalCondition(raw, sc, name)
			case "Fn::Equals":
				l, ok := arg.([]any)
				if !ok || len(l) != 2 {
					return nil, fmt.Errorf("Fn::Equals needs two values")
				}
				a, err := evalExpr(raw, sc, l[0])
				if err != nil {
					return nil, err
				}
				b, err := evalExpr(raw, sc, l[1])
				if err != nil {
					return nil, err
				}
				return fmt.Sprint(a) == fmt.Sprint(b), nil
			case "Fn::Not", "Fn::And", "Fn::Or":
				l, ok := arg.([]any)
				if !ok || len(l) == 0 {
					return nil, fmt.Errorf("%s needs a list", k)
				}
				var vals []bool
				for _, e := range l {
					v, err := evalExpr(raw, sc, e)
					if err != nil {
						return nil, err
					}
					b, ok := v.(bool)
					if !ok {
						return nil, fmt.Errorf("%s of a non-boolean", k)
					}
					vals = append(vals, b)
				}
				switch k {
				case "Fn::Not":
					return !vals[0], nil
				case "Fn::And":
					r := true
					for _, b := range vals {
						r = r && b
					}
					return r, nil
				default:
					r := false
					for _, b := range vals {
						r = r || b
					}
					return r, nil
				}
			}
			return nil, fmt.Errorf("unsupported intrinsic %s in a condition", k)
		}
	}
	return nil, fmt.Errorf("unsupported condition value %v", expr)
}

func evalCondition(raw map[string]any, sc scenario, name string) (bool, error) {
	expr := dig(raw, "Conditions", name)
	if expr == nil {
		return false, fmt.Errorf("condition %q is not defined", name)
	}
	v, err := evalExpr(raw, sc, expr)
	if err != nil {
		return false, fmt.Errorf("condition %s: %w", name, err)
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("condition %s is not boolean", name)
	}
	return b, nil
}

// ----------------------------------------------------------- goformation

// Properties goformation v7.14.9 cannot read although SAM accepts them; the
// raw-YAML tests check them instead. Left in, they would fail the parse
// (GatewayResponses is typed map[string]string) or silently drop the whole
// event (an unknown DynamoDB event property nils Properties.DynamoDBEvent).
var goformationGaps = []struct{ resourceType, path string }{
	{"AWS::Serverless::Api", "GatewayResponses"},
	{"AWS::Serverless::Function", "Events.*.Properties.FunctionResponseTypes"},
	{"AWS::Serverless::Function", "Events.*.Properties.FilterCriteria"},
}

// parsed is template.yaml as goformation sees it under one scenario.
//
// goformation's own intrinsic handling loses references (!Ref to a resource
// becomes nil), so the handlers are overridden: a Ref to a parameter yields
// the scenario's value, any other Ref "Ref:<id>", GetAtt "GetAtt:<id>.<attr>",
// Sub "Sub:<template string>" (resolved later by resolve), and Fn::If is
// decided with the scenario's conditions.
func parsed(t *testing.T, sc scenario) *cloudformation.Template {
	t.Helper()
	raw := rawTemplate(t)
	for _, r := range dig(raw, "Resources").(map[string]any) {
		for _, gap := range goformationGaps {
			if dig(r, "Type") == gap.resourceType {
				deletePath(dig(r, "Properties"), strings.Split(gap.path, "."))
			}
		}
	}
	paramTypes := map[string]string{}
	for name, p := range dig(raw, "Parameters").(map[string]any) {
		paramTypes[name], _ = dig(p, "Type").(string)
	}

	var errs []string
	opts := &intrinsics.ProcessorOptions{IntrinsicHandlerOverrides: map[string]intrinsics.IntrinsicHandler{
		"Ref": func(_ string, input any, _ any) any {
			name, _ := input.(string)
			if name == "AWS::NoValue" {
				return nil
			}
			if v, ok := sc.params[name]; ok {
				if paramTypes[name] == "Number" {
					f, err := strconv.ParseFloat(v, 64)
					if err != nil {
						errs = append(errs, fmt.Sprintf("parameter %s: %q is not a number", name, v))
					}
					return f
				}
				return v
			}
			return "Ref:" + name
		},
		"Fn::GetAtt": func(_ string, input any, _ any) any {
			switch x := input.(type) {
			case []any:
				parts := make([]string, len(x))
				for i, p := range x {
					parts[i] = fmt.Sprint(p)
				}
				return "GetAtt:" + strings.Join(parts, ".")
			case string:
				return "GetAtt:" + x
			}
			errs = append(errs, fmt.Sprintf("unexpected GetAtt %v", input))
			return nil
		},
		"Fn::Sub": func(_ string, input any, _ any) any {
			s, ok := input.(string)
			if !ok {
				errs = append(errs, fmt.Sprintf("only the string form of Fn::Sub is used here, got %v", input))
				return nil
			}
			return "Sub:" + s
		},
		"Fn::If": func(_ string, input any, _ any) any {
			l, ok := input.([]any)
			if !ok || len(l) != 3 {
				errs = append(errs, fmt.Sprintf("malformed Fn::If %v", input))
				return nil
			}
			name, _ := l[0].(string)
			b, err := evalCondition(raw, sc, name)
			if err != nil {
				errs = append(errs, err.Error())
				return nil
			}
			if b {
				return l[1]
			}
			return l[2]
		},
	}}
	data, err := json.Marshal(raw)
	require.NoError(t, err)
	tpl, err := goformation.ParseJSONWithOptions(data, opts)
	require.NoError(t, err, "goformation cannot parse template.yaml (%s)", sc.name)
	require.Empty(t, errs, "intrinsics in template.yaml (%s)", sc.name)
	return tpl
}

// deletePath removes a property; "*" matches every key of a map.
func deletePath(v any, path []string) {
	m, ok := v.(map[string]any)
	if !ok || len(path) == 0 {
		return
	}
	if len(path) == 1 {
		delete(m, path[0])
		return
	}
	if path[0] == "*" {
		for _, e := range m {
			deletePath(e, path[1:])
		}
		return
	}
	deletePath(m[path[0]], path[1:])
}

// ------------------------------------------------------------- resolving

// fakeResource stands in for what CloudFormation returns for a Ref to a
// resource when the tests turn the template's values into concrete ones.
var fakeResource = map[string]string{
	"Table":                  "open3ds-Table-1A2B3C4D5E6F",
	"WebhookDeadLetterQueue": "https://sqs.eu-west-1.amazonaws.com/123456789012/open3ds-WebhookDeadLetterQueue-1A2B",
	"MerchantApi":            "m1e2r3c4h5",
	"ResultsApi":             "r1e2s3u4l5",
	"SimulatorApi":           "s1i2m3u4l5",
	"SimulatorTable":         "open3ds-SimulatorTable-1A2B",
	"SandboxRReqSecret":      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:SandboxRReqSecret-AbCdEf",
}

var pseudo = map[string]string{
	"AWS::Region":    "eu-west-1",
	"AWS::URLSuffix": "amazonaws.com",
	"AWS::StackName": "open3ds",
	"AWS::AccountId": "123456789012",
	"AWS::Partition": "aws",
}

var subVarRE = regexp.MustCompile(`\$\{([^}]+)\}`)

// resolve turns a value as parsed returns it into what CloudFormation would
// produce, failing the test for anything it cannot resolve.
func resolve(t *testing.T, sc scenario, v string) string {
	t.Helper()
	switch {
	case strings.HasPrefix(v, "Ref:"):
		id := strings.TrimPrefix(v, "Ref:")
		r, ok := fakeResource[id]
		require.True(t, ok, "no stand-in value for Ref %s", id)
		return r
	case strings.HasPrefix(v, "GetAtt:"):
		t.Fatalf("GetAtt %s has no stand-in value", v)
	case strings.HasPrefix(v, "Sub:"):
		return subVarRE.ReplaceAllStringFunc(strings.TrimPrefix(v, "Sub:"), func(m string) string {
			name := m[2 : len(m)-1]
			if p, ok := pseudo[name]; ok {
				return p
			}
			if p, ok := sc.params[name]; ok {
				return p
			}
			r, ok := fakeResource[name]
			require.True(t, ok, "no stand-in value for ${%s}", name)
			return r
		})
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
