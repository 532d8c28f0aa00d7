package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// API is the part of *dynamodb.Client the store uses (narrow, so tests and
// wrappers can stand in for it).
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DeleteItem(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchWriteItem(context.Context, *dynamodb.BatchWriteItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
	TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Sealer encrypts secrets at rest (vault.Vault implements it).
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// Options configure a Store. The zero value works except for webhook
// secrets, which need a Sealer.
type Options struct {
	// Now is the clock (default time.Now); expiry is judged against it.
	Now func() time.Time
	// Retention applies to idempotency records and webhook deliveries
	// (default threeds.DefaultRetention()).
	Retention *threeds.Retention
	// Sealer encrypts merchants' webhook secrets.
	Sealer Sealer
	// MaxAttempts bounds optimistic-locking retries of Update (default 20).
	MaxAttempts int
	// SkipWebhookSecrets reads merchants without opening their webhook
	// secrets (WebhookSecret stays empty), for tools that list merchants
	// without the master key. Such a store refuses to update merchants.
	SkipWebhookSecrets bool
}

// Store implements every threeds store port on one DynamoDB table.
type Store struct {
	db          API
	table       string
	now         func() time.Time
	retention   threeds.Retention
	sealer      Sealer
	maxAttempts int
	skipSecrets bool
}

var (
	_ threeds.Store                = (*Store)(nil)
	_ threeds.HeldUpdater          = (*Store)(nil)
	_ threeds.MerchantStore        = (*Store)(nil)
	_ threeds.APIKeyStore          = (*Store)(nil)
	_ threeds.IdempotencyStore     = (*Store)(nil)
	_ threeds.CardRangeStore       = (*Store)(nil)
	_ threeds.WebhookDeliveryStore = (*Store)(nil)
)

// New returns a Store on table.
func New(db API, table string, opts Options) *Store {
	s := &Store{db: db, table: table, now: opts.Now, sealer: opts.Sealer, maxAttempts: opts.MaxAttempts, skipSecrets: opts.SkipWebhookSecrets, retention: threeds.DefaultRetention()}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.Retention != nil {
		s.retention = *opts.Retention
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = 20
	}
	return s
}

// Table is the table name.
func (s *Store) Table() string { return s.table }

// Attribute names shared by every item.
const (
	attrPK        = "pk"
	attrSK        = "sk"
	attrGSI1PK    = "gsi1pk"
	attrGSI1SK    = "gsi1sk"
	attrType      = "type"
	attrExpiresAt = "expiresAt"
	attrVersion   = "version"
	indexGSI1     = "gsi1"
)

// Item types (the "type" attribute).
const (
	TypeTransaction     = "transaction"
	TypeMerchant        = "merchant"
	TypeAPIKey          = "apikey"
	TypeIdempotency     = "idempotency"
	TypeCardRangeSet    = "cardrange_set"
	TypeCardRange       = "cardrange"
	TypeCardRangeSeg    = "cardrange_segment"
	TypeCardRangeLock   = "cardrange_lock"
	TypeWebhookDelivery = "webhook_delivery"
)

// ExpiringTypes are the item types that always carry expiresAt.
var ExpiringTypes = []string{TypeTransaction, TypeIdempotency, TypeWebhookDelivery, TypeCardRangeLock}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: fmt.Sprint(n)}
}

// isConditionFailed reports a failed ConditionExpression.
func isConditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	return errors.As(err, &ccf)
}

// ts formats a time attribute ("" for zero).
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return threeds.Stamp(t).Format(time.RFC3339Nano)
}

// pt parses a time attribute.
func pt(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return threeds.Stamp(t)
}

// sortTime is a fixed-width time for sort keys (RFC 3339 strings with
// varying fractions do not sort as text).
func sortTime(t time.Time) string { return t.UTC().Format("20060102T150405.000000Z") }

func epoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromEpoch(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// expired reports an item past its TTL (DynamoDB deletes lazily, so reads
// must check).
func (s *Store) expired(expiresAt int64) bool {
	return expiresAt != 0 && !s.now().Before(fromEpoch(expiresAt))
}

// backoff sleeps a jittered, growing delay before retry attempt i.
func backoff(ctx context.Context, attempt int) error {
	ceiling := min(2*time.Millisecond<<attempt, 200*time.Millisecond)
	d := time.Duration(rand.Int64N(int64(ceiling) + 1))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// queryAll runs a Query to the end (all pages) and returns the items.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

// batchWrite writes puts and deletes in batches of 25, retrying
// unprocessed items.
func (s *Store) batchWrite(ctx context.Context, reqs []types.WriteRequest) error {
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		batch := reqs[:n]
		reqs = reqs[n:]
		for attempt := 0; len(batch) > 0; attempt++ {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.table: batch}})
			if err != nil {
				return err
			}
			batch = out.UnprocessedItems[s.table]
			if len(batch) > 0 {
				if attempt > 10 {
					return errors.New("batch write: unprocessed items after retries")
				}
				if err := backoff(ctx, attempt); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (s *Store) tableName() *string { return aws.String(s.table) }
