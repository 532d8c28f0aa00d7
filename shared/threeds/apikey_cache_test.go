package threeds_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

// countingKeys counts the key lookups that reach the store.
type countingKeys struct {
	threeds.APIKeyStore
	mu    sync.Mutex
	reads int
}

func (c *countingKeys) LookupAPIKey(ctx context.Context, hash string) (*threeds.APIKey, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.APIKeyStore.LookupAPIKey(ctx, hash)
}

func (c *countingKeys) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads
}

func hashKey(k string) string { return "h:" + k }

func cachedKeyStore(t *testing.T, now func() time.Time) *threedstest.MemoryStore {
	t.Helper()
	mem := threedstest.NewMemoryStore(now, threeds.DefaultRetention())
	for _, id := range []string{"m1", "m2", "m3"} {
		require.NoError(t, mem.CreateMerchant(context.Background(), &threeds.Merchant{ID: id, Name: "Shop " + id}))
	}
	return mem
}

// TestAPIKeyCache: a valid key is resolved from memory within the TTL; a
// key revoked elsewhere stops at the latest when the TTL runs out; a
// revocation through the cache applies at once; unknown and revoked keys are
// never cached.
func TestAPIKeyCache(t *testing.T) {
	ctx := context.Background()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 10, 0, 0, 0, time.UTC))
	mem := cachedKeyStore(t, clock.Now)
	for _, k := range []*threeds.APIKey{
		{ID: "k1", MerchantID: "m1", Hash: hashKey("key-1"), CreatedAt: clock.Now()},
		{ID: "k2", MerchantID: "m2", Hash: hashKey("key-2"), CreatedAt: clock.Now()},
	} {
		require.NoError(t, mem.CreateAPIKey(ctx, k))
	}
	store := &countingKeys{APIKeyStore: mem}
	const ttl = 10 * time.Second
	cache := threeds.NewAPIKeyCache(store, ttl, clock.Now)
	svc := threeds.NewKeyService(cache)

	for range 3 {
		m, err := svc.AuthorizeAPIKey(ctx, "key-1", hashKey)
		require.NoError(t, err)
		require.Equal(t, "m1", m)
	}
	require.Equal(t, 1, store.count(), "repeat requests within the TTL read the store once")

	// Unknown keys are looked up every time (never cached).
	for range 2 {
		_, err := svc.AuthorizeAPIKey(ctx, "key-unknown", hashKey)
		require.ErrorIs(t, err, threeds.ErrInvalidAPIKey)
	}
	require.Equal(t, 3, store.count())

	// Revoked elsewhere (another environment, threedsctl): still admitted
	// until the TTL runs out, refused from then on.
	require.NoError(t, mem.RevokeAPIKey(ctx, "m1", "k1", clock.Now()))
	clock.Advance(ttl - time.Second)
	_, err := svc.AuthorizeAPIKey(ctx, "key-1", hashKey)
	require.NoError(t, err, "within the documented revocation delay")
	clock.Advance(time.Second)
	for range 2 {
		_, err = svc.AuthorizeAPIKey(ctx, "key-1", hashKey)
		require.ErrorIs(t, err, threeds.ErrInvalidAPIKey, "a revoked key stops within the TTL")
	}
	require.Equal(t, 5, store.count(), "a revoked key is not cached")

	// Revoked through the cache: at once.
	_, err = svc.AuthorizeAPIKey(ctx, "key-2", hashKey)
	require.NoError(t, err)
	require.NoError(t, cache.RevokeAPIKey(ctx, "m2", "k2", clock.Now()))
	_, err = svc.AuthorizeAPIKey(ctx, "key-2", hashKey)
	require.ErrorIs(t, err, threeds.ErrInvalidAPIKey)

	// A returned key is a copy: changing it does not change the cache.
	require.NoError(t, mem.CreateAPIKey(ctx, &threeds.APIKey{ID: "k3", MerchantID: "m3", Hash: hashKey("key-3"), CreatedAt: clock.Now()}))
	k, err := cache.LookupAPIKey(ctx, hashKey("key-3"))
	require.NoError(t, err)
	k.MerchantID = "changed"
	k, err = cache.LookupAPIKey(ctx, hashKey("key-3"))
	require.NoError(t, err)
	require.Equal(t, "m3", k.MerchantID)
}

// TestAPIKeyCacheDisabled: a TTL of zero reads the store every time.
func TestAPIKeyCacheDisabled(t *testing.T) {
	mem := cachedKeyStore(t, time.Now)
	require.NoError(t, mem.CreateAPIKey(context.Background(), &threeds.APIKey{ID: "k1", MerchantID: "m1", Hash: hashKey("key-1"), CreatedAt: time.Now()}))
	store := &countingKeys{APIKeyStore: mem}
	svc := threeds.NewKeyService(threeds.NewAPIKeyCache(store, 0, nil))
	for range 3 {
		_, err := svc.AuthorizeAPIKey(context.Background(), "key-1", hashKey)
		require.NoError(t, err)
	}
	require.Equal(t, 3, store.count())
}
