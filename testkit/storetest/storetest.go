package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

// Stores is every port one adapter implements.
type Stores interface {
	threeds.Store
	threeds.MerchantStore
	threeds.APIKeyStore
	threeds.IdempotencyStore
	threeds.CardRangeStore
	threeds.WebhookDeliveryStore
}

// Factory returns a new, empty store that reads the time from now and
// applies retention r. It is called once per subtest.
type Factory func(t *testing.T, now func() time.Time, r threeds.Retention) Stores

// Start is the clock's time at the start of every subtest.
var Start = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

type env struct {
	s     Stores
	clock *threedstest.Clock
	r     threeds.Retention
	ctx   context.Context
}

// Run runs the contract suite against the stores newStores makes.
func Run(t *testing.T, newStores Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e env)
	}{
		{"TransactionCreateGet", testTransactionCreateGet},
		{"TransactionRoundTripEveryField", testTransactionRoundTrip},
		{"TransactionConditionalTransitions", testConditionalTransitions},
		{"TransactionUpdateErrors", testUpdateErrors},
		{"TransactionConcurrentUpdates", testConcurrentUpdates},
		{"TransactionUpdateFromHeld", testUpdateFromHeld},
		{"TransactionExpiry", testTransactionExpiry},
		{"TransactionTenantIsolation", testTenantIsolation},
		{"Merchants", testMerchants},
		{"APIKeys", testAPIKeys},
		{"Idempotency", testIdempotency},
		{"IdempotencyExpiry", testIdempotencyExpiry},
		{"CardRanges", testCardRanges},
		{"CardRangeLookupEdges", testCardRangeLookupEdges},
		{"WebhookDeliveries", testWebhookDeliveries},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := threedstest.NewClock(Start)
			r := threeds.DefaultRetention()
			tc.fn(t, env{s: newStores(t, clock.Now, r), clock: clock, r: r, ctx: context.Background()})
		})
	}
}

var idSeq struct {
	sync.Mutex
	n int
}

func newID() string {
	idSeq.Lock()
	defer idSeq.Unlock()
	idSeq.n++
	return fmt.Sprintf("8a880dc0-d2d2-4067-bcb1-%012d", idSeq.n)
}

func card() threeds.Card {
	return threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1059", PANHash: "4f1d0c9d3a7b6e52c8a1f0e9d8c7b6a5f4e3d2c1b0a99887766554433221100f"}
}

func newTx(t *testing.T, e env, merchant, methodURL string) *threeds.Transaction {
	t.Helper()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{
		ID: newID(), MerchantID: merchant, Card: card(),
		MessageVersion: emv3ds.Version220, DSStartVersion: emv3ds.Version210, DSEndVersion: emv3ds.Version220,
		ACSStartVersion: emv3ds.Version210, ACSEndVersion: emv3ds.Version220,
		ThreeDSMethodURL: methodURL, MethodNotificationURL: "https://3dss.example/callbacks/method",
	}, e.clock.Now(), e.r)
	require.NoError(t, err)
	return tx
}

func challengeARes() threeds.AResData {
	return threeds.AResData{
		TransStatus: emv3ds.TransStatusChallenge, DSTransID: "ds-" + newID(), ACSTransID: "acs-" + newID(),
		ACSURL: "https://acs.example/challenge", ACSChallengeMandated: "Y", AuthenticationType: "02",
		ACSReferenceNumber: "ACSREF", DSReferenceNumber: "DSREF", ACSOperatorID: "OP1",
		ACSRenderingType: json.RawMessage(`{"acsInterface":"02","acsUiTemplate":"01"}`),
	}
}

func testTransactionCreateGet(t *testing.T, e env) {
	tx := newTx(t, e, "m1", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	require.EqualValues(t, 1, tx.Version)

	got, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, tx, got)

	// a copy: changing it changes nothing stored
	got.State = threeds.StateFailed
	again, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, threeds.StatePreAuthenticated, again.State)

	dup := newTx(t, e, "m1", "")
	dup.ID = tx.ID
	require.ErrorIs(t, e.s.Create(e.ctx, dup), threeds.ErrDuplicateTransaction)

	missing, err := e.s.Get(e.ctx, newID())
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	require.Nil(t, missing)

	noTTL := newTx(t, e, "m1", "")
	noTTL.ExpiresAt = time.Time{}
	require.Error(t, e.s.Create(e.ctx, noTTL), "every transaction must carry a TTL")
}

// fullTransaction has every field set, to prove the adapter keeps them all.
func fullTransaction(t *testing.T, e env) *threeds.Transaction {
	tx := newTx(t, e, "m1", "https://acs.example/method")
	tx.DSReferenceNumber = "DSREF-PRES"
	now := e.clock.Now()
	require.NoError(t, tx.RecordMethodCompleted(now.Add(time.Second)))
	require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{
		MessageVersion: emv3ds.Version220, DeviceChannel: emv3ds.DeviceChannelBrowser, MessageCategory: emv3ds.MessageCategoryPayment,
		NotificationURL: "https://3dss.example/callbacks/challenge", ReturnURL: "https://shop.example/return",
		ChallengeWindowSize: "05", DecoupledRequested: true, ChallengeInd: "04", ThreeRIInd: "01",
	}, now.Add(2*time.Second), e.r))
	a := challengeARes()
	a.SDKTransID, a.AuthenticationMethod, a.ACSSignedContent, a.CardholderInfo, a.ACSDecConInd = "sdk-1", "01", "eyJhbGciOi", "Call your bank", "N"
	a.TransStatusReason = "17"
	require.NoError(t, tx.RecordARes(a, now.Add(3*time.Second), e.r))
	_, err := tx.RecordRReq(threeds.RReqData{
		TransStatus: emv3ds.TransStatusAuthenticated, TransStatusReason: "", ECI: "05",
		AuthenticationValue: "AAABBEg0VhI0VniQEjRWAAAAAAA=", ChallengeCancel: "", InteractionCounter: "01",
		Fingerprint: "fp-" + tx.ID, RRes: json.RawMessage(`{"messageType":"RRes","resultsStatus":"01"}`),
	}, now.Add(4*time.Second), e.r)
	require.NoError(t, err)
	require.NoError(t, tx.RecordCRes(now.Add(5*time.Second)))
	return tx
}

func testTransactionRoundTrip(t *testing.T, e env) {
	full := fullTransaction(t, e)
	require.NoError(t, e.s.Create(e.ctx, full))
	got, err := e.s.Get(e.ctx, full.ID)
	require.NoError(t, err)
	require.Equal(t, full, got)

	failed := newTx(t, e, "m1", "")
	require.NoError(t, failed.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelApp}, e.clock.Now(), e.r))
	require.NoError(t, failed.RecordFailure(threeds.ErrorInfo{Code: emv3ds.ErrorCodeSystemConnectionFailure, Component: emv3ds.ErrorComponentServer, Description: "Unable to contact Directory Server", Detail: "Connection timeout", MessageType: emv3ds.MessageTypeAReq, Timeout: true}, e.clock.Now(), e.r))
	require.NoError(t, e.s.Create(e.ctx, failed))
	got, err = e.s.Get(e.ctx, failed.ID)
	require.NoError(t, err)
	require.Equal(t, failed, got)
}

func testConditionalTransitions(t *testing.T, e env) {
	tx := newTx(t, e, "m1", "https://acs.example/method")
	require.NoError(t, e.s.Create(e.ctx, tx))
	id := tx.ID
	step := func(fn func(*threeds.Transaction) error) *threeds.Transaction {
		t.Helper()
		e.clock.Advance(time.Second)
		got, err := e.s.Update(e.ctx, id, fn)
		require.NoError(t, err)
		return got
	}
	got := step(func(tx *threeds.Transaction) error { return tx.RecordMethodCompleted(e.clock.Now()) })
	require.Equal(t, threeds.StateMethodCompleted, got.State)
	require.EqualValues(t, 2, got.Version)

	// idempotent method completion writes nothing
	got = step(func(tx *threeds.Transaction) error { return tx.RecordMethodCompleted(e.clock.Now()) })
	require.EqualValues(t, 2, got.Version, "an update that changes nothing is not written")

	got = step(func(tx *threeds.Transaction) error {
		return tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, e.clock.Now(), e.r)
	})
	require.Equal(t, emv3ds.ThreeDSCompIndCompleted, got.CompInd)
	ares := challengeARes()
	got = step(func(tx *threeds.Transaction) error { return tx.RecordARes(ares, e.clock.Now(), e.r) })
	require.Equal(t, threeds.StateChallengePending, got.State)
	require.EqualValues(t, 4, got.Version)

	rr := threeds.RReqData{TransStatus: emv3ds.TransStatusAuthenticated, ECI: "05", AuthenticationValue: "AAABBEg0VhI0VniQEjRWAAAAAAA=",
		ACSTransID: ares.ACSTransID, Fingerprint: "fp-1", RRes: json.RawMessage(`{"resultsStatus":"01"}`)}
	var answered json.RawMessage
	got = step(func(tx *threeds.Transaction) error {
		var err error
		answered, err = tx.RecordRReq(rr, e.clock.Now(), e.r)
		return err
	})
	require.Equal(t, threeds.StateFinal, got.State)
	require.JSONEq(t, `{"resultsStatus":"01"}`, string(answered))
	final := got

	// the same RReq again: same RRes, nothing written
	answered = nil
	got = step(func(tx *threeds.Transaction) error {
		var err error
		answered, err = tx.RecordRReq(rr, e.clock.Now(), e.r)
		return err
	})
	require.JSONEq(t, `{"resultsStatus":"01"}`, string(answered))
	require.Equal(t, final, got)

	// another RReq: refused, stored result untouched
	other := rr
	other.Fingerprint, other.TransStatus = "fp-2", emv3ds.TransStatusNotAuthenticated
	_, err := e.s.Update(e.ctx, id, func(tx *threeds.Transaction) error {
		_, err := tx.RecordRReq(other, e.clock.Now(), e.r)
		return err
	})
	require.ErrorIs(t, err, threeds.ErrResultFinal)
	// a late failure or expiry cannot regress it either
	_, err = e.s.Update(e.ctx, id, func(tx *threeds.Transaction) error {
		return tx.RecordFailure(threeds.ErrorInfo{Code: "402"}, e.clock.Now(), e.r)
	})
	require.ErrorIs(t, err, threeds.ErrResultFinal)
	_, err = e.s.Update(e.ctx, id, func(tx *threeds.Transaction) error { return tx.Expire(e.clock.Now()) })
	require.ErrorIs(t, err, threeds.ErrResultFinal)

	stored, err := e.s.Get(e.ctx, id)
	require.NoError(t, err)
	require.Equal(t, final, stored)
	require.Equal(t, emv3ds.TransStatusAuthenticated, stored.Result.TransStatus)
}

func testUpdateErrors(t *testing.T, e env) {
	_, err := e.s.Update(e.ctx, newID(), func(*threeds.Transaction) error { return nil })
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)

	tx := newTx(t, e, "m1", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	boom := errors.New("boom")
	_, err = e.s.Update(e.ctx, tx.ID, func(tx *threeds.Transaction) error {
		tx.State = threeds.StateFailed
		return boom
	})
	require.ErrorIs(t, err, boom)

	for name, fn := range map[string]func(*threeds.Transaction){
		"merchant":  func(tx *threeds.Transaction) { tx.MerchantID = "m2" },
		"id":        func(tx *threeds.Transaction) { tx.ID = newID() },
		"version":   func(tx *threeds.Transaction) { tx.Version = 99 },
		"no expiry": func(tx *threeds.Transaction) { tx.ExpiresAt = time.Time{} },
	} {
		_, err = e.s.Update(e.ctx, tx.ID, func(tx *threeds.Transaction) error { fn(tx); return nil })
		require.Error(t, err, name)
	}
	got, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, tx, got, "failed updates write nothing")
}

// testConcurrentUpdates races 100 goroutines on one transaction: every
// Update either lands (and is visible in the final item) or reports
// ErrConcurrentUpdate; none is lost.
func testConcurrentUpdates(t *testing.T, e env) {
	tx := newTx(t, e, "m1", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	const n = 100
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		succeeded = map[string]bool{}
		conflicts int
		others    []error
	)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			mark := fmt.Sprintf("|%03d", i)
			_, err := e.s.Update(e.ctx, tx.ID, func(tx *threeds.Transaction) error {
				tx.ARes.CardholderInfo += mark // test-only field abuse: a visible append per update
				return nil
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				succeeded[mark] = true
			case errors.Is(err, threeds.ErrConcurrentUpdate):
				conflicts++
			default:
				others = append(others, err)
			}
		}(i)
	}
	close(start)
	wg.Wait()
	require.Empty(t, others)
	require.Equal(t, n, len(succeeded)+conflicts)
	require.NotEmpty(t, succeeded)

	got, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1+len(succeeded), got.Version, "one version per landed update")
	seen := map[string]int{}
	for _, m := range strings.Split(strings.TrimPrefix(got.ARes.CardholderInfo, "|"), "|") {
		seen["|"+m]++
	}
	require.Len(t, seen, len(succeeded))
	for m := range succeeded {
		require.Equal(t, 1, seen[m], "update %s must appear exactly once", m)
	}
	t.Logf("%d updates landed, %d gave up with ErrConcurrentUpdate", len(succeeded), conflicts)
}

// testUpdateFromHeld checks threeds.UpdateTransaction from a held copy (HeldUpdater when the store
// has it): a write from the transaction the caller holds, and the fallback
// to a fresh read-modify-write whenever the held copy is stale.
func testUpdateFromHeld(t *testing.T, e env) {
	tx := newTx(t, e, "m1", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	held := tx.Clone()

	e.clock.Advance(time.Second)
	sent, err := threeds.UpdateTransaction(e.ctx, e.s, "", held.ID, held, func(tx *threeds.Transaction) error {
		return tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, e.clock.Now(), e.r)
	})
	require.NoError(t, err)
	require.Equal(t, threeds.StateAReqSent, sent.State)
	require.EqualValues(t, 2, sent.Version)
	require.Equal(t, tx, held, "the held copy is not changed")
	stored, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, sent, stored, "UpdateTransaction returns the transaction as stored")

	// Chained from the returned transaction, as /auth does.
	e.clock.Advance(time.Second)
	ares := challengeARes()
	got, err := threeds.UpdateTransaction(e.ctx, e.s, "", sent.ID, sent, func(tx *threeds.Transaction) error { return tx.RecordARes(ares, e.clock.Now(), e.r) })
	require.NoError(t, err)
	require.EqualValues(t, 3, got.Version)
	require.Equal(t, threeds.StateChallengePending, got.State)

	// A stale copy: the transition is checked again on the stored state, so
	// a second AReq mark from the old copy is refused (at most one AReq)…
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", held.ID, held, func(tx *threeds.Transaction) error {
		return tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, e.clock.Now(), e.r)
	})
	require.ErrorIs(t, err, threeds.ErrInvalidTransition)
	// …and a change from it lands on top of the other writers' changes.
	_, err = e.s.Update(e.ctx, tx.ID, func(tx *threeds.Transaction) error { tx.ARes.CardholderInfo += "|other"; return nil })
	require.NoError(t, err)
	merged, err := threeds.UpdateTransaction(e.ctx, e.s, "", got.ID, got, func(tx *threeds.Transaction) error { tx.ARes.CardholderInfo += "|mine"; return nil })
	require.NoError(t, err)
	require.Equal(t, "|other|mine", merged.ARes.CardholderInfo)
	require.EqualValues(t, 5, merged.Version)
	stored, err = e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, merged, stored)

	// No change from a stale copy returns what is stored, writes nothing.
	same, err := threeds.UpdateTransaction(e.ctx, e.s, "", got.ID, got, func(*threeds.Transaction) error { return nil })
	require.NoError(t, err)
	require.Equal(t, stored, same)

	// fn's error and forbidden changes abort; nothing is written.
	boom := errors.New("boom")
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", stored.ID, stored, func(tx *threeds.Transaction) error { tx.State = threeds.StateFailed; return boom })
	require.ErrorIs(t, err, boom)
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", stored.ID, stored, func(tx *threeds.Transaction) error { tx.MerchantID = "m2"; return nil })
	require.Error(t, err)
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", stored.ID, stored, func(tx *threeds.Transaction) error { tx.ExpiresAt = time.Time{}; return nil })
	require.Error(t, err)
	again, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, stored, again)

	// A transaction that was never stored, or has expired, is not found and
	// not written.
	ghost := newTx(t, e, "m1", "")
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", ghost.ID, ghost, func(tx *threeds.Transaction) error { return tx.Expire(e.clock.Now()) })
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	_, err = e.s.Get(e.ctx, ghost.ID)
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	e.clock.Set(stored.ExpiresAt)
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "", stored.ID, stored, func(tx *threeds.Transaction) error { tx.ARes.CardholderInfo += "|late"; return nil })
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	e.clock.Set(stored.ExpiresAt.Add(-time.Second))
	alive, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, stored, alive, "the expired item was not written")
}

func testTransactionExpiry(t *testing.T, e env) {
	tx := newTx(t, e, "m1", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	require.Equal(t, Start.Add(e.r.PreAuth), tx.ExpiresAt)

	e.clock.Set(tx.ExpiresAt.Add(-time.Second))
	_, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err, "alive one second before expiry")

	e.clock.Set(tx.ExpiresAt)
	_, err = e.s.Get(e.ctx, tx.ID)
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound, "expired items are absent though not yet deleted")
	_, err = e.s.Update(e.ctx, tx.ID, func(tx *threeds.Transaction) error { return tx.Expire(e.clock.Now()) })
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)

	// the ID of an expired, not yet deleted, item can be created again
	again := tx.Clone()
	again.ExpiresAt = threeds.Expiry(e.clock.Now(), e.r.PreAuth)
	require.NoError(t, e.s.Create(e.ctx, again))

	// a final result lives for Result retention
	e.clock.Set(Start)
	f := fullTransaction(t, e)
	require.NoError(t, e.s.Create(e.ctx, f))
	e.clock.Set(Start.Add(e.r.Result - time.Hour))
	_, err = e.s.Get(e.ctx, f.ID)
	require.NoError(t, err)
	e.clock.Set(Start.Add(e.r.Result + time.Hour))
	_, err = e.s.Get(e.ctx, f.ID)
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
}

func testTenantIsolation(t *testing.T, e env) {
	tx := newTx(t, e, "merchant-a", "")
	require.NoError(t, e.s.Create(e.ctx, tx))
	got, err := threeds.ReadTransaction(e.ctx, e.s, "merchant-a", tx.ID)
	require.NoError(t, err)
	require.Equal(t, tx.ID, got.ID)
	got, err = threeds.ReadTransaction(e.ctx, e.s, "merchant-b", tx.ID)
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	require.Nil(t, got)
	_, err = threeds.UpdateTransaction(e.ctx, e.s, "merchant-b", tx.ID, nil, func(tx *threeds.Transaction) error { return tx.Expire(e.clock.Now()) })
	require.ErrorIs(t, err, threeds.ErrTransactionNotFound)
	stored, err := e.s.Get(e.ctx, tx.ID)
	require.NoError(t, err)
	require.Equal(t, threeds.StatePreAuthenticated, stored.State)
}

func merchant(id string) *threeds.Merchant {
	return &threeds.Merchant{
		ID: id, Name: "Shop " + id, AcquirerBIN: "400551", AcquirerMerchantID: "acq-" + id, MCC: "5411", Country: "840",
		RequestorID: "req-" + id, RequestorName: "Requestor " + id, RequestorURL: "https://" + id + ".example.com",
		AllowedSchemes: []emv3ds.Scheme{emv3ds.SchemeVisa, emv3ds.SchemeMastercard}, AllowProfileOverrides: true,
		AllowedOrigins: []string{"https://" + id + ".example.com", "http://localhost:*"}, RestrictReturnURL: true,
		WebhookURL: "https://shop.example/hooks", WebhookSecret: "whsec_" + id + "_s3cr3t",
		CreatedAt: Start, UpdatedAt: Start,
	}
}

func testMerchants(t *testing.T, e env) {
	_, err := e.s.GetMerchant(e.ctx, "nope")
	require.ErrorIs(t, err, threeds.ErrMerchantNotFound)
	list, err := e.s.ListMerchants(e.ctx)
	require.NoError(t, err)
	require.Empty(t, list)

	m1, m2 := merchant("m1"), merchant("m2")
	m2.WebhookSecret, m2.WebhookURL, m2.AllowedSchemes, m2.AllowProfileOverrides = "", "", nil, false
	m2.AllowedOrigins, m2.RestrictReturnURL = nil, false
	require.NoError(t, e.s.CreateMerchant(e.ctx, m2))
	require.NoError(t, e.s.CreateMerchant(e.ctx, m1))
	require.ErrorIs(t, e.s.CreateMerchant(e.ctx, merchant("m1")), threeds.ErrDuplicateMerchant)

	got, err := e.s.GetMerchant(e.ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, m1, got)
	got, err = e.s.GetMerchant(e.ctx, "m2")
	require.NoError(t, err)
	require.Equal(t, m2, got)
	require.True(t, got.AllowsScheme(emv3ds.SchemeAmex), "no list allows all")

	list, err = e.s.ListMerchants(e.ctx)
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "m1", list[0].ID)
	require.Equal(t, "whsec_m1_s3cr3t", list[0].WebhookSecret)

	upd, err := e.s.UpdateMerchant(e.ctx, "m2", func(m *threeds.Merchant) error {
		m.WebhookURL, m.WebhookSecret, m.UpdatedAt = "https://m2.example/hook", "whsec_new", Start.Add(time.Hour)
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, "whsec_new", upd.WebhookSecret)
	got, err = e.s.GetMerchant(e.ctx, "m2")
	require.NoError(t, err)
	require.Equal(t, upd, got)
	_, err = e.s.UpdateMerchant(e.ctx, "nope", func(*threeds.Merchant) error { return nil })
	require.ErrorIs(t, err, threeds.ErrMerchantNotFound)
	_, err = e.s.UpdateMerchant(e.ctx, "m2", func(m *threeds.Merchant) error { m.ID = "m3"; return nil })
	require.Error(t, err)
}

func testAPIKeys(t *testing.T, e env) {
	require.NoError(t, e.s.CreateMerchant(e.ctx, merchant("m1")))
	require.NoError(t, e.s.CreateMerchant(e.ctx, merchant("m2")))
	k1 := &threeds.APIKey{ID: "k1", MerchantID: "m1", Hash: strings.Repeat("a1", 32), Prefix: "o3ds_AAAAAA", Name: "prod", CreatedAt: Start}
	k2 := &threeds.APIKey{ID: "k2", MerchantID: "m1", Hash: strings.Repeat("b2", 32), Prefix: "o3ds_BBBBBB", CreatedAt: Start.Add(time.Second)}
	k3 := &threeds.APIKey{ID: "k3", MerchantID: "m2", Hash: strings.Repeat("c3", 32), Kind: "worldpay-basic", Prefix: "shop-use", CreatedAt: Start}
	for _, k := range []*threeds.APIKey{k2, k1, k3} {
		require.NoError(t, e.s.CreateAPIKey(e.ctx, k))
	}
	require.ErrorIs(t, e.s.CreateAPIKey(e.ctx, &threeds.APIKey{ID: "k9", MerchantID: "m1", Hash: k1.Hash, CreatedAt: Start}), threeds.ErrDuplicateAPIKey)
	require.ErrorIs(t, e.s.CreateAPIKey(e.ctx, &threeds.APIKey{ID: "k8", MerchantID: "ghost", Hash: strings.Repeat("d4", 32), CreatedAt: Start}), threeds.ErrMerchantNotFound)

	got, err := e.s.LookupAPIKey(e.ctx, k1.Hash)
	require.NoError(t, err)
	require.Equal(t, k1, got)
	got, err = e.s.LookupAPIKey(e.ctx, k3.Hash)
	require.NoError(t, err)
	require.Equal(t, k3, got, "a dialect credential keeps its kind")
	_, err = e.s.LookupAPIKey(e.ctx, strings.Repeat("ee", 32))
	require.ErrorIs(t, err, threeds.ErrAPIKeyNotFound)
	_, err = e.s.LookupAPIKey(e.ctx, "")
	require.ErrorIs(t, err, threeds.ErrAPIKeyNotFound)

	list, err := e.s.ListAPIKeys(e.ctx, "m1")
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, []string{"k1", "k2"}, []string{list[0].ID, list[1].ID})

	require.NoError(t, e.s.TouchAPIKey(e.ctx, k1.Hash, Start.Add(time.Minute)))
	got, err = e.s.LookupAPIKey(e.ctx, k1.Hash)
	require.NoError(t, err)
	require.Equal(t, Start.Add(time.Minute), got.LastUsedAt)
	require.ErrorIs(t, e.s.TouchAPIKey(e.ctx, strings.Repeat("ee", 32), Start), threeds.ErrAPIKeyNotFound)

	// revoking: only by the owning merchant
	require.ErrorIs(t, e.s.RevokeAPIKey(e.ctx, "m2", "k1", Start.Add(time.Hour)), threeds.ErrAPIKeyNotFound)
	require.ErrorIs(t, e.s.RevokeAPIKey(e.ctx, "m1", "nope", Start.Add(time.Hour)), threeds.ErrAPIKeyNotFound)
	require.NoError(t, e.s.RevokeAPIKey(e.ctx, "m1", "k1", Start.Add(time.Hour)))
	require.NoError(t, e.s.RevokeAPIKey(e.ctx, "m1", "k1", Start.Add(2*time.Hour)))
	got, err = e.s.LookupAPIKey(e.ctx, k1.Hash)
	require.ErrorIs(t, err, threeds.ErrAPIKeyRevoked)
	require.NotNil(t, got)
	require.Equal(t, Start.Add(time.Hour), got.RevokedAt, "the first revocation time stays")
	_, err = e.s.LookupAPIKey(e.ctx, k2.Hash)
	require.NoError(t, err, "other keys of the merchant still work")

	list, err = e.s.ListAPIKeys(e.ctx, "m2")
	require.NoError(t, err)
	require.Len(t, list, 1)
	require.False(t, list[0].Revoked())
}

func testIdempotency(t *testing.T, e env) {
	rec, err := e.s.Begin(e.ctx, "m1", "key-1", "hash-a")
	require.NoError(t, err)
	require.False(t, rec.Completed, "first use: the caller owns the key")

	_, err = e.s.Begin(e.ctx, "m1", "key-1", "hash-a")
	require.ErrorIs(t, err, threeds.ErrIdempotencyInProgress)
	_, err = e.s.Begin(e.ctx, "m1", "key-1", "hash-b")
	require.ErrorIs(t, err, threeds.ErrIdempotencyConflict)

	// same key, other merchant: independent
	rec, err = e.s.Begin(e.ctx, "m2", "key-1", "hash-b")
	require.NoError(t, err)
	require.False(t, rec.Completed)

	require.ErrorIs(t, e.s.Complete(e.ctx, "m1", "key-1", "hash-b", 200, []byte(`{}`)), threeds.ErrIdempotencyConflict)
	require.ErrorIs(t, e.s.Complete(e.ctx, "m1", "never", "hash-a", 200, []byte(`{}`)), threeds.ErrIdempotencyNotFound)
	body := []byte(`{"threeDSServerTransID":"x","transStatus":"Y"}`)
	require.NoError(t, e.s.Complete(e.ctx, "m1", "key-1", "hash-a", 200, body))
	require.NoError(t, e.s.Complete(e.ctx, "m1", "key-1", "hash-a", 500, []byte(`{"late":true}`)), "a second completion keeps the first answer")

	rec, err = e.s.Begin(e.ctx, "m1", "key-1", "hash-a")
	require.NoError(t, err)
	require.True(t, rec.Completed)
	require.Equal(t, 200, rec.StatusCode)
	require.JSONEq(t, string(body), string(rec.Response))
	_, err = e.s.Begin(e.ctx, "m1", "key-1", "hash-b")
	require.ErrorIs(t, err, threeds.ErrIdempotencyConflict, "other body after completion: 409")

	// release frees an uncompleted claim
	_, err = e.s.Begin(e.ctx, "m1", "key-2", "hash-a")
	require.NoError(t, err)
	require.ErrorIs(t, e.s.Release(e.ctx, "m1", "key-2", "hash-b"), threeds.ErrIdempotencyConflict)
	require.NoError(t, e.s.Release(e.ctx, "m1", "key-2", "hash-a"))
	rec, err = e.s.Begin(e.ctx, "m1", "key-2", "hash-c")
	require.NoError(t, err)
	require.False(t, rec.Completed)
	// release never drops a completed answer
	require.NoError(t, e.s.Release(e.ctx, "m1", "key-1", "hash-a"))
	rec, err = e.s.Begin(e.ctx, "m1", "key-1", "hash-a")
	require.NoError(t, err)
	require.True(t, rec.Completed)

	// long and odd keys are fine
	odd := strings.Repeat("ü#/", 100)
	_, err = e.s.Begin(e.ctx, "m1", odd, "hash-a")
	require.NoError(t, err)
	_, err = e.s.Begin(e.ctx, "m1", odd, "hash-b")
	require.ErrorIs(t, err, threeds.ErrIdempotencyConflict)
}

func testIdempotencyExpiry(t *testing.T, e env) {
	_, err := e.s.Begin(e.ctx, "m1", "crashed", "hash-a")
	require.NoError(t, err)
	e.clock.Advance(e.r.IdempotencyLock - time.Second)
	_, err = e.s.Begin(e.ctx, "m1", "crashed", "hash-a")
	require.ErrorIs(t, err, threeds.ErrIdempotencyInProgress)
	e.clock.Advance(time.Second)
	rec, err := e.s.Begin(e.ctx, "m1", "crashed", "hash-b")
	require.NoError(t, err, "an abandoned claim frees the key after the lock time")
	require.False(t, rec.Completed)
	require.NoError(t, e.s.Complete(e.ctx, "m1", "crashed", "hash-b", 201, []byte(`{"ok":1}`)))

	e.clock.Advance(e.r.Idempotency - time.Second)
	rec, err = e.s.Begin(e.ctx, "m1", "crashed", "hash-b")
	require.NoError(t, err)
	require.True(t, rec.Completed)
	require.Equal(t, 201, rec.StatusCode)
	e.clock.Advance(time.Second)
	rec, err = e.s.Begin(e.ctx, "m1", "crashed", "hash-c")
	require.NoError(t, err, "a completed key expires after the idempotency retention")
	require.False(t, rec.Completed)
}

func rng(start, end, url string) threeds.CardRange {
	return threeds.CardRange{
		Start: start, End: end, ThreeDSMethodURL: url,
		ACSStartVersion: emv3ds.Version210, ACSEndVersion: emv3ds.Version220,
		DSStartVersion: emv3ds.Version210, DSEndVersion: emv3ds.Version220,
		ACSInfoInd: []string{"01", "02"},
	}
}

func add(rs ...threeds.CardRange) []threeds.CardRangeChange {
	out := make([]threeds.CardRangeChange, len(rs))
	for i, r := range rs {
		out[i] = threeds.CardRangeChange{Action: threeds.ActionAdd, Range: r}
	}
	return out
}

func lookupDS(t *testing.T, e env, pan string) string {
	t.Helper()
	r, err := e.s.LookupCardRange(e.ctx, emv3ds.PAN(pan))
	if errors.Is(err, threeds.ErrCardRangeNotFound) {
		require.Nil(t, r)
		return "-"
	}
	require.NoError(t, err)
	require.True(t, r.Contains(pan))
	return r.DS + ":" + r.Start[:len(r.Start)-4]
}

func testCardRanges(t *testing.T, e env) {
	_, err := e.s.CardRangeSet(e.ctx, "visa")
	require.ErrorIs(t, err, threeds.ErrCardRangesNotLoaded)
	require.ErrorIs(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", SerialNum: "1", Changes: add(rng("4000000000001000", "4000000000001999", ""))}), threeds.ErrCardRangesNotLoaded,
		"an incremental load needs a full load first")

	v231 := rng("4000000000003000", "4000000000003999", "")
	v231.ACSEndVersion, v231.DSEndVersion = emv3ds.Version231, emv3ds.Version231
	v231.ACSProtocolVersions = []threeds.ACSProtocolVersion{
		{Version: emv3ds.Version220, ThreeDSMethodURL: "https://acs.example/m220", ACSInfoInd: []string{"01"}},
		{Version: emv3ds.Version231, ThreeDSMethodURL: "https://acs.example/m231", ACSInfoInd: []string{"01", "03"}},
	}
	require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "10", Full: true, Changes: add(
		rng("4000000000001000", "4000000000001999", "https://acs.example/method"),
		rng("4000000000002000", "4000000000002999", ""),
		v231,
	)}))
	set, err := e.s.CardRangeSet(e.ctx, "visa")
	require.NoError(t, err)
	require.Equal(t, threeds.CardRangeSet{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "10", Count: 3, LoadedAt: Start}, *set)

	got, err := e.s.LookupCardRange(e.ctx, "4000000000001059")
	require.NoError(t, err)
	want := rng("4000000000001000", "4000000000001999", "https://acs.example/method")
	want.DS, want.Scheme = "visa", emv3ds.SchemeVisa
	require.Equal(t, &want, got)
	got, err = e.s.LookupCardRange(e.ctx, "4000000000003000")
	require.NoError(t, err)
	v231.DS, v231.Scheme = "visa", emv3ds.SchemeVisa
	require.Equal(t, &v231, got)

	// incremental: delete, modify, add, in order; serialNum follows
	e.clock.Advance(time.Hour)
	mod := rng("4000000000002000", "4000000000002999", "https://acs.example/new-method")
	require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "11", Changes: []threeds.CardRangeChange{
		{Action: threeds.ActionDelete, Range: rng("4000000000001000", "4000000000001999", "")},
		{Action: threeds.ActionModify, Range: mod},
		{Action: threeds.ActionAdd, Range: rng("4000000000004000", "4000000000004999", "")},
	}}))
	require.Equal(t, "-", lookupDS(t, e, "4000000000001059"))
	got, err = e.s.LookupCardRange(e.ctx, "4000000000002500")
	require.NoError(t, err)
	require.Equal(t, "https://acs.example/new-method", got.ThreeDSMethodURL)
	require.Equal(t, "visa:400000000000", lookupDS(t, e, "4000000000004000"))
	set, err = e.s.CardRangeSet(e.ctx, "visa")
	require.NoError(t, err)
	require.Equal(t, "11", set.SerialNum)
	require.Equal(t, 3, set.Count)
	require.Equal(t, Start.Add(time.Hour), set.LoadedAt)

	// a bad incremental load changes nothing
	err = e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", SerialNum: "12", Changes: []threeds.CardRangeChange{
		{Action: threeds.ActionAdd, Range: rng("4000000000005000", "4000000000005999", "")},
		{Action: threeds.ActionDelete, Range: rng("4000000000009000", "4000000000009999", "")},
	}})
	require.ErrorIs(t, err, threeds.ErrCardRangeUnknown)
	require.Equal(t, "-", lookupDS(t, e, "4000000000005000"))
	err = e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", SerialNum: "12", Changes: add(rng("4000000000004500", "4000000000006000", ""))})
	require.ErrorIs(t, err, threeds.ErrCardRangeOverlap)
	set, err = e.s.CardRangeSet(e.ctx, "visa")
	require.NoError(t, err)
	require.Equal(t, "11", set.SerialNum)

	// a full reload replaces everything of that DS only
	require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "mc", Scheme: emv3ds.SchemeMastercard, SerialNum: "1", Full: true, Changes: add(rng("5200000000001000", "5200000000001999", ""))}))
	require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "20", Full: true, Changes: add(rng("4000000000007000", "4000000000007999", ""))}))
	require.Equal(t, "-", lookupDS(t, e, "4000000000002500"))
	require.Equal(t, "visa:400000000000", lookupDS(t, e, "4000000000007999"))
	require.Equal(t, "mc:520000000000", lookupDS(t, e, "5200000000001005"))
	set, err = e.s.CardRangeSet(e.ctx, "visa")
	require.NoError(t, err)
	require.Equal(t, 1, set.Count)

	// an empty full load empties the DS
	require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "21", Full: true}))
	require.Equal(t, "-", lookupDS(t, e, "4000000000007999"))
	require.Equal(t, "mc:520000000000", lookupDS(t, e, "5200000000001005"))
}

func testCardRangeLookupEdges(t *testing.T, e env) {
	load := func(ds string, full bool, rs ...threeds.CardRange) {
		t.Helper()
		require.NoError(t, e.s.LoadRanges(e.ctx, threeds.CardRangeLoad{DS: ds, Scheme: emv3ds.Scheme(ds), SerialNum: "1", Full: full, Changes: add(rs...)}))
	}
	// Overlapping ranges of different DSs (a wide co-badge range, a nested
	// narrow one): the narrowest range holding the PAN wins.
	load("visa", true,
		rng("4000000000001000", "4000000000001999", ""),
		rng("4000000000002000", "4000000000002999", ""),
	)
	load("cobadge", true, rng("4000000000000000", "4099999999999999", ""))
	load("nested", true, rng("4000000000001400", "4000000000001600", ""))
	// PANs of 13 and 19 digits, and a 16-digit range sharing their prefix
	load("short", true, rng("4000000000000", "4000000000999", ""))
	load("long", true, rng("6200000000000000000", "6200000000000999999", ""), rng("9999999999999999990", "9999999999999999999", ""))
	load("amex", true, rng("340000000000000", "349999999999999", ""))

	for _, tc := range []struct{ pan, want string }{
		{"4000000000001000", "visa:400000000000"},    // start bound, inclusive
		{"4000000000001399", "visa:400000000000"},    // just before the nested range
		{"4000000000001400", "nested:400000000000"},  // nested start
		{"4000000000001500", "nested:400000000000"},  // inside nested: narrowest
		{"4000000000001600", "nested:400000000000"},  // nested end
		{"4000000000001601", "visa:400000000000"},    // just after nested, back to visa
		{"4000000000001999", "visa:400000000000"},    // end bound, inclusive
		{"4000000000000999", "cobadge:400000000000"}, // before visa: only the wide range
		{"4000000000002000", "visa:400000000000"},
		{"4000000000003000", "cobadge:400000000000"}, // between visa ranges
		{"4099999999999999", "cobadge:400000000000"},
		{"4100000000000000", "-"},                       // after every range
		{"3999999999999999", "-"},                       // before every range
		{"4000000000500", "short:400000000"},            // 13 digits
		{"4000000001000", "-"},                          // 13 digits after the short range
		{"6200000000000500000", "long:620000000000000"}, // 19 digits
		{"9999999999999999999", "long:999999999999999"}, // the largest 19-digit PAN
		{"620000000000000", "-"},                        // 15-digit prefix of a 19-digit range: lengths differ
		{"340000000001007", "amex:34000000000"},         // 15 digits
		{"4111111111111111", "-"},                       // not enrolled
		{"400000000000100", "-"},                        // 15 digits inside no 15-digit range
		{"40000000000010000", "-"},                      // 17 digits
		{"400000000000", "-"},                           // 12 digits: not a PAN
		{"40000000000000000000", "-"},                   // 20 digits: not a PAN
		{"400000000000100x", "-"},                       // not digits
		{"", "-"},
	} {
		require.Equal(t, tc.want, lookupDS(t, e, tc.pan), "PAN %s", tc.pan)
	}

	// removing the nested range uncovers visa's range again
	load("nested", true)
	require.Equal(t, "visa:400000000000", lookupDS(t, e, "4000000000001500"))
	// removing visa uncovers the wide range
	load("visa", true)
	require.Equal(t, "cobadge:400000000000", lookupDS(t, e, "4000000000001500"))
}

func testWebhookDeliveries(t *testing.T, e env) {
	_, err := e.s.GetWebhookDelivery(e.ctx, "nope")
	require.ErrorIs(t, err, threeds.ErrWebhookDeliveryNotFound)

	d1 := &threeds.WebhookDelivery{ID: "tx1:final", MerchantID: "m1", TransactionID: "tx1", Event: "transaction.final", CreatedAt: Start}
	require.NoError(t, e.s.CreateWebhookDelivery(e.ctx, d1))
	require.Equal(t, threeds.WebhookPending, d1.Status)
	require.Equal(t, Start.Add(e.r.WebhookDelivery), d1.ExpiresAt, "the store gives every delivery a TTL")
	require.ErrorIs(t, e.s.CreateWebhookDelivery(e.ctx, &threeds.WebhookDelivery{ID: "tx1:final", MerchantID: "m1", CreatedAt: Start}), threeds.ErrDuplicateWebhookDelivery)

	got, err := e.s.GetWebhookDelivery(e.ctx, "tx1:final")
	require.NoError(t, err)
	require.Equal(t, d1, got)

	e.clock.Advance(time.Minute)
	upd, err := e.s.UpdateWebhookDelivery(e.ctx, "tx1:final", func(d *threeds.WebhookDelivery) error {
		d.Attempts++
		d.Status, d.LastStatusCode, d.DeliveredAt, d.UpdatedAt = threeds.WebhookDelivered, 204, e.clock.Now(), e.clock.Now()
		return nil
	})
	require.NoError(t, err)
	got, err = e.s.GetWebhookDelivery(e.ctx, "tx1:final")
	require.NoError(t, err)
	require.Equal(t, upd, got)
	require.Equal(t, 1, got.Attempts)
	_, err = e.s.UpdateWebhookDelivery(e.ctx, "nope", func(*threeds.WebhookDelivery) error { return nil })
	require.ErrorIs(t, err, threeds.ErrWebhookDeliveryNotFound)
	boom := errors.New("boom")
	_, err = e.s.UpdateWebhookDelivery(e.ctx, "tx1:final", func(*threeds.WebhookDelivery) error { return boom })
	require.ErrorIs(t, err, boom)

	for i := 2; i <= 4; i++ {
		require.NoError(t, e.s.CreateWebhookDelivery(e.ctx, &threeds.WebhookDelivery{
			ID: fmt.Sprintf("tx%d:final", i), MerchantID: "m1", TransactionID: fmt.Sprintf("tx%d", i), CreatedAt: Start.Add(time.Duration(i) * time.Second)}))
	}
	require.NoError(t, e.s.CreateWebhookDelivery(e.ctx, &threeds.WebhookDelivery{ID: "other:final", MerchantID: "m2", CreatedAt: Start}))
	list, err := e.s.ListWebhookDeliveries(e.ctx, "m1", 3)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, []string{"tx4:final", "tx3:final", "tx2:final"}, []string{list[0].ID, list[1].ID, list[2].ID})
	list, err = e.s.ListWebhookDeliveries(e.ctx, "m1", 0)
	require.NoError(t, err)
	require.Len(t, list, 4)

	e.clock.Set(Start.Add(e.r.WebhookDelivery))
	_, err = e.s.GetWebhookDelivery(e.ctx, "tx1:final")
	require.ErrorIs(t, err, threeds.ErrWebhookDeliveryNotFound)
	list, err = e.s.ListWebhookDeliveries(e.ctx, "m1", 0)
	require.NoError(t, err)
	require.Len(t, list, 3, "expired deliveries are not listed")
}
