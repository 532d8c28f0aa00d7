package lambdalocal

import (
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Template is what the local stack needs from template.yaml: the functions
// with their settings and event sources, and the REST APIs with their
// authorizers and gateway responses.
type Template struct {
	Functions map[string]*FunctionSpec // by logical ID
	APIs      map[string]*APISpec      // by logical ID
}

// FunctionSpec is one AWS::Serverless::Function.
type FunctionSpec struct {
	LogicalID string
	// Package is the function's main package, relative to the module root
	// (functions/preauth); see Build.
	Package string
	Timeout time.Duration
	// Env holds the literal environment values (Globals merged with the
	// function's own); Unresolved names the variables whose value is an
	// intrinsic (!Ref, !Sub…) that only CloudFormation can resolve: the local
	// stack supplies those.
	Env        map[string]string
	Unresolved []string
	APIEvents  []APIEvent
	Streams    []StreamEvent
}

// APIEvent is an `Api` event of a function: one REST route.
type APIEvent struct {
	Name   string // the event's key under Events
	API    string // logical ID of the RestApiId (ServerlessRestApi when implicit)
	Path   string
	Method string // upper case; ANY matches every method
	// Auth is the authorizer name, or "" when the route has none (Auth NONE
	// or an API without a default authorizer).
	Auth string
}

// StreamEvent is a `DynamoDB` event of a function: an event source mapping.
type StreamEvent struct {
	Name             string
	Table            string // logical ID of the table whose stream is read
	StartingPosition string // TRIM_HORIZON or LATEST
	BatchSize        int
	Bisect           bool
	// MaxRetries is MaximumRetryAttempts; -1 retries until the record expires.
	MaxRetries int
	// ReportBatchItemFailures is FunctionResponseTypes containing it.
	ReportBatchItemFailures bool
	// OnFailure is the logical ID of the on-failure destination, if any.
	OnFailure string
	// Filters are FilterCriteria's event patterns: when there are any, only
	// records matching one of them invoke the function (the others are
	// dropped as processed, as Lambda does).
	Filters []FilterPattern
}

// APISpec is one AWS::Serverless::Api (REST API).
type APISpec struct {
	LogicalID         string
	StageName         string
	DefaultAuthorizer string
	Authorizers       map[string]*AuthorizerSpec
	GatewayResponses  map[string]GatewayResponse // by response type, e.g. UNAUTHORIZED
}

// AuthorizerSpec is a Lambda authorizer of a REST API.
type AuthorizerSpec struct {
	Name     string
	Function string // logical ID of the authorizer function
	// PayloadType is REQUEST or TOKEN (only REQUEST is served locally).
	PayloadType string
	// Identity sources; each must be present and non-empty or API Gateway
	// answers 401 without calling the authorizer.
	Headers        []string
	QueryStrings   []string
	StageVariables []string
	// TTL is ReauthorizeEvery: how long a policy is cached per identity.
	TTL time.Duration
}

// GatewayResponse is a customised API Gateway response.
type GatewayResponse struct {
	StatusCode int
	Headers    map[string]string
	Templates  map[string]string // by content type
}

// ImplicitAPI is the logical ID SAM gives the API of events without RestApiId.
const ImplicitAPI = "ServerlessRestApi"

// functionPackages maps function logical IDs to their main package, for
// templates whose CodeUri does not name it (CodeUri: . with the Makefile's
// build-<LogicalId> targets). It is the one copy of this mapping.
var functionPackages = map[string]string{
	"PreauthFunction":           "functions/preauth",
	"AuthFunction":              "functions/auth",
	"PostauthFunction":          "functions/postauth",
	"ChallengeCallbackFunction": "functions/challenge-callback",
	"WebhookFunction":           "functions/webhook",
	"CardRangesFunction":        "functions/cardranges",
	"SimulatorFunction":         "cmd/dssim",
}

// ReadTemplate reads a SAM template. Intrinsic functions (!Ref, !GetAtt,
// !Sub, !If…) are kept as opaque values; references to other resources are
// resolved to their logical IDs where the local stack needs them.
func ReadTemplate(file string) (*Template, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := ParseTemplate(b)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", file, err)
	}
	return t, nil
}

type rawTemplate struct {
	Parameters map[string]struct {
		Default any `yaml:"Default"`
	} `yaml:"Parameters"`
	Globals struct {
		Function rawFunctionProps `yaml:"Function"`
		API      rawAPIProps      `yaml:"Api"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string    `yaml:"Type"`
		Properties yaml.Node `yaml:"Properties"`
		Metadata   yaml.Node `yaml:"Metadata"`
	} `yaml:"Resources"`
}

type rawFunctionProps struct {
	CodeURI     any `yaml:"CodeUri"`
	Timeout     any `yaml:"Timeout"`
	Environment struct {
		Variables map[string]any `yaml:"Variables"`
	} `yaml:"Environment"`
	Events map[string]struct {
		Type       string    `yaml:"Type"`
		Properties yaml.Node `yaml:"Properties"`
	} `yaml:"Events"`
}

type rawAPIProps struct {
	StageName        any                           `yaml:"StageName"`
	Auth             *rawAPIAuth                   `yaml:"Auth"`
	GatewayResponses map[string]rawGatewayResponse `yaml:"GatewayResponses"`
}

type rawAPIAuth struct {
	DefaultAuthorizer string `yaml:"DefaultAuthorizer"`
	Authorizers       map[string]struct {
		FunctionArn         any    `yaml:"FunctionArn"`
		FunctionPayloadType string `yaml:"FunctionPayloadType"`
		Identity            *struct {
			Headers          []string `yaml:"Headers"`
			QueryStrings     []string `yaml:"QueryStrings"`
			StageVariables   []string `yaml:"StageVariables"`
			ReauthorizeEvery any      `yaml:"ReauthorizeEvery"`
		} `yaml:"Identity"`
	} `yaml:"Authorizers"`
}

type rawGatewayResponse struct {
	StatusCode         any `yaml:"StatusCode"`
	ResponseParameters struct {
		Headers map[string]any `yaml:"Headers"`
	} `yaml:"ResponseParameters"`
	ResponseTemplates map[string]string `yaml:"ResponseTemplates"`
}

type rawAPIEvent struct {
	RestAPIID any    `yaml:"RestApiId"`
	Path      string `yaml:"Path"`
	Method    string `yaml:"Method"`
	Auth      *struct {
		Authorizer string `yaml:"Authorizer"`
	} `yaml:"Auth"`
}

type rawStreamEvent struct {
	Stream                     any      `yaml:"Stream"`
	StartingPosition           string   `yaml:"StartingPosition"`
	BatchSize                  any      `yaml:"BatchSize"`
	BisectBatchOnFunctionError any      `yaml:"BisectBatchOnFunctionError"`
	MaximumRetryAttempts       any      `yaml:"MaximumRetryAttempts"`
	FunctionResponseTypes      []string `yaml:"FunctionResponseTypes"`
	DestinationConfig          struct {
		OnFailure struct {
			Destination any `yaml:"Destination"`
		} `yaml:"OnFailure"`
	} `yaml:"DestinationConfig"`
	FilterCriteria struct {
		Filters []struct {
			Pattern string `yaml:"Pattern"`
		} `yaml:"Filters"`
	} `yaml:"FilterCriteria"`
}

// ParseTemplate parses the bytes of a SAM template; see ReadTemplate.
func ParseTemplate(b []byte) (*Template, error) {
	var raw rawTemplate
	if err := UnmarshalYAML(b, &raw); err != nil {
		return nil, err
	}
	t := &Template{Functions: map[string]*FunctionSpec{}, APIs: map[string]*APISpec{}}
	var errs []error
	// !Ref to a parameter resolves to its default: what a deploy without
	// overrides gets, and what a local run should get.
	params := map[string]string{}
	for name, p := range raw.Parameters {
		if s, ok := literalString(p.Default); ok {
			params[name] = s
		}
	}
	lit := func(v any) (string, bool) {
		if s, ok := literalString(v); ok {
			return s, true
		}
		if m, ok := v.(map[string]any); ok && len(m) == 1 {
			if name, ok := m["Ref"].(string); ok {
				s, ok := params[name]
				return s, ok
			}
		}
		return "", false
	}

	globalAPI := raw.Globals.API
	for id, res := range raw.Resources {
		if res.Type != "AWS::Serverless::Api" {
			continue
		}
		var p rawAPIProps
		if err := decodeNode(&res.Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		api, err := buildAPI(id, p, globalAPI, lit)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		t.APIs[id] = api
	}

	for id, res := range raw.Resources {
		if res.Type != "AWS::Serverless::Function" {
			continue
		}
		var p rawFunctionProps
		if err := decodeNode(&res.Properties, &p); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		fn, err := buildFunction(id, p, raw.Globals.Function, lit)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
			continue
		}
		t.Functions[id] = fn
		for _, ev := range fn.APIEvents {
			if _, ok := t.APIs[ev.API]; !ok && ev.API == ImplicitAPI {
				api, err := buildAPI(ImplicitAPI, rawAPIProps{}, globalAPI, lit)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", ImplicitAPI, err))
					continue
				}
				t.APIs[ImplicitAPI] = api
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// check resolves the references between resources and the routes' auth.
func (t *Template) check() error {
	var errs []error
	for _, api := range t.APIs {
		for name, a := range api.Authorizers {
			if _, ok := t.Functions[a.Function]; !ok {
				errs = append(errs, fmt.Errorf("%s authorizer %s: function %q is not in the template", api.LogicalID, name, a.Function))
			}
		}
		if api.DefaultAuthorizer != "" && api.Authorizers[api.DefaultAuthorizer] == nil {
			errs = append(errs, fmt.Errorf("%s: default authorizer %q is not defined", api.LogicalID, api.DefaultAuthorizer))
		}
	}
	for _, fn := range t.Functions {
		for i := range fn.APIEvents {
			ev := &fn.APIEvents[i]
			api, ok := t.APIs[ev.API]
			if !ok {
				errs = append(errs, fmt.Errorf("%s event %s: API %q is not in the template", fn.LogicalID, ev.Name, ev.API))
				continue
			}
			switch ev.Auth {
			case "NONE":
				ev.Auth = ""
			case "":
				ev.Auth = api.DefaultAuthorizer
			default:
				if api.Authorizers[ev.Auth] == nil {
					errs = append(errs, fmt.Errorf("%s event %s: authorizer %q is not defined on %s", fn.LogicalID, ev.Name, ev.Auth, ev.API))
				}
			}
		}
	}
	return errors.Join(errs...)
}

func buildFunction(id string, p, global rawFunctionProps, lit func(any) (string, bool)) (*FunctionSpec, error) {
	fn := &FunctionSpec{LogicalID: id, Env: map[string]string{}, Timeout: 3 * time.Second}
	fn.Package = functionPackage(id, p.CodeURI)
	if fn.Package == "" {
		return nil, fmt.Errorf("cannot tell the function's main package: CodeUri does not name it and %s is not a known function", id)
	}
	timeout := p.Timeout
	if timeout == nil {
		timeout = global.Timeout
	}
	if timeout != nil {
		s, ok := literalInt(timeout)
		if !ok || s <= 0 {
			return nil, errors.New("timeout is not a positive number of seconds")
		}
		fn.Timeout = time.Duration(s) * time.Second
	}
	unresolved := map[string]bool{}
	for _, vars := range []map[string]any{global.Environment.Variables, p.Environment.Variables} {
		for k, v := range vars {
			if s, ok := lit(v); ok {
				fn.Env[k] = s
				delete(unresolved, k)
			} else {
				delete(fn.Env, k)
				unresolved[k] = true
			}
		}
	}
	for k := range unresolved {
		fn.Unresolved = append(fn.Unresolved, k)
	}
	sort.Strings(fn.Unresolved)

	names := make([]string, 0, len(p.Events))
	for name := range p.Events {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ev := p.Events[name]
		switch ev.Type {
		case "Api":
			var e rawAPIEvent
			if err := decodeNode(&ev.Properties, &e); err != nil {
				return nil, fmt.Errorf("event %s: %w", name, err)
			}
			api := ImplicitAPI
			if e.RestAPIID != nil {
				api = refTarget(e.RestAPIID)
				if api == "" {
					return nil, fmt.Errorf("event %s: RestApiId is not a !Ref to an API", name)
				}
			}
			if !strings.HasPrefix(e.Path, "/") || e.Method == "" {
				return nil, fmt.Errorf("event %s: Path must start with / and Method is required", name)
			}
			auth := ""
			if e.Auth != nil {
				auth = e.Auth.Authorizer
			}
			fn.APIEvents = append(fn.APIEvents, APIEvent{
				Name: name, API: api, Path: e.Path, Method: strings.ToUpper(e.Method), Auth: auth,
			})
		case "DynamoDB":
			var e rawStreamEvent
			if err := decodeNode(&ev.Properties, &e); err != nil {
				return nil, fmt.Errorf("event %s: %w", name, err)
			}
			se := StreamEvent{Name: name, Table: refTarget(e.Stream), StartingPosition: e.StartingPosition, BatchSize: 100, MaxRetries: -1}
			if se.Table == "" {
				return nil, fmt.Errorf("event %s: Stream is not a !GetAtt <Table>.StreamArn", name)
			}
			if e.BatchSize != nil {
				n, ok := literalInt(e.BatchSize)
				if !ok || n < 1 || n > 10000 {
					return nil, fmt.Errorf("event %s: BatchSize must be 1..10000", name)
				}
				se.BatchSize = n
			}
			if e.MaximumRetryAttempts != nil {
				n, ok := literalInt(e.MaximumRetryAttempts)
				if !ok || n < -1 || n > 10000 {
					return nil, fmt.Errorf("event %s: MaximumRetryAttempts must be -1..10000", name)
				}
				se.MaxRetries = n
			}
			if e.BisectBatchOnFunctionError != nil {
				b, ok := e.BisectBatchOnFunctionError.(bool)
				if !ok {
					return nil, fmt.Errorf("event %s: BisectBatchOnFunctionError must be a boolean", name)
				}
				se.Bisect = b
			}
			for _, t := range e.FunctionResponseTypes {
				if t == "ReportBatchItemFailures" {
					se.ReportBatchItemFailures = true
				}
			}
			se.OnFailure = refTarget(e.DestinationConfig.OnFailure.Destination)
			for i, f := range e.FilterCriteria.Filters {
				fp, err := ParseFilterPattern(f.Pattern)
				if err != nil {
					return nil, fmt.Errorf("event %s: FilterCriteria filter %d: %w", name, i, err)
				}
				se.Filters = append(se.Filters, fp)
			}
			fn.Streams = append(fn.Streams, se)
		}
	}
	return fn, nil
}

func functionPackage(id string, codeURI any) string {
	if s, ok := literalString(codeURI); ok {
		if clean := path.Clean(s); clean != "." && !path.IsAbs(clean) && !strings.HasPrefix(clean, "..") {
			return clean
		}
	}
	return functionPackages[id]
}

func buildAPI(id string, p, global rawAPIProps, lit func(any) (string, bool)) (*APISpec, error) {
	api := &APISpec{LogicalID: id, StageName: "Prod", Authorizers: map[string]*AuthorizerSpec{}, GatewayResponses: map[string]GatewayResponse{}}
	stage := p.StageName
	if stage == nil {
		stage = global.StageName
	}
	if stage != nil {
		if s, ok := lit(stage); ok && s != "" {
			api.StageName = s
		}
	}
	auth := p.Auth
	if auth == nil {
		auth = global.Auth
	}
	if auth != nil {
		api.DefaultAuthorizer = auth.DefaultAuthorizer
		for name, a := range auth.Authorizers {
			spec := &AuthorizerSpec{Name: name, Function: refTarget(a.FunctionArn), PayloadType: strings.ToUpper(a.FunctionPayloadType)}
			if spec.Function == "" {
				return nil, fmt.Errorf("authorizer %s: FunctionArn is not a !GetAtt <Function>.Arn", name)
			}
			if spec.PayloadType == "" {
				spec.PayloadType = "TOKEN" // SAM's default
			}
			if spec.PayloadType != "REQUEST" {
				return nil, fmt.Errorf("authorizer %s: only REQUEST authorizers are served locally, not %s", name, spec.PayloadType)
			}
			ttl := 300 // API Gateway's default AuthorizerResultTtlInSeconds
			if id := a.Identity; id != nil {
				spec.Headers, spec.QueryStrings, spec.StageVariables = id.Headers, id.QueryStrings, id.StageVariables
				if id.ReauthorizeEvery != nil {
					n, ok := literalInt(id.ReauthorizeEvery)
					if !ok || n < 0 || n > 3600 {
						return nil, fmt.Errorf("authorizer %s: ReauthorizeEvery must be 0..3600", name)
					}
					ttl = n
				}
			}
			if len(spec.Headers)+len(spec.QueryStrings)+len(spec.StageVariables) == 0 {
				ttl = 0 // nothing to key a cache on
			}
			spec.TTL = time.Duration(ttl) * time.Second
			api.Authorizers[name] = spec
		}
	}
	responses := map[string]rawGatewayResponse{}
	for k, v := range global.GatewayResponses {
		responses[k] = v
	}
	for k, v := range p.GatewayResponses {
		responses[k] = v
	}
	for typ, r := range responses {
		gr := GatewayResponse{Headers: map[string]string{}, Templates: r.ResponseTemplates}
		if r.StatusCode != nil {
			n, ok := literalInt(r.StatusCode)
			if !ok || n < 100 || n > 599 {
				return nil, fmt.Errorf("gateway response %s: StatusCode must be an HTTP status", typ)
			}
			gr.StatusCode = n
		}
		for h, v := range r.ResponseParameters.Headers {
			s, ok := literalString(v)
			if !ok {
				continue
			}
			// Header values are mapping expressions; static ones are quoted.
			gr.Headers[h] = strings.Trim(s, "'")
		}
		api.GatewayResponses[typ] = gr
	}
	return api, nil
}

// UnmarshalYAML decodes CloudFormation YAML (a SAM template) into v as
// CloudFormation reads it: short-form intrinsics become their long form
// (!Ref X is {"Ref": X}, !GetAtt A.B is {"Fn::GetAtt": [A, B]}, !Sub s is
// {"Fn::Sub": s}), so v may be plain maps and lists.
func UnmarshalYAML(b []byte, v any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("parse yaml: %w", err)
	}
	expandIntrinsics(&doc)
	if err := doc.Decode(v); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	return nil
}

// expandIntrinsics rewrites tagged nodes (!Ref X) into the long form
// {"Ref": X}, {"Fn::GetAtt": …}.
func expandIntrinsics(n *yaml.Node) {
	for _, c := range n.Content {
		expandIntrinsics(c)
	}
	if !strings.HasPrefix(n.Tag, "!") || strings.HasPrefix(n.Tag, "!!") {
		return
	}
	name := strings.TrimPrefix(n.Tag, "!")
	if name != "Ref" && name != "Condition" {
		name = "Fn::" + name
	}
	inner := *n
	switch inner.Kind {
	case yaml.ScalarNode:
		inner.Tag = "!!str"
		if name == "Fn::GetAtt" { // !GetAtt A.B is the list [A, B]
			parts := strings.SplitN(inner.Value, ".", 2)
			inner = yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
			for _, p := range parts {
				inner.Content = append(inner.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: p})
			}
		}
	case yaml.SequenceNode:
		inner.Tag = "!!seq"
	case yaml.MappingNode:
		inner.Tag = "!!map"
	}
	*n = yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: name}, &inner,
	}}
}

func decodeNode(n *yaml.Node, v any) error {
	if n.Kind == 0 {
		return nil
	}
	return n.Decode(v)
}

// refTarget returns the logical ID a value refers to: {"Ref": X} or
// {"Fn::GetAtt": [X, attr]}; "" otherwise.
func refTarget(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) != 1 {
		return ""
	}
	if s, ok := m["Ref"].(string); ok {
		return s
	}
	if l, ok := m["Fn::GetAtt"].([]any); ok && len(l) > 0 {
		s, _ := l[0].(string)
		return s
	}
	return ""
}

func literalString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func literalInt(v any) (int, bool) {
	switch x := v.(type) {
	case int:
		return x, true
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	}
	return 0, false
}

// Routes lists every API route of the template, sorted by path and method.
func (t *Template) Routes() []Route {
	var rs []Route
	for _, fn := range t.Functions {
		for _, ev := range fn.APIEvents {
			rs = append(rs, Route{APIEvent: ev, Function: fn.LogicalID})
		}
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Path != rs[j].Path {
			return rs[i].Path < rs[j].Path
		}
		return rs[i].Method < rs[j].Method
	})
	return rs
}

// Without returns a copy of the template without the given functions and
// their routes (e.g. the simulator, which a local run serves in process).
func (t *Template) Without(logicalIDs ...string) *Template {
	out := &Template{Functions: map[string]*FunctionSpec{}, APIs: t.APIs}
	for id, fn := range t.Functions {
		if !slices.Contains(logicalIDs, id) {
			out.Functions[id] = fn
		}
	}
	return out
}

// Route is an API event together with the function it invokes.
type Route struct {
	APIEvent
	Function string
}
