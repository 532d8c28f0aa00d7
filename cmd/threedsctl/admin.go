package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/vault"
)

// adminFlags are the flags every admin command shares. Region, endpoint and
// credentials also come from the AWS SDK's own environment
// (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, AWS_PROFILE, …) when not given.
type adminFlags struct {
	table           string
	region          string
	endpoint        string
	masterKeyFile   string
	masterKeySecret string
}

func (a *adminFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.table, "table", "", "DynamoDB table name (required)")
	fs.StringVar(&a.region, "region", "", "AWS region (default: the SDK's, e.g. AWS_REGION)")
	fs.StringVar(&a.endpoint, "endpoint", "", "DynamoDB endpoint, e.g. http://127.0.0.1:8000 for DynamoDB Local")
	fs.StringVar(&a.masterKeyFile, "master-key-file", "", "file holding the master key (64 hex characters or base64)")
	fs.StringVar(&a.masterKeySecret, "master-key-secret", "", "Secrets Manager secret ID/ARN holding the master key")
}

// isLocal reports a loopback endpoint (DynamoDB Local), which takes static
// dummy credentials.
func isLocal(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil {
		return false
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "localhost" || h == "::1"
}

// client builds the DynamoDB client from the flags.
func (a *adminFlags) client(ctx context.Context) (*dynamodb.Client, error) {
	if a.endpoint != "" && isLocal(a.endpoint) {
		// DynamoDB Local takes any static credentials and ignores them.
		region := a.region
		if region == "" {
			region = "us-east-1"
		}
		return dynamodb.New(dynamodb.Options{
			BaseEndpoint: aws.String(a.endpoint),
			Region:       region,
			Credentials:  credentials.NewStaticCredentialsProvider("local", "local", ""),
		}), nil
	}
	cfg, err := a.awsConfig(ctx)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if a.endpoint != "" {
			o.BaseEndpoint = aws.String(a.endpoint)
		}
	}), nil
}

func (a *adminFlags) awsConfig(ctx context.Context) (aws.Config, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if a.region != "" {
		opts = append(opts, awsconfig.WithRegion(a.region))
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	return cfg, nil
}

// vault loads the master key from the file or Secrets Manager.
func (a *adminFlags) vault(ctx context.Context) (*vault.Vault, error) {
	var raw string
	switch {
	case a.masterKeyFile != "":
		b, err := os.ReadFile(a.masterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("read master key: %w", err)
		}
		raw = string(b)
	case a.masterKeySecret != "":
		cfg, err := a.awsConfig(ctx)
		if err != nil {
			return nil, err
		}
		out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(a.masterKeySecret)})
		if err != nil {
			return nil, fmt.Errorf("read master key secret: %w", err)
		}
		raw = aws.ToString(out.SecretString)
	default:
		return nil, errors.New("this command needs the master key: -master-key-file or -master-key-secret")
	}
	k, err := vault.ParseMasterKey(raw)
	if err != nil {
		return nil, err
	}
	return vault.New(k)
}

// store opens the Store; withKey loads the master key so webhook secrets
// can be sealed and opened, otherwise merchants are read without them.
func (a *adminFlags) store(ctx context.Context, withKey bool) (*dynamostore.Store, error) {
	if a.table == "" {
		return nil, usagef("-table is required")
	}
	c, err := a.client(ctx)
	if err != nil {
		return nil, err
	}
	opts := dynamostore.Options{SkipWebhookSecrets: !withKey}
	if withKey {
		v, err := a.vault(ctx)
		if err != nil {
			return nil, err
		}
		opts.Sealer = v
	}
	return dynamostore.New(c, a.table, opts), nil
}

// adminCommand wraps the flag parsing and error printing every admin
// command shares.
func adminCommand(name, summary string, setup func(fs *flag.FlagSet) func(ctx context.Context, a *adminFlags, args []string, stdin io.Reader, stdout io.Writer) error) {
	register(name, command{summary: summary, run: func(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		var a adminFlags
		a.register(fs)
		run := setup(fs)
		if err := fs.Parse(args); err != nil {
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := run(ctx, &a, fs.Args(), stdin, stdout); err != nil {
			fmt.Fprintf(stderr, "threedsctl %s: %v\n", name, err)
			var u usageError
			if errors.As(err, &u) {
				return 2
			}
			return 1
		}
		return 0
	}})
}

// usageError is a flag mistake (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
