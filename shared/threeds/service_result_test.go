package threeds_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

func TestResult(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// Preauthenticated: pending, nothing yet.
	pre := e.preauth(panFrictionless)
	out, err := e.svc.Result(ctx, merchantA, pre)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultPending, out.Status)
	require.Empty(t, out.TransStatus)

	// Challenge under way: pending with transStatus C.
	ch, _ := e.challenged(panFrictionless)
	out, err = e.svc.Result(ctx, merchantA, ch)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultPending, out.Status)
	require.Equal(t, emv3ds.TransStatusChallenge, out.TransStatus)
	require.Empty(t, out.AuthenticationValue)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", out.DSTransID)

	// After the RReq: final with the RReq's result.
	_, err = e.svc.ReceiveRReq(ctx, rreqJSON(ch))
	require.NoError(t, err)
	out, err = e.svc.Result(ctx, merchantA, ch)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultFinal, out.Status)
	require.Equal(t, emv3ds.TransStatusAuthenticated, out.TransStatus)
	require.Equal(t, emv3ds.AuthenticationValue(cavv), out.AuthenticationValue)
	require.Equal(t, emv3ds.ECI("05"), out.ECI)
	require.Equal(t, threeds.SourceRReq, out.Source)
	require.Equal(t, emv3ds.Version220, out.MessageVersion)
	require.Equal(t, "400000", out.CardBIN)
	require.Equal(t, "1000", out.CardLast4)
	require.Equal(t, emv3ds.SchemeVisa, out.Scheme)

	// Failed: the error is reported.
	e.dir.AReq = func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
		return nil, &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}
	}
	failed := e.preauth(panFrictionless)
	_, err = e.svc.Authenticate(ctx, merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, failed)})
	require.Error(t, err)
	out, err = e.svc.Result(ctx, merchantA, failed)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultFailed, out.Status)
	require.NotNil(t, out.Error)
	require.Equal(t, emv3ds.ErrorCodeSystemConnectionFailure, out.Error.Code)
	require.Equal(t, "Connection timeout", out.Error.Detail)

	// Tenant isolation: merchant B sees none of A's transactions.
	for _, id := range []string{pre, ch, failed} {
		_, err := e.svc.Result(ctx, merchantB, id)
		require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	}
	_, err = e.svc.Result(ctx, merchantA, "00000000-0000-4000-8000-999999999999")
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	_, err = e.svc.Result(ctx, merchantA, "")
	require.Equal(t, []string{"threeDSServerTransID"}, fieldsOf(t, err))

	// Past its retention the transaction is gone.
	e.clock.Advance(threeds.DefaultRetention().Result + time.Second)
	_, err = e.svc.Result(ctx, merchantA, ch)
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
}

// keyStore wraps the memory store to return a key whose stored hash differs
// from the one looked up, as a store matching on a prefix or index might.
type keyStore struct {
	threeds.APIKeyStore
	override *threeds.APIKey
	lookups  []string
	touches  int
}

func (k *keyStore) LookupAPIKey(ctx context.Context, hash string) (*threeds.APIKey, error) {
	k.lookups = append(k.lookups, hash)
	if k.override != nil {
		c := *k.override
		return &c, nil
	}
	return k.APIKeyStore.LookupAPIKey(ctx, hash)
}

func (k *keyStore) TouchAPIKey(ctx context.Context, hash string, now time.Time) error {
	k.touches++
	return k.APIKeyStore.TouchAPIKey(ctx, hash, now)
}

func TestAuthorizeAPIKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const valid = "o3ds_valid_key_for_merchant_a_0123456789"
	const revoked = "o3ds_revoked_key_for_merchant_a_01234567"
	require.NoError(t, e.store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k1", MerchantID: merchantA, Hash: vault.HashAPIKey(valid), Prefix: "o3ds_val", CreatedAt: svcNow}))
	require.NoError(t, e.store.CreateAPIKey(ctx, &threeds.APIKey{ID: "k2", MerchantID: merchantA, Hash: vault.HashAPIKey(revoked), Prefix: "o3ds_rev", CreatedAt: svcNow}))
	require.NoError(t, e.store.RevokeAPIKey(ctx, merchantA, "k2", svcNow))

	ks := &keyStore{APIKeyStore: e.store}
	svc := threeds.NewKeyService(ks, threeds.WithClock(e.clock.Now))

	tests := []struct {
		name string
		key  string
		want string
		err  error
	}{
		{name: "valid", key: valid, want: merchantA},
		{name: "unknown", key: "o3ds_unknown_key_000000000000000000000000", err: threeds.ErrInvalidAPIKey},
		{name: "revoked", key: revoked, err: threeds.ErrInvalidAPIKey},
		{name: "empty", key: "", err: threeds.ErrInvalidAPIKey},
		{name: "too long", key: string(make([]byte, 300)), err: threeds.ErrInvalidAPIKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.AuthorizeAPIKey(ctx, tc.key, vault.HashAPIKey)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.Empty(t, got)
				if tc.key != "" {
					require.NotContains(t, err.Error(), tc.key)
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}

	t.Run("authorizing never writes", func(t *testing.T) {
		before := ks.touches
		for range 3 {
			_, err := svc.AuthorizeAPIKey(ctx, valid, vault.HashAPIKey)
			require.NoError(t, err)
			e.clock.Advance(2 * time.Minute)
		}
		require.Equal(t, before, ks.touches, "the authorizer's role may only read: no last-use write on the hot path")
	})

	t.Run("stored hash compared with the computed one", func(t *testing.T) {
		ks.override = &threeds.APIKey{ID: "k9", MerchantID: merchantB, Hash: vault.HashAPIKey("o3ds_some_other_key")}
		defer func() { ks.override = nil }()
		_, err := svc.AuthorizeAPIKey(ctx, valid, vault.HashAPIKey)
		require.ErrorIs(t, err, threeds.ErrInvalidAPIKey, "a lookup that returns another key's record must not authorise")
	})

	t.Run("revoked key returned without the store's revoked error", func(t *testing.T) {
		ks.override = &threeds.APIKey{ID: "k2", MerchantID: merchantA, Hash: vault.HashAPIKey(revoked), RevokedAt: svcNow}
		defer func() { ks.override = nil }()
		_, err := svc.AuthorizeAPIKey(ctx, revoked, vault.HashAPIKey)
		require.ErrorIs(t, err, threeds.ErrInvalidAPIKey)
	})

	t.Run("store failure is not an invalid key", func(t *testing.T) {
		broken := threeds.NewKeyService(failingKeys{})
		_, err := broken.AuthorizeAPIKey(ctx, valid, vault.HashAPIKey)
		require.Error(t, err)
		require.NotErrorIs(t, err, threeds.ErrInvalidAPIKey)
	})
}

type failingKeys struct{ threeds.APIKeyStore }

func (failingKeys) LookupAPIKey(context.Context, string) (*threeds.APIKey, error) {
	return nil, errors.New("dynamodb: throttled")
}

// A transaction that can no longer finish must not stay "pending" for ever:
// an AReq whose ARes was never recorded (the store failed while the DS
// answered) is reported failed with 402 after two minutes, and a challenge
// the ACS never reported on is expired after thirty.
func TestResultEndsStalledTransactions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// An AReq that left (state areq_sent) but whose ARes was lost.
	lost := e.preauth(panFrictionless)
	_, err := e.store.Update(ctx, lost, func(tx *threeds.Transaction) error {
		return tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser, MessageCategory: emv3ds.MessageCategoryPayment},
			e.clock.Now(), threeds.DefaultRetention())
	})
	require.NoError(t, err)
	ch, _ := e.challenged(panFrictionless)

	e.clock.Advance(90 * time.Second)
	out, err := e.svc.Result(ctx, merchantA, lost)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultPending, out.Status, "within the bound the ARes may still be on its way")

	e.clock.Advance(time.Minute)
	out, err = e.svc.Result(ctx, merchantA, lost)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultFailed, out.Status)
	require.NotNil(t, out.Error)
	require.Equal(t, emv3ds.ErrorCodeTransactionTimedOut, out.Error.Code)
	require.True(t, out.Error.Timeout)

	out, err = e.svc.Result(ctx, merchantA, ch)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultPending, out.Status)
	require.Equal(t, emv3ds.TransStatusChallenge, out.TransStatus)

	e.clock.Advance(30 * time.Minute)
	out, err = e.svc.Result(ctx, merchantA, ch)
	require.NoError(t, err)
	require.Equal(t, threeds.ResultExpired, out.Status)
	require.Empty(t, out.TransStatus)
}
