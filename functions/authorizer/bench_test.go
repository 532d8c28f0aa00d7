package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

// benchAuthorizer is the authorizer's handler over an in-memory key store:
// the key check itself (header parse, SHA-256, lookup, constant-time
// compare, policy), without DynamoDB.
func benchAuthorizer(b *testing.B) (handler, string) {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	store := threedstest.NewMemoryStore(func() time.Time { return now }, threeds.Retention{})
	if err := store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-1", Name: "Bench", CreatedAt: now, UpdatedAt: now}); err != nil {
		b.Fatal(err)
	}
	key, prefix, err := vault.NewAPIKey()
	if err != nil {
		b.Fatal(err)
	}
	if err := store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "merchant-1", Hash: vault.HashAPIKey(key), Prefix: prefix, CreatedAt: now}); err != nil {
		b.Fatal(err)
	}
	svc := threeds.NewKeyService(store, threeds.WithClock(func() time.Time { return now }))
	return handler{svc: svc, log: slog.New(slog.NewJSONHandler(io.Discard, nil)), rules: credentialRules()}, key
}

func benchEvent(headers map[string]string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type: "REQUEST", MethodArn: "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/POST/auth",
		Resource: "/auth", Path: "/auth", HTTPMethod: "POST", // the route picks the credential rule
		Headers: headers,
	}
}

func BenchmarkAuthorizerValidKey(b *testing.B) {
	h, key := benchAuthorizer(b)
	ev := benchEvent(map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + key, "User-Agent": "bench"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		resp, err := h.Handle(ctx, ev)
		if err != nil || resp.PrincipalID != "merchant-1" {
			b.Fatalf("want Allow for merchant-1, got %v %v", resp.PrincipalID, err)
		}
	}
}

func BenchmarkAuthorizerUnknownKey(b *testing.B) {
	h, _ := benchAuthorizer(b)
	ev := benchEvent(map[string]string{"APIKey": "o3ds_thisKeyDoesNotExist0000000000000000000"})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Handle(ctx, ev); err == nil || err.Error() != "Unauthorized" {
			b.Fatalf("want Unauthorized, got %v", err)
		}
	}
}

func BenchmarkHashAPIKey(b *testing.B) {
	_, key := benchAuthorizer(b)
	b.ReportAllocs()
	for b.Loop() {
		if len(vault.HashAPIKey(key)) != 64 {
			b.Fatal("hash is not 64 hex characters")
		}
	}
}
