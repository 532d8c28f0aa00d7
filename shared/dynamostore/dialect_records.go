package dynamostore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TypeDialectRecord is a record a dialect keeps beside the transactions (a
// Juspay order, a vendor merchant-ID mapping): an opaque body, sealed.
const TypeDialectRecord = "dialect_record"

// ErrDialectRecordConflict is a record update that lost its race too often.
var ErrDialectRecordConflict = errors.New("dialect record: concurrent update")

func recordPK(kind, scope, k string) string {
	h := sha256.Sum256([]byte(k))
	return "DREC#" + kind + "#" + scope + "#" + hex.EncodeToString(h[:])
}

const recordSK = "DREC"

type recordItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt,omitempty"`
	Version   int64  `dynamodbav:"version"`
	Sealed    []byte `dynamodbav:"bodySealed"`
	KeyID     string `dynamodbav:"bodyKeyId"`
	CreatedAt string `dynamodbav:"createdAt"`
}

// CreateDialectRecord stores body under (kind, scope, key) unless a live
// record is there: then it returns that record's body and created false.
// A zero expiresAt keeps the record until it is deleted.
func (s *Store) CreateDialectRecord(ctx context.Context, kind, scope, k string, body []byte, expiresAt time.Time) (existing []byte, created bool, err error) {
	pk := recordPK(kind, scope, k)
	it, err := s.recordItem(pk, body, expiresAt, 1)
	if err != nil {
		return nil, false, fmt.Errorf("create dialect record: %w", err)
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, false, fmt.Errorf("create dialect record: %w", err)
	}
	now := s.now()
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(), Item: item,
		ConditionExpression:                 aws.String("attribute_not_exists(pk) OR (attribute_exists(expiresAt) AND expiresAt <= :now)"),
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": num(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	if err == nil {
		return nil, true, nil
	}
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || ccf.Item == nil {
		return nil, false, fmt.Errorf("create dialect record: %w", err)
	}
	var old recordItem
	if err := attributevalue.UnmarshalMap(ccf.Item, &old); err != nil {
		return nil, false, fmt.Errorf("create dialect record: decode: %w", err)
	}
	b, err := s.openValue(old.KeyID, old.Sealed, pk)
	if err != nil {
		return nil, false, fmt.Errorf("create dialect record: open: %w", err)
	}
	return []byte(b), false, nil
}

// GetDialectRecord reads a record in one strongly consistent GetItem; ok is
// false when there is none (or it expired).
func (s *Store) GetDialectRecord(ctx context.Context, kind, scope, k string) (body []byte, ok bool, err error) {
	b, _, ok, err := s.getRecord(ctx, recordPK(kind, scope, k))
	return b, ok, err
}

func (s *Store) getRecord(ctx context.Context, pk string) ([]byte, int64, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.tableName(), Key: key(pk, recordSK), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, 0, false, fmt.Errorf("get dialect record: %w", err)
	}
	if out.Item == nil {
		return nil, 0, false, nil
	}
	var it recordItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return nil, 0, false, fmt.Errorf("get dialect record: decode: %w", err)
	}
	if it.ExpiresAt != 0 && s.expired(it.ExpiresAt) {
		return nil, 0, false, nil
	}
	b, err := s.openValue(it.KeyID, it.Sealed, pk)
	if err != nil {
		return nil, 0, false, fmt.Errorf("get dialect record: open: %w", err)
	}
	return []byte(b), it.Version, true, nil
}

// UpdateDialectRecord applies fn to a live record's body under optimistic
// locking (a bounded number of retries); ok is false when there is none.
// fn may run more than once.
func (s *Store) UpdateDialectRecord(ctx context.Context, kind, scope, k string, expiresAt time.Time, fn func([]byte) ([]byte, error)) (body []byte, ok bool, err error) {
	pk := recordPK(kind, scope, k)
	for attempt := 0; attempt < 5; attempt++ {
		cur, version, found, err := s.getRecord(ctx, pk)
		if err != nil || !found {
			return nil, found, err
		}
		next, err := fn(cur)
		if err != nil {
			return nil, true, err
		}
		it, err := s.recordItem(pk, next, expiresAt, version+1)
		if err != nil {
			return nil, true, fmt.Errorf("update dialect record: %w", err)
		}
		item, err := attributevalue.MarshalMap(it)
		if err != nil {
			return nil, true, fmt.Errorf("update dialect record: %w", err)
		}
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: s.tableName(), Item: item,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": attrVersion},
			ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(version)},
		})
		if err == nil {
			return next, true, nil
		}
		if !isConditionFailed(err) {
			return nil, true, fmt.Errorf("update dialect record: %w", err)
		}
		if err := backoff(ctx, attempt); err != nil {
			return nil, true, err
		}
	}
	return nil, true, ErrDialectRecordConflict
}

func (s *Store) recordItem(pk string, body []byte, expiresAt time.Time, version int64) (*recordItem, error) {
	keyID, sealed, err := s.sealValue(string(body), pk)
	if err != nil {
		return nil, err
	}
	it := &recordItem{PK: pk, SK: recordSK, Type: TypeDialectRecord, Version: version, Sealed: sealed, KeyID: keyID, CreatedAt: ts(s.now())}
	if !expiresAt.IsZero() {
		it.ExpiresAt = epoch(expiresAt)
	}
	return it, nil
}
