package dynamostore

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// expiring is a stored item with a TTL: reads treat it as absent once
// expiresAt has passed (DynamoDB deletes lazily).
type expiring interface{ expiry() int64 }

func (it *txItem) expiry() int64      { return it.ExpiresAt }
func (it *webhookItem) expiry() int64 { return it.ExpiresAt }

// getItem reads the item at k (strongly consistent) into I. An absent
// item, or an expiring one past its TTL, is notFound. Errors start with op.
func getItem[I any](ctx context.Context, s *Store, op string, k map[string]types.AttributeValue, notFound error) (*I, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: s.tableName(), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("%s: %w", op, notFound)
	}
	it := new(I)
	if err := attributevalue.UnmarshalMap(out.Item, it); err != nil {
		return nil, fmt.Errorf("%s: decode: %w", op, err)
	}
	if e, ok := any(it).(expiring); ok && s.expired(e.expiry()) {
		return nil, fmt.Errorf("%s: %w", op, notFound)
	}
	return it, nil
}

// versioned is one item that update writes under optimistic locking: T is
// the domain value, I the stored item, which carries the version.
type versioned[T, I any] struct {
	op    string // "update merchant m1": errors start with it
	read  func(context.Context) (cur *T, version int64, err error)
	clone func(*T) *T
	// check refuses what fn may not change.
	check func(cur, next *T) error
	// encode is the item that stores next at version.
	encode func(next *T, version int64) (*I, error)
	// stored is what update returns once it is written.
	stored func(next *T, it *I) (*T, error)
}

// apply calls fn on a copy of cur and checks the result; changed is false
// when fn changed nothing (no write, no stream record).
func (v versioned[T, I]) apply(cur *T, fn func(*T) error) (next *T, changed bool, err error) {
	next = v.clone(cur)
	if err := fn(next); err != nil {
		return nil, false, fmt.Errorf("%s: %w", v.op, err)
	}
	if err := v.check(cur, next); err != nil {
		return nil, false, err
	}
	return next, !reflect.DeepEqual(cur, next), nil
}

// put writes next at version+1 on the condition that the stored version is
// still version (and, with unexpired, that the item has not expired: a
// caller that did not just read it cannot know). ok is false when the
// condition failed.
func (v versioned[T, I]) put(ctx context.Context, s *Store, next *T, version int64, unexpired bool) (out *T, ok bool, err error) {
	it, err := v.encode(next, version+1)
	if err != nil {
		return nil, false, err
	}
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", v.op, err)
	}
	cond := "#v = :v"
	names := map[string]string{"#v": attrVersion}
	values := map[string]types.AttributeValue{":v": num(version)}
	if unexpired {
		cond += " AND #e > :now"
		names["#e"] = attrExpiresAt
		values[":now"] = num(s.now().Unix())
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(), Item: item,
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if isConditionFailed(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", v.op, err)
	}
	out, err = v.stored(next, it)
	if err != nil {
		return nil, false, err
	}
	return out, true, nil
}

// update is the read-modify-write of every versioned item: read, fn on a
// copy, then a put conditional on the version read; a lost race reads
// again after a jittered backoff, up to MaxAttempts times, then
// ErrConcurrentUpdate.
func update[T, I any](ctx context.Context, s *Store, v versioned[T, I], fn func(*T) error) (*T, error) {
	for attempt := 0; attempt < s.maxAttempts; attempt++ {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return nil, err
			}
		}
		cur, version, err := v.read(ctx)
		if err != nil {
			return nil, err
		}
		next, changed, err := v.apply(cur, fn)
		if err != nil {
			return nil, err
		}
		if !changed {
			return cur, nil
		}
		out, ok, err := v.put(ctx, s, next, version, false)
		if err != nil {
			return nil, err
		}
		if ok {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", v.op, threeds.ErrConcurrentUpdate)
}
