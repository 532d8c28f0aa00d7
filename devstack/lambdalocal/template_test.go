package lambdalocal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReadTemplate(t *testing.T) {
	tpl, err := ReadTemplate("testdata/template.yaml")
	require.NoError(t, err)

	echo := tpl.Functions["EchoFunction"]
	require.NotNil(t, echo)
	require.Equal(t, "functions/echofn", echo.Package)
	require.Equal(t, 2*time.Second, echo.Timeout)
	require.Equal(t, map[string]string{"GREETING": "bonjour", "LOG_LEVEL": "INFO"}, echo.Env)
	require.Equal(t, []string{"PUBLIC_BASE_URL", "TABLE_NAME"}, echo.Unresolved)
	require.Equal(t, 5*time.Second, tpl.Functions["AuthorizerFunction"].Timeout)
	require.Equal(t, "functions/authfn", tpl.Functions["AuthorizerFunction"].Package)

	require.Equal(t, []APIEvent{
		{Name: "Cached", API: "MerchantApi", Path: "/cached/{name}", Method: "GET", Auth: "CachedAuthorizer"},
		{Name: "Echo", API: "MerchantApi", Path: "/echo", Method: "POST", Auth: "KeyAuthorizer"},
		{Name: "Open", API: "MerchantApi", Path: "/open/{proxy+}", Method: "ANY", Auth: ""},
		{Name: "Results", API: "ResultsApi", Path: "/ds/results", Method: "POST", Auth: ""},
	}, echo.APIEvents)

	api := tpl.APIs["MerchantApi"]
	require.Equal(t, "v1", api.StageName)
	require.Equal(t, &AuthorizerSpec{Name: "KeyAuthorizer", Function: "AuthorizerFunction", PayloadType: "REQUEST", Headers: []string{"Authorization"}}, api.Authorizers["KeyAuthorizer"])
	require.Equal(t, 300*time.Second, api.Authorizers["CachedAuthorizer"].TTL)
	require.Equal(t, GatewayResponse{StatusCode: 401, Headers: map[string]string{"Content-Type": "application/json"},
		Templates: map[string]string{"application/json": `{"error":"unauthorized","message":$context.error.messageString}`}},
		api.GatewayResponses["UNAUTHORIZED"])

	require.Equal(t, []StreamEvent{{
		Name: "Stream", Table: "Table", StartingPosition: "TRIM_HORIZON", BatchSize: 4, Bisect: true,
		MaxRetries: 1, ReportBatchItemFailures: true, OnFailure: "DeadLetterQueue",
	}}, tpl.Functions["StreamFunction"].Streams)
	require.Len(t, tpl.Routes(), 4)
}

func TestParseTemplateErrors(t *testing.T) {
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown function folder", `
Resources:
  Mystery:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: .}`, "cannot tell the function's main package"},
		{"undefined authorizer", `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties: {StageName: v1}
  PreauthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /x, Method: post, Auth: {Authorizer: Nope}}}`, `authorizer "Nope" is not defined`},
		{"authorizer function missing", `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      Auth:
        Authorizers:
          A: {FunctionPayloadType: REQUEST, FunctionArn: !GetAtt Gone.Arn}`, `function "Gone" is not in the template`},
		{"token authorizer", `
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      Auth:
        Authorizers:
          A: {FunctionArn: !GetAtt AuthorizerFunction.Arn}
  AuthorizerFunction:
    Type: AWS::Serverless::Function`, "only REQUEST authorizers"},
		{"bad timeout", `
Resources:
  AuthFunction:
    Type: AWS::Serverless::Function
    Properties: {Timeout: !Ref T}`, "timeout is not a positive number"},
		{"bad batch size", `
Resources:
  WebhookFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        S: {Type: DynamoDB, Properties: {Stream: !GetAtt T.StreamArn, BatchSize: 0}}`, "BatchSize must be 1..10000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTemplate([]byte(tc.yaml))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestParseTemplateImplicitAPIAndGlobals(t *testing.T) {
	tpl, err := ParseTemplate([]byte(`
Globals:
  Api:
    StageName: dev
    GatewayResponses:
      DEFAULT_4XX: {ResponseTemplates: {application/json: '{"e":1}'}}
Resources:
  PostauthFunction:
    Type: AWS::Serverless::Function
    Properties:
      Events:
        E: {Type: Api, Properties: {Path: /postauth, Method: post}}`))
	require.NoError(t, err)
	api := tpl.APIs[ImplicitAPI]
	require.NotNil(t, api)
	require.Equal(t, "dev", api.StageName)
	require.Contains(t, api.GatewayResponses, "DEFAULT_4XX")
	require.Equal(t, "functions/postauth", tpl.Functions["PostauthFunction"].Package)
	require.Equal(t, "", tpl.Functions["PostauthFunction"].APIEvents[0].Auth)
}

// The product template: what the local stack reads from it.
func TestReadProductTemplate(t *testing.T) {
	root, err := ModuleRoot(".")
	require.NoError(t, err)
	tpl, err := ReadTemplate(root + "/template.yaml")
	require.NoError(t, err)
	for id, fn := range tpl.Functions {
		require.NotEmpty(t, fn.Package, id)
	}
	require.Equal(t, "functions/preauth", tpl.Functions["PreauthFunction"].Package)
	api := tpl.APIs["MerchantApi"]
	require.NotNil(t, api)
	require.Equal(t, "v1", api.StageName, "!Ref StageName resolves to the parameter's default")
	// No API Gateway authorizer: the flow functions check credentials.
	require.Empty(t, api.DefaultAuthorizer)
	require.Empty(t, api.Authorizers)
	require.NotContains(t, tpl.Functions, "AuthorizerFunction")
	require.Equal(t, 404, api.GatewayResponses["MISSING_AUTHENTICATION_TOKEN"].StatusCode)

	routes := map[string]Route{}
	for _, r := range tpl.Without("SimulatorFunction").Routes() {
		routes[r.Method+" "+r.Path] = r
	}
	for _, r := range routes {
		require.Empty(t, r.Auth, "%s %s: no authorizer", r.Method, r.Path)
	}
	require.Equal(t, "PreauthFunction", routes["POST /preauth"].Function)
	require.Equal(t, "", routes["POST /callbacks/method"].Auth)
	require.Equal(t, "", routes["POST /callbacks/challenge"].Auth)
	require.Equal(t, "ResultsApi", routes["POST /ds/results"].API)
	require.NotContains(t, routes, "ANY /{proxy+}")

	hook := tpl.Functions["WebhookFunction"]
	require.Len(t, hook.Streams, 1)
	require.Equal(t, "Table", hook.Streams[0].Table)
	require.True(t, hook.Streams[0].ReportBatchItemFailures)
	require.Len(t, hook.Streams[0].Filters, 1, "the stream mapping's FilterCriteria")
	final := `{"eventName":"MODIFY","dynamodb":{"NewImage":{"type":{"S":"transaction"},"state":{"S":"final"}},"OldImage":{"type":{"S":"transaction"},"state":{"S":"challenge_pending"}}}}`
	require.True(t, hook.Streams[0].Filters[0].Match([]byte(final)))
	for _, other := range []string{
		`{"eventName":"MODIFY","dynamodb":{"NewImage":{"type":{"S":"transaction"},"state":{"S":"final"}},"OldImage":{"type":{"S":"transaction"},"state":{"S":"final"}}}}`,
		`{"eventName":"MODIFY","dynamodb":{"NewImage":{"type":{"S":"transaction"},"state":{"S":"areq_sent"}}}}`,
		`{"eventName":"INSERT","dynamodb":{"NewImage":{"type":{"S":"webhook_delivery"},"status":{"S":"delivered"}}}}`,
		`{"eventName":"REMOVE","dynamodb":{"OldImage":{"type":{"S":"transaction"},"state":{"S":"final"}}}}`,
	} {
		require.False(t, hook.Streams[0].Filters[0].Match([]byte(other)), other)
	}
	require.Equal(t, "10s", tpl.Functions["AuthFunction"].Env["DS_TIMEOUT"], "parameter defaults fill the environment")
}

func TestUnmarshalYAMLLongForms(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       any
	}{
		{"Ref", `!Ref Table`, map[string]any{"Ref": "Table"}},
		{"Condition", `!Condition IsProd`, map[string]any{"Condition": "IsProd"}},
		{"GetAtt scalar", `!GetAtt Table.StreamArn`, map[string]any{"Fn::GetAtt": []any{"Table", "StreamArn"}}},
		{"GetAtt list", `!GetAtt [Table, Arn]`, map[string]any{"Fn::GetAtt": []any{"Table", "Arn"}}},
		{"Sub", `!Sub "arn:${AWS::Partition}:x"`, map[string]any{"Fn::Sub": "arn:${AWS::Partition}:x"}},
		{"nested", `!If [IsProd, !Ref A, !Ref AWS::NoValue]`, map[string]any{"Fn::If": []any{"IsProd", map[string]any{"Ref": "A"}, map[string]any{"Ref": "AWS::NoValue"}}}},
		{"mapping", `!FindInMap {a: b}`, map[string]any{"Fn::FindInMap": map[string]any{"a": "b"}}},
		{"plain YAML untouched", `{n: !!int "3", s: x}`, map[string]any{"n": 3, "s": "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			require.NoError(t, UnmarshalYAML([]byte("v: "+tc.yaml), &got))
			require.Equal(t, map[string]any{"v": tc.want}, got)
		})
	}
	var v map[string]any
	require.ErrorContains(t, UnmarshalYAML([]byte("a: [1"), &v), "parse yaml")
	require.ErrorContains(t, UnmarshalYAML([]byte("[1, 2]"), &v), "decode")
}
