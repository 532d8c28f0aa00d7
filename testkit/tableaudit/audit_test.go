package tableaudit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/tableaudit"
)

// TestAuditAfterFlows drives every item type through the store with the
// simulator's test PANs, then scans the table: no PAN, no API key, no
// webhook secret in clear, and a TTL on every expiring item.
func TestAuditAfterFlows(t *testing.T) {
	ctx := context.Background()
	r := threeds.DefaultRetention()
	now := time.Now().UTC()
	client, table := ddblocal.NewTable(t)
	v := testVault(t)
	s := dynamostore.New(client, table, dynamostore.Options{Retention: &r, Sealer: v})

	pans := []emv3ds.PAN{"4000000000001000", "4000000000001059", "5200000000001096", "340000000001007", "4000000000001158"}
	const secret = "whsec_audit_secret_123"
	key, prefix, err := vault.NewAPIKey()
	require.NoError(t, err)

	require.NoError(t, s.CreateMerchant(ctx, &threeds.Merchant{ID: "m1", Name: "Shop", WebhookURL: "https://shop.example/h", WebhookSecret: secret, CreatedAt: now}))
	require.NoError(t, s.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "m1", Hash: vault.HashAPIKey(key), Prefix: prefix, CreatedAt: now}))
	require.NoError(t, s.LoadRanges(ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "1", Full: true, Changes: []threeds.CardRangeChange{
		{Range: threeds.CardRange{Start: "4000000000000000", End: "4000000000009999", ThreeDSMethodURL: "https://acs.example/m"}},
	}}))

	for i, pan := range pans {
		_, _ = s.LookupCardRange(ctx, pan)
		tx, err := threeds.NewTransaction(threeds.NewTransactionInput{
			ID: fmt.Sprintf("0b0f6c1e-2d3a-4b5c-8d9e-%012d", i), MerchantID: "m1",
			Card: threeds.NewCard(pan, emv3ds.SchemeVisa, v), ThreeDSMethodURL: "https://acs.example/m",
		}, now, r)
		require.NoError(t, err)
		require.NoError(t, s.Create(ctx, tx))
		_, err = s.Update(ctx, tx.ID, func(tx *threeds.Transaction) error {
			if err := tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, now, r); err != nil {
				return err
			}
			if err := tx.RecordARes(threeds.AResData{TransStatus: emv3ds.TransStatusChallenge, ACSTransID: "a", DSTransID: "d", ACSURL: "https://acs.example/c"}, now, r); err != nil {
				return err
			}
			_, err := tx.RecordRReq(threeds.RReqData{TransStatus: emv3ds.TransStatusAuthenticated, ECI: "05",
				AuthenticationValue: "AAABBEg0VhI0VniQEjRWAAAAAAA=", Fingerprint: "fp", RRes: json.RawMessage(`{"resultsStatus":"01"}`)}, now, r)
			return err
		})
		require.NoError(t, err)
		_, err = s.Begin(ctx, "m1", fmt.Sprintf("idem-%d", i), "h")
		require.NoError(t, err)
		require.NoError(t, s.Complete(ctx, "m1", fmt.Sprintf("idem-%d", i), "h", 200, []byte(`{"threeDSServerTransID":"`+tx.ID+`"}`)))
		require.NoError(t, s.CreateWebhookDelivery(ctx, &threeds.WebhookDelivery{ID: tx.ID + ":final", MerchantID: "m1", TransactionID: tx.ID}))
	}
	_, err = s.Begin(ctx, "m1", "in-progress", "h") // an uncompleted claim too
	require.NoError(t, err)

	forbidden := []string{key, secret}
	for _, p := range pans {
		forbidden = append(forbidden, p.Reveal())
	}
	rep, err := tableaudit.Audit(ctx, client, table, forbidden...)
	require.NoError(t, err)
	require.Empty(t, rep.Findings)
	for _, typ := range []string{dynamostore.TypeTransaction, dynamostore.TypeMerchant, dynamostore.TypeAPIKey, dynamostore.TypeIdempotency,
		dynamostore.TypeCardRange, dynamostore.TypeCardRangeSeg, dynamostore.TypeCardRangeSet, dynamostore.TypeWebhookDelivery} {
		require.Positive(t, rep.ByType[typ], "the flows wrote a %s item", typ)
	}
	require.Equal(t, len(pans), rep.ByType[dynamostore.TypeTransaction])

	// the audit itself catches what it is for
	require.NoError(t, s.CreateMerchant(ctx, &threeds.Merchant{ID: "leak", Name: "4000000000001000"}))
	rep, err = tableaudit.Audit(ctx, client, table, forbidden...)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	require.Equal(t, "MERCHANT#leak", rep.Findings[0].PK)
	require.NotContains(t, rep.Findings[0].Problem, "4000000000001000")

	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "TX#no-ttl"}, "sk": &types.AttributeValueMemberS{Value: "TX"},
		"type": &types.AttributeValueMemberS{Value: dynamostore.TypeTransaction}}})
	require.NoError(t, err)
	rep, err = tableaudit.Audit(ctx, client, table, forbidden...)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 2)
	require.Contains(t, fmt.Sprint(rep.Findings), "without a numeric expiresAt")
}

func testVault(t *testing.T) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, 32))
	require.NoError(t, err)
	return v
}
