package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dsclient"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/logging"
	"github.com/open3ds/server/shared/session"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// App is what a function's handler is built from.
type App struct {
	// Function is the function this App was loaded for.
	Function config.Function
	Config   config.Config
	Log      *slog.Logger
	AWS      aws.Config
	Store    *dynamostore.Store
	Vault    *vault.Vault
	// Vault and SessionKey are nil for the functions that do not use the
	// master key (config.NeedsMasterKey).
	// SessionKey signs threeDSSessionData; derived from the master key.
	SessionKey []byte
	secrets    *secretsmanager.Client
}

// Load reads the configuration for fn and builds the shared clients.
func Load(ctx context.Context, fn config.Function) (*App, error) {
	log := logging.New()
	slog.SetDefault(log)
	cfg, err := config.FromEnv(fn)
	if err != nil {
		return nil, err
	}
	awsCfg, err := awsConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	a := &App{Function: fn, Config: cfg, Log: log, AWS: awsCfg}
	// Only the functions that use the master key read it (and only their
	// roles may): cardranges never sees it.
	if config.NeedsMasterKey(fn) {
		master, err := a.masterKey(ctx)
		if err != nil {
			return nil, err
		}
		if a.Vault, err = vault.New(master); err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		mac := hmac.New(sha256.New, master)
		mac.Write([]byte("open3ds threeDSSessionData v1"))
		a.SessionKey = mac.Sum(nil)
	}

	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.DynamoDBEndpoint != nil {
			o.BaseEndpoint = aws.String(cfg.DynamoDBEndpoint.String())
		}
	})
	ret := a.Retention()
	opts := dynamostore.Options{Retention: &ret}
	if a.Vault != nil {
		opts.Sealer = a.Vault
	}
	a.Store = dynamostore.New(db, cfg.TableName, opts)
	return a, nil
}

// awsConfig loads the SDK configuration. Locally (DynamoDB Local) it uses
// static credentials, which DynamoDB Local accepts and ignores.
func awsConfig(ctx context.Context, cfg config.Config) (aws.Config, error) {
	opts := []func(*awsconfig.LoadOptions) error{}
	if cfg.DynamoDBEndpoint != nil {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("aws config: %w", err)
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	return awsCfg, nil
}

// Retention is the domain retention with the configured overrides.
func (a *App) Retention() threeds.Retention {
	r := threeds.DefaultRetention()
	if a.Config.Retention.Preauth > 0 {
		r.PreAuth = a.Config.Retention.Preauth
	}
	if a.Config.Retention.Result > 0 {
		r.Result = a.Config.Retention.Result
	}
	if a.Config.Retention.Idempotency > 0 {
		r.Idempotency = a.Config.Retention.Idempotency
	}
	return r
}

// Sessions returns the threeDSSessionData issuer.
func (a *App) Sessions() (*session.Tokens, error) {
	if a.SessionKey == nil {
		return nil, fmt.Errorf("%s does not load the master key", a.Function)
	}
	ttl := a.Config.SessionTTL
	if ttl <= 0 {
		ttl = session.DefaultTTL
	}
	return session.New(a.SessionKey, ttl, nil)
}

// Directory builds the DS client: mutual TLS from the certificate secret
// (AWS) or files (local), per-scheme URLs, the configured timeouts.
func (a *App) Directory(ctx context.Context) (*dsclient.Client, error) {
	ds := a.Config.DS
	cfg := dsclient.Config{
		URLs:             map[emv3ds.Scheme]string{},
		ConnectTimeout:   ds.ConnectTimeout,
		Timeout:          ds.Timeout,
		MaxResponseBytes: ds.MaxResponseBytes,
	}
	if ds.URL != nil {
		cfg.DefaultURL = ds.URL.String()
	}
	for scheme, u := range ds.SchemeURLs {
		cfg.URLs[emv3ds.Scheme(strings.ToLower(scheme))] = u.String()
	}
	// A CA file alone (no client certificate) still replaces the system
	// roots: it is how a private DS, such as the simulator, is trusted.
	if ds.Cert.MutualTLS() || ds.Cert.CAFile != "" {
		certPEM, keyPEM, caPEM, err := a.dsCertificate(ctx)
		if err != nil {
			return nil, err
		}
		if cfg.TLS, err = dsclient.TLSConfigFromPEM(certPEM, keyPEM, caPEM); err != nil {
			return nil, err
		}
	}
	return dsclient.New(cfg)
}

// MerchantCacheTTL is how long the flow functions (preauth, auth) keep a
// merchant profile in memory: a merchant change made with threedsctl takes
// up to this long to reach every warm execution environment. The flow
// functions' credential check caches valid API keys for API_KEY_CACHE_TTL
// (threeds.APIKeyCache: the revocation delay), and the webhook function
// reads the profile every time (a new webhook URL or secret applies to the
// next event).
const MerchantCacheTTL = 30 * time.Second

// ServiceConfig is the flow configuration from the environment.
func (a *App) ServiceConfig() threeds.ServiceConfig {
	c := threeds.ServiceConfig{
		ServerRefNumber:  a.Config.DS.ThreeDSServerRefNumber,
		ServerOperatorID: a.Config.DS.ThreeDSServerOperatorID,
		Retention:        a.Retention(),
	}
	if a.Function == config.Preauth || a.Function == config.Auth {
		c.MerchantCacheTTL = MerchantCacheTTL
	}
	c.SandboxTestCards = a.Config.SandboxTestCards
	if a.Config.DS.ResultsURL != nil {
		c.ResultsURL = a.Config.DS.ResultsURL.String()
	}
	if a.Config.PublicBaseURL != nil {
		c.CallbackBaseURL = a.Config.PublicBaseURL.String()
	}
	for _, s := range a.Config.SchemesEnabled {
		c.Schemes = append(c.Schemes, emv3ds.Scheme(s))
	}
	for _, v := range a.Config.VersionsEnabled {
		c.Versions = append(c.Versions, emv3ds.Version(v))
	}
	return c
}

func (a *App) secretsClient() *secretsmanager.Client {
	if a.secrets == nil {
		a.secrets = secretsmanager.NewFromConfig(a.AWS)
	}
	return a.secrets
}

// masterKey reads {"masterKey": "<base64 or hex of 32 bytes>"} from Secrets
// Manager or from the local secrets file.
func (a *App) masterKey(ctx context.Context) ([]byte, error) {
	raw, err := a.readSecret(ctx, a.Config.Secrets.ARN, a.Config.Secrets.File)
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	var doc struct {
		MasterKey string `json:"masterKey"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.MasterKey == "" {
		return nil, errors.New("master key: the secret must be JSON with a masterKey member")
	}
	return vault.ParseMasterKey(doc.MasterKey)
}

// RReqSigningKey reads the sandbox RReq signing key {"rreqKey": "..."}
// named by RREQ_SIGNING_SECRET_ARN; nil when the variable is empty
// (production, where mutual TLS admits the DS instead).
func (a *App) RReqSigningKey(ctx context.Context) ([]byte, error) {
	if a.Config.RReqSigningSecretARN == "" {
		return nil, nil
	}
	raw, err := a.readSecret(ctx, a.Config.RReqSigningSecretARN, "")
	if err != nil {
		return nil, fmt.Errorf("RReq signing key: %w", err)
	}
	var doc struct {
		RReqKey string `json:"rreqKey"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil || len(doc.RReqKey) < 32 {
		return nil, errors.New("RReq signing key: the secret must be JSON with an rreqKey of at least 32 characters")
	}
	return []byte(doc.RReqKey), nil
}

// dsCertificate reads the DS client certificate, its key and the DS CA.
func (a *App) dsCertificate(ctx context.Context) (certPEM, keyPEM, caPEM []byte, err error) {
	c := a.Config.DS.Cert
	if c.SecretARN != "" {
		raw, err := a.readSecret(ctx, c.SecretARN, "")
		if err != nil {
			return nil, nil, nil, fmt.Errorf("DS certificate: %w", err)
		}
		var doc struct {
			Certificate   string `json:"certificate"`
			PrivateKey    string `json:"privateKey"`
			CACertificate string `json:"caCertificate"`
		}
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, nil, nil, errors.New("DS certificate: the secret must be JSON with certificate, privateKey and caCertificate")
		}
		return []byte(doc.Certificate), []byte(doc.PrivateKey), []byte(doc.CACertificate), nil
	}
	read := func(path string) ([]byte, error) {
		if path == "" {
			return nil, nil
		}
		return os.ReadFile(path)
	}
	if certPEM, err = read(c.CertFile); err != nil {
		return nil, nil, nil, fmt.Errorf("DS certificate: %w", err)
	}
	if keyPEM, err = read(c.KeyFile); err != nil {
		return nil, nil, nil, fmt.Errorf("DS key: %w", err)
	}
	if caPEM, err = read(c.CAFile); err != nil {
		return nil, nil, nil, fmt.Errorf("DS CA: %w", err)
	}
	return certPEM, keyPEM, caPEM, nil
}

func (a *App) readSecret(ctx context.Context, arn, file string) ([]byte, error) {
	if file != "" {
		return os.ReadFile(file)
	}
	out, err := a.secretsClient().GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	if out.SecretString == nil {
		return nil, errors.New("read secret: the secret has no string value")
	}
	return []byte(*out.SecretString), nil
}

// Start is every function's main: it loads the App for fn, lets build wire
// the handler from it, and hands the handler to the Lambda runtime. A
// function that cannot initialise exits, so Lambda reports a failed init
// instead of serving requests half-configured.
func Start(fn config.Function, build func(ctx context.Context, a *App) (handler any, err error)) {
	ctx := context.Background()
	a, err := Load(ctx, fn)
	if err != nil {
		logging.Fatal(string(fn)+" init", err)
	}
	h, err := build(ctx, a)
	if err != nil {
		logging.Fatal(string(fn)+" init", err)
	}
	lambda.Start(h)
}

// CredentialGuard checks merchant credentials inside the flow functions by
// the given rules (credentials.Rules()): valid keys cached for
// API_KEY_CACHE_TTL (threeds.APIKeyCache, the revocation delay), rejected
// ones logged by their keyed fingerprint only.
func (a *App) CredentialGuard(rules []apigw.CredentialRule) *apigw.CredentialGuard {
	return &apigw.CredentialGuard{
		Rules:       rules,
		Keys:        threeds.NewKeyService(threeds.NewAPIKeyCache(a.Store, a.Config.APIKeyCacheTTL, nil)),
		Hash:        vault.HashAPIKey,
		Log:         a.Log,
		Fingerprint: a.Vault.Fingerprint,
	}
}
