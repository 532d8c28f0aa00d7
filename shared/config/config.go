package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the typed configuration of one function. Fields of variables the
// function does not read keep their defaults (durations) or zero values.
type Config struct {
	TableName string
	// DynamoDBEndpoint is set locally (DynamoDB Local); nil in AWS.
	DynamoDBEndpoint *url.URL
	Secrets          SecretSource
	// SchemesEnabled lists the schemes served, lower case (the values of
	// emv3ds.Scheme); nil means every scheme.
	SchemesEnabled []string
	// VersionsEnabled lists the protocol versions the flows negotiate, in
	// ascending order (VERSIONS_ENABLED; DefaultVersionsEnabled without it).
	VersionsEnabled []string
	// PublicBaseURL is the merchant API's base for the browser callback URLs,
	// without a trailing slash; nil means "the URL the request came in on"
	// (a function behind MerchantApi cannot be given MerchantApi's URL in
	// template.yaml: CloudFormation rejects the circular reference).
	PublicBaseURL *url.URL
	// SessionTTL is the lifetime of a browser session token.
	SessionTTL time.Duration
	Retention  Retention
	DS         DS
	Webhook    WebhookSettings
	// APIKeyCacheTTL is how long a flow function's credential check caches
	// a valid merchant credential (API_KEY_CACHE_TTL; zero disables the
	// cache). It is the revocation delay of a key revoked outside the
	// function's process.
	APIKeyCacheTTL time.Duration
	// RReqSigningSecretARN (sandbox only) names the key whose HMAC signature
	// /ds/results requires on every RReq; "" means no signature check.
	RReqSigningSecretARN string
	// SandboxTestCards (sandbox only) is true when SANDBOX_TEST_CARDS is
	// "3dsecureio": 3dsecure.io's test PANs skip the Luhn check.
	SandboxTestCards bool
}

// SecretSource says where the master-key secret is: exactly one of ARN (AWS)
// and File (local) is set.
type SecretSource struct {
	ARN  string
	File string
}

// Retention holds how long items are kept before their TTL expires them.
type Retention struct {
	Preauth     time.Duration // transaction without a result
	Result      time.Duration // transaction with its result (and CAVV)
	Idempotency time.Duration // stored Idempotency-Key answer
}

// DS is how the server reaches the Directory Servers.
type DS struct {
	// URL is the default DS endpoint for AReq and PReq.
	URL *url.URL
	// SchemeURLs overrides URL per scheme, keyed by lower-case scheme name
	// (the values of emv3ds.Scheme: "visa", "mastercard", "amex").
	SchemeURLs map[string]*url.URL
	Cert       CertSource
	// ConnectTimeout bounds TCP+TLS setup; Timeout the whole exchange.
	ConnectTimeout   time.Duration
	Timeout          time.Duration
	MaxResponseBytes int64
	// ThreeDSServerRefNumber and ThreeDSServerOperatorID go into every AReq
	// and PReq.
	ThreeDSServerRefNumber  string
	ThreeDSServerOperatorID string
	// ResultsURL is the threeDSServerURL of the AReq: where the DS sends RReqs.
	ResultsURL *url.URL
}

// CertSource says where the DS client certificate is: a Secrets Manager
// secret (AWS), PEM files (local), or nowhere (plain HTTPS, e.g. to the
// sandbox simulator). CAFile may be set without a client certificate, to
// trust a simulator's own CA.
type CertSource struct {
	SecretARN string
	CertFile  string
	KeyFile   string
	CAFile    string
}

// MutualTLS reports whether a client certificate is configured.
func (c CertSource) MutualTLS() bool { return c.SecretARN != "" || c.CertFile != "" }

// WebhookSettings tunes webhook delivery.
type WebhookSettings struct {
	Timeout  time.Duration // one POST
	Attempts int           // tries within one invocation
	// DLQURL is the on-failure queue's URL, for logs only.
	DLQURL string
}

// SchemeEnabled reports whether the server serves a scheme.
func (c Config) SchemeEnabled(scheme string) bool {
	return c.SchemesEnabled == nil || slices.Contains(c.SchemesEnabled, strings.ToLower(scheme))
}

// LookupFunc looks up one variable, like os.LookupEnv.
type LookupFunc func(name string) (string, bool)

// FromEnv reads the configuration from the process environment. It checks
// the variables every function needs, plus the required ones of each
// function in fns (usually the caller's own), and validates every known
// variable that is set. All failures come back at once, joined.
func FromEnv(fns ...Function) (Config, error) {
	return FromLookup(os.LookupEnv, fns...)
}

// FromLookup is FromEnv reading from lookup instead of the environment
// (for the local runner and tests).
func FromLookup(lookup LookupFunc, fns ...Function) (Config, error) {
	r := reader{lookup: lookup, required: map[string]bool{}}
	for _, fn := range fns {
		vs, ok := byFunction[fn]
		if !ok {
			r.errs = append(r.errs, fmt.Errorf("%w %q", ErrUnknownFunction, fn))
			continue
		}
		for _, v := range vs {
			if v.Required {
				r.required[v.Name] = true
			}
		}
	}
	// Every function needs the table; most the master key (NeedsMasterKey).
	r.required[EnvTableName] = true
	needsKey := len(fns) == 0 // no function named: the common set
	for _, fn := range fns {
		needsKey = needsKey || NeedsMasterKey(fn)
	}

	var c Config
	c.TableName = r.tableName(EnvTableName)
	c.DynamoDBEndpoint = r.url(EnvDynamoDBEndpoint)
	if needsKey {
		c.Secrets = r.secrets()
	}
	c.SchemesEnabled = r.schemes(EnvSchemesEnabled)

	c.VersionsEnabled = r.versions(varVersionsEnabled)

	c.PublicBaseURL = r.url(EnvPublicBaseURL)
	if c.PublicBaseURL != nil {
		c.PublicBaseURL.Path = strings.TrimSuffix(c.PublicBaseURL.Path, "/")
	}
	c.SessionTTL = r.duration(varSessionTTL)
	c.APIKeyCacheTTL = r.cacheTTL(varAPIKeyCacheTTL, 5*time.Minute)
	c.Retention = Retention{
		Preauth:     r.duration(varRetentionPreauth),
		Result:      r.duration(varRetentionResult),
		Idempotency: r.duration(varRetentionIdempotency),
	}

	c.DS = DS{
		URL:                     r.url(EnvDSURL),
		Cert:                    r.cert(),
		ConnectTimeout:          r.duration(varDSConnectTimeout),
		Timeout:                 r.duration(varDSTimeout),
		MaxResponseBytes:        int64(r.integer(varDSMaxResponseBytes, 1024, 64<<20)),
		ThreeDSServerRefNumber:  r.emvID(EnvThreeDSServerRefNumber),
		ThreeDSServerOperatorID: r.emvID(EnvThreeDSServerOperatorID),
		ResultsURL:              r.url(EnvResultsURL),
	}
	for scheme, name := range map[string]string{"visa": EnvDSURLVisa, "mastercard": EnvDSURLMastercard, "amex": EnvDSURLAmex} {
		if u := r.url(name); u != nil {
			if c.DS.SchemeURLs == nil {
				c.DS.SchemeURLs = map[string]*url.URL{}
			}
			c.DS.SchemeURLs[scheme] = u
		}
	}
	if c.DS.ConnectTimeout > c.DS.Timeout && c.DS.Timeout > 0 {
		r.fail(EnvDSConnectTimeout, ErrInvalid, "longer than "+EnvDSTimeout)
	}

	if arn := r.get(EnvRReqSigningSecretARN); arn != "" {
		r.checkSecretARN(EnvRReqSigningSecretARN, arn)
		c.RReqSigningSecretARN = arn
	}
	// A comma-separated list of sets; only 3dsecureio changes the server
	// (its PANs fail Luhn). worldpay and cardinal are for the simulator,
	// whose test cards pass every check (shared/dssim/worldpay.go).
	if v := r.get(EnvSandboxTestCards); v != "" {
		for _, set := range strings.Split(v, ",") {
			switch strings.TrimSpace(set) {
			case "3dsecureio":
				c.SandboxTestCards = true
			case "worldpay", "cardinal":
			default:
				r.fail(EnvSandboxTestCards, ErrInvalid, `must be a comma-separated list of 3dsecureio, worldpay, cardinal, or empty`)
			}
		}
	}

	c.Webhook = WebhookSettings{
		Timeout:  r.duration(varWebhookTimeout),
		Attempts: r.integer(varWebhookAttempts, 1, 10),
	}
	if u := r.url(EnvWebhookDLQURL); u != nil {
		c.Webhook.DLQURL = u.String()
	}

	// Sort so the joined message is stable whatever order checks ran in.
	slices.SortStableFunc(r.errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	if err := errors.Join(r.errs...); err != nil {
		return Config{}, err
	}
	return c, nil
}

// reader collects every failure instead of stopping at the first.
type reader struct {
	lookup   LookupFunc
	required map[string]bool
	errs     []error
}

func (r *reader) fail(name string, err error, reason string) {
	r.errs = append(r.errs, &VarError{Name: name, Err: err, Reason: reason})
}

// get returns the trimmed value; an empty value counts as absent, so the
// template can pass an empty parameter for "not set".
func (r *reader) get(name string) string {
	v, _ := r.lookup(name)
	v = strings.TrimSpace(v)
	if v == "" && r.required[name] {
		r.fail(name, ErrMissing, "")
	}
	return v
}

func (r *reader) getOrDefault(v Variable) string {
	if s := r.get(v.Name); s != "" {
		return s
	}
	return v.Default
}

var tableNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,255}$`)

func (r *reader) tableName(name string) string {
	v := r.get(name)
	if v != "" && !tableNameRE.MatchString(v) {
		r.fail(name, ErrInvalid, "not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)")
	}
	return v
}

func (r *reader) secrets() SecretSource {
	arn, _ := r.lookup(EnvSecretsARN)
	file, _ := r.lookup(EnvSecretsFile)
	s := SecretSource{ARN: strings.TrimSpace(arn), File: strings.TrimSpace(file)}
	switch {
	case s.ARN == "" && s.File == "":
		r.fail(EnvSecretsARN, ErrMissing, "or "+EnvSecretsFile+" locally")
	case s.ARN != "" && s.File != "":
		r.fail(EnvSecretsFile, ErrConflict, "set only one of "+EnvSecretsARN+" and "+EnvSecretsFile)
	case s.ARN != "":
		r.checkSecretARN(EnvSecretsARN, s.ARN)
	}
	return s
}

func (r *reader) cert() CertSource {
	c := CertSource{
		SecretARN: r.get(EnvDSCertSecretARN),
		CertFile:  r.get(EnvDSCertFile),
		KeyFile:   r.get(EnvDSKeyFile),
		CAFile:    r.get(EnvDSCAFile),
	}
	if c.SecretARN != "" {
		r.checkSecretARN(EnvDSCertSecretARN, c.SecretARN)
		if c.CertFile != "" || c.KeyFile != "" || c.CAFile != "" {
			r.fail(EnvDSCertSecretARN, ErrConflict, "set either the secret or the DS_*_FILE variables")
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		r.fail(EnvDSKeyFile, ErrInvalid, EnvDSCertFile+" and "+EnvDSKeyFile+" go together")
	}
	return c
}

var secretARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$`)

func (r *reader) checkSecretARN(name, v string) {
	if !secretARNRE.MatchString(v) {
		r.fail(name, ErrInvalid, "not a Secrets Manager secret ARN")
	}
}

func (r *reader) url(name string) *url.URL {
	v := r.get(name)
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.Fragment != "" {
		r.fail(name, ErrInvalid, "not an absolute http(s) URL without credentials or fragment")
		return nil
	}
	return u
}

// cacheTTL is a duration from 0 (no cache) to max.
func (r *reader) cacheTTL(v Variable, max time.Duration) time.Duration {
	d, err := time.ParseDuration(r.getOrDefault(v))
	if err != nil || d < 0 || d > max {
		r.fail(v.Name, ErrInvalid, "not a duration from 0s to "+max.String())
		return 0
	}
	return d
}

func (r *reader) duration(v Variable) time.Duration {
	s := r.getOrDefault(v)
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		r.fail(v.Name, ErrInvalid, "not a positive duration such as "+v.Default)
		return 0
	}
	return d
}

func (r *reader) integer(v Variable, lo, hi int) int {
	n, err := strconv.Atoi(r.getOrDefault(v))
	if err != nil || n < lo || n > hi {
		r.fail(v.Name, ErrInvalid, fmt.Sprintf("not an integer in %d..%d", lo, hi))
		return 0
	}
	return n
}

// emvID checks an identifier that goes into EMV messages as is: 1-32
// printable ASCII characters (threeDSServerRefNumber, threeDSServerOperatorID).
func (r *reader) emvID(name string) string {
	v := r.get(name)
	if v == "" {
		return ""
	}
	ok := len(v) <= 32
	for i := 0; ok && i < len(v); i++ {
		ok = v[i] >= 0x20 && v[i] < 0x7f
	}
	if !ok {
		r.fail(name, ErrInvalid, "not 1-32 printable ASCII characters")
		return ""
	}
	return v
}

// DefaultVersionsEnabled is what production negotiates: 2.1.0 is retired by
// the schemes, so it is opt-in (the sandbox template and the local stack set
// VERSIONS_ENABLED=2.1.0,2.2.0,2.3.1 so the 2.1.0 test card keeps working).
const DefaultVersionsEnabled = "2.2.0,2.3.1"

var knownVersions = []string{"2.1.0", "2.2.0", "2.3.1"}

func (r *reader) versions(v Variable) []string {
	val := r.getOrDefault(v)
	var out []string
	for s := range strings.SplitSeq(val, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(knownVersions, s) {
			r.fail(v.Name, ErrInvalid, "unknown version; use "+strings.Join(knownVersions, ","))
			return nil
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		r.fail(v.Name, ErrInvalid, "no version listed")
		return nil
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(knownVersions, a) - slices.Index(knownVersions, b) })
	return out
}

var knownSchemes = []string{"visa", "mastercard", "amex", "discover", "jcb", "unionpay", "mir"}

func (r *reader) schemes(name string) []string {
	v := r.get(name)
	if v == "" {
		return nil
	}
	var out []string
	for s := range strings.SplitSeq(v, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		if !slices.Contains(knownSchemes, s) {
			r.fail(name, ErrInvalid, "unknown scheme; use "+strings.Join(knownSchemes, ","))
			return nil
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		r.fail(name, ErrInvalid, "no scheme listed")
	}
	return out
}
