package dynamostore_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
)

// A Cardinal browser session round-trips; creating one twice, or
// replacing a missing or another merchant's one, fails; the item carries
// its TTL.
func TestCardinalSession(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	now := time.Now().UTC().Truncate(time.Second)
	c := &threeds.CardinalSession{ID: "0_8a880dc0-d2d2-4067-bcb1-b08d1690b26e", SecretHash: []byte("0123456789abcdef0123456789abcdef"),
		MerchantID: "m1", APIID: "api", OrgUnitID: "org", JTI: "jti-1", ReferenceID: "ref", ConfirmURL: "https://shop.example/confirm",
		Origin: "https://shop.example", Objectify: true, OrderNumber: "o-1", Amount: "1500", CurrencyCode: "840",
		CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	require.NoError(t, s.PutCardinalSession(ctx, c, true))
	require.Error(t, s.PutCardinalSession(ctx, c, true), "a session ID is created once")
	got, err := s.GetCardinalSession(ctx, c.ID)
	require.NoError(t, err)
	require.Equal(t, c, got)

	c.MethodTransID, c.MethodPANHash, c.TransIDs = "tx-1", "hash", []string{"tx-1", "tx-2"}
	require.NoError(t, s.PutCardinalSession(ctx, c, false))
	got, err = s.GetCardinalSession(ctx, c.ID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"tx-1", "tx-2"}, got.TransIDs)
	require.Equal(t, "tx-1", got.MethodTransID)

	foreign := *c
	foreign.MerchantID = "m2"
	require.ErrorIs(t, s.PutCardinalSession(ctx, &foreign, false), threeds.ErrCardinalSessionNotFound)
	missing := *c
	missing.ID = "0_00000000-0000-4000-8000-000000000000"
	require.ErrorIs(t, s.PutCardinalSession(ctx, &missing, false), threeds.ErrCardinalSessionNotFound)
	_, err = s.GetCardinalSession(ctx, missing.ID)
	require.ErrorIs(t, err, threeds.ErrCardinalSessionNotFound)

	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "cardinalsession#" + c.ID}, "sk": &types.AttributeValueMemberS{Value: "SESSION"}}})
	require.NoError(t, err)
	require.Equal(t, &types.AttributeValueMemberN{Value: strconv.FormatInt(c.ExpiresAt.Unix(), 10)}, out.Item["expiresAt"], "the TTL attribute")
}
