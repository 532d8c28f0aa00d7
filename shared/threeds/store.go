package threeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// Store keeps transactions. Reads treat a transaction past its ExpiresAt as
// absent. Not found is always ErrTransactionNotFound, never nil, nil.
type Store interface {
	// Create stores a new transaction with Version 1 (ErrDuplicateTransaction
	// when the ID exists). tx.ExpiresAt must be set.
	Create(ctx context.Context, tx *Transaction) error
	// Get returns a copy of the transaction.
	Get(ctx context.Context, id string) (*Transaction, error)
	// Update reads the transaction, calls fn on a copy and writes it back
	// if fn changed it, on the condition that nobody wrote in between
	// (optimistic versioning). On a conflict it reads again and calls fn
	// again, a bounded number of times, then returns ErrConcurrentUpdate.
	// fn may therefore run more than once and must not accumulate outside
	// state. An error from fn aborts the update and is returned unchanged
	// (wrapped). fn must not change ID, MerchantID or CreatedAt. Update
	// returns the transaction as stored.
	Update(ctx context.Context, id string, fn func(*Transaction) error) (*Transaction, error)
}

// ReadTransaction is the one way the flows read a transaction. With a
// merchantID it returns only that merchant's: another merchant's transaction
// is ErrTransactionNotFound, exactly like a missing one (tenant isolation).
// An empty merchantID reads any merchant's (the callbacks, authenticated by
// what they carry).
func ReadTransaction(ctx context.Context, s Store, merchantID, id string) (*Transaction, error) {
	tx, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if merchantID != "" && tx.MerchantID != merchantID {
		return nil, fmt.Errorf("get transaction %s: %w", id, ErrTransactionNotFound)
	}
	return tx, nil
}

// UpdateTransaction is the one way the flows change a transaction: fn under
// optimistic locking (Store.Update). held, when the caller has just read,
// created or updated the transaction, saves the read: the write goes out on
// the condition that nobody wrote since (HeldUpdater), and falls back to a
// fresh read otherwise. With a merchantID only that merchant's transaction
// is changed (the check matters on a fresh read).
func UpdateTransaction(ctx context.Context, s Store, merchantID, id string, held *Transaction, fn func(*Transaction) error) (*Transaction, error) {
	apply := fn
	if merchantID != "" {
		apply = func(tx *Transaction) error {
			if tx.MerchantID != merchantID {
				return fmt.Errorf("update transaction %s: %w", tx.ID, ErrTransactionNotFound)
			}
			return fn(tx)
		}
	}
	if h, ok := s.(HeldUpdater); ok && held != nil && held.ID == id && held.Version > 0 {
		return h.UpdateHeld(ctx, held, apply)
	}
	return s.Update(ctx, id, apply)
}

// CheckUpdate refuses an update that changed what identifies a transaction
// or removed its expiry; every Store implementation calls it between fn and
// the write.
func CheckUpdate(before, after *Transaction) error {
	if before.ID != after.ID || before.MerchantID != after.MerchantID || !before.CreatedAt.Equal(after.CreatedAt) || before.Version != after.Version {
		return fmt.Errorf("update transaction %s: ID, MerchantID, CreatedAt and Version cannot change", before.ID)
	}
	if after.ExpiresAt.IsZero() {
		return fmt.Errorf("update transaction %s: ExpiresAt is required", before.ID)
	}
	return nil
}

// MerchantStore keeps merchant profiles. The webhook secret is encrypted at
// rest by the adapter.
type MerchantStore interface {
	CreateMerchant(ctx context.Context, m *Merchant) error // ErrDuplicateMerchant
	GetMerchant(ctx context.Context, id string) (*Merchant, error)
	ListMerchants(ctx context.Context) ([]*Merchant, error)
	// UpdateMerchant applies fn under optimistic locking like Store.Update.
	UpdateMerchant(ctx context.Context, id string, fn func(*Merchant) error) (*Merchant, error)
}

// APIKeyStore keeps API keys by their hash.
type APIKeyStore interface {
	CreateAPIKey(ctx context.Context, k *APIKey) error // ErrDuplicateAPIKey
	// LookupAPIKey finds the key whose hash is hash, comparing hashes in
	// constant time. A revoked key returns the key and ErrAPIKeyRevoked.
	LookupAPIKey(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys lists a merchant's keys (revoked ones included).
	ListAPIKeys(ctx context.Context, merchantID string) ([]*APIKey, error)
	// RevokeAPIKey revokes a merchant's key by ID (ErrAPIKeyNotFound when
	// it is not that merchant's). Revoking twice keeps the first time.
	RevokeAPIKey(ctx context.Context, merchantID, keyID string, now time.Time) error
	// TouchAPIKey records the last use of a key. Nothing on the request
	// path calls it (the authorizer only reads); it is for admin tooling.
	TouchAPIKey(ctx context.Context, hash string, now time.Time) error
}

// IdempotencyStore backs the Idempotency-Key header.
type IdempotencyStore interface {
	// Begin claims (merchantID, key) for a request whose body hashes to
	// requestHash. It returns:
	//   - a record with Completed == false: the caller owns the key, runs the
	//     request and calls Complete (or Release on failure);
	//   - a record with Completed == true: replay its StatusCode and Response;
	//   - ErrIdempotencyConflict: the key was used with another body;
	//   - ErrIdempotencyInProgress: the same request is running elsewhere.
	Begin(ctx context.Context, merchantID, key, requestHash string) (*IdempotencyRecord, error)
	// Complete stores the response of a claimed key.
	Complete(ctx context.Context, merchantID, key, requestHash string, statusCode int, response []byte) error
	// Release drops an uncompleted claim so that a retry can run.
	Release(ctx context.Context, merchantID, key, requestHash string) error
}

// CardRangeStore keeps the card ranges of every DS.
type CardRangeStore interface {
	// LoadRanges applies a PRes (full or incremental) for one DS.
	LoadRanges(ctx context.Context, load CardRangeLoad) error
	// CardRangeSet returns what is loaded for ds (ErrCardRangesNotLoaded).
	CardRangeSet(ctx context.Context, ds string) (*CardRangeSet, error)
	// LookupCardRange finds the range that holds pan: the narrowest when
	// ranges of several DSs overlap. A PAN matches ranges of its own length
	// only. ErrCardRangeNotFound when none holds it.
	LookupCardRange(ctx context.Context, pan emv3ds.PAN) (*CardRange, error)
}

// WebhookDeliveryStore keeps webhook delivery records.
type WebhookDeliveryStore interface {
	CreateWebhookDelivery(ctx context.Context, d *WebhookDelivery) error // ErrDuplicateWebhookDelivery
	GetWebhookDelivery(ctx context.Context, id string) (*WebhookDelivery, error)
	UpdateWebhookDelivery(ctx context.Context, id string, fn func(*WebhookDelivery) error) (*WebhookDelivery, error)
	// ListWebhookDeliveries lists a merchant's deliveries, newest first.
	ListWebhookDeliveries(ctx context.Context, merchantID string, limit int) ([]*WebhookDelivery, error)
}

// HeldUpdater is an optional Store capability: updating a transaction the
// caller has just read (Get, Create or an earlier update) without reading it
// again, which saves a round trip on every step that reads and then writes.
type HeldUpdater interface {
	// UpdateHeld calls fn on a copy of held and writes the result on the
	// condition that the stored transaction still has held.Version and has
	// not expired. When that condition fails (somebody wrote in between, or
	// the transaction is gone) or fn changes nothing, it falls back to
	// Update(ctx, held.ID, fn): a fresh read, fn again, the usual retries
	// and errors. held itself is not changed. The same rules as Update
	// apply to fn.
	UpdateHeld(ctx context.Context, held *Transaction, fn func(*Transaction) error) (*Transaction, error)
}

// ErrAReqClaimRefused is AReqClaimer.ClaimAReq's answer when the
// transaction is not one an AReq may go out for now (absent, expired,
// another merchant's, another card's, or past the AReq): the caller reads it
// to say which.
var ErrAReqClaimRefused = errors.New("transaction cannot take an AReq")

// AReqClaimer is an optional Store capability: the read of the transaction
// an AReq is for and its at-most-once mark in one conditional write, which
// saves /auth a round trip (issue 18).
type AReqClaimer interface {
	// ClaimAReq sets the transaction to StateAReqSent (AReqSentAt and
	// UpdatedAt now, Version+1) on the condition that it is merchantID's,
	// has not expired, is in a state before the AReq and is the card whose
	// keyed hash is panHash, and returns it as stored after the change.
	// ErrAReqClaimRefused when the condition fails. Of two concurrent
	// claims exactly one succeeds. prev is the state before the claim.
	ClaimAReq(ctx context.Context, merchantID, id, panHash string, now time.Time) (tx *Transaction, prev State, err error)
	// ReleaseAReqClaim undoes a claim whose AReq was never sent (the
	// merchant's AReq was invalid): back to prev, on the condition that the
	// transaction is still as claimed is returned.
	ReleaseAReqClaim(ctx context.Context, claimed *Transaction, prev State, now time.Time) error
}
