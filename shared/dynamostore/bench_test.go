package dynamostore

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// benchTx is a frictionless transaction as stored after its ARes Y: the
// largest shape a frictionless authentication writes.
func benchTx() *threeds.Transaction {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	return &threeds.Transaction{
		ID: "8a483188-5c1e-4d2b-9a57-0b0f1d2e3c4d", MerchantID: "merchant-1", State: threeds.StateFinal, Version: 3,
		CreatedAt: now, UpdatedAt: now.Add(120 * time.Millisecond), ExpiresAt: now.Add(720 * time.Hour),
		Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "40000000", Last4: "1000",
			PANHash: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"},
		MessageVersion: "2.2.0", DSStartVersion: "2.1.0", DSEndVersion: "2.3.1", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0",
		DSReferenceNumber: "3DS_LOA_DIS_DSSM_020200_00101", CompInd: "U", AReqSentAt: now.Add(50 * time.Millisecond),
		DeviceChannel: "02", MessageCategory: "01", NotificationURL: "https://api.example.com/prod/callbacks/challenge",
		ReturnURL: "https://shop.example.com/checkout/return", ChallengeWindowSize: "05",
		ARes: threeds.AResData{
			TransStatus: "Y", DSTransID: "9552d9eb-1f7e-4c55-8f0e-2a9b8c7d6e5f", ACSTransID: "3fe92fe0-7a6b-4c5d-9e8f-0a1b2c3d4e5f",
			ACSReferenceNumber: "3DS_LOA_ACS_DSSM_020200_00201", DSReferenceNumber: "3DS_LOA_DIS_DSSM_020200_00101",
			MessageVersion: "2.2.0", ECI: "05", AuthenticationValue: "2Y8O8Xy3s9gbXGMgfHXF4cNumwU=", ReceivedAt: now.Add(110 * time.Millisecond),
		},
		Result: &threeds.Result{TransStatus: "Y", ECI: "05", AuthenticationValue: "2Y8O8Xy3s9gbXGMgfHXF4cNumwU=", Source: "ARes",
			ReceivedAt: now.Add(110 * time.Millisecond)},
	}
}

func BenchmarkTransactionMarshal(b *testing.B) {
	tx := benchTx()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := attributevalue.MarshalMap(toTxItem(tx)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTransactionUnmarshal(b *testing.B) {
	item, err := attributevalue.MarshalMap(toTxItem(benchTx()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var it txItem
		if err := attributevalue.UnmarshalMap(item, &it); err != nil {
			b.Fatal(err)
		}
		if fromTxItem(&it).Result == nil {
			b.Fatal("result lost")
		}
	}
}

// The store's round trips against DynamoDB Local: what each costs on this
// machine (DynamoDB in AWS is a network hop away; these are not its figures).
func benchStore(b *testing.B) *Store {
	client, table := ddblocal.NewTable(b)
	// The CAVV is sealed at rest: a store without a Sealer refuses it.
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	if err != nil {
		b.Fatal(err)
	}
	return New(client, table, Options{Sealer: v})
}

func BenchmarkStoreCreateDynamoDBLocal(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	base := benchTx()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tx := base.Clone()
		tx.ID = benchID(i)
		i++
		if err := s.Create(ctx, tx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreGetDynamoDBLocal(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	tx := benchTx()
	tx.ExpiresAt = time.Now().Add(time.Hour)
	if err := s.Create(ctx, tx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Get(ctx, tx.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreUpdateDynamoDBLocal(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	tx := benchTx()
	tx.ExpiresAt = time.Now().Add(time.Hour)
	if err := s.Create(ctx, tx); err != nil {
		b.Fatal(err)
	}
	sizes := [2]string{"04", "05"}
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		// A change every time, so each Update is a GetItem plus a
		// conditional PutItem.
		i++
		if _, err := s.Update(ctx, tx.ID, func(t *threeds.Transaction) error { t.ChallengeWindowSize = sizes[i%2]; return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func benchID(i int) string {
	const hex = "0123456789abcdef"
	b := []byte("00000000-0000-4000-8000-000000000000")
	for p := len(b) - 1; i > 0 && p >= 0; p-- {
		if b[p] == '-' {
			continue
		}
		b[p] = hex[i%16]
		i /= 16
	}
	return string(b)
}

// BenchmarkStoreAuthDynamoDBLocal is the storage of one frictionless /auth
// after a preauth (issue 18): ClaimAReq (the read and the AReq-sent mark in
// one conditional UpdateItem) and the held conditional PutItem of the ARes.
// The preauth's Create is outside the timer.
func BenchmarkStoreAuthDynamoDBLocal(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	r := threeds.DefaultRetention()
	final := benchTx()
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		i++
		tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: benchID(1000000 + i), MerchantID: final.MerchantID,
			Card: final.Card, MessageVersion: final.MessageVersion, DSStartVersion: final.DSStartVersion, DSEndVersion: final.DSEndVersion,
			ACSStartVersion: final.ACSStartVersion, ACSEndVersion: final.ACSEndVersion}, time.Now(), r)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Create(ctx, tx); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		claimed, _, err := s.ClaimAReq(ctx, tx.MerchantID, tx.ID, tx.Card.PANHash, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.UpdateHeld(ctx, claimed, func(t *threeds.Transaction) error {
			if err := t.CompleteAReqClaim(threeds.AReqSent{MessageVersion: final.MessageVersion, DeviceChannel: final.DeviceChannel,
				MessageCategory: final.MessageCategory, NotificationURL: final.NotificationURL, ReturnURL: final.ReturnURL,
				ChallengeWindowSize: final.ChallengeWindowSize}, time.Now(), r); err != nil {
				return err
			}
			return t.RecordARes(final.ARes, time.Now(), r)
		}); err != nil {
			b.Fatal(err)
		}
	}
}
