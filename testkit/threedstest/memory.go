package threedstest

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// MemoryStore implements every threeds store port in memory.
type MemoryStore struct {
	now       func() time.Time
	retention threeds.Retention
	// MaxAttempts bounds Update's retries on version conflicts (default 10).
	MaxAttempts int

	mu         sync.Mutex
	txs        map[string]*threeds.Transaction
	merchants  map[string]*threeds.Merchant
	keys       map[string]*threeds.APIKey // by hash
	idem       map[string]*threeds.IdempotencyRecord
	ranges     map[string][]threeds.CardRange // by DS
	sets       map[string]*threeds.CardRangeSet
	deliveries map[string]*threeds.WebhookDelivery

	heldUpdates    int
	deliveryWrites int
}

// Compile-time checks that MemoryStore implements every port.
var (
	_ threeds.Store                = (*MemoryStore)(nil)
	_ threeds.HeldUpdater          = (*MemoryStore)(nil)
	_ threeds.MerchantStore        = (*MemoryStore)(nil)
	_ threeds.APIKeyStore          = (*MemoryStore)(nil)
	_ threeds.IdempotencyStore     = (*MemoryStore)(nil)
	_ threeds.CardRangeStore       = (*MemoryStore)(nil)
	_ threeds.WebhookDeliveryStore = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty store reading time from now (nil: time.Now)
// and applying retention r to idempotency records and webhook deliveries.
func NewMemoryStore(now func() time.Time, r threeds.Retention) *MemoryStore {
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{
		now: now, retention: r, MaxAttempts: 10,
		txs: map[string]*threeds.Transaction{}, merchants: map[string]*threeds.Merchant{},
		keys: map[string]*threeds.APIKey{}, idem: map[string]*threeds.IdempotencyRecord{},
		ranges: map[string][]threeds.CardRange{}, sets: map[string]*threeds.CardRangeSet{},
		deliveries: map[string]*threeds.WebhookDelivery{},
	}
}

// ---- transactions

// Create implements threeds.Store.
func (s *MemoryStore) Create(_ context.Context, tx *threeds.Transaction) error {
	if tx == nil || tx.ID == "" || tx.MerchantID == "" {
		return errors.New("create transaction: missing ID or MerchantID")
	}
	if tx.ExpiresAt.IsZero() {
		return fmt.Errorf("create transaction %s: ExpiresAt is required (every transaction expires)", tx.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.txs[tx.ID]; ok && !threeds.Expired(old.ExpiresAt, s.now()) {
		return fmt.Errorf("create transaction %s: %w", tx.ID, threeds.ErrDuplicateTransaction)
	}
	c := tx.Clone()
	c.Version = 1
	s.txs[tx.ID] = c
	tx.Version = 1
	return nil
}

// Get implements threeds.Store.
func (s *MemoryStore) Get(_ context.Context, id string) (*threeds.Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getLocked(id)
}

func (s *MemoryStore) getLocked(id string) (*threeds.Transaction, error) {
	tx, ok := s.txs[id]
	if !ok || threeds.Expired(tx.ExpiresAt, s.now()) {
		return nil, fmt.Errorf("get transaction %s: %w", id, threeds.ErrTransactionNotFound)
	}
	return tx.Clone(), nil
}

// Update implements threeds.Store: read, fn, compare-and-set on Version.
func (s *MemoryStore) Update(ctx context.Context, id string, fn func(*threeds.Transaction) error) (*threeds.Transaction, error) {
	attempts := max(s.MaxAttempts, 1)
	for i := 0; i < attempts; i++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.Lock()
		cur, err := s.getLocked(id)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		next := cur.Clone()
		if err := fn(next); err != nil {
			return nil, fmt.Errorf("update transaction %s: %w", id, err)
		}
		if err := threeds.CheckUpdate(cur, next); err != nil {
			return nil, err
		}
		if reflect.DeepEqual(cur, next) {
			return cur, nil
		}
		s.mu.Lock()
		stored, ok := s.txs[id]
		if ok && stored.Version == cur.Version && !threeds.Expired(stored.ExpiresAt, s.now()) {
			next.Version = cur.Version + 1
			s.txs[id] = next.Clone()
			s.mu.Unlock()
			return next, nil
		}
		s.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("update transaction %s: %w", id, threeds.ErrTransactionNotFound)
		}
		runtime.Gosched()
	}
	return nil, fmt.Errorf("update transaction %s: %w", id, threeds.ErrConcurrentUpdate)
}

// UpdateHeld implements threeds.HeldUpdater: fn on a copy of held, then
// compare-and-set on held.Version; Update when that fails or fn changed
// nothing.
func (s *MemoryStore) UpdateHeld(ctx context.Context, held *threeds.Transaction, fn func(*threeds.Transaction) error) (*threeds.Transaction, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.heldUpdates++
	s.mu.Unlock()
	cur := held.Clone()
	next := cur.Clone()
	if err := fn(next); err != nil {
		return nil, fmt.Errorf("update transaction %s: %w", held.ID, err)
	}
	if err := threeds.CheckUpdate(cur, next); err != nil {
		return nil, err
	}
	if !reflect.DeepEqual(cur, next) {
		s.mu.Lock()
		stored, ok := s.txs[held.ID]
		if ok && stored.Version == cur.Version && !threeds.Expired(stored.ExpiresAt, s.now()) {
			next.Version = cur.Version + 1
			s.txs[held.ID] = next.Clone()
			s.mu.Unlock()
			return next, nil
		}
		s.mu.Unlock()
	}
	return s.Update(ctx, held.ID, fn)
}

// HeldUpdates counts UpdateHeld calls (for tests that check a step writes
// without reading again).
func (s *MemoryStore) HeldUpdates() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heldUpdates
}

// ---- merchants

// CreateMerchant implements threeds.MerchantStore.
func (s *MemoryStore) CreateMerchant(_ context.Context, m *threeds.Merchant) error {
	if m == nil || m.ID == "" {
		return errors.New("create merchant: missing ID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.merchants[m.ID]; ok {
		return fmt.Errorf("create merchant %s: %w", m.ID, threeds.ErrDuplicateMerchant)
	}
	c := m.Clone()
	c.CreatedAt, c.UpdatedAt = threeds.Stamp(c.CreatedAt), threeds.Stamp(c.UpdatedAt)
	s.merchants[m.ID] = c
	return nil
}

// GetMerchant implements threeds.MerchantStore.
func (s *MemoryStore) GetMerchant(_ context.Context, id string) (*threeds.Merchant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.merchants[id]
	if !ok {
		return nil, fmt.Errorf("get merchant %s: %w", id, threeds.ErrMerchantNotFound)
	}
	return m.Clone(), nil
}

// ListMerchants implements threeds.MerchantStore (ordered by ID).
func (s *MemoryStore) ListMerchants(context.Context) ([]*threeds.Merchant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*threeds.Merchant, 0, len(s.merchants))
	for _, m := range s.merchants {
		out = append(out, m.Clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// UpdateMerchant implements threeds.MerchantStore.
func (s *MemoryStore) UpdateMerchant(_ context.Context, id string, fn func(*threeds.Merchant) error) (*threeds.Merchant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.merchants[id]
	if !ok {
		return nil, fmt.Errorf("update merchant %s: %w", id, threeds.ErrMerchantNotFound)
	}
	next := m.Clone()
	if err := fn(next); err != nil {
		return nil, fmt.Errorf("update merchant %s: %w", id, err)
	}
	if next.ID != id {
		return nil, fmt.Errorf("update merchant %s: ID cannot change", id)
	}
	next.CreatedAt, next.UpdatedAt = threeds.Stamp(next.CreatedAt), threeds.Stamp(next.UpdatedAt)
	s.merchants[id] = next.Clone()
	return next, nil
}

// ---- API keys

// CreateAPIKey implements threeds.APIKeyStore.
func (s *MemoryStore) CreateAPIKey(_ context.Context, k *threeds.APIKey) error {
	if k == nil || k.ID == "" || k.Hash == "" || k.MerchantID == "" {
		return errors.New("create api key: missing ID, Hash or MerchantID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.merchants[k.MerchantID]; !ok {
		return fmt.Errorf("create api key for %s: %w", k.MerchantID, threeds.ErrMerchantNotFound)
	}
	if _, ok := s.keys[k.Hash]; ok {
		return fmt.Errorf("create api key %s: %w", k.ID, threeds.ErrDuplicateAPIKey)
	}
	c := *k
	c.CreatedAt, c.RevokedAt, c.LastUsedAt = threeds.Stamp(c.CreatedAt), threeds.Stamp(c.RevokedAt), threeds.Stamp(c.LastUsedAt)
	s.keys[k.Hash] = &c
	return nil
}

// LookupAPIKey implements threeds.APIKeyStore.
func (s *MemoryStore) LookupAPIKey(_ context.Context, hash string) (*threeds.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[hash]
	if !ok || subtle.ConstantTimeCompare([]byte(k.Hash), []byte(hash)) != 1 {
		return nil, fmt.Errorf("lookup api key: %w", threeds.ErrAPIKeyNotFound)
	}
	c := *k
	if c.Revoked() {
		return &c, fmt.Errorf("lookup api key %s: %w", c.ID, threeds.ErrAPIKeyRevoked)
	}
	return &c, nil
}

// ListAPIKeys implements threeds.APIKeyStore (ordered by creation, then ID).
func (s *MemoryStore) ListAPIKeys(_ context.Context, merchantID string) ([]*threeds.APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*threeds.APIKey
	for _, k := range s.keys {
		if k.MerchantID == merchantID {
			c := *k
			out = append(out, &c)
		}
	}
	SortAPIKeys(out)
	return out, nil
}

// SortAPIKeys orders keys by creation time, then ID.
func SortAPIKeys(ks []*threeds.APIKey) {
	sort.Slice(ks, func(i, j int) bool {
		if !ks[i].CreatedAt.Equal(ks[j].CreatedAt) {
			return ks[i].CreatedAt.Before(ks[j].CreatedAt)
		}
		return ks[i].ID < ks[j].ID
	})
}

// RevokeAPIKey implements threeds.APIKeyStore.
func (s *MemoryStore) RevokeAPIKey(_ context.Context, merchantID, keyID string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.MerchantID == merchantID && k.ID == keyID {
			if !k.Revoked() {
				k.RevokedAt = threeds.Stamp(now)
			}
			return nil
		}
	}
	return fmt.Errorf("revoke api key %s: %w", keyID, threeds.ErrAPIKeyNotFound)
}

// TouchAPIKey implements threeds.APIKeyStore.
func (s *MemoryStore) TouchAPIKey(_ context.Context, hash string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[hash]
	if !ok {
		return fmt.Errorf("touch api key: %w", threeds.ErrAPIKeyNotFound)
	}
	k.LastUsedAt = threeds.Stamp(now)
	return nil
}

// ---- idempotency

func idemKey(merchantID, key string) string { return merchantID + "\x00" + key }

// Begin implements threeds.IdempotencyStore.
func (s *MemoryStore) Begin(_ context.Context, merchantID, key, requestHash string) (*threeds.IdempotencyRecord, error) {
	if merchantID == "" || key == "" || requestHash == "" {
		return nil, errors.New("idempotency begin: missing merchant, key or request hash")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if r, ok := s.idem[idemKey(merchantID, key)]; ok && !threeds.Expired(r.ExpiresAt, now) {
		switch {
		case r.RequestHash != requestHash:
			return nil, fmt.Errorf("idempotency begin: %w", threeds.ErrIdempotencyConflict)
		case !r.Completed:
			return nil, fmt.Errorf("idempotency begin: %w", threeds.ErrIdempotencyInProgress)
		}
		return cloneIdem(r), nil
	}
	r := &threeds.IdempotencyRecord{
		MerchantID: merchantID, Key: key, RequestHash: requestHash,
		CreatedAt: threeds.Stamp(now), ExpiresAt: threeds.Expiry(now, s.retention.IdempotencyLock),
	}
	s.idem[idemKey(merchantID, key)] = r
	return cloneIdem(r), nil
}

// Complete implements threeds.IdempotencyStore.
func (s *MemoryStore) Complete(_ context.Context, merchantID, key, requestHash string, status int, response []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	r, ok := s.idem[idemKey(merchantID, key)]
	switch {
	case !ok || threeds.Expired(r.ExpiresAt, now):
		return fmt.Errorf("idempotency complete: %w", threeds.ErrIdempotencyNotFound)
	case r.RequestHash != requestHash:
		return fmt.Errorf("idempotency complete: %w", threeds.ErrIdempotencyConflict)
	case r.Completed:
		return nil // the first response stays
	}
	r.Completed = true
	r.StatusCode = status
	r.Response = append([]byte(nil), response...)
	r.ExpiresAt = threeds.Expiry(now, s.retention.Idempotency)
	return nil
}

// Release implements threeds.IdempotencyStore.
func (s *MemoryStore) Release(_ context.Context, merchantID, key, requestHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.idem[idemKey(merchantID, key)]
	switch {
	case !ok || threeds.Expired(r.ExpiresAt, s.now()) || r.Completed:
		return nil
	case r.RequestHash != requestHash:
		return fmt.Errorf("idempotency release: %w", threeds.ErrIdempotencyConflict)
	}
	delete(s.idem, idemKey(merchantID, key))
	return nil
}

func cloneIdem(r *threeds.IdempotencyRecord) *threeds.IdempotencyRecord {
	c := *r
	c.Response = append([]byte(nil), r.Response...)
	if r.Response == nil {
		c.Response = nil
	}
	return &c
}

// ---- card ranges

// LoadRanges implements threeds.CardRangeStore.
func (s *MemoryStore) LoadRanges(_ context.Context, load threeds.CardRangeLoad) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sets[load.DS]; !ok && !load.Full {
		return fmt.Errorf("incremental card range load for %s: %w", load.DS, threeds.ErrCardRangesNotLoaded)
	}
	next, err := threeds.ApplyCardRangeLoad(s.ranges[load.DS], load)
	if err != nil {
		return fmt.Errorf("load card ranges for %s: %w", load.DS, err)
	}
	s.ranges[load.DS] = next
	s.sets[load.DS] = &threeds.CardRangeSet{DS: load.DS, Scheme: load.Scheme, SerialNum: load.SerialNum, Count: len(next), LoadedAt: threeds.Stamp(s.now())}
	return nil
}

// CardRangeSet implements threeds.CardRangeStore.
func (s *MemoryStore) CardRangeSet(_ context.Context, ds string) (*threeds.CardRangeSet, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set, ok := s.sets[ds]
	if !ok {
		return nil, fmt.Errorf("card ranges of %s: %w", ds, threeds.ErrCardRangesNotLoaded)
	}
	c := *set
	return &c, nil
}

// LookupCardRange implements threeds.CardRangeStore.
func (s *MemoryStore) LookupCardRange(_ context.Context, pan emv3ds.PAN) (*threeds.CardRange, error) {
	p := pan.Reveal()
	if !threeds.ValidPAN(p) {
		return nil, fmt.Errorf("lookup card range: PAN is not 13–19 digits: %w", threeds.ErrCardRangeNotFound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var best *threeds.CardRange
	for _, rs := range s.ranges {
		for i := range rs {
			if rs[i].Contains(p) && (best == nil || threeds.BetterMatch(rs[i], *best)) {
				best = &rs[i]
			}
		}
	}
	if best == nil {
		return nil, fmt.Errorf("lookup card range: %w", threeds.ErrCardRangeNotFound)
	}
	c := cloneRange(*best)
	return &c, nil
}

func cloneRange(r threeds.CardRange) threeds.CardRange {
	r.ACSInfoInd = append([]string(nil), r.ACSInfoInd...)
	if len(r.ACSInfoInd) == 0 {
		r.ACSInfoInd = nil
	}
	pv := make([]threeds.ACSProtocolVersion, len(r.ACSProtocolVersions))
	for i, v := range r.ACSProtocolVersions {
		v.ACSInfoInd = append([]string(nil), v.ACSInfoInd...)
		pv[i] = v
	}
	if len(pv) == 0 {
		pv = nil
	}
	r.ACSProtocolVersions = pv
	return r
}

// ---- webhook deliveries

// CreateWebhookDelivery implements threeds.WebhookDeliveryStore.
func (s *MemoryStore) CreateWebhookDelivery(_ context.Context, d *threeds.WebhookDelivery) error {
	if d == nil || d.ID == "" || d.MerchantID == "" {
		return errors.New("create webhook delivery: missing ID or MerchantID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if old, ok := s.deliveries[d.ID]; ok && !threeds.Expired(old.ExpiresAt, now) {
		return fmt.Errorf("create webhook delivery %s: %w", d.ID, threeds.ErrDuplicateWebhookDelivery)
	}
	c := *d
	if c.CreatedAt.IsZero() {
		c.CreatedAt = threeds.Stamp(now)
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = threeds.Expiry(c.CreatedAt, s.retention.WebhookDelivery)
	}
	if c.Status == "" {
		c.Status = threeds.WebhookPending
	}
	StampDelivery(&c)
	s.deliveries[d.ID] = &c
	s.deliveryWrites++
	*d = c
	return nil
}

// DeliveryWrites counts the webhook delivery records written (created or
// updated), for tests of what a delivery costs.
func (s *MemoryStore) DeliveryWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deliveryWrites
}

// GetWebhookDelivery implements threeds.WebhookDeliveryStore.
func (s *MemoryStore) GetWebhookDelivery(_ context.Context, id string) (*threeds.WebhookDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[id]
	if !ok || threeds.Expired(d.ExpiresAt, s.now()) {
		return nil, fmt.Errorf("get webhook delivery %s: %w", id, threeds.ErrWebhookDeliveryNotFound)
	}
	c := *d
	return &c, nil
}

// UpdateWebhookDelivery implements threeds.WebhookDeliveryStore.
func (s *MemoryStore) UpdateWebhookDelivery(_ context.Context, id string, fn func(*threeds.WebhookDelivery) error) (*threeds.WebhookDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.deliveries[id]
	if !ok || threeds.Expired(d.ExpiresAt, s.now()) {
		return nil, fmt.Errorf("update webhook delivery %s: %w", id, threeds.ErrWebhookDeliveryNotFound)
	}
	c := *d
	if err := fn(&c); err != nil {
		return nil, fmt.Errorf("update webhook delivery %s: %w", id, err)
	}
	if c.ID != d.ID || c.MerchantID != d.MerchantID || c.ExpiresAt.IsZero() {
		return nil, fmt.Errorf("update webhook delivery %s: ID and MerchantID cannot change, ExpiresAt is required", id)
	}
	StampDelivery(&c)
	stored := c
	s.deliveries[id] = &stored
	s.deliveryWrites++
	return &c, nil
}

// ListWebhookDeliveries implements threeds.WebhookDeliveryStore.
func (s *MemoryStore) ListWebhookDeliveries(_ context.Context, merchantID string, limit int) ([]*threeds.WebhookDelivery, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []*threeds.WebhookDelivery
	for _, d := range s.deliveries {
		if d.MerchantID == merchantID && !threeds.Expired(d.ExpiresAt, now) {
			c := *d
			out = append(out, &c)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].CreatedAt.Equal(out[j].CreatedAt) {
			return out[i].CreatedAt.After(out[j].CreatedAt)
		}
		return out[i].ID > out[j].ID
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// StampDelivery normalises a delivery's times the way stores keep them.
func StampDelivery(d *threeds.WebhookDelivery) {
	d.CreatedAt, d.UpdatedAt = threeds.Stamp(d.CreatedAt), threeds.Stamp(d.UpdatedAt)
	d.NextAttemptAt, d.DeliveredAt = threeds.Stamp(d.NextAttemptAt), threeds.Stamp(d.DeliveredAt)
	d.ExpiresAt = threeds.Stamp(d.ExpiresAt).Truncate(time.Second)
}
