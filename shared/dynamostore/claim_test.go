package dynamostore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func claimTx(t *testing.T, id string) *threeds.Transaction {
	t.Helper()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: id, MerchantID: "m1", MessageVersion: emv3ds.Version220,
		Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "hash-1"}}, time.Now(), threeds.DefaultRetention())
	require.NoError(t, err)
	return tx
}

// ClaimAReq is the read and the at-most-once mark in one conditional
// write: refused for another merchant, another card, an expired or an
// already claimed transaction; of concurrent claims exactly one wins; a
// release makes the transaction claimable again.
func TestClaimAReq(t *testing.T) {
	ctx := context.Background()
	s, client, table := newStore(t, time.Now, threeds.DefaultRetention())
	const id = "7e2d2f1f-8c3b-4d4e-9fa0-1b2c3d4e5f01"
	require.NoError(t, s.Create(ctx, claimTx(t, id)))

	for name, c := range map[string][3]string{
		"another merchant":    {"m2", id, "hash-1"},
		"another card":        {"m1", id, "hash-2"},
		"unknown transaction": {"m1", "7e2d2f1f-8c3b-4d4e-9fa0-1b2c3d4e5f99", "hash-1"},
	} {
		_, _, err := s.ClaimAReq(ctx, c[0], c[1], c[2], time.Now())
		require.ErrorIs(t, err, threeds.ErrAReqClaimRefused, name)
	}
	before, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, threeds.StatePreAuthenticated, before.State, "a refused claim changes nothing")

	const n = 8
	var wg sync.WaitGroup
	wins := make(chan *threeds.Transaction, n)
	refused := make(chan error, n)
	for range n {
		wg.Go(func() {
			tx, prev, err := s.ClaimAReq(ctx, "m1", id, "hash-1", time.Now())
			if err != nil {
				refused <- err
				return
			}
			require.Equal(t, threeds.StatePreAuthenticated, prev)
			wins <- tx
		})
	}
	wg.Wait()
	close(wins)
	close(refused)
	require.Len(t, wins, 1, "exactly one concurrent claim wins")
	for err := range refused {
		require.ErrorIs(t, err, threeds.ErrAReqClaimRefused)
	}
	won := <-wins
	require.Equal(t, threeds.StateAReqSent, won.State)
	require.False(t, won.AReqSentAt.IsZero())
	require.Equal(t, before.Version+1, won.Version)
	require.Equal(t, id, won.ID)
	require.Equal(t, "hash-1", won.Card.PANHash)
	got, err := s.Get(ctx, id)
	require.NoError(t, err)
	require.Equal(t, won.Version, got.Version)
	require.Equal(t, threeds.StateAReqSent, got.State)

	// The claimed transaction takes its ARes as a held update (the second
	// and last round trip of /auth).
	final, err := s.UpdateHeld(ctx, won, func(tx *threeds.Transaction) error {
		if err := tx.CompleteAReqClaim(threeds.AReqSent{MessageVersion: emv3ds.Version220, DeviceChannel: "02", MessageCategory: "01"}, time.Now(), threeds.DefaultRetention()); err != nil {
			return err
		}
		return tx.RecordARes(threeds.AResData{TransStatus: "Y", ECI: "05", DSTransID: "d1", ACSTransID: "a1"}, time.Now(), threeds.DefaultRetention())
	})
	require.NoError(t, err)
	require.Equal(t, threeds.StateFinal, final.State)
	require.Equal(t, won.AReqSentAt, final.AReqSentAt)

	// Release: back to the state before the claim, claimable again.
	const id2 = "7e2d2f1f-8c3b-4d4e-9fa0-1b2c3d4e5f02"
	require.NoError(t, s.Create(ctx, claimTx(t, id2)))
	c, prev, err := s.ClaimAReq(ctx, "m1", id2, "hash-1", time.Now())
	require.NoError(t, err)
	require.NoError(t, s.ReleaseAReqClaim(ctx, c, prev, time.Now()))
	got, err = s.Get(ctx, id2)
	require.NoError(t, err)
	require.Equal(t, threeds.StatePreAuthenticated, got.State)
	require.True(t, got.AReqSentAt.IsZero())
	require.Error(t, s.ReleaseAReqClaim(ctx, c, prev, time.Now()), "a stale release changes nothing")
	_, _, err = s.ClaimAReq(ctx, "m1", id2, "hash-1", time.Now())
	require.NoError(t, err, "claimable again")

	// Expired (DynamoDB deletes lazily): refused.
	const id3 = "7e2d2f1f-8c3b-4d4e-9fa0-1b2c3d4e5f03"
	require.NoError(t, s.Create(ctx, claimTx(t, id3)))
	later := dynamostore.New(client, table, dynamostore.Options{Sealer: testVault(t),
		Now: func() time.Time { return time.Now().Add(365 * 24 * time.Hour) }})
	_, _, err = later.ClaimAReq(ctx, "m1", id3, "hash-1", time.Now())
	require.ErrorIs(t, err, threeds.ErrAReqClaimRefused)
}
