package dynamostore_test

import (
	"bytes"
	"context"
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
)

const sealTestCAVV = "kq6oKT87AxkR7zB3c4pWQ1sJ0Lw="

func cavvTx(t *testing.T, id string) *threeds.Transaction {
	t.Helper()
	now := time.Now()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: id, MerchantID: "m1", Card: threeds.Card{Scheme: emv3ds.SchemeVisa}}, now, threeds.DefaultRetention())
	require.NoError(t, err)
	tx.ARes = threeds.AResData{TransStatus: "Y", ECI: "05", AuthenticationValue: sealTestCAVV, ReceivedAt: now.UTC().Truncate(time.Millisecond)}
	// A challenge's result (from the RReq): the ARes and the result are
	// both stored, each sealed (a frictionless result is the ARes's, stored
	// once: TestFrictionlessResultStoredOnce).
	tx.Result = &threeds.Result{TransStatus: "Y", ECI: "05", AuthenticationValue: sealTestCAVV, Source: threeds.SourceRReq, ReceivedAt: now.UTC().Truncate(time.Millisecond)}
	tx.State = threeds.StateFinal
	return tx
}

func rawTx(t *testing.T, client *dynamodb.Client, table, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "TX#" + id}, "sk": &types.AttributeValueMemberS{Value: "TX"}}})
	require.NoError(t, err)
	return out.Item
}

// The CAVV is sealed (AES-GCM under the master key, key ID beside it) in
// the transaction's ares and result, opens only for its own transaction
// and slot, and is read back in clear through the store.
func TestCAVVSealedAtRest(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	const id = "5d1c1f0e-7b2a-4c3d-8e9f-0a1b2c3d4e5f"
	require.NoError(t, s.Create(ctx, cavvTx(t, id)))

	item := rawTx(t, client, table, id)
	require.NotContains(t, dumpItem(t, item), sealTestCAVV, "no CAVV in clear anywhere in the item")
	for _, slot := range []string{"a", "r"} { // ares, result (compact layout)
		m := item[slot].(*types.AttributeValueMemberM).Value
		_, clear := m["av"]
		require.False(t, clear, slot)
		sealed, ok := m["avs"].(*types.AttributeValueMemberB)
		require.True(t, ok, "%s holds the sealed value", slot)
		require.NotEmpty(t, sealed.Value)
		require.Equal(t, testVault(t).KeyID(), m["avk"].(*types.AttributeValueMemberS).Value, "the key ID is stored beside it")
	}

	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.ARes.AuthenticationValue)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)

	// An update re-seals; the value survives.
	_, err = s.Update(ctx, id, func(tx *threeds.Transaction) error {
		tx.CResReceivedAt = time.Now().UTC().Truncate(time.Millisecond)
		return nil
	})
	require.NoError(t, err)
	require.NotContains(t, dumpItem(t, rawTx(t, client, table, id)), sealTestCAVV)
	got, err = s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)

	// Moved to another transaction, the sealed value does not open (AAD).
	const other = "5d1c1f0e-7b2a-4c3d-8e9f-0a1b2c3d4e60"
	item["pk"] = &types.AttributeValueMemberS{Value: "TX#" + other} // the ID is the key's
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	require.NoError(t, err)
	_, err = s.Get(ctx, other)
	require.ErrorIs(t, err, vault.ErrOpen)

	// Without a sealer the store refuses to write a CAVV in clear; a
	// listing store (no master key) reads it as a masked placeholder.
	noSealer := dynamostore.New(client, table, dynamostore.Options{})
	require.ErrorContains(t, noSealer.Create(ctx, cavvTx(t, "5d1c1f0e-7b2a-4c3d-8e9f-0a1b2c3d4e61")), "refusing to store")
	lister := dynamostore.New(client, table, dynamostore.Options{SkipWebhookSecrets: true})
	listed, err := lister.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "****", listed.Result.AuthenticationValue.String())
	require.NotEqual(t, sealTestCAVV, listed.Result.AuthenticationValue.Reveal())
	_, err = lister.Update(ctx, id, func(tx *threeds.Transaction) error { tx.CResReceivedAt = time.Now().UTC(); return nil })
	require.Error(t, err, "a store without the key does not rewrite a sealed value")

	// An item written before sealing (clear value) is still read.
	legacy := rawTx(t, client, table, id)
	res := legacy["r"].(*types.AttributeValueMemberM).Value
	delete(res, "avs")
	delete(res, "avk")
	res["av"] = &types.AttributeValueMemberS{Value: sealTestCAVV}
	_, err = client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: legacy})
	require.NoError(t, err)
	got, err = s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
}

// A frictionless result is the ARes's: stored once (the "ra" flag), rebuilt
// on read, and the final item stays under the 1 KB of one write unit.
func TestFrictionlessResultStoredOnce(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	const id = "5d1c1f0e-7b2a-4c3d-8e9f-0a1b2c3d4e70"
	tx := cavvTx(t, id)
	tx.Result.Source = threeds.SourceARes
	require.NoError(t, s.Create(ctx, tx))
	item := rawTx(t, client, table, id)
	require.NotContains(t, item, "r", "no second copy of the result")
	require.Equal(t, &types.AttributeValueMemberBOOL{Value: true}, item["ra"])
	require.NotContains(t, item, "threeDSServerTransID", "the ID is the partition key's")
	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, tx.Result, got.Result)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
}

// A transaction written in the layout before the compact one (long names,
// the ID as an attribute) is still read, CAVV included.
func TestLegacyTransactionLayoutRead(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	const id = "5d1c1f0e-7b2a-4c3d-8e9f-0a1b2c3d4e71"
	S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	exp := time.Now().Add(time.Hour).Unix()
	item := map[string]types.AttributeValue{
		"pk": S("TX#" + id), "sk": S("TX"), "type": S("transaction"), "threeDSServerTransID": S(id),
		"merchantId": S("m1"), "state": S("final"), "version": &types.AttributeValueMemberN{Value: "3"},
		"expiresAt": &types.AttributeValueMemberN{Value: fmt.Sprint(exp)}, "createdAt": S("2026-06-25T08:15:30Z"),
		"updatedAt": S("2026-06-25T08:15:31Z"), "cardScheme": S("visa"), "messageVersion": S("2.2.0"),
		"ares": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"transStatus": S("Y"), "dsTransID": S("d1"), "eci": S("05")}},
		"result": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"transStatus": S("Y"), "eci": S("05"),
			"authenticationValue": S(sealTestCAVV), "source": S("ARes"), "receivedAt": S("2026-06-25T08:15:31Z")}},
	}
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
	require.NoError(t, err)
	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, id, got.ID)
	require.Equal(t, "m1", got.MerchantID)
	require.Equal(t, "d1", got.ARes.DSTransID)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
	require.Equal(t, emv3ds.Version("2.2.0"), got.MessageVersion)
	// Its next write stores it compactly.
	_, err = s.Update(ctx, id, func(tx *threeds.Transaction) error { tx.CResReceivedAt = time.Now().UTC(); return nil })
	require.NoError(t, err)
	raw := rawTx(t, client, table, id)
	require.NotContains(t, raw, "threeDSServerTransID")
	require.NotContains(t, dumpItem(t, raw), sealTestCAVV)
	got, err = s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
}

// After a master-key rotation a keyring opens what the old key sealed
// (by the stored key ID) and seals anew with the new key.
func TestCAVVKeyRotation(t *testing.T) {
	ctx := context.Background()
	client, table := ddblocal.NewTable(t)
	oldKey := testVault(t)
	newKey, err := vault.New(bytes.Repeat([]byte{9}, 32))
	require.NoError(t, err)
	require.NotEqual(t, oldKey.KeyID(), newKey.KeyID())
	const id = "6e2d2f1f-8c3b-4d4e-9fa0-1b2c3d4e5f60"
	require.NoError(t, dynamostore.New(client, table, dynamostore.Options{Sealer: oldKey}).Create(ctx, cavvTx(t, id)))

	_, err = dynamostore.New(client, table, dynamostore.Options{Sealer: newKey}).Get(ctx, id)
	require.ErrorIs(t, err, vault.ErrUnknownKey, "the new key alone cannot open the old values")

	rotated := dynamostore.New(client, table, dynamostore.Options{Sealer: vault.NewKeyring(newKey, oldKey)})
	got, err := rotated.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
	_, err = rotated.Update(ctx, id, func(tx *threeds.Transaction) error { tx.CResReceivedAt = time.Now().UTC(); return nil })
	require.NoError(t, err)
	res := rawTx(t, client, table, id)["r"].(*types.AttributeValueMemberM).Value
	require.Equal(t, newKey.KeyID(), res["avk"].(*types.AttributeValueMemberS).Value, "re-sealed under the new key")
	got, err = dynamostore.New(client, table, dynamostore.Options{Sealer: newKey}).Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, emv3ds.AuthenticationValue(sealTestCAVV), got.Result.AuthenticationValue)
}

// An idempotency record holds the whole /auth answer (with its CAVV): the
// answer is sealed, and the replay gets it back byte for byte.
func TestIdempotentAnswerSealedAtRest(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	answer := []byte(`{"messageType":"ARes","transStatus":"Y","authenticationValue":"` + sealTestCAVV + `"}`)
	_, err := s.Begin(ctx, "m1", "order-1", "hash-1")
	require.NoError(t, err)
	require.NoError(t, s.Complete(ctx, "m1", "order-1", "hash-1", 200, answer))

	out, err := client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table)})
	require.NoError(t, err)
	require.Len(t, out.Items, 1)
	require.NotContains(t, dumpItem(t, out.Items[0]), sealTestCAVV)
	require.NotContains(t, dumpItem(t, out.Items[0]), "transStatus", "the whole answer is sealed")
	require.Equal(t, testVault(t).KeyID(), out.Items[0]["responseKeyId"].(*types.AttributeValueMemberS).Value)

	rec, err := s.Begin(ctx, "m1", "order-1", "hash-1")
	require.NoError(t, err)
	require.True(t, rec.Completed)
	require.Equal(t, answer, rec.Response)

	noSealer := dynamostore.New(client, table, dynamostore.Options{})
	_, err = noSealer.Begin(ctx, "m1", "order-2", "hash-2")
	require.NoError(t, err)
	require.ErrorContains(t, noSealer.Complete(ctx, "m1", "order-2", "hash-2", 200, answer), "refusing to store")
}

func dumpItem(t *testing.T, item map[string]types.AttributeValue) string {
	t.Helper()
	var b bytes.Buffer
	var walk func(v types.AttributeValue)
	walk = func(v types.AttributeValue) {
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			b.WriteString(x.Value + "\n")
		case *types.AttributeValueMemberB:
			b.Write(x.Value)
			b.WriteString("\n")
		case *types.AttributeValueMemberM:
			for k, e := range x.Value {
				b.WriteString(k + "\n")
				walk(e)
			}
		case *types.AttributeValueMemberL:
			for _, e := range x.Value {
				walk(e)
			}
		}
	}
	for k, v := range item {
		b.WriteString(k + "\n")
		walk(v)
	}
	return b.String()
}
