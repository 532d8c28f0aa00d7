package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

const (
	validKey   = "o3ds_valid_test_key_merchant_a_000000001"
	revokedKey = "o3ds_revoked_test_key_merchant_a_00000002"
)

func newHandler(t *testing.T, keys threeds.APIKeyStore) (handler, *bytes.Buffer) {
	t.Helper()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	if keys == nil {
		store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
		ctx := context.Background()
		require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a"}))
		require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "merchant-a", Hash: vault.HashAPIKey(validKey), Prefix: "o3ds_val"}))
		require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k2", MerchantID: "merchant-a", Hash: vault.HashAPIKey(revokedKey), Prefix: "o3ds_rev"}))
		require.NoError(t, store.RevokeAPIKey(ctx, "merchant-a", "k2", clock.Now()))
		keys = store
	}
	logs := &bytes.Buffer{}
	svc := threeds.NewKeyService(keys, threeds.WithClock(clock.Now))
	return handler{svc: svc, log: slog.New(slog.NewJSONHandler(logs, nil))}, logs
}

func fixture(t *testing.T, name string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	require.Equal(t, "REQUEST", ev.Type)
	return ev
}

func TestHandle(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bearer.json", "bearer-lowercase.json", "apikey.json", "apikey-lowercase.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, _ := newHandler(t, nil)
			resp, err := h.Handle(context.Background(), fixture(t, name))
			require.NoError(t, err)
			require.Equal(t, "merchant-a", resp.PrincipalID)
			require.Equal(t, "2012-10-17", resp.PolicyDocument.Version)
			require.Len(t, resp.PolicyDocument.Statement, 1)
			st := resp.PolicyDocument.Statement[0]
			require.Equal(t, "Allow", st.Effect)
			require.Equal(t, []string{"execute-api:Invoke"}, st.Action)
			require.Equal(t, []string{"arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/prod/*"}, st.Resource,
				"a cached policy must serve every route of the stage")
			require.Equal(t, map[string]any{"merchantId": "merchant-a"}, resp.Context)
		})
	}
	for _, name := range []string{"missing.json", "basic-scheme.json", "unknown.json", "revoked.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h, logs := newHandler(t, nil)
			resp, err := h.Handle(context.Background(), fixture(t, name))
			require.EqualError(t, err, "Unauthorized", "the exact text API Gateway turns into a 401")
			require.Empty(t, resp.PolicyDocument.Statement, "never an Allow")
			require.Empty(t, resp.PrincipalID)
			require.Contains(t, logs.String(), "authorization rejected")
		})
	}
}

type brokenKeys struct{ threeds.APIKeyStore }

func (brokenKeys) LookupAPIKey(context.Context, string) (*threeds.APIKey, error) {
	return nil, errors.New("dynamodb: throttled")
}

// A store failure is an authorizer error (API Gateway answers 500), not a
// 401 that would make clients drop a valid key, and never an Allow.
func TestHandleStoreFailure(t *testing.T) {
	t.Parallel()
	h, logs := newHandler(t, brokenKeys{})
	resp, err := h.Handle(context.Background(), fixture(t, "bearer.json"))
	require.Error(t, err)
	require.NotEqual(t, "Unauthorized", err.Error())
	require.Empty(t, resp.PolicyDocument.Statement)
	require.Contains(t, logs.String(), "authorization failed")
}

func TestNoKeyInLogs(t *testing.T) {
	t.Parallel()
	h, logs := newHandler(t, nil)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	for _, f := range files {
		_, _ = h.Handle(context.Background(), fixture(t, filepath.Base(f)))
	}
	for _, secret := range []string{validKey, revokedKey, "o3ds_unknown_test_key_0000000000000000", "bWVyY2hhbnQ6cGFzcw"} {
		require.NotContains(t, logs.String(), secret)
		require.NotContains(t, logs.String(), secret[10:], "no tail of a key either")
	}
}
