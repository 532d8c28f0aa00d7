package config_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/config"
)

const (
	secretARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:open3ds/master-AbCdEf"
	certARN   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:open3ds/ds-cert-AbCdEf"
)

func lookup(env map[string]string) config.LookupFunc {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// awsAuthEnv is what template.yaml gives the auth function in production.
func awsAuthEnv() map[string]string {
	return map[string]string{
		"TABLE_NAME":                 "open3ds-Table-1ABC",
		"SECRETS_ARN":                secretARN,
		"SCHEMES_ENABLED":            "visa, Mastercard",
		"PUBLIC_BASE_URL":            "https://3ds.example.com/v1/",
		"SESSION_TTL":                "10m",
		"RETENTION_PREAUTH":          "1h",
		"RETENTION_RESULT":           "48h",
		"RETENTION_IDEMPOTENCY":      "12h",
		"DS_URL":                     "https://ds.example.net/3ds",
		"DS_URL_VISA":                "https://visa-ds.example.net/areq",
		"DS_URL_MASTERCARD":          "",
		"DS_CERT_SECRET_ARN":         certARN,
		"DS_CONNECT_TIMEOUT":         "2s",
		"DS_TIMEOUT":                 "8s",
		"DS_MAX_RESPONSE_BYTES":      "65536",
		"THREEDS_SERVER_REF_NUMBER":  "3DS_LOA_SER_OPEN_020200_00001",
		"THREEDS_SERVER_OPERATOR_ID": "OP-1",
		"RESULTS_URL":                "https://results.example.com/ds/results",
	}
}

func TestFromLookupAWS(t *testing.T) {
	c, err := config.FromLookup(lookup(awsAuthEnv()), config.Auth)
	require.NoError(t, err)

	require.Equal(t, "open3ds-Table-1ABC", c.TableName)
	require.Equal(t, config.SecretSource{ARN: secretARN}, c.Secrets)
	require.Nil(t, c.DynamoDBEndpoint)
	require.Equal(t, []string{"visa", "mastercard"}, c.SchemesEnabled)
	require.True(t, c.SchemeEnabled("VISA"))
	require.False(t, c.SchemeEnabled("amex"))
	require.Equal(t, "https://3ds.example.com/v1", c.PublicBaseURL.String(), "trailing slash trimmed")
	require.Equal(t, 10*time.Minute, c.SessionTTL)
	require.Equal(t, config.Retention{Preauth: time.Hour, Result: 48 * time.Hour, Idempotency: 12 * time.Hour}, c.Retention)

	require.Equal(t, "https://ds.example.net/3ds", c.DS.URL.String())
	require.Equal(t, "https://visa-ds.example.net/areq", c.DS.SchemeURLs["visa"].String())
	require.NotContains(t, c.DS.SchemeURLs, "mastercard", "an empty override means DS_URL")
	require.NotContains(t, c.DS.SchemeURLs, "amex")
	require.Equal(t, config.CertSource{SecretARN: certARN}, c.DS.Cert)
	require.True(t, c.DS.Cert.MutualTLS())
	require.Equal(t, 2*time.Second, c.DS.ConnectTimeout)
	require.Equal(t, 8*time.Second, c.DS.Timeout)
	require.Equal(t, int64(65536), c.DS.MaxResponseBytes)
	require.Equal(t, "3DS_LOA_SER_OPEN_020200_00001", c.DS.ThreeDSServerRefNumber)
	require.Equal(t, "OP-1", c.DS.ThreeDSServerOperatorID)
	require.Equal(t, "https://results.example.com/ds/results", c.DS.ResultsURL.String())
}

func TestFromLookupLocalDefaults(t *testing.T) {
	env := map[string]string{
		"TABLE_NAME":                "open3ds",
		"SECRETS_FILE":              "/tmp/secrets.json",
		"DYNAMODB_ENDPOINT":         "http://127.0.0.1:8000",
		"DS_URL":                    "http://127.0.0.1:8443/ds",
		"DS_CA_FILE":                "/tmp/ca.pem",
		"THREEDS_SERVER_REF_NUMBER": "LOCAL",
		"RESULTS_URL":               "http://127.0.0.1:8080/ds/results",
	}
	c, err := config.FromLookup(lookup(env), config.Auth, config.Webhook)
	require.NoError(t, err)

	require.Equal(t, config.SecretSource{File: "/tmp/secrets.json"}, c.Secrets)
	require.Equal(t, "http://127.0.0.1:8000", c.DynamoDBEndpoint.String())
	require.Nil(t, c.SchemesEnabled)
	require.True(t, c.SchemeEnabled("amex"), "no SCHEMES_ENABLED means every scheme")
	require.Nil(t, c.PublicBaseURL)
	require.Equal(t, config.CertSource{CAFile: "/tmp/ca.pem"}, c.DS.Cert)
	require.False(t, c.DS.Cert.MutualTLS())
	require.Empty(t, c.DS.ThreeDSServerOperatorID)

	// Defaults.
	require.Equal(t, 15*time.Minute, c.SessionTTL)
	require.Equal(t, config.Retention{Preauth: 30 * time.Minute, Result: 720 * time.Hour, Idempotency: 24 * time.Hour}, c.Retention)
	require.Equal(t, 5*time.Second, c.DS.ConnectTimeout)
	require.Equal(t, 10*time.Second, c.DS.Timeout)
	require.Equal(t, int64(1<<20), c.DS.MaxResponseBytes)
	require.Equal(t, config.WebhookSettings{Timeout: 5 * time.Second, Attempts: 3}, c.Webhook)
}

// Cardranges never touches the master key: it starts without SECRETS_ARN,
// and the others refuse to.
func TestMasterKeyOnlyWhereUsed(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "open3ds"}
	for _, fn := range []config.Function{config.Preauth, config.Postauth, config.ChallengeCallback, config.Webhook} {
		_, err := config.FromLookup(lookup(env), fn)
		require.ErrorIs(t, err, config.ErrMissing, fn)
		require.Equal(t, []string{"SECRETS_ARN"}, varNames(t, err), fn)
	}
	env = map[string]string{"TABLE_NAME": "open3ds", "DS_URL": "https://ds.example.net", "RESULTS_URL": "https://r.example.com/ds/results", "THREEDS_SERVER_REF_NUMBER": "REF"}
	c, err := config.FromLookup(lookup(env), config.CardRanges)
	require.NoError(t, err)
	require.Equal(t, config.SecretSource{}, c.Secrets)
}

func TestFromLookupFunctionRequirements(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "open3ds", "SECRETS_ARN": secretARN}
	tests := []struct {
		name    string
		fns     []config.Function
		missing []string
	}{
		{name: "no function: table and secret suffice", fns: nil},
		{name: "preauth needs nothing more", fns: []config.Function{config.Preauth}},
		{name: "postauth", fns: []config.Function{config.Postauth}},
		{name: "challenge-callback", fns: []config.Function{config.ChallengeCallback}},
		{name: "webhook", fns: []config.Function{config.Webhook}},
		{name: "auth needs the DS", fns: []config.Function{config.Auth}, missing: []string{"DS_URL", "RESULTS_URL", "THREEDS_SERVER_REF_NUMBER"}},
		{name: "cardranges needs the DS", fns: []config.Function{config.CardRanges}, missing: []string{"DS_URL", "RESULTS_URL", "THREEDS_SERVER_REF_NUMBER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.FromLookup(lookup(base), tt.fns...)
			if tt.missing == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, config.ErrMissing)
			require.ElementsMatch(t, tt.missing, varNames(t, err))
		})
	}
}

func TestFromLookupReportsEveryFailure(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		fns  []config.Function
		want map[string]error // variable → sentinel
	}{
		{
			name: "empty environment",
			env:  map[string]string{},
			fns:  []config.Function{config.Auth},
			want: map[string]error{
				"TABLE_NAME": config.ErrMissing, "SECRETS_ARN": config.ErrMissing, "DS_URL": config.ErrMissing,
				"RESULTS_URL": config.ErrMissing, "THREEDS_SERVER_REF_NUMBER": config.ErrMissing,
			},
		},
		{
			name: "blank values count as missing",
			env:  map[string]string{"TABLE_NAME": "  ", "SECRETS_ARN": ""},
			want: map[string]error{"TABLE_NAME": config.ErrMissing, "SECRETS_ARN": config.ErrMissing},
		},
		{
			name: "every kind of bad value",
			env: map[string]string{
				"TABLE_NAME":                 "no spaces allowed",
				"SECRETS_ARN":                "arn:aws:s3:::bucket-value-7",
				"DYNAMODB_ENDPOINT":          "127.0.0.1:8000",
				"SCHEMES_ENABLED":            "visa,diners-value-7",
				"PUBLIC_BASE_URL":            "ftp://example.com",
				"SESSION_TTL":                "15 minutes",
				"RETENTION_PREAUTH":          "-1m",
				"RETENTION_RESULT":           "0s",
				"RETENTION_IDEMPOTENCY":      "1d",
				"DS_URL":                     "https://user:pw-value-7@ds.example.net",
				"DS_URL_AMEX":                "/relative",
				"DS_CERT_SECRET_ARN":         "not-an-arn-value-7",
				"DS_CONNECT_TIMEOUT":         "x",
				"DS_TIMEOUT":                 "10",
				"DS_MAX_RESPONSE_BYTES":      "1e6",
				"THREEDS_SERVER_REF_NUMBER":  strings.Repeat("R", 33),
				"THREEDS_SERVER_OPERATOR_ID": "op\tid",
				"RESULTS_URL":                "https://results.example.com/x#frag",
				"WEBHOOK_TIMEOUT":            "soon",
				"WEBHOOK_ATTEMPTS":           "11",
				"WEBHOOK_DLQ_URL":            "sqs-value-7",
			},
			fns: []config.Function{config.Auth},
			want: map[string]error{
				"TABLE_NAME": config.ErrInvalid, "SECRETS_ARN": config.ErrInvalid, "DYNAMODB_ENDPOINT": config.ErrInvalid,
				"SCHEMES_ENABLED": config.ErrInvalid, "PUBLIC_BASE_URL": config.ErrInvalid, "SESSION_TTL": config.ErrInvalid,
				"RETENTION_PREAUTH": config.ErrInvalid, "RETENTION_RESULT": config.ErrInvalid,
				"RETENTION_IDEMPOTENCY": config.ErrInvalid, "DS_URL": config.ErrInvalid, "DS_URL_AMEX": config.ErrInvalid,
				"DS_CERT_SECRET_ARN": config.ErrInvalid, "DS_CONNECT_TIMEOUT": config.ErrInvalid, "DS_TIMEOUT": config.ErrInvalid,
				"DS_MAX_RESPONSE_BYTES": config.ErrInvalid, "THREEDS_SERVER_REF_NUMBER": config.ErrInvalid,
				"THREEDS_SERVER_OPERATOR_ID": config.ErrInvalid, "RESULTS_URL": config.ErrInvalid,
				"WEBHOOK_TIMEOUT": config.ErrInvalid, "WEBHOOK_ATTEMPTS": config.ErrInvalid, "WEBHOOK_DLQ_URL": config.ErrInvalid,
			},
		},
		{
			name: "secret from AWS and from a file",
			env:  map[string]string{"TABLE_NAME": "open3ds", "SECRETS_ARN": secretARN, "SECRETS_FILE": "/tmp/s.json"},
			want: map[string]error{"SECRETS_FILE": config.ErrConflict},
		},
		{
			name: "DS certificate from AWS and from files, key without certificate",
			env: map[string]string{
				"TABLE_NAME": "open3ds", "SECRETS_ARN": secretARN,
				"DS_CERT_SECRET_ARN": certARN, "DS_KEY_FILE": "/tmp/key.pem",
			},
			want: map[string]error{"DS_CERT_SECRET_ARN": config.ErrConflict, "DS_KEY_FILE": config.ErrInvalid},
		},
		{
			name: "connect timeout longer than the exchange",
			env:  map[string]string{"TABLE_NAME": "open3ds", "SECRETS_ARN": secretARN, "DS_CONNECT_TIMEOUT": "11s"},
			want: map[string]error{"DS_CONNECT_TIMEOUT": config.ErrInvalid},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.FromLookup(lookup(tt.env), tt.fns...)
			require.Error(t, err)
			require.Equal(t, config.Config{}, c, "no half-built config on error")

			got := map[string]error{}
			for _, e := range unwrapAll(err) {
				var ve *config.VarError
				require.ErrorAs(t, e, &ve)
				require.NotContains(t, got, ve.Name, "one error per variable")
				got[ve.Name] = ve.Err
				require.True(t, strings.HasPrefix(e.Error(), ve.Name+": "), "message starts with the variable: %s", e)
			}
			require.Equal(t, tt.want, got)
			for name, v := range tt.env {
				if strings.Contains(v, "value-7") {
					require.NotContains(t, err.Error(), v, "the value of %s leaked into the error", name)
				}
			}
		})
	}
}

func TestFromLookupUnknownFunction(t *testing.T) {
	_, err := config.FromLookup(lookup(awsAuthEnv()), config.Function("simulator"))
	require.ErrorIs(t, err, config.ErrUnknownFunction)
}

func TestFromEnvReadsTheProcessEnvironment(t *testing.T) {
	for name, v := range awsAuthEnv() {
		t.Setenv(name, v)
	}
	t.Setenv("WEBHOOK_ATTEMPTS", "5")
	c, err := config.FromEnv(config.Auth, config.Webhook)
	require.NoError(t, err)
	require.Equal(t, "open3ds-Table-1ABC", c.TableName)
	require.Equal(t, 5, c.Webhook.Attempts)

	t.Setenv("DS_URL", "")
	_, err = config.FromEnv(config.Auth)
	require.ErrorIs(t, err, config.ErrMissing)
	require.Equal(t, []string{"DS_URL"}, varNames(t, err))
}

func TestVariables(t *testing.T) {
	known := map[string]config.Variable{}
	for _, v := range config.AllVariables() {
		require.NotContains(t, known, v.Name, "duplicate variable")
		require.NotEmpty(t, v.Doc, v.Name)
		require.False(t, v.Required && v.Default != "", "%s: required with a default", v.Name)
		require.False(t, v.Required && v.Local, "%s: required and local-only", v.Name)
		known[v.Name] = v
	}
	for _, fn := range config.Functions() {
		names := map[string]bool{}
		for _, v := range config.Variables(fn) {
			require.Equal(t, known[v.Name], v, "%s: %s differs from the catalogue", fn, v.Name)
			names[v.Name] = true
		}
		for _, must := range []string{"TABLE_NAME", "DYNAMODB_ENDPOINT"} {
			require.True(t, names[must], "%s does not read %s", fn, must)
		}
		// Only the functions that use the master key read (and may read) it.
		usesKey := fn == config.Preauth || fn == config.Auth || fn == config.Postauth || fn == config.ChallengeCallback || fn == config.Webhook
		require.Equal(t, usesKey, config.NeedsMasterKey(fn), "%s and the master key", fn)
		require.Equal(t, usesKey, names["SECRETS_ARN"], "%s and SECRETS_ARN", fn)
		require.Equal(t, usesKey, names["SECRETS_FILE"], "%s and SECRETS_FILE", fn)
		require.Equal(t, fn == config.ChallengeCallback, names["RREQ_SIGNING_SECRET_ARN"], "%s and RREQ_SIGNING_SECRET_ARN", fn)
		require.Equal(t, fn == config.Auth || fn == config.CardRanges, names["DS_URL"], "%s and DS_URL", fn)
		require.Equal(t, fn == config.Webhook, names["WEBHOOK_ATTEMPTS"], "%s and WEBHOOK_ATTEMPTS", fn)
		require.Equal(t, fn == config.Preauth || fn == config.Auth || fn == config.ChallengeCallback, names["SESSION_TTL"], "%s and SESSION_TTL", fn)
		// The functions whose routers check merchant credentials
		// (apigw.CredentialGuard) read the key cache's TTL.
		checksKeys := fn == config.Preauth || fn == config.Auth || fn == config.Postauth || fn == config.ChallengeCallback
		require.Equal(t, checksKeys, names["API_KEY_CACHE_TTL"], "%s and API_KEY_CACHE_TTL", fn)
	}

	// Variables hands out copies.
	vs := config.Variables(config.Auth)
	vs[0].Name = "CHANGED"
	require.Equal(t, "TABLE_NAME", config.Variables(config.Auth)[0].Name)

	require.Panics(t, func() { config.Variables("nope") })
}

// Every documented default is accepted by FromLookup.
func TestDefaultsParse(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "open3ds", "SECRETS_ARN": secretARN}
	for _, v := range config.AllVariables() {
		if v.Default != "" {
			env[v.Name] = v.Default
		}
	}
	_, err := config.FromLookup(lookup(env))
	require.NoError(t, err)
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func varNames(t *testing.T, err error) []string {
	t.Helper()
	var names []string
	for _, e := range unwrapAll(err) {
		var ve *config.VarError
		if !errors.As(e, &ve) {
			t.Fatalf("not a VarError: %v", e)
		}
		names = append(names, ve.Name)
	}
	return names
}

// TestVersionsEnabled: 2.1.0 is opt-in; the list is checked and sorted.
func TestVersionsEnabled(t *testing.T) {
	for _, tc := range []struct {
		val  string
		want []string
		err  bool
	}{
		{val: "", want: []string{"2.2.0", "2.3.1"}},
		{val: "2.3.1, 2.1.0,2.2.0", want: []string{"2.1.0", "2.2.0", "2.3.1"}},
		{val: "2.2.0", want: []string{"2.2.0"}},
		{val: "2.4.0", err: true},
		{val: ",", err: true},
	} {
		env := awsAuthEnv()
		env["VERSIONS_ENABLED"] = tc.val
		c, err := config.FromLookup(lookup(env), config.Auth)
		if tc.err {
			require.ErrorIs(t, err, config.ErrInvalid, tc.val)
			require.Contains(t, err.Error(), "VERSIONS_ENABLED")
			continue
		}
		require.NoError(t, err, tc.val)
		require.Equal(t, tc.want, c.VersionsEnabled, tc.val)
	}
}

// TestAPIKeyCacheTTL: 10s by default, 0s disables, longer than 5m refused.
func TestAPIKeyCacheTTL(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "open3ds", "SECRETS_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:k-AbCdEf"}
	for val, want := range map[string]time.Duration{"": 10 * time.Second, "0s": 0, "2m": 2 * time.Minute} {
		env := maps.Clone(base)
		env["API_KEY_CACHE_TTL"] = val
		c, err := config.FromLookup(lookup(env), config.Postauth)
		require.NoError(t, err, val)
		require.Equal(t, want, c.APIKeyCacheTTL, val)
	}
	for _, val := range []string{"6m", "-1s", "soon"} {
		env := maps.Clone(base)
		env["API_KEY_CACHE_TTL"] = val
		_, err := config.FromLookup(lookup(env), config.Postauth)
		require.ErrorIs(t, err, config.ErrInvalid, val)
	}
}
