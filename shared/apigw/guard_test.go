package apigw_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/credentials"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

// These tests were the REQUEST authorizer's (functions/authorizer, removed):
// the same credential rules, now run by the flow functions' routers.

const (
	validKey   = "o3ds_valid_test_key_merchant_a_000000001"
	revokedKey = "o3ds_revoked_test_key_merchant_a_00000002"
)

func guardVault(t testing.TB) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	require.NoError(t, err)
	return v
}

func keyStore(t testing.TB, now func() time.Time) *threedstest.MemoryStore {
	t.Helper()
	store := threedstest.NewMemoryStore(now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "merchant-a", Hash: vault.HashAPIKey(validKey), Prefix: "o3ds_val"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k2", MerchantID: "merchant-a", Hash: vault.HashAPIKey(revokedKey), Prefix: "o3ds_rev"}))
	require.NoError(t, store.RevokeAPIKey(ctx, "merchant-a", "k2", now()))
	return store
}

// guardedRouter serves paths with a handler that answers the merchant the
// guard resolved (or 401 in the route's shape, as the dialect handlers do),
// behind a guard of the production rules (plus extra).
func guardedRouter(t testing.TB, keys threeds.APIKeyStore, extra ...apigw.CredentialRule) (*apigw.Router, *bytes.Buffer, *atomic.Int64) {
	t.Helper()
	if keys == nil {
		keys = keyStore(t, time.Now)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	reached := &atomic.Int64{}
	echo := func(_ context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
		reached.Add(1)
		m, err := apigw.MerchantID(ev)
		if err != nil {
			return apigw.Error(context.Background(), log, emvjson.Errors{}, err, apigw.About{})
		}
		return apigw.JSON(http.StatusOK, map[string]any{"merchant": m, "dialect": ev.RequestContext.Authorizer[apigw.AuthorizerDialectKey]})
	}
	var routes []apigw.Route
	for _, p := range []string{"/preauth", "/auth", "/postauth", "/authentication", "/elsewhere", "/basic/verify",
		"/uas/{token}/authentication_initiation", "/3ds/authenticate", "/orders", "/verifications/customers/3ds/authentication"} {
		routes = append(routes, apigw.Post(apigw.StepAuth, "test", p, emvjson.Errors{}, echo))
	}
	g := &apigw.CredentialGuard{
		Rules: append(credentials.Rules(), extra...), Keys: threeds.NewKeyService(keys),
		Hash: vault.HashAPIKey, Log: log, Fingerprint: guardVault(t).Fingerprint,
	}
	return apigw.NewRouter(log, emvjson.Errors{}, routes).WithGuard(g), logs, reached
}

func guardFixture(t testing.TB, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "guard", name))
	require.NoError(t, err)
	var ev events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	require.Equal(t, "/auth", ev.Resource)
	return ev
}

func call(t testing.TB, r *apigw.Router, ev events.APIGatewayProxyRequest) (apigw.Response, map[string]any) {
	t.Helper()
	resp, err := r.Handle(context.Background(), ev)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &m), resp.Body)
	return resp, m
}

// requireNativeUnauthorized: the body API Gateway's UNAUTHORIZED gateway
// response had (an EMV Erro 303 that is also {"error","message"}).
func requireNativeUnauthorized(t testing.TB, resp apigw.Response, m map[string]any) {
	t.Helper()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, resp.Body)
	require.Equal(t, "Bearer", resp.Headers["WWW-Authenticate"])
	require.Contains(t, resp.Headers["Content-Type"], "application/json")
	require.Equal(t, "Erro", m["messageType"])
	require.Equal(t, "303", m["errorCode"])
	require.Equal(t, "S", m["errorComponent"])
	require.Equal(t, "Authorization", m["errorDetail"])
	require.Equal(t, "unauthorized", m["error"])
	require.NotEmpty(t, m["message"])
}

func TestGuardAccepts(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"bearer.json", "bearer-lowercase.json", "apikey.json", "apikey-lowercase.json", "same-key-twice.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, _, _ := guardedRouter(t, nil)
			resp, m := call(t, r, guardFixture(t, name))
			require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
			require.Equal(t, map[string]any{"merchant": "merchant-a", "dialect": "emvjson"}, m)
		})
	}
}

// Every refused native credential is the native 401 before the handler
// runs, logged without the key.
func TestGuardRefuses(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"missing.json", "basic-scheme.json", "unknown.json", "revoked.json",
		"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r, logs, reached := guardedRouter(t, nil)
			ev := guardFixture(t, name)
			resp, m := call(t, r, ev)
			requireNativeUnauthorized(t, resp, m)
			require.Equal(t, ev.RequestContext.RequestID, m["requestId"])
			require.Zero(t, reached.Load(), "the handler never runs")
			require.Contains(t, logs.String(), "authorization rejected")
		})
	}
}

// An authorizer context the request arrived with is never trusted: only
// the guard's own check puts a merchant there.
func TestGuardIgnoresIncomingAuthorizerContext(t *testing.T) {
	t.Parallel()
	r, _, reached := guardedRouter(t, nil)
	for _, name := range []string{"missing.json", "unknown.json", "revoked.json"} {
		ev := guardFixture(t, name)
		ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "merchant-a", apigw.AuthorizerDialectKey: "emvjson"}
		resp, m := call(t, r, ev)
		requireNativeUnauthorized(t, resp, m)
	}
	require.Zero(t, reached.Load())
	// A handler-answered dialect (UAS): the forged merchant is dropped, the
	// handler sees none and answers 401.
	ev := guardFixture(t, "missing.json")
	ev.Resource, ev.Path = "/uas/{token}/authentication_initiation", "/uas/forged/authentication_initiation"
	ev.PathParameters = map[string]string{"token": "forged"}
	ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "merchant-a"}
	resp, _ := call(t, r, ev)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, resp.Body)
	// And a valid key wins over a forged other merchant.
	ev = guardFixture(t, "bearer.json")
	ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "merchant-z"}
	resp, m := call(t, r, ev)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "merchant-a", m["merchant"])
}

// A dialect whose refusals its own handler answers (GatewayRejects false):
// a refused credential reaches the handler without a merchant, so its
// apigw.MerchantID fails and it answers 401 in its shape; a valid one
// carries the merchant. The rule picked is the route's (longest prefix),
// and a route no rule guards gets no merchant.
func TestGuardDialectRules(t *testing.T) {
	t.Parallel()
	basicKey := apigw.BasicCredentialMaterial("test-basic", "shop-user", "s3cret-pass")
	store := threedstest.NewMemoryStore(time.Now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-b"}))
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "kb", MerchantID: "merchant-b", Hash: vault.HashAPIKey(basicKey), Kind: "test-basic", Prefix: "shop-use"}))
	require.NoError(t, store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: "merchant-a", Hash: vault.HashAPIKey(validKey), Prefix: "o3ds_val"}))
	r, _, _ := guardedRouter(t, store, apigw.CredentialRule{
		Dialect: "testbasic", Kind: "test-basic", PathPrefixes: []string{"/basic/"}, Material: apigw.BasicMaterial("test-basic"),
	})
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	for _, c := range []struct {
		name, resource, auth string
		merchant             string // "" = the handler's 401
		native               bool   // the native 401 before the handler
	}{
		{name: "valid Basic", resource: "/basic/verify", auth: basic("shop-user", "s3cret-pass"), merchant: "merchant-b"},
		{name: "wrong password", resource: "/basic/verify", auth: basic("shop-user", "wrong")},
		{name: "the native key on a Basic route", resource: "/basic/verify", auth: "Bearer " + validKey},
		{name: "malformed Basic", resource: "/basic/verify", auth: "Basic !!!"},
		{name: "no credential", resource: "/basic/verify"},
		{name: "the Basic password as a native key", resource: "/auth", auth: "Bearer " + basicKey, native: true},
		{name: "native key", resource: "/auth", auth: "Bearer " + validKey, merchant: "merchant-a"},
		{name: "the native key on a Worldpay route", resource: "/verifications/customers/3ds/authentication", auth: "Bearer " + validKey},
		{name: "the native key as Juspay Basic", resource: "/orders", auth: basic(validKey, "")},
		{name: "no rule guards the route", resource: "/elsewhere", auth: "Bearer " + validKey},
		{name: "a prefix without slash guards only itself", resource: "/authentication", auth: "Bearer " + validKey},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := guardFixture(t, "bearer.json")
			ev.Resource, ev.Path = c.resource, c.resource
			ev.Headers, ev.MultiValueHeaders = map[string]string{}, nil
			if c.auth != "" {
				ev.Headers["Authorization"] = c.auth
			}
			resp, m := call(t, r, ev)
			switch {
			case c.native:
				requireNativeUnauthorized(t, resp, m)
			case c.merchant == "":
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "no merchant: the handler answers 401: %s", resp.Body)
			default:
				require.Equal(t, http.StatusOK, resp.StatusCode, resp.Body)
				require.Equal(t, c.merchant, m["merchant"])
			}
		})
	}
}

type brokenKeys struct{ threeds.APIKeyStore }

func (brokenKeys) LookupAPIKey(context.Context, string) (*threeds.APIKey, error) {
	return nil, errors.New("dynamodb: throttled")
}

// A store failure is a 500 (not a 401 that would make clients drop a valid
// key), and the handler never runs.
func TestGuardStoreFailure(t *testing.T) {
	t.Parallel()
	r, logs, reached := guardedRouter(t, brokenKeys{})
	resp, m := call(t, r, guardFixture(t, "bearer.json"))
	require.Equal(t, http.StatusInternalServerError, resp.StatusCode)
	require.Equal(t, "403", m["errorCode"], "transient: retry")
	require.Zero(t, reached.Load())
	require.Contains(t, logs.String(), "authorization failed")
	require.NotContains(t, resp.Body, "throttled", "the cause is only logged")
}

func TestGuardNoKeyInLogs(t *testing.T) {
	t.Parallel()
	r, logs, _ := guardedRouter(t, nil)
	files, err := filepath.Glob("testdata/guard/*.json")
	require.NoError(t, err)
	for _, f := range files {
		_, _ = r.Handle(context.Background(), guardFixture(t, filepath.Base(f)))
	}
	for _, secret := range []string{validKey, revokedKey, "o3ds_unknown_test_key_0000000000000000", "bWVyY2hhbnQ6cGFzcw"} {
		require.NotContains(t, logs.String(), secret)
		require.NotContains(t, logs.String(), secret[10:], "no tail of a key either")
		require.NotContains(t, logs.String(), secret[:8], "no prefix of a key either")
	}
}

// Credential headers that disagree are refused every time, whatever order
// Go's header maps are walked in.
func TestGuardConflictingCredentialsAlwaysRefused(t *testing.T) {
	t.Parallel()
	r, logs, reached := guardedRouter(t, nil)
	for _, name := range []string{"conflict-bearer-apikey.json", "conflict-repeated-apikey.json", "conflict-valid-and-unknown.json"} {
		ev := guardFixture(t, name)
		for i := 0; i < 30; i++ {
			resp, m := call(t, r, ev)
			requireNativeUnauthorized(t, resp, m)
		}
	}
	require.Zero(t, reached.Load())
	require.Contains(t, logs.String(), "credential headers disagree")
}

// A rejected key is logged as a short keyed fingerprint: stable for one
// key, different between keys, and sharing no characters run with the key.
func TestGuardRejectedKeyFingerprint(t *testing.T) {
	t.Parallel()
	r, logs, _ := guardedRouter(t, nil)
	_, _ = call(t, r, guardFixture(t, "unknown.json"))
	var line struct {
		Msg         string `json:"msg"`
		Fingerprint string `json:"keyFingerprint"`
		Prefix      string `json:"keyPrefix"`
	}
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		require.NoError(t, json.Unmarshal([]byte(l), &line))
		if line.Msg == "authorization rejected" {
			break
		}
	}
	require.Equal(t, "authorization rejected", line.Msg)
	require.Regexp(t, `^[0-9a-f]{8}$`, line.Fingerprint)
	require.Empty(t, line.Prefix, "never a prefix of the key")
	require.Equal(t, guardVault(t).Fingerprint("o3ds_unknown_test_key_0000000000000000"), line.Fingerprint)
	require.NotEqual(t, guardVault(t).Fingerprint(validKey), line.Fingerprint)
	require.NotContains(t, logs.String(), "o3ds_unk")
	other, err := vault.New(bytes.Repeat([]byte{8}, vault.KeySize))
	require.NoError(t, err)
	require.NotEqual(t, other.Fingerprint("o3ds_unknown_test_key_0000000000000000"), line.Fingerprint, "keyed: another master key, another fingerprint")
}

// countingKeys counts the store reads behind the cache.
type countingKeys struct {
	threeds.APIKeyStore
	reads atomic.Int64
}

func (c *countingKeys) LookupAPIKey(ctx context.Context, hash string) (*threeds.APIKey, error) {
	c.reads.Add(1)
	return c.APIKeyStore.LookupAPIKey(ctx, hash)
}

// The guard's key cache (API_KEY_CACHE_TTL): a repeat valid key costs no
// store read within the TTL; a key revoked elsewhere works for at most the
// TTL (the documented revocation delay) and is refused from then on; an
// unknown or revoked key is read every time (never cached).
func TestGuardKeyCacheTTLAndRevocationDelay(t *testing.T) {
	t.Parallel()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	store := keyStore(t, clock.Now)
	keys := &countingKeys{APIKeyStore: store}
	const ttl = 10 * time.Second
	r, _, _ := guardedRouter(t, threeds.NewAPIKeyCache(keys, ttl, clock.Now))
	valid := guardFixture(t, "bearer.json")

	resp, _ := call(t, r, valid)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.EqualValues(t, 1, keys.reads.Load())
	for i := 0; i < 5; i++ {
		resp, _ = call(t, r, valid)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	require.EqualValues(t, 1, keys.reads.Load(), "cached: no store read per request")

	for _, name := range []string{"unknown.json", "revoked.json"} {
		before := keys.reads.Load()
		for i := 0; i < 3; i++ {
			resp, m := call(t, r, guardFixture(t, name))
			requireNativeUnauthorized(t, resp, m)
		}
		require.EqualValues(t, before+3, keys.reads.Load(), "%s: a refused key is never cached", name)
	}

	// Revoked elsewhere (threedsctl: the store, not this process's cache).
	require.NoError(t, store.RevokeAPIKey(context.Background(), "merchant-a", "k1", clock.Now()))
	clock.Advance(ttl - time.Second)
	resp, _ = call(t, r, valid)
	require.Equal(t, http.StatusOK, resp.StatusCode, "within the revocation delay")
	clock.Advance(time.Second)
	resp, m := call(t, r, valid)
	requireNativeUnauthorized(t, resp, m)
	clock.Advance(time.Hour)
	resp, m = call(t, r, valid)
	requireNativeUnauthorized(t, resp, m)
}
