package threeds_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

// claimingStore adds threeds.AReqClaimer to the in-memory store (the way
// dynamostore's one conditional UpdateItem behaves), counting the calls.
type claimingStore struct {
	*threedstest.MemoryStore
	claims, releases, gets atomic.Int64
}

var _ threeds.AReqClaimer = (*claimingStore)(nil)

func (c *claimingStore) Get(ctx context.Context, id string) (*threeds.Transaction, error) {
	c.gets.Add(1)
	return c.MemoryStore.Get(ctx, id)
}

func (c *claimingStore) ClaimAReq(ctx context.Context, merchantID, id, panHash string, now time.Time) (*threeds.Transaction, threeds.State, error) {
	c.claims.Add(1)
	var prev threeds.State
	refused := errors.New("refused")
	tx, err := c.MemoryStore.Update(ctx, id, func(t *threeds.Transaction) error {
		if t.MerchantID != merchantID || t.Card.PANHash != panHash ||
			(t.State != threeds.StatePreAuthenticated && t.State != threeds.StateMethodPending && t.State != threeds.StateMethodCompleted) {
			return refused
		}
		prev = t.State
		t.State, t.AReqSentAt, t.UpdatedAt = threeds.StateAReqSent, now.UTC(), now.UTC()
		return nil
	})
	if errors.Is(err, refused) || errors.Is(err, threeds.ErrTransactionNotFound) {
		return nil, "", threeds.ErrAReqClaimRefused
	}
	return tx, prev, err
}

func (c *claimingStore) ReleaseAReqClaim(ctx context.Context, claimed *threeds.Transaction, prev threeds.State, now time.Time) error {
	c.releases.Add(1)
	_, err := c.MemoryStore.Update(ctx, claimed.ID, func(t *threeds.Transaction) error {
		if t.Version != claimed.Version || t.State != threeds.StateAReqSent {
			return threeds.ErrConcurrentUpdate
		}
		t.State, t.AReqSentAt, t.UpdatedAt = prev, time.Time{}, now.UTC()
		return nil
	})
	return err
}

func withClaims(c **claimingStore) func(*env) {
	return func(e *env) {
		*c = &claimingStore{MemoryStore: e.store}
		e.txs = *c
	}
}

// With a store that claims (dynamostore), /auth reads and marks the
// transaction in one call and reads nothing else: the claim and the ARes
// write are its two round trips.
func TestAuthenticateClaimsTheTransaction(t *testing.T) {
	t.Parallel()
	var c *claimingStore
	e := newEnv(t, withClaims(&c))
	id := e.preauth(panFrictionless)
	gets := c.gets.Load()
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.NoError(t, err)
	require.Equal(t, emv3ds.TransStatus("Y"), out.ARes.TransStatus)
	require.Equal(t, int64(1), c.claims.Load())
	require.Equal(t, gets, c.gets.Load(), "no read besides the claim")
	tx := e.tx(id)
	require.Equal(t, threeds.StateFinal, tx.State)
	require.False(t, tx.AReqSentAt.IsZero())
	require.Equal(t, "02", string(tx.DeviceChannel), "what the AReq said is written with the ARes")
	require.Equal(t, emv3ds.ThreeDSCompInd("U"), tx.CompInd, "threeDSCompInd from the state before the claim")
	require.Equal(t, emv3ds.ThreeDSCompInd("U"), e.dir.sentAReqs()[0].ThreeDSCompInd)
}

// The claim keeps every guarantee of the read-then-mark path: one AReq of
// concurrent requests, other merchants' and cards' transactions refused as
// before, an invalid AReq leaves the transaction retryable.
func TestAuthenticateClaimGuarantees(t *testing.T) {
	t.Parallel()
	t.Run("concurrent requests send one AReq", func(t *testing.T) {
		t.Parallel()
		var c *claimingStore
		e := newEnv(t, withClaims(&c))
		id := e.preauth(panFrictionless)
		requireConcurrentAuthSendsOneAReq(t, e, id)
	})
	t.Run("another merchant's transaction is not found", func(t *testing.T) {
		t.Parallel()
		var c *claimingStore
		e := newEnv(t, withClaims(&c))
		id := e.preauth(panFrictionless)
		_, err := e.svc.Authenticate(context.Background(), merchantB, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
		require.Equal(t, threeds.StatePreAuthenticated, e.tx(id).State)
		require.Empty(t, e.dir.sentAReqs())
	})
	t.Run("another card is refused by name", func(t *testing.T) {
		t.Parallel()
		var c *claimingStore
		e := newEnv(t, withClaims(&c))
		id := e.preauth(panFrictionless)
		_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panMethod, id)})
		require.Equal(t, []string{"acctNumber"}, fieldsOf(t, err))
		require.Equal(t, threeds.StatePreAuthenticated, e.tx(id).State)
	})
	t.Run("an invalid AReq releases the claim", func(t *testing.T) {
		t.Parallel()
		var c *claimingStore
		e := newEnv(t, withClaims(&c))
		id := e.preauth(panFrictionless)
		bad := browserAReq(t, panFrictionless, id, func(m map[string]any) { delete(m, "purchaseAmount") })
		_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: bad})
		require.Error(t, err)
		require.Equal(t, int64(1), c.releases.Load())
		tx := e.tx(id)
		require.Equal(t, threeds.StatePreAuthenticated, tx.State, "retryable")
		require.True(t, tx.AReqSentAt.IsZero())
		_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		require.NoError(t, err, "the corrected AReq goes out")
		require.Len(t, e.dir.sentAReqs(), 1)
	})
}
