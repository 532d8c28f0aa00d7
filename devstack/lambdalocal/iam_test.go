package lambdalocal

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/require"
)

var local = LocalAWS{Names: map[string]string{"Table": "t1", "Other": "t2"}, Params: map[string]string{"MasterKeySecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:master-AbCdEf"}}

func TestReadPolicies(t *testing.T) {
	b, err := os.ReadFile("testdata/iam-template.yaml")
	require.NoError(t, err)
	pols, err := ReadPolicies(b, local)
	require.NoError(t, err)
	require.NotContains(t, pols, "ProductionOnly", "a function whose Condition does not hold has no role")

	t1 := local.TableARN("t1")
	t2 := local.TableARN("t2")
	tests := []struct {
		fn, action, resource string
		want                 bool
	}{
		{"Explicit", "dynamodb:GetItem", t1, true},
		{"Explicit", "dynamodb:getitem", t1, true}, // actions are case-insensitive
		{"Explicit", "dynamodb:PutItem", t1, false},
		{"Explicit", "dynamodb:GetItem", t1 + "/index/gsi1", false},
		{"Explicit", "dynamodb:GetItem", t2, false},
		{"Explicit", "secretsmanager:GetSecretValue", local.Params["MasterKeySecretArn"], true},
		{"Explicit", "secretsmanager:GetSecretValue", local.SecretARN("Key"), false /* only in production */},
		{"Explicit", "dynamodb:DeleteItem", t1, false /* explicitly denied */},
		{"Templates", "dynamodb:Query", t1 + "/index/gsi1", true}, // DynamoDBReadPolicy
		{"Templates", "dynamodb:PutItem", t1, false},              // read only
		{"Templates", "dynamodb:ConditionCheckItem", t2, true},    // DynamoDBCrudPolicy
		{"Templates", "secretsmanager:GetSecretValue", local.SecretARN("Key"), true},
		{"WithRole", "dynamodb:GetRecords", t1 + "/stream/local", true},
		{"WithRole", "dynamodb:GetRecords", t2 + "/stream/local", false},
		{"WithRole", "dynamodb:UpdateItem", t1, true},
		{"WithRole", "dynamodb:UpdateItem", t2, false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, pols[tt.fn].Allowed(tt.action, tt.resource), "%s %s on %s", tt.fn, tt.action, tt.resource)
	}

	for _, bad := range []string{"unknown-template", "managed-policy", "statement-condition"} {
		t.Run(bad, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "iam-"+bad+".yaml"))
			require.NoError(t, err)
			_, err = ReadPolicies(b, local)
			require.Error(t, err, "a policy the check cannot evaluate must not pass as allowed")
		})
	}
}

func TestGlobMatch(t *testing.T) {
	require.True(t, globMatch("arn:x:table/t/index/*", "arn:x:table/t/index/a/b"))
	require.True(t, globMatch("a*c*e", "abcde"))
	require.True(t, globMatch("a?c", "abc"))
	require.False(t, globMatch("a?c", "abbc"))
	require.False(t, globMatch("arn:x:table/t", "arn:x:table/t2"))
	require.False(t, globMatch("*b", "abc"))
}

// The checker in front of a DynamoDB endpoint and as Secrets Manager, driven
// by the real AWS SDK clients: a granted call goes through, an ungranted one
// is AccessDeniedException, and the upstream never sees it.
func TestIAMCheckerRefusesUngrantedActions(t *testing.T) {
	b, err := os.ReadFile("testdata/iam-template.yaml")
	require.NoError(t, err)
	pols, err := ReadPolicies(b, local)
	require.NoError(t, err)

	var upstreamCalls []string
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamCalls = append(upstreamCalls, r.Header.Get("X-Amz-Target"))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer upstream.Close()
	chk, err := StartIAMChecker(IAMCheckerConfig{
		Policies: pols, DynamoDB: upstream.URL, AWS: local,
		Secrets: map[string]string{local.Params["MasterKeySecretArn"]: `{"masterKey":"x"}`},
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err)
	defer chk.Close()

	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("local", "local", "")
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(chk.Endpoint("Explicit"))})
	key := map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "a"}}

	_, err = db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t1"), Key: key})
	require.NoError(t, err, "GetItem is granted")
	require.Equal(t, []string{"DynamoDB_20120810.GetItem"}, upstreamCalls)

	_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("t1"), Item: key})
	requireAccessDenied(t, err, "dynamodb:PutItem")
	_, err = db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []dbtypes.TransactWriteItem{
		{ConditionCheck: &dbtypes.ConditionCheck{TableName: aws.String("t1"), Key: key, ConditionExpression: aws.String("attribute_exists(pk)")}},
	}})
	requireAccessDenied(t, err, "dynamodb:ConditionCheckItem")
	_, err = db.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("t1"), IndexName: aws.String("gsi1"), KeyConditionExpression: aws.String("gsi1pk = :p"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":p": &dbtypes.AttributeValueMemberS{Value: "x"}}})
	requireAccessDenied(t, err, "dynamodb:Query")
	require.Len(t, upstreamCalls, 1, "a refused call never reaches DynamoDB")
	require.Len(t, chk.Denials(), 3)
	require.Equal(t, Denial{Function: "Explicit", Action: "dynamodb:PutItem", Resource: local.TableARN("t1")}, chk.Denials()[0])

	sm := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(chk.Endpoint("Explicit"))})
	out, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(local.Params["MasterKeySecretArn"])})
	require.NoError(t, err)
	require.Equal(t, `{"masterKey":"x"}`, aws.ToString(out.SecretString))
	_, err = sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(local.SecretARN("Key"))})
	requireAccessDenied(t, err, "secretsmanager:GetSecretValue")

	// A function granted the action on a secret that does not exist.
	sm2 := secretsmanager.New(secretsmanager.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(chk.Endpoint("Templates"))})
	_, err = sm2.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(local.SecretARN("Key"))})
	var api smithy.APIError
	require.ErrorAs(t, err, &api)
	require.Equal(t, "ResourceNotFoundException", api.ErrorCode())
}

func requireAccessDenied(t *testing.T, err error, action string) {
	t.Helper()
	var api smithy.APIError
	require.True(t, errors.As(err, &api), "want an AWS API error, got %v", err)
	require.Equal(t, "AccessDeniedException", api.ErrorCode())
	require.Contains(t, api.ErrorMessage(), "is not authorized to perform: "+action)
}

// The product's template.yaml, read as the local stack reads it: what each
// function's code does is granted, and removing one grant from the template
// makes the checker refuse exactly that call.
func TestTemplatePoliciesAndARemovedGrant(t *testing.T) {
	root, err := ModuleRoot(".")
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(root, "template.yaml"))
	require.NoError(t, err)
	aws := LocalAWS{Names: map[string]string{"Table": "open3ds-local", "SimulatorTable": "dssim-local", "SandboxRReqSecret": "rreq"},
		Params: map[string]string{"MasterKeySecretArn": local.Params["MasterKeySecretArn"]}}
	pols, err := ReadPolicies(b, aws)
	require.NoError(t, err)
	table := aws.TableARN("open3ds-local")
	require.True(t, pols["PreauthFunction"].Allowed("dynamodb:PutItem", table))
	// The functions whose routers check merchant credentials
	// (apigw.CredentialGuard) read the key items and the master key (the
	// rejected-key fingerprint); there is no authorizer function.
	require.NotContains(t, pols, "AuthorizerFunction")
	for _, fn := range []string{"PreauthFunction", "AuthFunction", "PostauthFunction", "ChallengeCallbackFunction"} {
		require.True(t, pols[fn].Allowed("dynamodb:GetItem", table), fn)
		require.True(t, pols[fn].Allowed("secretsmanager:GetSecretValue", aws.Params["MasterKeySecretArn"]), fn)
	}
	require.False(t, pols["CardRangesFunction"].Allowed("secretsmanager:GetSecretValue", aws.Params["MasterKeySecretArn"]))
	require.True(t, pols["WebhookFunction"].Allowed("dynamodb:GetRecords", table+"/stream/local"), "the webhook's own role")
	require.True(t, pols["SimulatorFunction"].Allowed("dynamodb:PutItem", aws.TableARN("dssim-local")), "sandbox: the simulator's state table")
	require.True(t, pols["ChallengeCallbackFunction"].Allowed("secretsmanager:GetSecretValue", aws.SecretARN("rreq")), "sandbox: the RReq signing key")

	// Remove PutItem from preauth's grant: the checker now refuses the
	// PutItem that opening a transaction does.
	old := "Action: [dynamodb:GetItem, dynamodb:Query, dynamodb:PutItem, dynamodb:UpdateItem, dynamodb:DeleteItem]"
	require.Contains(t, string(b), old)
	broken := strings.Replace(string(b), old, "Action: [dynamodb:GetItem, dynamodb:Query, dynamodb:UpdateItem, dynamodb:DeleteItem]", 1)
	bpols, err := ReadPolicies([]byte(broken), aws)
	require.NoError(t, err)
	require.False(t, bpols["PreauthFunction"].Allowed("dynamodb:PutItem", table))

	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer upstream.Close()
	chk, err := StartIAMChecker(IAMCheckerConfig{Policies: bpols, DynamoDB: upstream.URL, AWS: aws, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer chk.Close()
	db := dynamodb.New(dynamodb.Options{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""), BaseEndpoint: aws2(chk.Endpoint("PreauthFunction"))})
	_, err = db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws2("open3ds-local"), Item: map[string]dbtypes.AttributeValue{"pk": &dbtypes.AttributeValueMemberS{Value: "TX#1"}}})
	requireAccessDenied(t, err, "dynamodb:PutItem")
}

func aws2(s string) *string { return &s }
