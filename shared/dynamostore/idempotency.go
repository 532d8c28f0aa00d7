package dynamostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// idemPK keys a record by merchant and the SHA-256 of the client's key, so
// any key (long, odd characters) makes a valid, bounded partition key.
func idemPK(merchantID, k string) string {
	h := sha256.Sum256([]byte(k))
	return "IDEM#" + merchantID + "#" + hex.EncodeToString(h[:])
}

const idemSK = "IDEM"

type idemItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`

	MerchantID  string `dynamodbav:"merchantId"`
	Key         string `dynamodbav:"idempotencyKey"`
	RequestHash string `dynamodbav:"requestHash"`
	Completed   bool   `dynamodbav:"completed"`
	StatusCode  int    `dynamodbav:"statusCode,omitempty"`
	// Response is only ever read (records written before sealing); the
	// answer, which holds the CAVV, is written sealed with its key ID.
	Response       []byte `dynamodbav:"response,omitempty"`
	ResponseSealed []byte `dynamodbav:"responseSealed,omitempty"`
	ResponseKeyID  string `dynamodbav:"responseKeyId,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt"`
}

func (it *idemItem) record() *threeds.IdempotencyRecord {
	return &threeds.IdempotencyRecord{MerchantID: it.MerchantID, Key: it.Key, RequestHash: it.RequestHash, Completed: it.Completed,
		StatusCode: it.StatusCode, Response: it.Response, CreatedAt: pt(it.CreatedAt), ExpiresAt: fromEpoch(it.ExpiresAt)}
}

// oldItem decodes the item a failed condition returned (nil when absent
// or expired).
func (s *Store) oldIdem(err error) (*idemItem, error) {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return nil, err
	}
	if ccf.Item == nil {
		return nil, nil
	}
	var it idemItem
	if err := attributevalue.UnmarshalMap(ccf.Item, &it); err != nil {
		return nil, err
	}
	if s.expired(it.ExpiresAt) {
		return nil, nil
	}
	return &it, nil
}

// Begin implements threeds.IdempotencyStore in one conditional PutItem:
// the claim succeeds when no live record exists; otherwise the old record
// (returned with the failed condition) says replay, conflict or in progress.
func (s *Store) Begin(ctx context.Context, merchantID, k, requestHash string) (*threeds.IdempotencyRecord, error) {
	if merchantID == "" || k == "" || requestHash == "" {
		return nil, errors.New("idempotency begin: missing merchant, key or request hash")
	}
	now := s.now()
	it := &idemItem{PK: idemPK(merchantID, k), SK: idemSK, Type: TypeIdempotency,
		ExpiresAt: epoch(threeds.Expiry(now, s.retention.IdempotencyLock)), MerchantID: merchantID, Key: k,
		RequestHash: requestHash, CreatedAt: ts(now)}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("idempotency begin: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(), Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return it.record(), nil
	}
	old, err := s.oldIdem(err)
	if err != nil {
		return nil, fmt.Errorf("idempotency begin: %w", err)
	}
	switch {
	case old == nil: // expired between our clock and DynamoDB's condition: retry once is the caller's call
		return nil, fmt.Errorf("idempotency begin: %w", threeds.ErrIdempotencyInProgress)
	case old.RequestHash != requestHash:
		return nil, fmt.Errorf("idempotency begin: %w", threeds.ErrIdempotencyConflict)
	case !old.Completed:
		return nil, fmt.Errorf("idempotency begin: %w", threeds.ErrIdempotencyInProgress)
	}
	if len(old.ResponseSealed) > 0 {
		pt, err := s.openValue(old.ResponseKeyID, old.ResponseSealed, old.PK)
		if err != nil {
			return nil, fmt.Errorf("idempotency begin: stored answer: %w", err)
		}
		old.Response = []byte(pt)
	}
	return old.record(), nil
}

// Complete implements threeds.IdempotencyStore.
func (s *Store) Complete(ctx context.Context, merchantID, k, requestHash string, status int, response []byte) error {
	now := s.now()
	vals := map[string]types.AttributeValue{
		":now": num(now.Unix()), ":h": str(requestHash), ":f": &types.AttributeValueMemberBOOL{Value: false},
		":t": &types.AttributeValueMemberBOOL{Value: true}, ":sc": num(int64(status)),
		":exp": num(epoch(threeds.Expiry(now, s.retention.Idempotency))),
	}
	names := map[string]string{"#c": "completed", "#sc": "statusCode", "#e": attrExpiresAt, "#h": "requestHash"}
	update := "SET #c = :t, #sc = :sc, #e = :exp"
	if len(response) > 0 {
		keyID, sealed, err := s.sealValue(string(response), idemPK(merchantID, k))
		if err != nil {
			return fmt.Errorf("idempotency complete: %w", err)
		}
		update += ", #r = :r, #k = :k"
		names["#r"], names["#k"] = "responseSealed", "responseKeyId"
		vals[":r"], vals[":k"] = &types.AttributeValueMemberB{Value: sealed}, str(keyID)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: s.tableName(), Key: key(idemPK(merchantID, k), idemSK),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String("attribute_exists(pk) AND #e > :now AND #h = :h AND #c = :f"),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           vals,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil
	}
	old, err := s.oldIdem(err)
	switch {
	case err != nil:
		return fmt.Errorf("idempotency complete: %w", err)
	case old == nil:
		return fmt.Errorf("idempotency complete: %w", threeds.ErrIdempotencyNotFound)
	case old.RequestHash != requestHash:
		return fmt.Errorf("idempotency complete: %w", threeds.ErrIdempotencyConflict)
	}
	return nil // already completed: the first response stays
}

// Release implements threeds.IdempotencyStore.
func (s *Store) Release(ctx context.Context, merchantID, k, requestHash string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: s.tableName(), Key: key(idemPK(merchantID, k), idemSK),
		ConditionExpression:      aws.String("attribute_exists(pk) AND #e > :now AND #h = :h AND #c = :f"),
		ExpressionAttributeNames: map[string]string{"#c": "completed", "#e": attrExpiresAt, "#h": "requestHash"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now": num(s.now().Unix()), ":h": str(requestHash), ":f": &types.AttributeValueMemberBOOL{Value: false},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil
	}
	old, err := s.oldIdem(err)
	switch {
	case err != nil:
		return fmt.Errorf("idempotency release: %w", err)
	case old != nil && !old.Completed && old.RequestHash != requestHash:
		return fmt.Errorf("idempotency release: %w", threeds.ErrIdempotencyConflict)
	}
	return nil
}
