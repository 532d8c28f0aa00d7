package threeds_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

// countingMerchants counts the reads that reach the store.
type countingMerchants struct {
	threeds.MerchantStore
	mu    sync.Mutex
	reads int
}

func (c *countingMerchants) GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.MerchantStore.GetMerchant(ctx, id)
}

func TestMerchantCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := threedstest.NewClock(svcNow)
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "m1", Name: "Shop", WebhookURL: "https://shop.example/hook"}))
	counted := &countingMerchants{MerchantStore: store}
	cache := threeds.NewMerchantCache(counted, 30*time.Second, clock.Now)

	m, err := cache.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "Shop", m.Name)
	m.Name = "changed by the caller"
	again, err := cache.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "Shop", again.Name, "callers get copies")
	require.Equal(t, 1, counted.reads, "the second read came from the cache")

	// A change made elsewhere applies once the TTL has passed.
	_, err = store.UpdateMerchant(ctx, "m1", func(m *threeds.Merchant) error { m.Name = "Renamed"; return nil })
	require.NoError(t, err)
	clock.Advance(29 * time.Second)
	stale, err := cache.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "Shop", stale.Name, "within the TTL")
	clock.Advance(time.Second)
	fresh, err := cache.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "Renamed", fresh.Name, "after the TTL")
	require.Equal(t, 2, counted.reads)

	// A change made through the cache applies at once.
	_, err = cache.UpdateMerchant(ctx, "m1", func(m *threeds.Merchant) error { m.WebhookURL = "https://shop.example/new"; return nil })
	require.NoError(t, err)
	got, err := cache.GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "https://shop.example/new", got.WebhookURL)

	// A failed read is not cached: a merchant created next is found.
	_, err = cache.GetMerchant(ctx, "m2")
	require.True(t, errors.Is(err, threeds.ErrMerchantNotFound), "got %v", err)
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "m2", Name: "New"}))
	m2, err := cache.GetMerchant(ctx, "m2")
	require.NoError(t, err)
	require.Equal(t, "New", m2.Name)
}

// TestServiceMerchantCacheTTL checks the wiring: with MerchantCacheTTL the
// flows read the profile once per TTL, without it on every request.
func TestServiceMerchantCacheTTL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		ttl      time.Duration
		wantName string
	}{
		{"cached", time.Minute, "Example Shop"},
		{"not cached", 0, "Renamed Shop"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(e *env) { e.cfg.MerchantCacheTTL = tc.ttl })
			// Each use case keeps its own cache (preauth and auth are separate
			// functions): the first AReq reads (and, with a TTL, caches) the profile.
			first, second := e.preauth(panFrictionless), e.preauth(panFrictionless)
			_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, first)})
			require.NoError(t, err)
			_, err = e.store.UpdateMerchant(context.Background(), merchantA, func(m *threeds.Merchant) error {
				m.Name = "Renamed Shop"
				return nil
			})
			require.NoError(t, err)
			_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, second)})
			require.NoError(t, err)
			sent := e.dir.sentAReqs()
			require.Len(t, sent, 2)
			require.Equal(t, "Example Shop", sent[0].MerchantName)
			require.Equal(t, tc.wantName, sent[1].MerchantName)
		})
	}
}
