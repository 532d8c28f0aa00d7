package apispec

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/credentials"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// doc is openapi.yaml decoded as plain maps.
type doc = map[string]any

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := lambdalocal.ModuleRoot(".")
	require.NoError(t, err)
	return root
}

func loadSpec(t *testing.T) doc {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "openapi.yaml"))
	require.NoError(t, err)
	var d doc
	require.NoError(t, yaml.Unmarshal(raw, &d), "openapi.yaml is not valid YAML")
	return d
}

func obj(t *testing.T, v any, where string) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	require.True(t, ok, "%s is not a mapping", where)
	return m
}

// resolve follows a local JSON pointer ("#/components/schemas/Erro").
func resolve(d doc, ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = d
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// deref resolves v while it is a {$ref: …} object.
func deref(t *testing.T, d doc, v any) map[string]any {
	t.Helper()
	for i := 0; i < 10; i++ {
		m := obj(t, v, "referenced object")
		ref, ok := m["$ref"].(string)
		if !ok {
			return m
		}
		target, ok := resolve(d, ref)
		require.True(t, ok, "unresolved $ref %s", ref)
		v = target
	}
	t.Fatal("$ref chain too long")
	return nil
}

var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// operations lists "METHOD /path" → operation object.
func operations(t *testing.T, d doc) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for path, item := range obj(t, d["paths"], "paths") {
		for method, op := range obj(t, item, path) {
			if httpMethods[method] {
				out[strings.ToUpper(method)+" "+path] = obj(t, op, path+" "+method)
			}
			if method == "x-amazon-apigateway-any-method" { // API Gateway's ANY (template.yaml Method: ANY)
				out["ANY "+path] = obj(t, op, path+" "+method)
			}
		}
	}
	return out
}

func TestOpenAPIVersion(t *testing.T) {
	d := loadSpec(t)
	v, _ := d["openapi"].(string)
	require.Regexp(t, `^3\.1\.\d+$`, v, "openapi.yaml must be OpenAPI 3.1")
	info := obj(t, d["info"], "info")
	require.NotEmpty(t, info["title"])
	require.NotEmpty(t, info["version"])
}

// templateRoute is an Api event of template.yaml.
type templateRoute struct {
	api      string // MerchantApi or ResultsApi
	noAuth   bool   // Auth: Authorizer: NONE
	function string
}

// templateRoutes walks template.yaml as raw YAML nodes (its !Ref and !GetAtt
// tags are CloudFormation's, not YAML's) and returns "METHOD /path" of every
// Api event of the merchant and results APIs.
func templateRoutes(t *testing.T) map[string]templateRoute {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	require.NoError(t, err)
	var root yaml.Node
	require.NoError(t, yaml.Unmarshal(raw, &root))
	get := func(n *yaml.Node, key string) *yaml.Node {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				return n.Content[i+1]
			}
		}
		return nil
	}
	out := map[string]templateRoute{}
	resources := get(root.Content[0], "Resources")
	require.NotNil(t, resources, "template.yaml has no Resources")
	for i := 0; i+1 < len(resources.Content); i += 2 {
		name, res := resources.Content[i].Value, resources.Content[i+1]
		if ty := get(res, "Type"); ty == nil || ty.Value != "AWS::Serverless::Function" {
			continue
		}
		events := get(get(res, "Properties"), "Events")
		if events == nil {
			continue
		}
		for j := 0; j+1 < len(events.Content); j += 2 {
			ev := events.Content[j+1]
			if ty := get(ev, "Type"); ty == nil || ty.Value != "Api" {
				continue
			}
			props := get(ev, "Properties")
			api := get(props, "RestApiId")
			require.NotNil(t, api, "%s event %s has no RestApiId", name, events.Content[j].Value)
			if api.Value != "MerchantApi" && api.Value != "ResultsApi" {
				continue
			}
			require.Nil(t, get(props, "Auth"), "%s: no API Gateway authorizer (the function checks the credential)", name)
			path := get(props, "Path").Value
			key := strings.ToUpper(get(props, "Method").Value) + " " + path
			// A route is keyed when its function's router checks a credential
			// rule for it (apigw.CredentialGuard over credentials.Rules()).
			_, keyed := apigw.RuleFor(credentials.Rules(), path, path)
			out[key] = templateRoute{api: api.Value, noAuth: !keyed, function: name}
		}
	}
	require.NotEmpty(t, out, "no Api events found in template.yaml")
	return out
}

// localOnly routes exist only in the local emulator, never in AWS.
func localOnly(route string) bool {
	_, path, _ := strings.Cut(route, " ")
	return path == "/health" || strings.HasPrefix(path, "/_local/")
}

func TestRoutesMatchTemplate(t *testing.T) {
	d := loadSpec(t)
	ops := operations(t, d)
	routes := templateRoutes(t)

	var documented, deployed []string
	for k := range ops {
		if !localOnly(k) {
			documented = append(documented, k)
		}
	}
	for k := range routes {
		if !localOnly(k) {
			deployed = append(deployed, k)
		}
	}
	sort.Strings(documented)
	sort.Strings(deployed)
	require.Equal(t, deployed, documented, "openapi.yaml paths must be exactly template.yaml's MerchantApi and ResultsApi routes")

	for key, r := range routes {
		op := ops[key]
		sec, overridden := op["security"]
		switch {
		case r.api == "ResultsApi":
			require.Contains(t, op, "servers", "%s is on the results API: it needs its own servers", key)
			require.True(t, overridden, "%s: the results API has no API key; say so with security", key)
		case r.noAuth:
			require.True(t, overridden, "%s has no credential rule: it must say security: []", key)
			require.Empty(t, sec, "%s has no credential rule: it must say security: []", key)
		default:
			require.False(t, overridden, "%s checks the merchant credential: it must keep the global security", key)
			require.NotContains(t, op, "servers", "%s is on the merchant API", key)
		}
	}

	// The global security is the native key's two header forms.
	schemes := obj(t, obj(t, d["components"], "components")["securitySchemes"], "securitySchemes")
	bearer := obj(t, schemes["BearerAuth"], "BearerAuth")
	require.Equal(t, "http", bearer["type"])
	require.Equal(t, "bearer", bearer["scheme"])
	apiKey := obj(t, schemes["APIKeyHeader"], "APIKeyHeader")
	require.Equal(t, "apiKey", apiKey["type"])
	require.Equal(t, "header", apiKey["in"])
	require.Equal(t, "APIKey", apiKey["name"])
	require.ElementsMatch(t, []any{map[string]any{"BearerAuth": []any{}}, map[string]any{"APIKeyHeader": []any{}}}, d["security"])
}

func TestReferencesResolve(t *testing.T) {
	d := loadSpec(t)
	var walk func(v any, where string)
	n := 0
	walk = func(v any, where string) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				_, found := resolve(d, ref)
				require.True(t, found, "%s: $ref %s does not resolve", where, ref)
			}
			for k, c := range v {
				walk(c, where+"/"+k)
			}
		case []any:
			for i, c := range v {
				walk(c, where+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(d, "#")
	require.Greater(t, n, 50, "expected openapi.yaml to use components")

	// Every response of every operation and webhook has a schema that exists.
	check := func(name string, op map[string]any) {
		responses := obj(t, op["responses"], name+" responses")
		require.NotEmpty(t, responses, name)
		for code, r := range responses {
			resp := deref(t, d, r)
			require.NotEmpty(t, resp["description"], "%s %s has no description", name, code)
			content, ok := resp["content"].(map[string]any)
			if !ok {
				require.True(t, strings.HasPrefix(name, "webhook"), "%s %s has no content", name, code)
				continue
			}
			for mt, c := range content {
				schema := obj(t, c, name+" "+code+" "+mt)["schema"]
				require.NotNil(t, schema, "%s %s %s has no schema", name, code, mt)
				deref(t, d, schema)
			}
		}
	}
	for key, op := range operations(t, d) {
		check(key, op)
	}
	for name, item := range obj(t, d["webhooks"], "webhooks") {
		for method, op := range obj(t, item, name) {
			check("webhook "+name+" "+method, obj(t, op, name))
		}
	}
}

// structTags returns the JSON names of the struct type named typeName in a
// Go source file (package main cannot be imported, so it is parsed).
func structTags(t *testing.T, file, typeName string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repoRoot(t), file), nil, 0)
	require.NoError(t, err)
	var names []string
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typeName {
			return true
		}
		st, ok := ts.Type.(*ast.StructType)
		require.True(t, ok, "%s.%s is not a struct", file, typeName)
		found = true
		for _, fld := range st.Fields.List {
			require.NotNil(t, fld.Tag, "%s.%s field %v has no tag", file, typeName, fld.Names)
			tag, err := strconv.Unquote(fld.Tag.Value)
			require.NoError(t, err)
			name, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			require.NotEmpty(t, name, "%s.%s field %v has no json name", file, typeName, fld.Names)
			names = append(names, name)
		}
		return false
	})
	require.True(t, found, "type %s not found in %s", typeName, file)
	sort.Strings(names)
	return names
}

// jsonTags returns the JSON names of a Go struct type's tagged fields.
func jsonTags(v any) []string {
	var names []string
	ty := reflect.TypeOf(v)
	for i := 0; i < ty.NumField(); i++ {
		name, _, _ := strings.Cut(ty.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

func schemaProps(t *testing.T, d doc, name string) []string {
	t.Helper()
	s, ok := resolve(d, "#/components/schemas/"+name)
	require.True(t, ok, "schema %s missing", name)
	props := obj(t, obj(t, s, name)["properties"], name+".properties")
	var out []string
	for k := range props {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSchemasMatchHandlers(t *testing.T) {
	d := loadSpec(t)
	require.Equal(t, structTags(t, "shared/dialect/emvjson/preauth.go", "preauthResponse"), schemaProps(t, d, "PreauthResponse"),
		"PreauthResponse must list exactly the preauth handler's response members")
	require.Equal(t, structTags(t, "shared/dialect/emvjson/postauth.go", "postauthBody"), schemaProps(t, d, "PostauthResponse"),
		"PostauthResponse must list exactly the postauth handler's response members")
	require.Equal(t, structTags(t, "shared/dialect/emvjson/auth.go", "extras"), schemaProps(t, d, "AuthExtras"),
		"AuthExtras must list exactly the auth handler's extras")
	require.Subset(t, schemaProps(t, d, "PreauthRequest"), structTags(t, "shared/dialect/emvjson/preauth.go", "preauthRequest"))
	require.Subset(t, schemaProps(t, d, "PostauthRequest"), structTags(t, "shared/dialect/emvjson/postauth.go", "postauthRequest"))

	// Wire messages and the webhook event, by reflection.
	require.Equal(t, jsonTags(emv3ds.Erro{}), schemaProps(t, d, "Erro"))
	require.Equal(t, jsonTags(emv3ds.RRes{}), schemaProps(t, d, "RRes"))
	require.Equal(t, jsonTags(emvjson.WebhookEvent{}), schemaProps(t, d, "WebhookEvent"))
	require.Equal(t, jsonTags(emvjson.WebhookData{}), schemaProps(t, d, "WebhookData"))
	// Every ARes and RReq element is documented (plus the 2.2.0 whiteList names).
	require.Subset(t, schemaProps(t, d, "ARes"), jsonTags(emv3ds.ARes{}))
	require.Subset(t, schemaProps(t, d, "RReq"), jsonTags(emv3ds.RReq{}))
	// The AReq lists common elements only, but never an invented one.
	require.Subset(t, jsonTags(emv3ds.AReq{}), schemaProps(t, d, "AReq"))
	// The /auth challenge members are the ones the handler adds.
	require.Equal(t, []string{"base64EncodedChallengeRequest", "challengeWindowSize", "scheme", "threeDSSessionData"},
		schemaProps(t, d, "ChallengeExtras"))
}

// documentedStatuses lists the response codes of an operation.
func documentedStatuses(t *testing.T, op map[string]any) []int {
	var out []int
	for code := range obj(t, op["responses"], "responses") {
		n, err := strconv.Atoi(code)
		require.NoError(t, err, "response code %q", code)
		out = append(out, n)
	}
	sort.Ints(out)
	return out
}

func verr(field, rule string, code emv3ds.ErrorCode, sentinel error) error {
	return &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{Field: field, Rule: rule, Code: code, Err: sentinel}}}
}

// TestErrorStatusesMatchMapper: the statuses each merchant route documents are
// exactly those shared/apigw answers for the errors that route can meet.
func TestErrorStatusesMatchMapper(t *testing.T) {
	d := loadSpec(t)
	ops := operations(t, d)
	input := []error{
		verr("acctNumber", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing),
		&apigw.BadTextError{Field: "acctNumber"}, apigw.ErrBodyTooLarge, apigw.ErrEmptyBody, apigw.ErrMalformedBody,
		apigw.ErrUnsupportedMedia, apigw.ErrUnauthenticated, errors.New("store down"),
	}
	idem := []error{apigw.ErrIdempotencyKeySize, threeds.ErrIdempotencyConflict, threeds.ErrIdempotencyInProgress}
	ds := []error{
		&threeds.DirectoryUnavailableError{Cause: "Connection refused"},
		&threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"},
		&threeds.PeerErroError{Erro: &emv3ds.Erro{ErrorCode: "305", ErrorComponent: "D"}},
		&threeds.RejectedMessageError{Erro: &emv3ds.Erro{ErrorCode: "201", ErrorComponent: "S"}},
	}
	cases := map[string][]error{
		"POST /preauth": concat(input, idem, []error{threeds.ErrNotEnrolled, threeds.ErrSchemeNotServed, threeds.ErrMerchantNotFound}),
		"POST /auth": concat(input, idem, ds, []error{threeds.ErrNotEnrolled, threeds.ErrTransactionNotFound,
			threeds.ErrInvalidTransition, threeds.ErrResultFinal, threeds.ErrConcurrentUpdate,
			verr("challengeWindowSize", "must be 01 to 05", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)}),
		// postauth: no Idempotency-Key; a failed transaction answers the Erro /auth got, as a 422 (never a 5xx).
		"POST /postauth": concat(input, []error{threeds.ErrTransactionNotFound,
			&threeds.FailedError{Info: threeds.ErrorInfo{Code: "405", Component: "S", Timeout: true}},
			&threeds.FailedError{Info: threeds.ErrorInfo{Code: "201", Component: "S", MessageType: "ARes"}},
			&threeds.FailedError{Info: threeds.ErrorInfo{Code: "305", Component: "D"}}}),
	}
	for route, errs := range cases {
		t.Run(route, func(t *testing.T) {
			op, ok := ops[route]
			require.True(t, ok, "%s not documented", route)
			seen := map[int]bool{http200: true}
			for _, err := range errs {
				status, erro := apigw.Status(err, apigw.About{})
				require.NotNil(t, erro)
				seen[status] = true
			}
			var want []int
			for s := range seen {
				want = append(want, s)
			}
			sort.Ints(want)
			require.Equal(t, want, documentedStatuses(t, op), "%s: documented statuses differ from what apigw answers", route)
		})
	}
}

const http200 = 200

func concat(lists ...[]error) []error {
	var out []error
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

const (
	exTx  = "6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11"
	exACS = "b7e1f0c2-55aa-4e6b-9d1c-0a2b3c4d5e6f"
	exDS  = "c0ffee00-1234-4abc-8def-0123456789ab"
)

// exampleUses maps a components/examples name to the statuses of the
// operation responses that show it.
func exampleUses(t *testing.T, d doc) map[string][]int {
	uses := map[string][]int{}
	for _, op := range operations(t, d) {
		for code, r := range obj(t, op["responses"], "responses") {
			status, _ := strconv.Atoi(code)
			resp := deref(t, d, r)
			content, _ := resp["content"].(map[string]any)
			for _, c := range content {
				exs, _ := obj(t, c, "content")["examples"].(map[string]any)
				for _, ex := range exs {
					if ref, ok := obj(t, ex, "example")["$ref"].(string); ok {
						name := strings.TrimPrefix(ref, "#/components/examples/")
						uses[name] = append(uses[name], status)
					}
				}
			}
		}
	}
	return uses
}

func exampleValue(t *testing.T, d doc, name string) any {
	ex, ok := resolve(d, "#/components/examples/"+name)
	require.True(t, ok, "example %s missing", name)
	return obj(t, ex, name)["value"]
}

// TestErroExamplesAreTheMappersAnswers: each Erro example is, byte for byte
// in JSON terms, what apigw.Status answers for its error, and it is shown
// under that status.
func TestErroExamplesAreTheMappersAnswers(t *testing.T) {
	d := loadSpec(t)
	auth := apigw.About{MessageType: emv3ds.MessageTypeAReq, MessageVersion: emv3ds.Version220, ThreeDSServerTransID: exTx}

	areq := &emv3ds.AReq{MessageType: emv3ds.MessageTypeAReq, MessageVersion: emv3ds.Version220, MessageCategory: "01",
		DeviceChannel: "02", ThreeDSServerTransID: exTx}
	dsErro := emv3ds.NewErro(emv3ds.FieldError{Field: "acctNumber", Rule: "issuer refuses authentication for this card",
		Code: emv3ds.ErrorCodeTransactionDataInvalid, Err: emv3ds.ErrNotAllowed}, emv3ds.ErrorComponentDS, areq)
	dsErro.DSTransID = exDS
	// The ARes of simulator scenario 12 (Y without authenticationValue), judged as threeds.Service does.
	ares, err := emv3ds.DecodeARes([]byte(`{"messageType":"ARes","messageVersion":"2.2.0","threeDSServerTransID":"` + exTx +
		`","acsTransID":"` + exACS + `","dsTransID":"` + exDS + `","acsReferenceNumber":"3DS_LOA_ACS_DSSM_020200_00201",` +
		`"dsReferenceNumber":"3DS_LOA_DIS_DSSM_020200_00101","transStatus":"Y","eci":"05"}`))
	require.NoError(t, err)
	aresErr := ares.Validate(emv3ds.AResContextFor(areq))
	require.Error(t, aresErr)
	rejected := emv3ds.NewErro(aresErr, emv3ds.ErrorComponentServer, ares)
	rejected.ErrorMessageType = emv3ds.MessageTypeARes

	cases := map[string]struct {
		err   error
		about apigw.About
	}{
		"ErroMissingAcctNumber":     {verr("acctNumber", "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing), apigw.About{}},
		"ErroChallengeWindowSize":   {verr("challengeWindowSize", "must be 01 to 05", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), auth},
		"ErroNonASCII":              {&apigw.BadTextError{Field: "cardholderName"}, apigw.About{MessageType: emv3ds.MessageTypeAReq}},
		"ErroNotJSON":               {apigw.ErrMalformedBody, apigw.About{}},
		"ErroTransactionNotFound":   {fmt.Errorf("postauth: %w", threeds.ErrTransactionNotFound), apigw.About{ThreeDSServerTransID: exTx}},
		"ErroWrongState":            {fmt.Errorf("auth in state areq_sent: %w", threeds.ErrInvalidTransition), auth},
		"ErroIdempotencyConflict":   {threeds.ErrIdempotencyConflict, apigw.About{}},
		"ErroIdempotencyInProgress": {threeds.ErrIdempotencyInProgress, apigw.About{}},
		"ErroTooLarge":              {apigw.ErrBodyTooLarge, apigw.About{}},
		"ErroMultipart":             {apigw.ErrUnsupportedMedia, apigw.About{}},
		"ErroNotEnrolled":           {threeds.ErrNotEnrolled, apigw.About{}},
		"ErroFromDS":                {&threeds.PeerErroError{Erro: dsErro}, auth},
		"ErroDSUnreachable":         {&threeds.DirectoryUnavailableError{Cause: "Connection refused"}, auth},
		"ErroInvalidARes":           {&threeds.RejectedMessageError{Erro: rejected}, auth},
		"ErroDSTimeout":             {&threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}, auth},
		"ErroTransient":             {errors.New("dynamodb: throttled"), apigw.About{}},
	}
	uses := exampleUses(t, d)
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			status, erro := apigw.Status(c.err, c.about)
			got, err := json.Marshal(erro)
			require.NoError(t, err)
			want, err := json.Marshal(exampleValue(t, d, name))
			require.NoError(t, err)
			require.JSONEq(t, string(got), string(want))
			require.NotEmpty(t, uses[name], "example %s is not shown under any response", name)
			for _, s := range uses[name] {
				require.Equal(t, status, s, "example %s is shown under %d but apigw answers %d", name, s, status)
			}
		})
	}
	// Every Erro example is checked above.
	for name := range obj(t, obj(t, d["components"], "components")["examples"], "examples") {
		if strings.HasPrefix(name, "Erro") {
			require.Contains(t, cases, name, "example %s has no case in this test", name)
		}
	}
}

// TestUnauthorizedIsTheGatewayResponse: the 401 example is the body the
// flow functions answer for a refused native key (apigw.Unauthorized, which
// kept the body of API Gateway's former UNAUTHORIZED gateway response).
func TestUnauthorizedIsTheGatewayResponse(t *testing.T) {
	d := loadSpec(t)
	ex := obj(t, exampleValue(t, d, "GatewayUnauthorized"), "GatewayUnauthorized")
	resp := apigw.Unauthorized(ex["requestId"].(string))
	require.Equal(t, 401, resp.StatusCode)
	require.Equal(t, "Bearer", resp.Headers["WWW-Authenticate"])
	want, err := json.Marshal(ex)
	require.NoError(t, err)
	require.JSONEq(t, string(want), resp.Body, "the 401 body differs from the documented one")
	for _, s := range exampleUses(t, d)["GatewayUnauthorized"] {
		require.Equal(t, 401, s)
	}
}

// TestExamplesDecode: encoded example values carry what they claim, and the
// webhook example's signature verifies as the description says.
func TestExamplesDecode(t *testing.T) {
	d := loadSpec(t)
	ops := operations(t, d)
	respEx := func(route, code, name string) map[string]any {
		resp := deref(t, d, obj(t, ops[route]["responses"], "responses")[code])
		c := obj(t, obj(t, resp["content"], "content")["application/json"], "json")
		return obj(t, obj(t, obj(t, c["examples"], "examples")[name], name)["value"], name)
	}

	pre := respEx("POST /preauth", "200", "withMethod")
	md, err := emv3ds.ParseThreeDSMethodData(pre["threeDSMethodData"].(string))
	require.NoError(t, err)
	require.Equal(t, pre["threeDSServerTransID"], md.ThreeDSServerTransID)
	require.Equal(t, pre["threeDSMethodNotificationURL"], md.ThreeDSMethodNotificationURL)

	ch := respEx("POST /auth", "200", "challengeC")
	creq, err := emv3ds.ParseCReq(ch["base64EncodedChallengeRequest"].(string))
	require.NoError(t, err)
	require.Equal(t, ch["threeDSServerTransID"], creq.ThreeDSServerTransID)
	require.Equal(t, ch["acsTransID"], creq.ACSTransID)
	require.Equal(t, ch["messageVersion"], string(creq.MessageVersion))
	require.Equal(t, ch["challengeWindowSize"], string(creq.ChallengeWindowSize))
	require.Equal(t, emv3ds.MessageTypeCReq, creq.MessageType)

	// The webhook example, encoded as the server encodes it, verifies with the documented header.
	hook := obj(t, obj(t, obj(t, obj(t, d["webhooks"], "webhooks")["authentication.completed"], "hook")["post"], "post"), "post")
	content := obj(t, obj(t, obj(t, hook["requestBody"], "requestBody")["content"], "content")["application/json"], "json")
	value := obj(t, obj(t, obj(t, content["examples"], "examples")["afterChallenge"], "afterChallenge")["value"], "value")
	plain, err := json.Marshal(value)
	require.NoError(t, err)
	var ev emvjson.WebhookEvent
	require.NoError(t, json.Unmarshal(plain, &ev))
	body, err := json.Marshal(ev)
	require.NoError(t, err)
	var sigHeader, idHeader string
	for _, p := range hook["parameters"].([]any) {
		pm := obj(t, p, "parameter")
		switch pm["name"] {
		case webhooksig.Header:
			sigHeader = pm["example"].(string)
		case "Threeds-Event-Id":
			idHeader = pm["example"].(string)
		}
	}
	require.NotEmpty(t, sigHeader, "the webhook documents no %s header", webhooksig.Header)
	ts, err := strconv.ParseInt(regexp.MustCompile(`^t=(\d+)`).FindStringSubmatch(sigHeader)[1], 10, 64)
	require.NoError(t, err)
	require.NoError(t, webhooksig.Verify([]byte("whsec_example"), sigHeader, body, time.Unix(ts, 0), webhooksig.DefaultTolerance))
	require.Equal(t, ev.ID, idHeader)
	// The event ID is the one the server derives for this transaction.
	tx := &threeds.Transaction{ID: ev.Data.ThreeDSServerTransID, State: threeds.StateFinal, Result: &threeds.Result{}}
	want, ok := threeds.WebhookEventFor(tx)
	require.True(t, ok)
	require.Equal(t, want.ID, ev.ID)
}

// validate checks v against a schema for the keywords openapi.yaml uses:
// $ref, allOf, oneOf, type, const, enum, pattern, min/maxLength, properties,
// required, additionalProperties false, items. Request bodies are judged as
// the server reads them: names case-insensitively, null as absent.
func validate(t *testing.T, d doc, schema any, v any, where string, nullAbsent bool) []string {
	s := deref(t, d, schema)
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, where+": "+fmt.Sprintf(format, args...)) }
	for _, sub := range listOf(s["allOf"]) {
		errs = append(errs, validate(t, d, sub, v, where, nullAbsent)...)
	}
	if alts := listOf(s["oneOf"]); len(alts) > 0 {
		ok := false
		for _, sub := range alts {
			if len(validate(t, d, sub, v, where, nullAbsent)) == 0 {
				ok = true
			}
		}
		if !ok {
			fail("matches no oneOf alternative")
		}
	}
	if ty, ok := s["type"]; ok {
		types := listOf(ty)
		if len(types) == 0 {
			types = []any{ty}
		}
		ok := false
		for _, tt := range types {
			if jsonType(v, tt.(string)) {
				ok = true
			}
		}
		if !ok {
			fail("%T is not of type %v", v, ty)
			return errs
		}
	}
	if c, ok := s["const"]; ok && fmt.Sprint(c) != fmt.Sprint(v) {
		fail("%v is not the const %v", v, c)
	}
	if e := listOf(s["enum"]); len(e) > 0 {
		ok := false
		for _, x := range e {
			if reflect.DeepEqual(x, v) {
				ok = true
			}
		}
		if !ok {
			fail("%v is not in the enum %v", v, e)
		}
	}
	if str, ok := v.(string); ok {
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			fail("%q does not match %s", str, p)
		}
		if n, ok := s["maxLength"].(int); ok && len(str) > n {
			fail("longer than %d", n)
		}
		if n, ok := s["minLength"].(int); ok && len(str) < n {
			fail("shorter than %d", n)
		}
	}
	if m, ok := v.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		// Requests: names match case-insensitively (threeDsServerTransId).
		key := func(k string) string {
			if nullAbsent {
				return strings.ToLower(k)
			}
			return k
		}
		byKey := map[string]any{}
		for k, x := range m {
			byKey[key(k)] = x
		}
		for _, r := range listOf(s["required"]) {
			if x, present := byKey[key(r.(string))]; !present || (nullAbsent && x == nil) {
				fail("required %s missing", r)
			}
		}
		propByKey := map[string]any{}
		for k, ps := range props {
			propByKey[key(k)] = ps
		}
		for k, x := range m {
			if nullAbsent && x == nil {
				continue
			}
			if ps, ok := propByKey[key(k)]; ok {
				errs = append(errs, validate(t, d, ps, x, where+"."+k, nullAbsent)...)
			} else if s["additionalProperties"] == false {
				fail("%s is not a documented member", k)
			}
		}
	}
	if a, ok := v.([]any); ok && s["items"] != nil {
		for i, x := range a {
			errs = append(errs, validate(t, d, s["items"], x, where+"["+strconv.Itoa(i)+"]", nullAbsent)...)
		}
	}
	return errs
}

func listOf(v any) []any {
	l, _ := v.([]any)
	return l
}

func jsonType(v any, ty string) bool {
	switch ty {
	case "string":
		_, ok := v.(string)
		return ok
	case "integer":
		_, ok := v.(int)
		return ok
	case "number":
		switch v.(type) {
		case int, float64:
			return true
		}
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "null":
		return v == nil
	}
	return false
}

// TestExamplesFitSchemas validates every request and response example of
// every operation and webhook against its schema.
func TestExamplesFitSchemas(t *testing.T) {
	d := loadSpec(t)
	n := 0
	checkContent := func(where string, content any, request bool) {
		cm, ok := content.(map[string]any)
		if !ok {
			return
		}
		for mt, c := range cm {
			cobj := obj(t, c, where)
			if !strings.Contains(mt, "json") && !strings.Contains(mt, "form") {
				continue // HTML pages are examples of a plain string
			}
			for name, ex := range listMap(cobj["examples"]) {
				value := deref(t, d, ex)["value"]
				for _, e := range validate(t, d, cobj["schema"], value, where+" "+mt+" example "+name, request) {
					t.Error(e)
				}
				n++
			}
		}
	}
	check := func(name string, op map[string]any) {
		if rb, ok := op["requestBody"]; ok {
			checkContent(name+" request", deref(t, d, rb)["content"], true)
		}
		for code, r := range obj(t, op["responses"], "responses") {
			checkContent(name+" "+code, deref(t, d, r)["content"], false)
		}
	}
	for key, op := range operations(t, d) {
		check(key, op)
	}
	for name, item := range obj(t, d["webhooks"], "webhooks") {
		for method, op := range obj(t, item, name) {
			check("webhook "+name+" "+method, obj(t, op, name))
		}
	}
	require.Greater(t, n, 30, "expected examples on every operation")
}

func listMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
