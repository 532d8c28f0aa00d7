package threeds

import (
	"context"
	"sync"
	"time"
)

// MerchantCache is a MerchantStore that keeps the profiles GetMerchant read
// for a short TTL in process memory, saving a store read on every request of
// a warm execution environment. A change made elsewhere (threedsctl, another
// environment) therefore takes up to the TTL to apply here; an update made
// through the cache applies at once in this process. Failed reads are not
// cached, so a new merchant works on its first request.
//
// API keys have their own cache (APIKeyCache) with its own, shorter TTL:
// the delay before a key revoked elsewhere stops working.
type MerchantCache struct {
	MerchantStore
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedMerchant
}

type cachedMerchant struct {
	m       *Merchant
	expires time.Time
}

// NewMerchantCache caches s's profiles for ttl, judged against now
// (time.Now when nil).
func NewMerchantCache(s MerchantStore, ttl time.Duration, now func() time.Time) *MerchantCache {
	if now == nil {
		now = time.Now
	}
	return &MerchantCache{MerchantStore: s, ttl: ttl, now: now, entries: map[string]cachedMerchant{}}
}

// GetMerchant returns a copy of the cached profile while it is fresh, else
// reads the store.
func (c *MerchantCache) GetMerchant(ctx context.Context, id string) (*Merchant, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.m.Clone(), nil
	}
	m, err := c.MerchantStore.GetMerchant(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries[id] = cachedMerchant{m: m.Clone(), expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return m, nil
}

// UpdateMerchant updates the store and drops this process's cached copy.
func (c *MerchantCache) UpdateMerchant(ctx context.Context, id string, fn func(*Merchant) error) (*Merchant, error) {
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
	m, err := c.MerchantStore.UpdateMerchant(ctx, id, fn)
	c.mu.Lock()
	delete(c.entries, id)
	c.mu.Unlock()
	return m, err
}
