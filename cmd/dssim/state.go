package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/open3ds/server/shared/dssim"
)

// stateTTL is how long the sandbox keeps an authentication's ACS state.
const stateTTL = 24 * time.Hour

// tableState is the sandbox Lambda's dssim.StateStore: one item per
// authentication in SimulatorTable (pk "acs#<acsTransID>", the record as
// JSON, a revision for optimistic locking, expiresAt for TTL) plus one
// "id#<threeDSServerTransID>" marker that refuses a reused AReq ID. Only
// GetItem and PutItem, as the template grants.
type tableState struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

func (s *tableState) put(ctx context.Context, item map[string]types.AttributeValue, cond string, vals map[string]types.AttributeValue) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String(cond), ExpressionAttributeValues: vals,
	})
	return err
}

func (s *tableState) expires() types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(s.now().Add(stateTTL).Unix(), 10)}
}

func (s *tableState) item(rec *dssim.TxRecord, rev int) (map[string]types.AttributeValue, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return map[string]types.AttributeValue{
		"pk":        &types.AttributeValueMemberS{Value: "acs#" + rec.ACSTransID},
		"rec":       &types.AttributeValueMemberS{Value: string(b)},
		"rev":       &types.AttributeValueMemberN{Value: strconv.Itoa(rev)},
		"expiresAt": s.expires(),
	}, nil
}

func (s *tableState) Create(ctx context.Context, rec *dssim.TxRecord) error {
	err := s.put(ctx, map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "id#" + rec.ID}, "expiresAt": s.expires(),
	}, "attribute_not_exists(pk)", nil)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return dssim.ErrDuplicateTransaction
	}
	if err != nil {
		return fmt.Errorf("dssim state: %w", err)
	}
	rec.Rev = 0
	item, err := s.item(rec, 0)
	if err != nil {
		return err
	}
	if err := s.put(ctx, item, "attribute_not_exists(pk)", nil); err != nil {
		return fmt.Errorf("dssim state: %w", err)
	}
	return nil
}

func (s *tableState) Get(ctx context.Context, acsTransID string) (*dssim.TxRecord, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "acs#" + acsTransID}},
	})
	if err != nil {
		return nil, fmt.Errorf("dssim state: %w", err)
	}
	recS, _ := out.Item["rec"].(*types.AttributeValueMemberS)
	revN, _ := out.Item["rev"].(*types.AttributeValueMemberN)
	expN, _ := out.Item["expiresAt"].(*types.AttributeValueMemberN)
	if recS == nil || revN == nil {
		return nil, dssim.ErrUnknownTransaction
	}
	// TTL deletes lag: an expired item is gone for the ACS.
	if expN != nil {
		if exp, err := strconv.ParseInt(expN.Value, 10, 64); err == nil && exp <= s.now().Unix() {
			return nil, dssim.ErrUnknownTransaction
		}
	}
	var rec dssim.TxRecord
	if err := json.Unmarshal([]byte(recS.Value), &rec); err != nil {
		return nil, fmt.Errorf("dssim state: stored record: %w", err)
	}
	if rec.Rev, err = strconv.Atoi(revN.Value); err != nil {
		return nil, fmt.Errorf("dssim state: stored revision: %w", err)
	}
	return &rec, nil
}

func (s *tableState) Update(ctx context.Context, rec *dssim.TxRecord) error {
	item, err := s.item(rec, rec.Rev+1)
	if err != nil {
		return err
	}
	err = s.put(ctx, item, "rev = :rev", map[string]types.AttributeValue{":rev": &types.AttributeValueMemberN{Value: strconv.Itoa(rec.Rev)}})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return dssim.ErrStaleTransaction
	}
	if err != nil {
		return fmt.Errorf("dssim state: %w", err)
	}
	rec.Rev++
	return nil
}

// lambdaSetup reads the sandbox Lambda's environment: DSSIM_TABLE (the
// state table; without it the state stays in memory, which only works with
// one execution environment), DSSIM_RREQ_SECRET_ARN (the RReq signing key)
// and, locally, DYNAMODB_ENDPOINT.
func lambdaSetup(ctx context.Context, cfg *dssim.Config) error {
	table, secretARN := os.Getenv("DSSIM_TABLE"), os.Getenv("DSSIM_RREQ_SECRET_ARN")
	if table == "" && secretARN == "" {
		return nil
	}
	var opts []func(*awsconfig.LoadOptions) error
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	if endpoint != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("aws config: %w", err)
	}
	if table != "" {
		db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		})
		cfg.State = &tableState{db: db, table: table, now: time.Now}
	}
	if secretARN != "" {
		out, err := secretsmanager.NewFromConfig(awsCfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretARN)})
		if err != nil {
			return fmt.Errorf("RReq signing key: %w", err)
		}
		var doc struct {
			RReqKey string `json:"rreqKey"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.SecretString)), &doc); err != nil || len(doc.RReqKey) < 32 {
			return errors.New("RReq signing key: the secret must be JSON with an rreqKey of at least 32 characters")
		}
		cfg.RReqSigningKey = []byte(doc.RReqKey)
	}
	return nil
}
