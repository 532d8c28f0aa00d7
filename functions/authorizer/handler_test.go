package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
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
	return handler{svc: svc, log: slog.New(slog.NewJSONHandler(logs, nil)), fingerprint: testVault(t).Fingerprint, rules: credentialRules()}, logs
}

func testVault(t testing.TB) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	require.NoError(t, err)
	return v
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
	for _, name := range []string{"bearer.json", "bearer-lowercase.json", "apikey.json", "apikey-lowercase.json", "same-key-twice.json"} {
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
			require.Equal(t, map[string]any{"merchantId": "merchant-a", "dialect": "emvjson"}, resp.Context)
		})
	}
	for _, name := range []string{"missing.json", "basic-scheme.json", "unknown.json", "revoked.json",
		"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json"} {
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

// A dialect whose refusals its own handler answers (GatewayRejects false):
// a refused credential goes on as an anonymous Allow without a merchant, so
// the handler's apigw.MerchantID fails and it answers 401 in its shape; a
// valid one carries the merchant. The rule picked is the route's (longest
// prefix), and a route no rule guards is refused.
func TestHandleDialectRules(t *testing.T) {
	t.Parallel()
	h, _ := newHandler(t, nil)
	basicKey := apigw.BasicCredentialMaterial("test-basic", "shop-user", "s3cret-pass")
	store := threedstest.NewMemoryStore(time.Now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-b"}))
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "kb", MerchantID: "merchant-b", Hash: vault.HashAPIKey(basicKey), Kind: "test-basic", Prefix: "shop-use"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "merchant-a", Hash: vault.HashAPIKey(validKey), Prefix: "o3ds_val"}))
	h.svc = threeds.NewKeyService(store)
	h.rules = append(credentialRules(), apigw.CredentialRule{
		Dialect: "testbasic", Kind: "test-basic", PathPrefixes: []string{"/basic/"}, Material: apigw.BasicMaterial("test-basic"),
	})
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, c := range []struct {
		name, resource, auth string
		merchant             string // "" = anonymous Allow
		unauthorized         bool   // the gateway's 401
	}{
		{name: "valid Basic", resource: "/basic/verify", auth: basic("shop-user", "s3cret-pass"), merchant: "merchant-b"},
		{name: "wrong password", resource: "/basic/verify", auth: basic("shop-user", "wrong")},
		{name: "the native key on a Basic route", resource: "/basic/verify", auth: "Bearer " + validKey},
		{name: "malformed Basic", resource: "/basic/verify", auth: "Basic !!!"},
		{name: "no credential", resource: "/basic/verify"},
		{name: "the Basic password as a native key", resource: "/auth", auth: "Bearer " + basicKey, unauthorized: true},
		{name: "native key", resource: "/auth", auth: "Bearer " + validKey, merchant: "merchant-a"},
		{name: "no rule guards the route", resource: "/elsewhere", auth: "Bearer " + validKey, unauthorized: true},
		{name: "a prefix without slash guards only itself", resource: "/authentication", auth: "Bearer " + validKey, unauthorized: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := fixture(t, "bearer.json")
			ev.Resource, ev.Path = c.resource, c.resource
			ev.Headers, ev.MultiValueHeaders = map[string]string{}, nil
			if c.auth != "" {
				ev.Headers["Authorization"] = c.auth
			}
			resp, err := h.Handle(ctx, ev)
			if c.unauthorized {
				require.EqualError(t, err, "Unauthorized")
				require.Empty(t, resp.PolicyDocument.Statement)
				return
			}
			require.NoError(t, err)
			if c.merchant == "" {
				require.Equal(t, "anonymous", resp.PrincipalID)
				require.NotContains(t, resp.Context, apigw.AuthorizerMerchantKey, "no merchant: the handler answers 401")
				return
			}
			require.Equal(t, c.merchant, resp.Context[apigw.AuthorizerMerchantKey])
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
		require.NotContains(t, logs.String(), secret[:8], "no prefix of a key either")
	}
}

// Credential headers that disagree are refused every time, whatever order
// Go's header maps are walked in: before, Bearer of merchant A with APIKey
// of merchant B was attributed to either, and a valid key beside an
// unknown one flipped between Allow and 401.
func TestConflictingCredentialsAlwaysRefused(t *testing.T) {
	t.Parallel()
	h, logs := newHandler(t, nil)
	for _, name := range []string{"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json"} {
		ev := fixture(t, name)
		for i := 0; i < 30; i++ {
			resp, err := h.Handle(context.Background(), ev)
			require.EqualError(t, err, "Unauthorized", "%s attempt %d", name, i)
			require.Empty(t, resp.PrincipalID)
		}
	}
	require.Contains(t, logs.String(), "credential headers disagree")
}

// A rejected key is logged as a short keyed fingerprint: stable for one
// key, different between keys, and sharing no characters run with the key.
func TestRejectedKeyFingerprint(t *testing.T) {
	t.Parallel()
	h, logs := newHandler(t, nil)
	_, err := h.Handle(context.Background(), fixture(t, "unknown.json"))
	require.Error(t, err)
	var line struct {
		Fingerprint string `json:"keyFingerprint"`
		Prefix      string `json:"keyPrefix"`
	}
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	require.Regexp(t, `^[0-9a-f]{8}$`, line.Fingerprint)
	require.Empty(t, line.Prefix, "never a prefix of the key")
	require.Equal(t, testVault(t).Fingerprint("o3ds_unknown_test_key_0000000000000000"), line.Fingerprint)
	require.NotEqual(t, testVault(t).Fingerprint(validKey), line.Fingerprint)
	require.NotContains(t, logs.String(), "o3ds_unk")
	other, err := vault.New(bytes.Repeat([]byte{8}, vault.KeySize))
	require.NoError(t, err)
	require.NotEqual(t, other.Fingerprint("o3ds_unknown_test_key_0000000000000000"), line.Fingerprint, "keyed: another master key, another fingerprint")
}

func fixtureF(f *testing.F, name string) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	f.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		f.Fatal(err)
	}
	var ev events.APIGatewayCustomAuthorizerRequestTypeRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		f.Fatal(err)
	}
	return ev
}

func trimmed(s string) string { return strings.TrimSpace(s) }

func bearerOf(v, key string) bool {
	scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) == key
}
