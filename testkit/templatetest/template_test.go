package templatetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/awslabs/goformation/v7/cloudformation/serverless"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/credentials"
	"github.com/open3ds/server/shared/threeds"
)

func TestFunctionsAreTheFixedSet(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			fns := parsed(t, sc).GetAllServerlessFunctionResources()
			require.ElementsMatch(t, sortedKeys(functionDirs), sortedKeys(fns))
			for id, fn := range fns {
				want := ""
				if id == "SimulatorFunction" {
					want = "IsSandbox"
				}
				require.Equal(t, want, fn.AWSCloudFormationCondition, "%s condition", id)
			}
		})
	}
}

// Every function: provided.al2023 on arm64, a bootstrap built by the
// Makefile (BuildMethod makefile, CodeUri .), X-Ray and JSON logs.
func TestFunctionRuntime(t *testing.T) {
	raw := rawTemplate(t)
	global := dig(raw, "Globals", "Function")
	require.Equal(t, "provided.al2023", dig(global, "Runtime"))
	require.Equal(t, "bootstrap", dig(global, "Handler"))
	require.Equal(t, []any{"arm64"}, dig(global, "Architectures"))
	require.Equal(t, "Active", dig(global, "Tracing"))
	// goformation ignores LoggingConfig (not in its SAM spec): raw only.
	require.Equal(t, "JSON", dig(global, "LoggingConfig", "LogFormat"))
	require.NotEmpty(t, dig(global, "LoggingConfig", "ApplicationLogLevel"))
	globalTimeout, _ := dig(global, "Timeout").(int)

	for id, fn := range parsed(t, scenarios(t)[0]).GetAllServerlessFunctionResources() {
		t.Run(id, func(t *testing.T) {
			// Globals are not merged by goformation; a function must not
			// override them with something else.
			for name, v := range map[string]*string{"Runtime": fn.Runtime, "Handler": fn.Handler, "Tracing": fn.Tracing} {
				require.Nil(t, v, "%s overrides Globals.%s", id, name)
			}
			require.Nil(t, fn.Architectures, "%s overrides Globals.Architectures", id)
			require.NotNil(t, fn.CodeUri)
			require.NotNil(t, fn.CodeUri.String, "CodeUri must be a path")
			require.Equal(t, ".", *fn.CodeUri.String, "one root go.mod: CodeUri . with BuildMethod makefile (style.md §3.10)")
			require.Equal(t, "makefile", fn.AWSCloudFormationMetadata["BuildMethod"])
			require.Nil(t, fn.InlineCode)
			if id == "WebhookFunction" {
				require.Equal(t, "GetAtt:WebhookRole.Arn", *fn.Role, "the webhook's own role scopes its stream reads")
			} else {
				require.Nil(t, fn.Role, "SAM builds a least-privilege role per function")
			}

			timeout := globalTimeout
			if fn.Timeout != nil {
				timeout = *fn.Timeout
			}
			require.Positive(t, timeout)
			for name, ev := range fn.Events {
				if ev.Type == "Api" {
					require.Less(t, timeout, 29, "%s serves API event %s: API Gateway gives up after 29 s", id, name)
				}
			}
		})
	}
}

// Each function's build target exists and builds its own main package for
// linux/arm64 into $(ARTIFACTS_DIR)/bootstrap; the package has a main.go.
func TestBuildTargets(t *testing.T) {
	root := repoRoot(t)
	for _, id := range sortedKeys(parsed(t, scenarios(t)[0]).GetAllServerlessFunctionResources()) {
		t.Run(id, func(t *testing.T) {
			dir := "/tmp/artifacts-" + id
			cmd := exec.Command("make", "--no-print-directory", "-n", "build-"+id, "ARTIFACTS_DIR="+dir)
			cmd.Dir = root
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "Makefile has no target build-%s (sam build calls it):\n%s", id, out)

			line := strings.TrimSpace(string(out))
			require.NotContains(t, line, "\n", "one command per target")
			for _, want := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", " build ", "-tags lambda.norpc", "-trimpath", "-s -w", "-o " + dir + "/bootstrap"} {
				require.Contains(t, line, want, "build-%s", id)
			}
			fields := strings.Fields(line)
			pkg := strings.TrimPrefix(fields[len(fields)-1], "./")
			require.Equal(t, functionDirs[id], pkg, "build-%s builds the wrong package", id)

			main := filepath.Join(root, pkg, "main.go")
			_, err = os.Stat(main)
			require.NoError(t, err, "%s has no handler yet: %s/main.go does not exist", id, pkg)
		})
	}
}

type route struct {
	API, Method, Path, Function, Credential string
}

// Every route of the product, with the dialect whose credential rule its
// function's router checks (apigw.CredentialGuard over credentials.Rules(),
// by the route's path; "" for a route whose handler authenticates what it
// carries, or a public one). No route has an API Gateway authorizer.
var wantRoutes = []route{
	{"MerchantApi", "POST", "/preauth", "PreauthFunction", "emvjson"},
	{"MerchantApi", "POST", "/auth", "AuthFunction", "emvjson"},
	{"MerchantApi", "POST", "/postauth", "PostauthFunction", "emvjson"},
	{"MerchantApi", "POST", "/orders", "PreauthFunction", "juspay"},
	{"MerchantApi", "POST", "/txns", "AuthFunction", ""},
	{"MerchantApi", "GET", "/orders/{order_id}", "PostauthFunction", "juspay"},
	{"MerchantApi", "GET", "/txns/return", "PostauthFunction", ""},
	{"MerchantApi", "POST", "/txns/authenticate", "AuthFunction", ""},
	{"MerchantApi", "ANY", "/orders", "PreauthFunction", "juspay"},
	{"MerchantApi", "ANY", "/txns", "AuthFunction", ""},
	{"MerchantApi", "ANY", "/orders/{order_id}", "PostauthFunction", "juspay"},
	{"MerchantApi", "POST", "/callbacks/method", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "POST", "/callbacks/challenge", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "GET", "/js/threeds.js", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "GET", "/js/threeds.mjs", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "GET", "/hosted/method", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "GET", "/hosted/challenge", "ChallengeCallbackFunction", ""},
	{"ResultsApi", "POST", "/ds/results", "ChallengeCallbackFunction", ""},
	{"SimulatorApi", "ANY", "/{proxy+}", "SimulatorFunction", ""},
	{"MerchantApi", "POST", "/uas/{token}/pre_authentication_processing", "PreauthFunction", "uas"},
	{"MerchantApi", "POST", "/uas/{token}/authentication_initiation", "AuthFunction", "uas"},
	{"MerchantApi", "POST", "/uas/{token}/post_authentication_sync", "PostauthFunction", "uas"},
	{"MerchantApi", "POST", "/uas/{token}/webhooks", "PostauthFunction", "uas"},
	{"MerchantApi", "POST", "/3ds/version", "PreauthFunction", "juspay3ds"},
	{"MerchantApi", "POST", "/3ds/authenticate", "AuthFunction", "juspay3ds"},
	{"MerchantApi", "POST", "/3ds/final", "PostauthFunction", "juspay3ds"},
	{"MerchantApi", "POST", "/3ds/results", "ChallengeCallbackFunction", "juspay3ds"},
	{"MerchantApi", "POST", "/verifications/customers/3ds/deviceDataInitialization", "PreauthFunction", "worldpay"},
	{"MerchantApi", "POST", "/verifications/customers/3ds/authentication", "AuthFunction", "worldpay"},
	{"MerchantApi", "POST", "/verifications/customers/3ds/verification", "PostauthFunction", "worldpay"},
	// Worldpay's hosted pages: each checks our JWT.
	{"MerchantApi", "POST", "/worldpay/ddc", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "POST", "/worldpay/ddc/collect", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "POST", "/worldpay/challenge", "ChallengeCallbackFunction", ""},
	// Cardinal: the request JWT is verified in the handler.
	{"MerchantApi", "POST", "/cardinal/lookup", "AuthFunction", ""},
	{"MerchantApi", "POST", "/cardinal/authenticate", "PostauthFunction", ""},
	// Cardinal's cardinal.js and its browser calls (session token in the body).
	{"MerchantApi", "GET", "/js/cardinal.js", "ChallengeCallbackFunction", ""},
	{"MerchantApi", "POST", "/cardinal/songbird/init", "PreauthFunction", ""},
	{"MerchantApi", "POST", "/cardinal/songbird/bin", "PreauthFunction", ""},
	{"MerchantApi", "POST", "/cardinal/songbird/start", "AuthFunction", ""},
	{"MerchantApi", "POST", "/cardinal/songbird/continue", "AuthFunction", ""},
	{"MerchantApi", "POST", "/cardinal/songbird/result", "PostauthFunction", ""},
}

func TestRoutes(t *testing.T) {
	tpl := parsed(t, scenarios(t)[0])
	apis := tpl.GetAllServerlessApiResources()
	require.ElementsMatch(t, []string{"MerchantApi", "ResultsApi", "SimulatorApi"}, sortedKeys(apis))

	var got []route
	for id, fn := range tpl.GetAllServerlessFunctionResources() {
		for name, ev := range fn.Events {
			if ev.Type != "Api" {
				continue
			}
			require.NotNil(t, ev.Properties, "%s event %s", id, name)
			e := ev.Properties.ApiEvent
			require.NotNil(t, e, "%s event %s: goformation dropped the Api event", id, name)
			require.NotNil(t, e.RestApiId, "%s event %s: no RestApiId (would create an implicit API)", id, name)
			api := strings.TrimPrefix(*e.RestApiId, "Ref:")
			require.Contains(t, apis, api, "%s event %s", id, name)
			require.Nil(t, e.Auth, "%s event %s: no API Gateway authorizer (the function checks the credential)", id, name)
			cred := ""
			if rule, ok := apigw.RuleFor(credentials.Rules(), e.Path, e.Path); ok && api == "MerchantApi" {
				cred = rule.Dialect
			}
			got = append(got, route{api, strings.ToUpper(e.Method), e.Path, id, cred})
		}
	}
	require.ElementsMatch(t, wantRoutes, got)

	// A function's routes live on the API its condition allows.
	require.Equal(t, "IsSandbox", apis["SimulatorApi"].AWSCloudFormationCondition)
	require.Empty(t, apis["MerchantApi"].AWSCloudFormationCondition)
	require.Empty(t, apis["ResultsApi"].AWSCloudFormationCondition)
	require.Nil(t, apis["ResultsApi"].Auth, "the DS authenticates by mutual TLS, not an authorizer")
}

// No API Gateway authorizer: a REQUEST authorizer could not cache (the key
// comes in either of two headers, and a REST API 401s a request missing any
// identity source), so it cost a Lambda invocation per merchant request; the
// flow functions check the credential themselves (apigw.CredentialGuard).
func TestMerchantAPINoAuthorizer(t *testing.T) {
	tpl := parsed(t, scenarios(t)[0])
	api := tpl.GetAllServerlessApiResources()["MerchantApi"]
	require.Nil(t, api.Auth, "no DefaultAuthorizer or Authorizers")
	require.NotContains(t, tpl.GetAllServerlessFunctionResources(), "AuthorizerFunction")

	require.Equal(t, "REGIONAL", *api.EndpointConfiguration.Type)
	require.True(t, *api.TracingEnabled)
	for _, ms := range api.MethodSettings {
		require.NotEqual(t, true, dig(ms, "DataTraceEnabled"), "data trace logs request bodies (PANs)")
	}
}

// API Gateway's own answers are JSON: a rejected key is 401 (Juspay seed),
// an unknown route 404, everything else JSON with API Gateway's status.
func TestGatewayResponses(t *testing.T) {
	raw := rawTemplate(t)
	want := map[string]map[string]int{
		"MerchantApi": {"MISSING_AUTHENTICATION_TOKEN": 404, "REQUEST_TOO_LARGE": 413,
			"THROTTLED": 429, "QUOTA_EXCEEDED": 429, "DEFAULT_4XX": 0, "DEFAULT_5XX": 0},
		"ResultsApi": {"MISSING_AUTHENTICATION_TOKEN": 404, "DEFAULT_4XX": 0, "DEFAULT_5XX": 0},
	}
	for api, types := range want {
		responses, ok := dig(rawResource(t, raw, api), "Properties", "GatewayResponses").(map[string]any)
		require.True(t, ok, "%s has no GatewayResponses", api)
		require.ElementsMatch(t, sortedKeys(types), sortedKeys(responses), api)
		for typ, status := range types {
			t.Run(api+"/"+typ, func(t *testing.T) {
				r := responses[typ]
				if status == 0 {
					require.Nil(t, dig(r, "StatusCode"), "keep API Gateway's own status")
				} else {
					require.Equal(t, status, dig(r, "StatusCode"))
				}
				require.Equal(t, "'application/json'", dig(r, "ResponseParameters", "Headers", "Content-Type"))
				body, ok := dig(r, "ResponseTemplates", "application/json").(string)
				require.True(t, ok, "no application/json template")
				// Substitute what API Gateway substitutes, then it must be JSON.
				body = strings.NewReplacer(`$context.error.messageString`, `"Unauthorized"`, `$context.requestId`, `c0ffee`, `$context.error.responseType`, `UNAUTHORIZED`).Replace(body)
				var v map[string]any
				require.NoError(t, json.Unmarshal([]byte(body), &v), body)
				require.NotEmpty(t, v["error"])
				require.NotEmpty(t, v["message"])
				require.Equal(t, "c0ffee", v["requestId"])
				if status == 401 {
					require.Equal(t, "unauthorized", v["error"])
				}
				// Every answer is also an EMV Erro: clients such as Hyperswitch's
				// threedsecureio connector require errorCode in every 4xx body.
				require.Equal(t, "Erro", v["messageType"], body)
				for _, k := range []string{"errorCode", "errorComponent", "errorDescription", "errorDetail", "messageVersion"} {
					require.NotEmpty(t, v[k], "%s in %s", k, body)
				}
			})
		}
	}
}

func TestResultsAPI(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			tpl := parsed(t, sc)
			api := tpl.GetAllServerlessApiResources()["ResultsApi"]
			require.NotNil(t, api.DisableExecuteApiEndpoint)
			// Production: only the mTLS custom domain reaches the route. The
			// sandbox simulator has no client certificate and uses execute-api.
			require.Equal(t, sc.name == "production", *api.DisableExecuteApiEndpoint)
			require.Equal(t, "REGIONAL", *api.EndpointConfiguration.Type, "mutual TLS needs a regional endpoint")

			domains := tpl.GetAllApiGatewayDomainNameResources()
			require.Len(t, domains, 1)
			d := domains["ResultsDomain"]
			require.NotNil(t, d)
			require.Equal(t, "IsProduction", d.AWSCloudFormationCondition)
			require.Equal(t, sc.params["ResultsDomainName"], *d.DomainName)
			require.Equal(t, sc.params["ResultsCertificateArn"], *d.RegionalCertificateArn)
			require.Equal(t, []string{"REGIONAL"}, d.EndpointConfiguration.Types)
			require.Equal(t, "TLS_1_2", *d.SecurityPolicy)
			require.NotNil(t, d.MutualTlsAuthentication)
			require.Equal(t, sc.params["ResultsTruststoreUri"], *d.MutualTlsAuthentication.TruststoreUri)
			if v := sc.params["ResultsTruststoreVersion"]; v != "" {
				require.Equal(t, v, *d.MutualTlsAuthentication.TruststoreVersion)
			} else {
				require.Nil(t, d.MutualTlsAuthentication.TruststoreVersion)
			}
			if sc.name == "production" {
				require.True(t, strings.HasPrefix(sc.params["ResultsTruststoreUri"], "s3://"), "the truststore is an S3 URI")
			}

			mappings := tpl.GetAllApiGatewayBasePathMappingResources()
			require.Len(t, mappings, 1)
			m := mappings["ResultsBasePathMapping"]
			require.NotNil(t, m)
			require.Equal(t, "IsProduction", m.AWSCloudFormationCondition)
			require.Equal(t, "Ref:ResultsDomain", m.DomainName)
			require.Equal(t, "Ref:ResultsApi", *m.RestApiId)
			require.Equal(t, "Ref:ResultsApi.Stage", *m.Stage)
			require.Nil(t, m.BasePath, "the DS posts to <domain>/ds/results")
		})
	}
}

func TestTable(t *testing.T) {
	tables := parsed(t, scenarios(t)[0]).GetAllDynamoDBTableResources()
	require.Len(t, tables, 2, "the table and (sandbox) the simulator's state table")
	require.Equal(t, "IsSandbox", tables["SimulatorTable"].AWSCloudFormationCondition)
	require.True(t, tables["SimulatorTable"].TimeToLiveSpecification.Enabled, "the simulator's state expires")
	tb := tables["Table"]
	require.NotNil(t, tb)
	require.Equal(t, "PAY_PER_REQUEST", *tb.BillingMode)
	require.NotNil(t, tb.TimeToLiveSpecification)
	require.True(t, tb.TimeToLiveSpecification.Enabled)
	require.Equal(t, "expiresAt", *tb.TimeToLiveSpecification.AttributeName)
	require.NotNil(t, tb.StreamSpecification)
	require.Equal(t, "NEW_AND_OLD_IMAGES", tb.StreamSpecification.StreamViewType)
	require.True(t, *tb.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled)
	require.True(t, tb.SSESpecification.SSEEnabled)
	require.Equal(t, "KMS", *tb.SSESpecification.SSEType)
	require.Nil(t, tb.TableName, "a fixed name would stop two stacks in one account")
}

func TestWebhookStream(t *testing.T) {
	tpl := parsed(t, scenarios(t)[0])
	fn := tpl.GetAllServerlessFunctionResources()["WebhookFunction"]
	var streams []string
	for name, ev := range fn.Events {
		if ev.Type == "DynamoDB" {
			streams = append(streams, name)
		}
	}
	require.Equal(t, []string{"Stream"}, streams)
	ev := fn.Events["Stream"].Properties.DynamoDBEvent
	require.NotNil(t, ev, "goformation dropped the DynamoDB event: a property outside its SAM spec is left in")
	require.Equal(t, "GetAtt:Table.StreamArn", ev.Stream)
	require.Equal(t, "TRIM_HORIZON", ev.StartingPosition, "no record written before the first poll may be skipped")
	require.NotNil(t, ev.BatchSize)
	require.True(t, *ev.BatchSize >= 1 && *ev.BatchSize <= 100, "batch size %d", *ev.BatchSize)
	require.True(t, *ev.BisectBatchOnFunctionError)
	require.NotNil(t, ev.MaximumRetryAttempts, "the default (-1) retries a poison record for the stream's whole 24 h")
	require.True(t, *ev.MaximumRetryAttempts >= 0 && *ev.MaximumRetryAttempts <= 10, "bounded retries, got %d", *ev.MaximumRetryAttempts)
	require.NotNil(t, ev.DestinationConfig)
	require.Equal(t, "GetAtt:WebhookDeadLetterQueue.Arn", ev.DestinationConfig.OnFailure.Destination)
	require.Equal(t, "SQS", *ev.DestinationConfig.OnFailure.Type, "Type makes SAM grant sqs:SendMessage")

	// goformation cannot read FunctionResponseTypes: raw.
	raw := rawTemplate(t)
	require.Equal(t, []any{"ReportBatchItemFailures"},
		dig(rawResource(t, raw, "WebhookFunction"), "Properties", "Events", "Stream", "Properties", "FunctionResponseTypes"))

	// goformation drops FilterCriteria (and with it the whole event): raw.
	// Only transaction items that are final invoke the webhook function.
	filters, ok := dig(rawResource(t, raw, "WebhookFunction"), "Properties", "Events", "Stream", "Properties", "FilterCriteria", "Filters").([]any)
	require.True(t, ok, "the stream mapping has FilterCriteria")
	require.Len(t, filters, 1)
	pattern, ok := dig(filters[0], "Pattern").(string)
	require.True(t, ok, "Pattern is a JSON string")
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(pattern), &p))
	var notFinal []any // from the domain's list, so that a new state is not forgotten (its webhook lost)
	for _, st := range threeds.States {
		if st != threeds.StateFinal {
			notFinal = append(notFinal, string(st))
		}
	}
	require.Equal(t, map[string]any{ // DynamoDB mappings filter on the dynamodb key only
		"dynamodb": map[string]any{"NewImage": map[string]any{
			"type":  map[string]any{"S": []any{"transaction"}},
			"state": map[string]any{"S": []any{"final"}},
		}, "OldImage": map[string]any{ // every state but final: a change within final invokes nothing
			"state": map[string]any{"S": notFinal},
		}},
	}, p)

	queues := tpl.GetAllSQSQueueResources()
	require.Contains(t, queues, "WebhookDeadLetterQueue")
	q := queues["WebhookDeadLetterQueue"]
	require.Equal(t, 1209600, *q.MessageRetentionPeriod)
	require.True(t, *q.SqsManagedSseEnabled)
}

func TestScheduledCardRanges(t *testing.T) {
	fn := parsed(t, scenarios(t)[0]).GetAllServerlessFunctionResources()["CardRangesFunction"]
	require.Len(t, fn.Events, 1)
	for name, ev := range fn.Events {
		require.Equal(t, "Schedule", ev.Type, name)
		require.NotNil(t, ev.Properties.ScheduleEvent, "goformation dropped the Schedule event")
		require.True(t, strings.HasPrefix(ev.Properties.ScheduleEvent.Schedule, "rate(") || strings.HasPrefix(ev.Properties.ScheduleEvent.Schedule, "cron("))
	}
}

// The environment of every function is exactly what shared/config reads:
// no unknown name, nothing local-only, every required variable; and with
// CloudFormation's values substituted, config.FromLookup accepts it.
func TestEnvironmentMatchesConfig(t *testing.T) {
	for _, sc := range scenarios(t) {
		tpl := parsed(t, sc)
		for id, fn := range tpl.GetAllServerlessFunctionResources() {
			t.Run(sc.name+"/"+id, func(t *testing.T) {
				env := map[string]string{}
				if fn.Environment != nil {
					env = fn.Environment.Variables
				}
				cfn, ok := configFunctions[id]
				if !ok {
					// cmd/dssim reads its own DSSIM_* variables.
					require.Equal(t, map[string]string{"DSSIM_TABLE": "Ref:SimulatorTable", "DSSIM_RREQ_SECRET_ARN": "Ref:SandboxRReqSecret"}, env, id)
					return
				}
				known := map[string]config.Variable{}
				for _, v := range config.Variables(cfn) {
					known[v.Name] = v
				}
				for name := range env {
					v, ok := known[name]
					require.True(t, ok, "%s gets %s, which config.Variables(%s) does not list", id, name, cfn)
					require.False(t, v.Local, "%s gets %s, a local-only variable", id, name)
				}
				for _, v := range known {
					if v.Required {
						require.Contains(t, env, v.Name, "%s lacks required %s", id, v.Name)
					}
				}

				resolved := map[string]string{}
				for name, v := range env {
					resolved[name] = resolve(t, sc, v)
				}
				c, err := config.FromLookup(func(name string) (string, bool) {
					v, ok := resolved[name]
					return v, ok
				}, cfn)
				require.NoError(t, err, "%s would not start with the template's environment", id)

				if cfn == config.Auth || cfn == config.CardRanges {
					checkDirectory(t, sc, c)
				}
			})
		}
	}
}

// checkDirectory: sandbox → the simulator is the DS and posts RReqs to the
// execute-api results URL; production → the schemes' DS with the client
// certificate, RReqs to the mTLS custom domain.
func checkDirectory(t *testing.T, sc scenario, c config.Config) {
	t.Helper()
	resultsPath := "/" + sc.params["StageName"] + "/ds/results"
	if sc.name == "sandbox" {
		require.Equal(t, fakeResource["SimulatorApi"]+".execute-api.eu-west-1.amazonaws.com", c.DS.URL.Host)
		require.Equal(t, "/"+sc.params["StageName"]+"/ds", c.DS.URL.Path, "the simulator's DS endpoint is POST /ds")
		require.False(t, c.DS.Cert.MutualTLS(), "the sandbox simulator needs no client certificate")
		require.Equal(t, fakeResource["ResultsApi"]+".execute-api.eu-west-1.amazonaws.com", c.DS.ResultsURL.Host)
		require.Equal(t, resultsPath, c.DS.ResultsURL.Path)
		return
	}
	require.Equal(t, sc.params["DsUrl"], c.DS.URL.String())
	require.Equal(t, config.CertSource{SecretARN: sc.params["DsCertificateSecretArn"]}, c.DS.Cert)
	require.Equal(t, (&url.URL{Scheme: "https", Host: sc.params["ResultsDomainName"], Path: "/ds/results"}).String(), c.DS.ResultsURL.String())
}

// Env values are literals (durations, sizes) or references: a secret can
// only be named by ARN, never inlined.
func TestEnvironmentHoldsNoSecrets(t *testing.T) {
	raw := rawTemplate(t)
	for id := range functionDirs {
		vars, _ := dig(rawResource(t, raw, id), "Properties", "Environment", "Variables").(map[string]any)
		for name, v := range vars {
			if strings.HasSuffix(name, "_ARN") {
				_, isLiteral := v.(string)
				require.False(t, isLiteral, "%s %s must reference a parameter, not hold a literal", id, name)
			}
			if s, ok := v.(string); ok {
				require.Regexp(t, `^[0-9]+(ms|s|m|h)?$`, s, "%s %s: literal values are durations or sizes only", id, name)
			}
		}
	}
}

// Least privilege, for real: each function's grants, read as the local
// stack's IAM checker reads them (lambdalocal.ReadPolicies: statements, SAM
// policy templates, own roles), are exactly what its code does — the e2e
// suites run every call through that checker, so a missing grant fails them
// and an extra one fails here.
func TestIAMLeastPrivilege(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot(t), "template.yaml"))
	require.NoError(t, err)
	const table = "open3ds-Table-1A2B3C4D5E6F"
	flow := []string{"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
	want := map[string][]string{ // function → DynamoDB actions on the table
		"PreauthFunction":           flow,
		"AuthFunction":              flow,
		"PostauthFunction":          {"dynamodb:GetItem", "dynamodb:PutItem"}, // PutItem: the Cardinal request JWT's jti
		"ChallengeCallbackFunction": {"dynamodb:GetItem", "dynamodb:PutItem"},
		"WebhookFunction":           {"dynamodb:GetItem", "dynamodb:PutItem"},
		"CardRangesFunction":        {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"},
		"SimulatorFunction":         {},
	}
	allDDB := []string{"GetItem", "Query", "Scan", "BatchGetItem", "BatchWriteItem", "PutItem", "UpdateItem", "DeleteItem", "ConditionCheckItem", "DescribeTable"}
	for _, sc := range scenarios(t) {
		aws := lambdalocal.LocalAWS{Region: "eu-west-1", Params: sc.params, Names: map[string]string{"Table": table, "SimulatorTable": "sim", "SandboxRReqSecret": "rreq"}}
		pols, err := lambdalocal.ReadPolicies(b, aws)
		require.NoError(t, err, sc.name)
		tableARN := aws.TableARN(table)
		master, dsCert, rreq := sc.params["MasterKeySecretArn"], sc.params["DsCertificateSecretArn"], aws.SecretARN("rreq")
		for id, actions := range want {
			t.Run(sc.name+"/"+id, func(t *testing.T) {
				p, ok := pols[id]
				if id == "SimulatorFunction" && sc.name == "production" {
					require.False(t, ok, "no simulator in production")
					return
				}
				require.True(t, ok)
				var got []string
				for _, a := range allDDB {
					if p.Allowed("dynamodb:"+a, tableARN) {
						got = append(got, "dynamodb:"+a)
					}
					require.False(t, p.Allowed("dynamodb:"+a, tableARN+"/index/gsi1"), "%s: no function queries the index (admin only)", id)
				}
				require.ElementsMatch(t, actions, got, "%s DynamoDB actions on the table", id)
				require.False(t, p.Allowed("dynamodb:Scan", tableARN))
				require.Equal(t, config.NeedsMasterKey(configFunctions[id]), p.Allowed("secretsmanager:GetSecretValue", master), "%s and the master key", id)
				wantsDSCert := sc.name == "production" && (id == "AuthFunction" || id == "CardRangesFunction")
				if dsCert != "" {
					require.Equal(t, wantsDSCert, p.Allowed("secretsmanager:GetSecretValue", dsCert), "%s and the DS certificate", id)
				}
				wantsRReq := sc.name == "sandbox" && (id == "ChallengeCallbackFunction" || id == "SimulatorFunction")
				require.Equal(t, wantsRReq, p.Allowed("secretsmanager:GetSecretValue", rreq), "%s and the sandbox RReq key", id)
				require.Equal(t, id == "SimulatorFunction", p.Allowed("dynamodb:PutItem", aws.TableARN("sim")), "%s and the simulator's table", id)
				for _, st := range p.Statements {
					for _, a := range st.Actions {
						require.NotContains(t, a, "*", "%s: wildcard action %s", id, a)
					}
					for _, r := range st.Resources {
						if r == "*" {
							require.Equal(t, []string{"dynamodb:ListStreams"}, st.Actions, "%s: only ListStreams (no resource-level permissions) on *", id)
						}
					}
				}
				// The webhook reads this table's stream only, not every stream.
				require.Equal(t, id == "WebhookFunction", p.Allowed("dynamodb:GetRecords", tableARN+"/stream/local"), "%s and the table stream", id)
				require.False(t, p.Allowed("dynamodb:GetRecords", aws.TableARN("another")+"/stream/x"), "%s reads another table's stream", id)
			})
		}
	}
	// goformation: explicit statements everywhere but the webhook (own role).
	for id := range functionDirs {
		rawPolicies, ok := dig(rawResource(t, rawTemplate(t), id), "Properties", "Policies").([]any)
		if id == "WebhookFunction" {
			require.False(t, ok, "a function with its own Role has no Policies")
			continue
		}
		require.True(t, ok, "%s: Policies must be a list of policy documents", id)
		for _, p := range rawPolicies {
			doc, ok := p.(map[string]any)
			require.True(t, ok, "%s: no managed policy names", id)
			require.Equal(t, []string{"Statement"}, sortedKeys(doc), "%s: explicit statements, not broad SAM policy templates", id)
		}
	}
}

func strList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// Every function logs to a group with a retention, and is alarmed.
func TestLogGroupsAndAlarms(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			tpl := parsed(t, sc)
			groups := map[string]string{} // function → condition
			for gid, g := range tpl.GetAllLogsLogGroupResources() {
				require.NotNil(t, g.LogGroupName, gid)
				fn, ok := strings.CutPrefix(*g.LogGroupName, "Sub:/aws/lambda/${")
				require.True(t, ok, "%s: name is not /aws/lambda/${Function}", gid)
				fn = strings.TrimSuffix(fn, "}")
				require.NotNil(t, g.RetentionInDays, gid)
				require.Equal(t, sc.params["LogRetentionDays"], fmt.Sprint(*g.RetentionInDays))
				groups[fn] = g.AWSCloudFormationCondition
			}
			fns := tpl.GetAllServerlessFunctionResources()
			for id, fn := range fns {
				require.Contains(t, groups, id, "%s has no log group with retention", id)
				require.Equal(t, fn.AWSCloudFormationCondition, groups[id], "%s log group condition", id)
			}

			errorAlarms := map[string]bool{}
			dlq := false
			for aid, a := range tpl.GetAllCloudWatchAlarmResources() {
				if topic := sc.params["AlarmTopicArn"]; topic != "" {
					require.Equal(t, []string{topic}, a.AlarmActions, aid)
				} else {
					require.Empty(t, a.AlarmActions, aid)
				}
				require.Equal(t, "notBreaching", *a.TreatMissingData, aid)
				if *a.Namespace == "AWS/Lambda" && *a.MetricName == "Errors" {
					require.Len(t, a.Dimensions, 1)
					require.Equal(t, "FunctionName", a.Dimensions[0].Name)
					errorAlarms[strings.TrimPrefix(a.Dimensions[0].Value, "Ref:")] = true
				}
				if *a.Namespace == "AWS/SQS" && *a.MetricName == "ApproximateNumberOfMessagesVisible" {
					require.Equal(t, "GetAtt:WebhookDeadLetterQueue.QueueName", a.Dimensions[0].Value)
					require.LessOrEqual(t, *a.Threshold, 1.0, "alarm on the first dead letter")
					dlq = true
				}
			}
			for id := range configFunctions {
				require.True(t, errorAlarms[id], "%s has no Errors alarm", id)
			}
			require.True(t, dlq, "no alarm on the webhook dead-letter depth")
		})
	}
}

func TestOutputs(t *testing.T) {
	for _, sc := range scenarios(t) {
		t.Run(sc.name, func(t *testing.T) {
			out := parsed(t, sc).Outputs
			apiURL, _ := out["ApiUrl"].Value.(string)
			require.Equal(t, "https://"+fakeResource["MerchantApi"]+".execute-api.eu-west-1.amazonaws.com/"+sc.params["StageName"], resolve(t, sc, apiURL))
			resultsURL, _ := out["ResultsUrl"].Value.(string)
			if sc.name == "production" {
				require.Equal(t, "https://"+sc.params["ResultsDomainName"]+"/ds/results", resolve(t, sc, resultsURL))
			} else {
				require.Equal(t, "https://"+fakeResource["ResultsApi"]+".execute-api.eu-west-1.amazonaws.com/"+sc.params["StageName"]+"/ds/results", resolve(t, sc, resultsURL))
			}
			require.Equal(t, "IsSandbox", *out["SimulatorUrl"].Condition)
			require.Equal(t, "IsProduction", *out["ResultsDomainTarget"].Condition)
			require.Equal(t, "GetAtt:ResultsDomain.RegionalDomainName", out["ResultsDomainTarget"].Value)
		})
	}
}

// The conditions are what Mode says, and a production stack cannot be
// created without its Directory Server settings.
func TestModesAndRules(t *testing.T) {
	raw := rawTemplate(t)
	require.Equal(t, []any{"sandbox", "production"}, dig(raw, "Parameters", "Mode", "AllowedValues"))
	require.Equal(t, "sandbox", dig(raw, "Parameters", "Mode", "Default"))
	for _, sc := range scenarios(t) {
		sandbox, err := evalCondition(raw, sc, "IsSandbox")
		require.NoError(t, err)
		production, err := evalCondition(raw, sc, "IsProduction")
		require.NoError(t, err)
		require.Equal(t, sc.name == "sandbox", sandbox)
		require.Equal(t, sc.name == "production", production)
	}

	rule := dig(raw, "Rules", "ProductionNeedsDirectoryServers")
	require.NotNil(t, rule)
	assertions, ok := dig(rule, "Assertions").([]any)
	require.True(t, ok)
	holds := func(sc scenario) []string { // the failing assertions
		var failing []string
		for _, a := range assertions {
			v, err := evalExpr(raw, sc, dig(a, "Assert"))
			require.NoError(t, err)
			if v != true {
				failing = append(failing, dig(a, "AssertDescription").(string))
			}
		}
		return failing
	}
	prod := scenarios(t)[1]
	applies, err := evalExpr(raw, prod, dig(rule, "RuleCondition"))
	require.NoError(t, err)
	require.Equal(t, true, applies)
	require.Empty(t, holds(prod), "the production profile of samconfig.toml satisfies the rules")

	for _, p := range []string{"DsUrl", "DsCertificateSecretArn", "ResultsDomainName", "ResultsCertificateArn", "ResultsTruststoreUri"} {
		broken := scenario{name: "production", params: map[string]string{}}
		for k, v := range prod.params {
			broken.params[k] = v
		}
		broken.params[p] = ""
		require.Len(t, holds(broken), 1, "production without %s must be refused", p)
	}

	sandbox := scenarios(t)[0]
	applies, err = evalExpr(raw, sandbox, dig(rule, "RuleCondition"))
	require.NoError(t, err)
	require.Equal(t, false, applies, "the sandbox needs no DS settings")
}

// Every reference names something that exists, and a resource that exists
// only in one mode is referenced only where that mode holds.
func TestReferencesResolve(t *testing.T) {
	raw := rawTemplate(t)
	resources := dig(raw, "Resources").(map[string]any)
	params := dig(raw, "Parameters").(map[string]any)
	conditions := dig(raw, "Conditions").(map[string]any)
	exclusive := map[string]string{"IsSandbox": "IsProduction", "IsProduction": "IsSandbox"}

	// ctx: the conditions known to hold (true) or not (false) at this point.
	var walk func(where string, v any, ctx map[string]bool)
	target := func(where, id string, ctx map[string]bool) {
		if _, ok := params[id]; ok {
			return
		}
		if _, ok := pseudo[id]; ok || id == "AWS::NoValue" {
			return
		}
		base, _, _ := strings.Cut(id, ".") // SAM's generated Api.Stage
		r, ok := resources[base]
		require.True(t, ok, "%s references unknown %q", where, id)
		if cond, _ := dig(r, "Condition").(string); cond != "" {
			okCtx := ctx[cond] || ctx[exclusive[cond]] == false && hasKey(ctx, exclusive[cond])
			require.True(t, okCtx, "%s references %s (Condition %s) where that condition may not hold", where, id, cond)
		}
	}
	walk = func(where string, v any, ctx map[string]bool) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 1 {
				for k, arg := range x {
					switch k {
					case "Ref":
						target(where, arg.(string), ctx)
						return
					case "Fn::GetAtt":
						target(where, strList(arg)[0], ctx)
						return
					case "Fn::Sub":
						s, ok := arg.(string)
						require.True(t, ok, "%s: use the string form of !Sub", where)
						for _, m := range subVarRE.FindAllStringSubmatch(s, -1) {
							target(where, m[1], ctx)
						}
						return
					case "Fn::If":
						l := arg.([]any)
						name := l[0].(string)
						require.Contains(t, conditions, name, "%s: unknown condition", where)
						yes, no := clone(ctx), clone(ctx)
						yes[name], no[name] = true, false
						walk(where, l[1], yes)
						walk(where, l[2], no)
						return
					}
				}
			}
			for k, e := range x {
				walk(where+"."+k, e, ctx)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", where, i), e, ctx)
			}
		}
	}
	for id, r := range resources {
		ctx := map[string]bool{}
		if cond, _ := dig(r, "Condition").(string); cond != "" {
			require.Contains(t, conditions, cond, "%s: unknown condition", id)
			ctx[cond] = true
		}
		walk(id, dig(r, "Properties"), ctx)
	}
	for id, o := range dig(raw, "Outputs").(map[string]any) {
		ctx := map[string]bool{}
		if cond, _ := dig(o, "Condition").(string); cond != "" {
			ctx[cond] = true
		}
		walk("Outputs."+id, dig(o, "Value"), ctx)
	}
}

func hasKey(m map[string]bool, k string) bool { _, ok := m[k]; return ok }

func clone(m map[string]bool) map[string]bool {
	c := make(map[string]bool, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// The functions never reference the URL of the API that invokes them: that
// is a circular dependency CloudFormation rejects.
func TestNoCircularAPIReference(t *testing.T) {
	tpl := parsed(t, scenarios(t)[0])
	for id, fn := range tpl.GetAllServerlessFunctionResources() {
		apis := map[string]bool{}
		for _, ev := range fn.Events {
			if ev.Properties != nil && ev.Properties.ApiEvent != nil && ev.Properties.ApiEvent.RestApiId != nil {
				apis[strings.TrimPrefix(*ev.Properties.ApiEvent.RestApiId, "Ref:")] = true
			}
		}
		if fn.Environment == nil {
			continue
		}
		for name, v := range fn.Environment.Variables {
			for api := range apis {
				require.NotContains(t, v, "${"+api+"}", "%s %s references %s, which invokes %s", id, name, api, id)
				require.NotEqual(t, "Ref:"+api, v, "%s %s references %s", id, name, api)
			}
		}
	}
	_ = serverless.Function{}
}

func TestSamconfigProfiles(t *testing.T) {
	raw := rawTemplate(t)
	params := dig(raw, "Parameters").(map[string]any)
	sc := samconfig(t)
	require.Equal(t, 0.1, dig(sc, "version"))
	for _, profile := range []string{"default", "production"} {
		t.Run(profile, func(t *testing.T) {
			deploy := dig(sc, profile, "deploy", "parameters")
			require.Equal(t, "CAPABILITY_IAM", dig(deploy, "capabilities"))
			require.Equal(t, true, dig(deploy, "resolve_s3"))
			require.NotEmpty(t, dig(sc, profile, "global", "parameters", "stack_name"))
			require.Equal(t, true, dig(sc, profile, "build", "parameters", "build_in_source"), "build in the tree: no copy of node_modules")
			for k := range parameterOverrides(t, sc, profile) {
				require.Contains(t, params, k, "%s overrides unknown parameter %s", profile, k)
			}
		})
	}
	require.NotEqual(t, dig(sc, "default", "global", "parameters", "stack_name"), dig(sc, "production", "global", "parameters", "stack_name"),
		"the sandbox and production stacks must not overwrite each other")
	// sam deploy --guided asks for the master key; saved, it lands here as
	// the user's own ARN, never an example.
	if arn, ok := parameterOverrides(t, sc, "default")["MasterKeySecretArn"]; ok {
		require.Regexp(t, dig(params, "MasterKeySecretArn", "AllowedPattern"), arn)
		require.NotContains(t, arn, "EXAMPLE")
	}
	require.Equal(t, "eu-west-1", dig(sc, "production", "deploy", "parameters", "region"), "the production profile names its region")
}

// The file as SAM CLI rewrites it after sam deploy --guided (quoted values,
// every parameter, empty ones as ""): the tests read it the same.
func TestSamconfigAsSAMRewritesIt(t *testing.T) {
	var sc map[string]any
	_, err := toml.DecodeFile("testdata/samconfig-guided.toml", &sc)
	require.NoError(t, err)
	got := parameterOverrides(t, sc, "default")
	require.Equal(t, "sandbox", got["Mode"])
	require.Equal(t, "v1", got["StageName"])
	require.Equal(t, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:open3ds/master-AbCdEf", got["MasterKeySecretArn"])
	require.Contains(t, got, "ThreeDSServerOperatorId")
	require.Equal(t, "", got["ThreeDSServerOperatorId"])
	require.Equal(t, "14", got["LogRetentionDays"])
	params := dig(rawTemplate(t), "Parameters").(map[string]any)
	for k := range got {
		require.Contains(t, params, k)
	}
	_, err = parseOverrides("Mode=sandbox StageName=")
	require.Error(t, err, "an empty unquoted value is what SAM CLI rejects")
	_, err = parseOverrides(`Mode="unterminated`)
	require.Error(t, err)
	list, err := parseOverrides([]any{"Mode=production", `DsUrl=https://ds.example.net/3ds`})
	require.NoError(t, err)
	require.Equal(t, map[string]string{"Mode": "production", "DsUrl": "https://ds.example.net/3ds"}, list)
}

// Findings 5, 7, 8 and 3 of issue 16, read from the raw template.
func TestDeploySafety(t *testing.T) {
	raw := rawTemplate(t)
	require.Equal(t, "3.0.1", dig(raw, "Globals", "Api", "OpenApiVersion"), "without it SAM adds a stage named Stage")

	tbl := rawResource(t, raw, "Table")
	require.Equal(t, "Retain", tbl["DeletionPolicy"])
	require.Equal(t, "Retain", tbl["UpdateReplacePolicy"])
	for _, sc := range scenarios(t) {
		tb := parsed(t, sc).GetAllDynamoDBTableResources()["Table"]
		require.NotNil(t, tb.DeletionProtectionEnabled)
		require.Equal(t, sc.name == "production", *tb.DeletionProtectionEnabled, "deletion protection in production")
	}

	params := dig(raw, "Parameters").(map[string]any)
	pattern, _ := dig(params, "DsCertificateSecretArn", "AllowedPattern").(string)
	require.NotEmpty(t, pattern)
	re := regexp.MustCompile(pattern)
	for v, ok := range map[string]bool{
		"": true, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:open3ds/ds-client-AbCdEf": true,
		"open3ds/ds-client": false, "arn:aws:s3:::bucket/key": false,
	} {
		require.Equal(t, ok, re.MatchString(v), "DsCertificateSecretArn %q", v)
	}

	// mTLS: the ownership certificate only when given; the truststore's S3
	// version required in production.
	for _, sc := range scenarios(t) {
		if sc.name != "production" {
			continue
		}
		d := parsed(t, sc).GetAllApiGatewayDomainNameResources()["ResultsDomain"]
		require.Nil(t, d.OwnershipVerificationCertificateArn, "empty parameter: no ownership certificate")
		with := scenario{name: sc.name, params: map[string]string{}}
		for k, v := range sc.params {
			with.params[k] = v
		}
		with.params["ResultsOwnershipCertificateArn"] = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-1111-1111-1111-111111111111"
		d = parsed(t, with).GetAllApiGatewayDomainNameResources()["ResultsDomain"]
		require.Equal(t, with.params["ResultsOwnershipCertificateArn"], *d.OwnershipVerificationCertificateArn)
	}

	// The deploy-time card-range load.
	cr := rawResource(t, raw, "CardRangesInitialLoad")
	require.Equal(t, "Custom::CardRangesLoad", cr["Type"])
	require.Equal(t, map[string]any{"Fn::GetAtt": []any{"CardRangesFunction", "Arn"}}, dig(cr, "Properties", "ServiceToken"))
	require.Equal(t, map[string]any{"Ref": "CardRangesFunction"}, dig(raw, "Outputs", "CardRangesFunctionName", "Value"))
	require.Equal(t, "IsProduction", dig(raw, "Outputs", "ResultsDomainHostedZoneId", "Condition"), "a Route 53 alias needs the hosted zone")
}

// Issue 14 item 10: in production /ds/results is reachable only through the
// mutual-TLS custom domain whose truststore holds the DS CAs: the route is on
// ResultsApi alone, ResultsApi has no other route, its execute-api endpoint is
// off, and its one base path mapping is the mTLS domain.
func TestResultsRouteOnlyThroughMutualTLS(t *testing.T) {
	var prod scenario
	for _, sc := range scenarios(t) {
		if sc.name == "production" {
			prod = sc
		}
	}
	tpl := parsed(t, prod)
	var onResults []string
	for id, fn := range tpl.GetAllServerlessFunctionResources() {
		for name, ev := range fn.Events {
			if ev.Type != "Api" {
				continue
			}
			a := ev.Properties.ApiEvent
			if a.Path == "/ds/results" {
				require.Equal(t, "Ref:ResultsApi", *a.RestApiId, "%s %s", id, name)
			}
			if a.RestApiId != nil && *a.RestApiId == "Ref:ResultsApi" {
				onResults = append(onResults, a.Method+" "+a.Path)
			}
		}
	}
	require.Equal(t, []string{"POST /ds/results"}, onResults, "the results API serves the RReq route only")
	api := tpl.GetAllServerlessApiResources()["ResultsApi"]
	require.True(t, *api.DisableExecuteApiEndpoint, "no way around the custom domain")
	mappings := tpl.GetAllApiGatewayBasePathMappingResources()
	require.Len(t, mappings, 1)
	for _, m := range mappings {
		require.Equal(t, "Ref:ResultsDomain", m.DomainName)
	}
	d := tpl.GetAllApiGatewayDomainNameResources()["ResultsDomain"]
	require.Equal(t, prod.params["ResultsTruststoreUri"], *d.MutualTlsAuthentication.TruststoreUri)
	require.Equal(t, prod.params["ResultsTruststoreVersion"], *d.MutualTlsAuthentication.TruststoreVersion)
	require.Equal(t, "TLS_1_2", *d.SecurityPolicy)
}
