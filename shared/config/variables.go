package config

import (
	"fmt"
	"slices"
)

// Function names a Lambda function by its folder under functions/.
type Function string

// The functions of template.yaml.
const (
	Preauth           Function = "preauth"
	Auth              Function = "auth"
	Postauth          Function = "postauth"
	ChallengeCallback Function = "challenge-callback"
	Webhook           Function = "webhook"
	CardRanges        Function = "cardranges"
)

// Functions lists every function in a stable order.
func Functions() []Function {
	return []Function{Preauth, Auth, Postauth, ChallengeCallback, Webhook, CardRanges}
}

// Environment variable names.
const (
	EnvTableName        = "TABLE_NAME"
	EnvSecretsARN       = "SECRETS_ARN"
	EnvSecretsFile      = "SECRETS_FILE"
	EnvDynamoDBEndpoint = "DYNAMODB_ENDPOINT"
	EnvSchemesEnabled   = "SCHEMES_ENABLED"
	EnvVersionsEnabled  = "VERSIONS_ENABLED"
	EnvAPIKeyCacheTTL   = "API_KEY_CACHE_TTL"

	EnvPublicBaseURL        = "PUBLIC_BASE_URL"
	EnvSessionTTL           = "SESSION_TTL"
	EnvRetentionPreauth     = "RETENTION_PREAUTH"
	EnvRetentionResult      = "RETENTION_RESULT"
	EnvRetentionIdempotency = "RETENTION_IDEMPOTENCY"

	EnvDSURL                   = "DS_URL"
	EnvDSURLVisa               = "DS_URL_VISA"
	EnvDSURLMastercard         = "DS_URL_MASTERCARD"
	EnvDSURLAmex               = "DS_URL_AMEX"
	EnvDSCertSecretARN         = "DS_CERT_SECRET_ARN"
	EnvDSCertFile              = "DS_CERT_FILE"
	EnvDSKeyFile               = "DS_KEY_FILE"
	EnvDSCAFile                = "DS_CA_FILE"
	EnvDSConnectTimeout        = "DS_CONNECT_TIMEOUT"
	EnvDSTimeout               = "DS_TIMEOUT"
	EnvDSMaxResponseBytes      = "DS_MAX_RESPONSE_BYTES"
	EnvThreeDSServerRefNumber  = "THREEDS_SERVER_REF_NUMBER"
	EnvThreeDSServerOperatorID = "THREEDS_SERVER_OPERATOR_ID"
	EnvResultsURL              = "RESULTS_URL"

	EnvRReqSigningSecretARN = "RREQ_SIGNING_SECRET_ARN"
	EnvSandboxTestCards     = "SANDBOX_TEST_CARDS"

	EnvWebhookTimeout  = "WEBHOOK_TIMEOUT"
	EnvWebhookAttempts = "WEBHOOK_ATTEMPTS"
	EnvWebhookDLQURL   = "WEBHOOK_DLQ_URL"
)

// Variable describes one environment variable a function reads.
type Variable struct {
	Name string
	// Required variables make FromEnv fail when absent or empty.
	// SECRETS_ARN counts as required although SECRETS_FILE may stand in for
	// it locally: exactly one of the two must be set.
	Required bool
	// Default is the value used when the variable is absent or empty.
	Default string
	// Local variables exist for make run and the tests only; the deployed
	// template never sets them.
	Local bool
	// Doc says what the variable means, for the README and docs/deploy.md.
	Doc string
}

var (
	varTableName        = Variable{Name: EnvTableName, Required: true, Doc: "DynamoDB table name"}
	varSecretsARN       = Variable{Name: EnvSecretsARN, Required: true, Doc: `Secrets Manager secret {"masterKey":"<base64 of 32 bytes>"} (PAN hashing, webhook-secret sealing, session JWT key); SECRETS_FILE stands in for it locally`}
	varSecretsFile      = Variable{Name: EnvSecretsFile, Local: true, Doc: "path of a JSON file shaped like the SECRETS_ARN secret"}
	varDynamoDBEndpoint = Variable{Name: EnvDynamoDBEndpoint, Local: true, Doc: "DynamoDB endpoint URL (DynamoDB Local)"}
	varSchemesEnabled   = Variable{Name: EnvSchemesEnabled, Doc: "comma-separated schemes served (visa,mastercard,amex,…); empty means all"}

	varVersionsEnabled = Variable{Name: EnvVersionsEnabled, Default: DefaultVersionsEnabled, Doc: "comma-separated EMV 3DS protocol versions the server negotiates (2.1.0,2.2.0,2.3.1); 2.1.0 is opt-in (the schemes retired it), the sandbox and the local stack enable it for its test card"}

	varAPIKeyCacheTTL = Variable{Name: EnvAPIKeyCacheTTL, Default: "10s", Doc: "how long a flow function (preauth, auth, postauth, challenge-callback) keeps a valid merchant credential in memory (0s: read DynamoDB on every request, at most 5m); a key revoked elsewhere keeps working in a warm execution environment for up to this long"}

	varPublicBaseURL        = Variable{Name: EnvPublicBaseURL, Doc: "merchant API base URL for the /callbacks/method and /callbacks/challenge URLs; empty means the URL the request came in on (domain + stage)"}
	varSessionTTL           = Variable{Name: EnvSessionTTL, Default: "15m", Doc: "lifetime of a browser session token (threeDSSessionData)"}
	varRetentionPreauth     = Variable{Name: EnvRetentionPreauth, Default: "30m", Doc: "how long a transaction without a result is kept"}
	varRetentionResult      = Variable{Name: EnvRetentionResult, Default: "720h", Doc: "how long a result (with its CAVV) is kept"}
	varRetentionIdempotency = Variable{Name: EnvRetentionIdempotency, Default: "24h", Doc: "how long an Idempotency-Key answer is kept"}

	varDSURL                   = Variable{Name: EnvDSURL, Required: true, Doc: "default Directory Server endpoint receiving AReq and PReq"}
	varDSURLVisa               = Variable{Name: EnvDSURLVisa, Doc: "Visa DS endpoint (overrides DS_URL)"}
	varDSURLMastercard         = Variable{Name: EnvDSURLMastercard, Doc: "Mastercard DS endpoint (overrides DS_URL)"}
	varDSURLAmex               = Variable{Name: EnvDSURLAmex, Doc: "American Express DS endpoint (overrides DS_URL)"}
	varDSCertSecretARN         = Variable{Name: EnvDSCertSecretARN, Doc: `Secrets Manager secret {"certificate","privateKey","caCertificate"} (PEM) for mutual TLS with the DS; empty means no client certificate (sandbox)`}
	varDSCertFile              = Variable{Name: EnvDSCertFile, Local: true, Doc: "DS client certificate PEM file"}
	varDSKeyFile               = Variable{Name: EnvDSKeyFile, Local: true, Doc: "DS client private key PEM file"}
	varDSCAFile                = Variable{Name: EnvDSCAFile, Local: true, Doc: "CA certificates (PEM) trusted for the DS's server certificate"}
	varDSConnectTimeout        = Variable{Name: EnvDSConnectTimeout, Default: "5s", Doc: "TCP+TLS connect timeout to the DS"}
	varDSTimeout               = Variable{Name: EnvDSTimeout, Default: "10s", Doc: "whole DS exchange timeout (then Erro 405)"}
	varDSMaxResponseBytes      = Variable{Name: EnvDSMaxResponseBytes, Default: "1048576", Doc: "largest DS response body read"}
	varThreeDSServerRefNumber  = Variable{Name: EnvThreeDSServerRefNumber, Required: true, Doc: "threeDSServerRefNumber assigned by EMVCo (sandbox: any value)"}
	varThreeDSServerOperatorID = Variable{Name: EnvThreeDSServerOperatorID, Doc: "threeDSServerOperatorID assigned by the DS (optional)"}
	varResultsURL              = Variable{Name: EnvResultsURL, Required: true, Doc: "threeDSServerURL put in the AReq: the results API's /ds/results URL"}

	varRReqSigningSecretARN = Variable{Name: EnvRReqSigningSecretARN, Doc: `sandbox only: Secrets Manager secret {"rreqKey": "..."}; when set, /ds/results refuses an RReq without the simulator's HMAC signature header (production relies on mutual TLS instead)`}

	varSandboxTestCards = Variable{Name: EnvSandboxTestCards, Doc: `sandbox only, a comma-separated list: "3dsecureio" lets 3dsecure.io's sandbox test PANs (d00010NN1111dddd, not Luhn-valid) pass /preauth and /auth; "worldpay" and "cardinal" are the simulator's (Worldpay Try's and Cardinal's test cards, Luhn-valid); empty (production) keeps the Luhn rule`}

	varWebhookTimeout  = Variable{Name: EnvWebhookTimeout, Default: "5s", Doc: "timeout of one webhook POST"}
	varWebhookAttempts = Variable{Name: EnvWebhookAttempts, Default: "3", Doc: "webhook tries within one invocation (with backoff) before the record is reported failed"}
	varWebhookDLQURL   = Variable{Name: EnvWebhookDLQURL, Doc: "URL of the stream's on-failure queue (informational, for logs)"}
)

var (
	common = []Variable{varTableName, varSecretsARN, varSecretsFile, varDynamoDBEndpoint, varSchemesEnabled}
	// noMasterKey is common without the master key, for the functions that
	// neither hash PANs, seal or unseal secrets nor sign session tokens.
	noMasterKey = []Variable{varTableName, varDynamoDBEndpoint, varSchemesEnabled}
	browser     = []Variable{varVersionsEnabled, varPublicBaseURL, varSessionTTL, varRetentionPreauth, varRetentionResult, varRetentionIdempotency}
	directory   = []Variable{varDSURL, varDSURLVisa, varDSURLMastercard, varDSURLAmex, varDSCertSecretARN, varDSCertFile, varDSKeyFile, varDSCAFile, varDSConnectTimeout, varDSTimeout, varDSMaxResponseBytes, varThreeDSServerRefNumber, varThreeDSServerOperatorID, varResultsURL}
	webhookVar  = []Variable{varWebhookTimeout, varWebhookAttempts, varWebhookDLQURL}

	// all is every variable the package knows, in documentation order.
	all = slices.Concat(common, browser, directory, []Variable{varRReqSigningSecretARN, varSandboxTestCards}, webhookVar, []Variable{varAPIKeyCacheTTL})

	byFunction = map[Function][]Variable{
		Preauth:           slices.Concat(common, browser, []Variable{varSandboxTestCards, varAPIKeyCacheTTL}),
		Auth:              slices.Concat(common, browser, directory, []Variable{varSandboxTestCards, varAPIKeyCacheTTL}),
		Postauth:          slices.Concat(common, []Variable{varAPIKeyCacheTTL}),
		ChallengeCallback: slices.Concat(common, browser, []Variable{varRReqSigningSecretARN, varAPIKeyCacheTTL}),
		Webhook:           slices.Concat(common, webhookVar),
		CardRanges:        slices.Concat(noMasterKey, directory),
	}
)

// Variables returns the environment variables fn reads, in documentation
// order. It panics on a function that is not one of Functions (a programming
// error, as the set is fixed).
func Variables(fn Function) []Variable {
	vs, ok := byFunction[fn]
	if !ok {
		panic(fmt.Sprintf("config: unknown function %q", fn))
	}
	return slices.Clone(vs)
}

// NeedsMasterKey reports whether fn reads the master-key secret (and so
// needs SECRETS_ARN and secretsmanager:GetSecretValue on it): the functions
// that hash PANs, seal or unseal webhook secrets or the stored CAVV, sign or
// check session tokens, or (the authorizer) key the fingerprint of a
// rejected credential.
func NeedsMasterKey(fn Function) bool {
	return slices.ContainsFunc(byFunction[fn], func(v Variable) bool { return v.Name == EnvSecretsARN })
}

// AllVariables returns every variable the package knows.
func AllVariables() []Variable { return slices.Clone(all) }
