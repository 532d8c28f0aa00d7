package threeds

import (
	"context"
	"sync"
	"time"
)

// APIKeyCache is an APIKeyStore that keeps the keys LookupAPIKey found valid
// for a short TTL in process memory, keyed by the key's hash: a warm
// flow function (whose router checks the credential: apigw.CredentialGuard)
// then resolves a repeat key without a DynamoDB round trip. (A REST
// authorizer could have no identity source, since clients send either of
// two headers, so API Gateway's own result cache could not be used; this
// cache gives the same guarantee in the function's process.)
//
// Revocation delay: a key revoked elsewhere (threedsctl, another execution
// environment) keeps working in an environment that cached it for at most
// the TTL after its last store read; a revocation made through this cache
// applies at once here. Only valid keys are cached: an unknown or revoked
// key is looked up every time, so a new key works on its first request and
// a revoked key is never re-admitted from the cache after its entry expires.
// The cache holds at most maxEntries keys; when full it starts afresh.
type APIKeyCache struct {
	APIKeyStore
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedKey
}

type cachedKey struct {
	k       APIKey
	expires time.Time
}

// apiKeyCacheEntries bounds the cache (a merchant has a handful of keys).
const apiKeyCacheEntries = 4096

// NewAPIKeyCache caches s's valid keys for ttl, judged against now
// (time.Now when nil). A ttl of zero or less returns s itself: no caching.
func NewAPIKeyCache(s APIKeyStore, ttl time.Duration, now func() time.Time) APIKeyStore {
	if ttl <= 0 {
		return s
	}
	if now == nil {
		now = time.Now
	}
	return &APIKeyCache{APIKeyStore: s, ttl: ttl, now: now, entries: map[string]cachedKey{}}
}

// LookupAPIKey returns a copy of the cached key while it is fresh, else
// reads the store and caches a valid key. The cache is keyed by the hash
// the store matched, so a hit is an exact match of the presented key's hash.
func (c *APIKeyCache) LookupAPIKey(ctx context.Context, hash string) (*APIKey, error) {
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[hash]
	c.mu.Unlock()
	if ok && now.Before(e.expires) && !e.k.Revoked() {
		k := e.k
		return &k, nil
	}
	k, err := c.APIKeyStore.LookupAPIKey(ctx, hash)
	if err != nil || k == nil || k.Revoked() || !EqualHash(k.Hash, hash) {
		c.mu.Lock()
		delete(c.entries, hash)
		c.mu.Unlock()
		return k, err
	}
	c.mu.Lock()
	if len(c.entries) >= apiKeyCacheEntries {
		c.entries = map[string]cachedKey{}
	}
	c.entries[hash] = cachedKey{k: *k, expires: now.Add(c.ttl)}
	c.mu.Unlock()
	return k, nil
}

// RevokeAPIKey revokes in the store and drops this process's cached copies
// of the merchant's keys, so the revocation applies here at once.
func (c *APIKeyCache) RevokeAPIKey(ctx context.Context, merchantID, keyID string, now time.Time) error {
	err := c.APIKeyStore.RevokeAPIKey(ctx, merchantID, keyID, now)
	c.mu.Lock()
	for h, e := range c.entries {
		if e.k.MerchantID == merchantID {
			delete(c.entries, h)
		}
	}
	c.mu.Unlock()
	return err
}
