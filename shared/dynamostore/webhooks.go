package dynamostore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

func webhookPK(id string) string { return "WEBHOOK#" + id }

const webhookSK = "WEBHOOK"

type webhookItem struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	GSI1PK    string `dynamodbav:"gsi1pk"`
	GSI1SK    string `dynamodbav:"gsi1sk"`
	Type      string `dynamodbav:"type"`
	ExpiresAt int64  `dynamodbav:"expiresAt"`
	Version   int64  `dynamodbav:"version"`

	ID             string `dynamodbav:"deliveryId"`
	MerchantID     string `dynamodbav:"merchantId"`
	TransactionID  string `dynamodbav:"threeDSServerTransID,omitempty"`
	Event          string `dynamodbav:"event,omitempty"`
	Status         string `dynamodbav:"status"`
	Attempts       int    `dynamodbav:"attempts"`
	LastStatusCode int    `dynamodbav:"lastStatusCode,omitempty"`
	LastError      string `dynamodbav:"lastError,omitempty"`
	CreatedAt      string `dynamodbav:"createdAt"`
	UpdatedAt      string `dynamodbav:"updatedAt,omitempty"`
	NextAttemptAt  string `dynamodbav:"nextAttemptAt,omitempty"`
	DeliveredAt    string `dynamodbav:"deliveredAt,omitempty"`
}

func toWebhookItem(d *threeds.WebhookDelivery, version int64) *webhookItem {
	return &webhookItem{
		PK: webhookPK(d.ID), SK: webhookSK, GSI1PK: merchantGSI(d.MerchantID), GSI1SK: "WEBHOOK#" + sortTime(d.CreatedAt) + "#" + d.ID,
		Type: TypeWebhookDelivery, ExpiresAt: epoch(d.ExpiresAt), Version: version,
		ID: d.ID, MerchantID: d.MerchantID, TransactionID: d.TransactionID, Event: d.Event, Status: d.Status,
		Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		CreatedAt: ts(d.CreatedAt), UpdatedAt: ts(d.UpdatedAt), NextAttemptAt: ts(d.NextAttemptAt), DeliveredAt: ts(d.DeliveredAt),
	}
}

func fromWebhookItem(it *webhookItem) *threeds.WebhookDelivery {
	return &threeds.WebhookDelivery{
		ID: it.ID, MerchantID: it.MerchantID, TransactionID: it.TransactionID, Event: it.Event, Status: it.Status,
		Attempts: it.Attempts, LastStatusCode: it.LastStatusCode, LastError: it.LastError,
		CreatedAt: pt(it.CreatedAt), UpdatedAt: pt(it.UpdatedAt), NextAttemptAt: pt(it.NextAttemptAt),
		DeliveredAt: pt(it.DeliveredAt), ExpiresAt: fromEpoch(it.ExpiresAt),
	}
}

// CreateWebhookDelivery implements threeds.WebhookDeliveryStore. A zero
// ExpiresAt becomes CreatedAt + Retention.WebhookDelivery.
func (s *Store) CreateWebhookDelivery(ctx context.Context, d *threeds.WebhookDelivery) error {
	if d == nil || d.ID == "" || d.MerchantID == "" {
		return errors.New("create webhook delivery: missing ID or MerchantID")
	}
	now := s.now()
	c := *d
	if c.CreatedAt.IsZero() {
		c.CreatedAt = now
	}
	c.CreatedAt = threeds.Stamp(c.CreatedAt)
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = threeds.Expiry(c.CreatedAt, s.retention.WebhookDelivery)
	}
	if c.Status == "" {
		c.Status = threeds.WebhookPending
	}
	it := toWebhookItem(&c, 1)
	item, err := attributevalue.MarshalMap(it)
	if err != nil {
		return fmt.Errorf("create webhook delivery %s: %w", d.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: s.tableName(), Item: item,
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR expiresAt <= :now"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("create webhook delivery %s: %w", d.ID, threeds.ErrDuplicateWebhookDelivery)
	}
	if err != nil {
		return fmt.Errorf("create webhook delivery %s: %w", d.ID, err)
	}
	*d = *fromWebhookItem(it)
	return nil
}

func (s *Store) getWebhookItem(ctx context.Context, id string) (*webhookItem, error) {
	return getItem[webhookItem](ctx, s, "get webhook delivery "+id, key(webhookPK(id), webhookSK), threeds.ErrWebhookDeliveryNotFound)
}

// GetWebhookDelivery implements threeds.WebhookDeliveryStore.
func (s *Store) GetWebhookDelivery(ctx context.Context, id string) (*threeds.WebhookDelivery, error) {
	it, err := s.getWebhookItem(ctx, id)
	if err != nil {
		return nil, err
	}
	return fromWebhookItem(it), nil
}

// UpdateWebhookDelivery implements threeds.WebhookDeliveryStore with
// optimistic locking.
func (s *Store) UpdateWebhookDelivery(ctx context.Context, id string, fn func(*threeds.WebhookDelivery) error) (*threeds.WebhookDelivery, error) {
	return update(ctx, s, versioned[threeds.WebhookDelivery, webhookItem]{
		op: "update webhook delivery " + id,
		read: func(ctx context.Context) (*threeds.WebhookDelivery, int64, error) {
			it, err := s.getWebhookItem(ctx, id)
			if err != nil {
				return nil, 0, err
			}
			return fromWebhookItem(it), it.Version, nil
		},
		clone: func(d *threeds.WebhookDelivery) *threeds.WebhookDelivery { c := *d; return &c },
		check: func(cur, next *threeds.WebhookDelivery) error {
			if next.ID != cur.ID || next.MerchantID != cur.MerchantID || next.ExpiresAt.IsZero() || !next.CreatedAt.Equal(cur.CreatedAt) {
				return fmt.Errorf("update webhook delivery %s: ID, MerchantID and CreatedAt cannot change, ExpiresAt is required", id)
			}
			return nil
		},
		encode: func(next *threeds.WebhookDelivery, version int64) (*webhookItem, error) {
			return toWebhookItem(next, version), nil
		},
		stored: func(_ *threeds.WebhookDelivery, it *webhookItem) (*threeds.WebhookDelivery, error) {
			return fromWebhookItem(it), nil
		},
	}, fn)
}

// ListWebhookDeliveries implements threeds.WebhookDeliveryStore: a Query on
// gsi1, newest first, expired deliveries skipped.
func (s *Store) ListWebhookDeliveries(ctx context.Context, merchantID string, limit int) ([]*threeds.WebhookDelivery, error) {
	in := &dynamodb.QueryInput{
		TableName: s.tableName(), IndexName: aws.String(indexGSI1), ScanIndexForward: aws.Bool(false),
		KeyConditionExpression: aws.String("gsi1pk = :pk AND begins_with(gsi1sk, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(merchantGSI(merchantID)), ":p": str("WEBHOOK#"),
		},
	}
	var out []*threeds.WebhookDelivery
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() && (limit <= 0 || len(out) < limit) {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list webhook deliveries of %s: %w", merchantID, err)
		}
		for _, item := range page.Items {
			var it webhookItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("list webhook deliveries: decode: %w", err)
			}
			if s.expired(it.ExpiresAt) {
				continue
			}
			out = append(out, fromWebhookItem(&it))
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}
