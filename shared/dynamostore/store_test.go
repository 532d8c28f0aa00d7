package dynamostore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/storetest"
)

func TestMain(m *testing.M) { ddblocal.Main(m) }

func testVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	return v
}

func newStore(t *testing.T, now func() time.Time, r threeds.Retention) (*dynamostore.Store, *dynamodb.Client, string) {
	client, table := ddblocal.NewTable(t)
	return dynamostore.New(client, table, dynamostore.Options{Now: now, Retention: &r, Sealer: testVault(t)}), client, table
}

// TestContract runs the store contract suite against DynamoDB Local.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time, r threeds.Retention) storetest.Stores {
		s, _, _ := newStore(t, now, r)
		return s
	})
}

func TestWebhookSecretSealedAtRest(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	m := &threeds.Merchant{ID: "m1", Name: "Shop", WebhookURL: "https://shop.example/hook", WebhookSecret: "whsec_topsecret_value"}
	require.NoError(t, s.CreateMerchant(ctx, m))

	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "MERCHANT#m1"}, "sk": &types.AttributeValueMemberS{Value: "PROFILE"}}})
	require.NoError(t, err)
	sealed, ok := out.Item["webhookSecretSealed"].(*types.AttributeValueMemberB)
	require.True(t, ok, "secret stored as sealed binary")
	require.NotContains(t, string(sealed.Value), "topsecret")
	_, clear := out.Item["webhookSecret"]
	require.False(t, clear)

	// a sealed secret moved to another merchant does not open (AAD binding)
	item := out.Item
	item["pk"] = &types.AttributeValueMemberS{Value: "MERCHANT#m2"}
	item["merchantId"] = &types.AttributeValueMemberS{Value: "m2"}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	require.NoError(t, err)
	_, err = s.GetMerchant(ctx, "m2")
	require.ErrorIs(t, err, vault.ErrOpen)

	noSealer := dynamostore.New(client, table, dynamostore.Options{})
	require.ErrorContains(t, noSealer.CreateMerchant(ctx, &threeds.Merchant{ID: "m3", WebhookSecret: "x"}), "no Sealer")
	_, err = noSealer.GetMerchant(ctx, "m1")
	require.Error(t, err)
	require.NoError(t, noSealer.CreateMerchant(ctx, &threeds.Merchant{ID: "m4"}), "merchants without a secret need no sealer")

	lister := dynamostore.New(client, table, dynamostore.Options{SkipWebhookSecrets: true})
	got, err := lister.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Empty(t, got.WebhookSecret)
	require.Equal(t, "https://shop.example/hook", got.WebhookURL)
	_, err = lister.UpdateMerchant(ctx, "m1", func(*threeds.Merchant) error { return nil })
	require.Error(t, err, "a store that cannot see the secret must not rewrite the merchant")
}

func TestDecodeTransaction(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: "2b5bfbdb-7c2f-4a54-9c4d-51c5b1b7a1a0", MerchantID: "m1"}, time.Now(), threeds.DefaultRetention())
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, tx))
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "TX#" + tx.ID}, "sk": &types.AttributeValueMemberS{Value: "TX"}}})
	require.NoError(t, err)
	got, err := dynamostore.DecodeTransaction(out.Item)
	require.NoError(t, err)
	require.Equal(t, tx, got)
	_, err = dynamostore.DecodeTransaction(map[string]types.AttributeValue{"type": &types.AttributeValueMemberS{Value: "merchant"}})
	require.Error(t, err)
}

// countingAPI counts the calls a store makes, by operation.
type countingAPI struct {
	dynamostore.API
	gets, puts int
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	c.gets++
	return c.API.GetItem(ctx, in, o...)
}

func (c *countingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	c.puts++
	return c.API.PutItem(ctx, in, o...)
}

// TestUpdateHeldSkipsTheRead checks the point of UpdateHeld: one PutItem and
// no GetItem when the held copy is current; the full read-modify-write only
// after a conflict.
func TestUpdateHeldSkipsTheRead(t *testing.T) {
	ctx := context.Background()
	client, table := ddblocal.NewTable(t)
	api := &countingAPI{API: client}
	s := dynamostore.New(api, table, dynamostore.Options{})
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: "held-1", MerchantID: "m1",
		Card: threeds.Card{Scheme: "visa", BIN: "400000", Last4: "1059", PANHash: "h"}, MessageVersion: "2.2.0"}, time.Now(), threeds.DefaultRetention())
	require.NoError(t, err)
	require.NoError(t, s.Create(ctx, tx))

	*api = countingAPI{API: client}
	sent, err := s.UpdateHeld(ctx, tx, func(t *threeds.Transaction) error {
		return t.RecordAReqSent(threeds.AReqSent{DeviceChannel: "02"}, time.Now(), threeds.DefaultRetention())
	})
	require.NoError(t, err)
	require.Equal(t, 0, api.gets)
	require.Equal(t, 1, api.puts)
	require.EqualValues(t, 2, sent.Version)

	// tx (version 1) is now stale: the conditional put fails, then Update.
	*api = countingAPI{API: client}
	got, err := s.UpdateHeld(ctx, tx, func(t *threeds.Transaction) error { t.ARes.CardholderInfo = "x"; return nil })
	require.NoError(t, err)
	require.Equal(t, 1, api.gets)
	require.Equal(t, 2, api.puts)
	require.EqualValues(t, 3, got.Version)
	require.Equal(t, threeds.StateAReqSent, got.State, "the fallback applied fn to the stored state")
}

// losingAPI loses every versioned write (a conditional put on #v) as if
// another writer always got there first.
type losingAPI struct{ countingAPI }

func (l *losingAPI) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if _, versioned := in.ExpressionAttributeNames["#v"]; versioned {
		l.puts++
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("lost the race")}
	}
	return l.countingAPI.PutItem(ctx, in, o...)
}

// TestUpdateGivesUpAfterMaxAttempts checks, for every versioned item, that
// a write that keeps losing is read and tried MaxAttempts times, then ends
// in ErrConcurrentUpdate with nothing written.
func TestUpdateGivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	tests := []struct {
		name   string
		create func(s *dynamostore.Store) error
		update func(s *dynamostore.Store) error
		stored func(s *dynamostore.Store) (string, error)
	}{
		{
			name: "transaction",
			create: func(s *dynamostore.Store) error {
				tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: "lose-1", MerchantID: "m1"}, now, threeds.DefaultRetention())
				if err != nil {
					return err
				}
				return s.Create(ctx, tx)
			},
			update: func(s *dynamostore.Store) error {
				_, err := s.Update(ctx, "lose-1", func(tx *threeds.Transaction) error { tx.ReturnURL = "https://shop.example/r"; return nil })
				return err
			},
			stored: func(s *dynamostore.Store) (string, error) {
				tx, err := s.Get(ctx, "lose-1")
				if err != nil {
					return "", err
				}
				return tx.ReturnURL, nil
			},
		},
		{
			name:   "merchant",
			create: func(s *dynamostore.Store) error { return s.CreateMerchant(ctx, &threeds.Merchant{ID: "m1"}) },
			update: func(s *dynamostore.Store) error {
				_, err := s.UpdateMerchant(ctx, "m1", func(m *threeds.Merchant) error { m.Name = "Renamed"; return nil })
				return err
			},
			stored: func(s *dynamostore.Store) (string, error) {
				m, err := s.GetMerchant(ctx, "m1")
				if err != nil {
					return "", err
				}
				return m.Name, nil
			},
		},
		{
			name: "webhook delivery",
			create: func(s *dynamostore.Store) error {
				return s.CreateWebhookDelivery(ctx, &threeds.WebhookDelivery{ID: "d1", MerchantID: "m1"})
			},
			update: func(s *dynamostore.Store) error {
				_, err := s.UpdateWebhookDelivery(ctx, "d1", func(d *threeds.WebhookDelivery) error { d.LastError = "boom"; return nil })
				return err
			},
			stored: func(s *dynamostore.Store) (string, error) {
				d, err := s.GetWebhookDelivery(ctx, "d1")
				if err != nil {
					return "", err
				}
				return d.LastError, nil
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, table := ddblocal.NewTable(t)
			api := &losingAPI{countingAPI{API: client}}
			s := dynamostore.New(api, table, dynamostore.Options{MaxAttempts: 3})
			require.NoError(t, tc.create(s))

			api.gets, api.puts = 0, 0
			err := tc.update(s)
			require.ErrorIs(t, err, threeds.ErrConcurrentUpdate)
			require.Equal(t, 3, api.gets, "one read per attempt")
			require.Equal(t, 3, api.puts, "one conditional put per attempt")

			got, err := tc.stored(s)
			require.NoError(t, err)
			require.Empty(t, got, "nothing written")
		})
	}
}
