package threeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// finalTx returns a merchant's transaction that reached a final result
// through the flows (preauth, auth C, RReq).
func (e *env) finalTx() *threeds.Transaction {
	e.t.Helper()
	id, _ := e.challenged(panFrictionless)
	ans, err := e.svc.ReceiveRReq(context.Background(), rreqJSON(id))
	require.NoError(e.t, err)
	require.Nil(e.t, ans.Erro)
	return e.tx(id)
}

var policy = threeds.WebhookPolicy{Attempts: 3, Backoff: 500 * time.Millisecond}

func TestDeliverWebhook(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tx := e.finalTx()

	require.NoError(t, e.svc.DeliverWebhook(ctx, tx, policy))
	posts := e.hooks.sent()
	require.Len(t, posts, 1)
	p := posts[0]
	require.Equal(t, "https://shop.example.com/hooks/3ds", p.URL)
	require.Equal(t, "application/json", p.Headers["Content-Type"])
	require.NoError(t, webhooksig.Verify([]byte("whsec_test_merchant_a"), p.Headers[webhooksig.Header], p.Body, e.clock.Now(), webhooksig.DefaultTolerance))
	require.Error(t, webhooksig.Verify([]byte("another secret"), p.Headers[webhooksig.Header], p.Body, e.clock.Now(), webhooksig.DefaultTolerance))

	var ev emvjson.WebhookEvent
	require.NoError(t, json.Unmarshal(p.Body, &ev))
	want, ok := threeds.WebhookEventFor(tx)
	require.True(t, ok)
	require.Equal(t, emvjson.WebhookBody(want), ev)
	require.Equal(t, ev.ID, p.Headers["Threeds-Event-Id"])
	require.Equal(t, threeds.EventAuthenticationCompleted, ev.Type)
	require.Equal(t, tx.ID, ev.Data.ThreeDSServerTransID)
	require.Equal(t, "Y", ev.Data.TransStatus)
	require.Equal(t, cavv, ev.Data.AuthenticationValue)
	require.Equal(t, "05", ev.Data.ECI)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", ev.Data.DSTransID)
	require.Equal(t, threeds.SourceRReq, ev.Data.ResultSource)
	require.NotContains(t, string(p.Body), panFrictionless)

	_, err := e.store.GetWebhookDelivery(ctx, ev.ID)
	require.ErrorIs(t, err, threeds.ErrWebhookDeliveryNotFound, "a first-try success records nothing")
	require.Equal(t, 0, e.store.DeliveryWrites(), "a first-try success writes no delivery record (issue 18)")

	// A repeated stream record (Lambda retried a whole batch): the same
	// event under the same ID, posted again (at least once; the merchant
	// deduplicates on Threeds-Event-Id), still without a record.
	again, _ := threeds.WebhookEventFor(e.tx(tx.ID))
	require.Equal(t, ev.ID, again.ID, "the event ID is stable")
	require.NoError(t, e.svc.DeliverWebhook(ctx, e.tx(tx.ID), policy))
	posts = e.hooks.sent()
	require.Len(t, posts, 2)
	require.Equal(t, ev.ID, posts[1].Headers["Threeds-Event-Id"])
	require.Equal(t, p.Body, posts[1].Body, "the same event body")
	require.Equal(t, 0, e.store.DeliveryWrites())
	require.Empty(t, e.slept())
}

func TestDeliverWebhookRetries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.hooks.Status = []int{500, 503, 204}
	tx := e.finalTx()
	require.NoError(t, e.svc.DeliverWebhook(context.Background(), tx, policy))
	require.Len(t, e.hooks.sent(), 3)
	require.Equal(t, []time.Duration{500 * time.Millisecond, time.Second}, e.slept(), "backoff doubles")
	ev, _ := threeds.WebhookEventFor(tx)
	d, err := e.store.GetWebhookDelivery(context.Background(), ev.ID)
	require.NoError(t, err)
	require.Equal(t, threeds.WebhookDelivered, d.Status)
	require.Equal(t, 3, d.Attempts)
	require.Equal(t, 204, d.LastStatusCode)
	// Each attempt is signed with its own time.
	posts := e.hooks.sent()
	for _, p := range posts {
		require.Equal(t, posts[0].Body, p.Body, "the same event body on every attempt")
	}
	require.NotEqual(t, posts[0].Headers[webhooksig.Header], posts[2].Headers[webhooksig.Header])
	require.Equal(t, 1, e.store.DeliveryWrites(), "a delivery after retries writes its record once, in its final state")

	// A repeated stream record after a recorded delivery: not posted again.
	require.NoError(t, e.svc.DeliverWebhook(context.Background(), tx, policy))
	require.Len(t, e.hooks.sent(), 3, "an event recorded as delivered is posted once")
	require.Equal(t, 1, e.store.DeliveryWrites(), "a repeated record only reads")
}

func TestDeliverWebhookFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		status   []int
		err      error
		lastErr  string
		lastCode int
	}{
		{name: "receiver keeps failing", status: []int{500}, lastErr: "HTTP 500", lastCode: 500},
		{name: "redirects are not success", status: []int{302}, lastErr: "HTTP 302", lastCode: 302},
		{name: "transport failure", err: errors.New("dial tcp: connection refused"), lastErr: "request failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.hooks.Status, e.hooks.Err = tc.status, tc.err
			tx := e.finalTx()
			err := e.svc.DeliverWebhook(context.Background(), tx, policy)
			require.ErrorIs(t, err, threeds.ErrWebhookFailed)
			require.NotContains(t, err.Error(), "connection refused", "the cause text stays out of the error")
			require.Len(t, e.hooks.sent(), 3)
			require.Len(t, e.slept(), 2)
			ev, _ := threeds.WebhookEventFor(tx)
			d, gerr := e.store.GetWebhookDelivery(context.Background(), ev.ID)
			require.NoError(t, gerr)
			require.Equal(t, threeds.WebhookFailed, d.Status)
			require.Equal(t, 3, d.Attempts)
			require.Equal(t, tc.lastErr, d.LastError)
			require.Equal(t, tc.lastCode, d.LastStatusCode)

			// Lambda retries the record: the failed delivery runs again.
			e.hooks.Status, e.hooks.Err = []int{200}, nil
			require.NoError(t, e.svc.DeliverWebhook(context.Background(), tx, policy))
			d, gerr = e.store.GetWebhookDelivery(context.Background(), ev.ID)
			require.NoError(t, gerr)
			require.Equal(t, threeds.WebhookDelivered, d.Status)
			require.Equal(t, 4, d.Attempts)
			require.Equal(t, 2, e.store.DeliveryWrites(), "the failure record, then its update")
		})
	}
}

// TestDeliverWebhookConcurrentRecord: another invocation for the same event
// writes the record while this one posts. The record is updated, not
// overwritten, and a delivered record never turns back into a failed one.
func TestDeliverWebhookConcurrentRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		status       int
		wantStatus   string
		wantCode     int
		wantAttempts int
	}{
		// A first-try success records nothing: the other's record stays.
		{"this one delivers too", 200, threeds.WebhookDelivered, 204, 1},
		{"this one fails", 500, threeds.WebhookDelivered, 500, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tx := e.finalTx()
			ev, _ := threeds.WebhookEventFor(tx)
			e.hooks.Status = []int{tc.status}
			e.hooks.OnPost = func() {
				e.hooks.OnPost = nil
				require.NoError(t, e.store.CreateWebhookDelivery(context.Background(), &threeds.WebhookDelivery{
					ID: ev.ID, MerchantID: merchantA, TransactionID: tx.ID, Event: ev.Type,
					Status: threeds.WebhookDelivered, Attempts: 1, LastStatusCode: 204, DeliveredAt: e.clock.Now(),
				}))
			}
			_ = e.svc.DeliverWebhook(context.Background(), tx, threeds.WebhookPolicy{Attempts: 1})
			d, err := e.store.GetWebhookDelivery(context.Background(), ev.ID)
			require.NoError(t, err)
			require.Equal(t, tc.wantStatus, d.Status)
			require.Equal(t, tc.wantAttempts, d.Attempts, "a failing invocation's attempts are counted")
			require.Equal(t, tc.wantCode, d.LastStatusCode)
		})
	}
}

func TestDeliverWebhookNothingToSend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	t.Run("merchant without webhook URL", func(t *testing.T) {
		tx := e.finalTx()
		_, err := e.store.UpdateMerchant(ctx, merchantA, func(m *threeds.Merchant) error { m.WebhookURL = ""; return nil })
		require.NoError(t, err)
		defer func() {
			_, _ = e.store.UpdateMerchant(ctx, merchantA, func(m *threeds.Merchant) error {
				m.WebhookURL = "https://shop.example.com/hooks/3ds"
				return nil
			})
		}()
		require.NoError(t, e.svc.DeliverWebhook(ctx, tx, policy))
		require.Empty(t, e.hooks.sent())
		ds, err := e.store.ListWebhookDeliveries(ctx, merchantA, 10)
		require.NoError(t, err)
		require.Empty(t, ds, "no delivery record either")
	})

	t.Run("transaction not final", func(t *testing.T) {
		id, _ := e.challenged(panFrictionless)
		require.NoError(t, e.svc.DeliverWebhook(ctx, e.tx(id), policy))
		_, ok := threeds.WebhookEventFor(e.tx(id))
		require.False(t, ok)
		require.Empty(t, e.hooks.sent())
	})
}

func TestWebhookEventForFrictionless(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.NoError(t, err)
	tev, ok := threeds.WebhookEventFor(e.tx(id))
	require.True(t, ok)
	require.Equal(t, threeds.DefaultDialect, tev.Dialect)
	ev := emvjson.WebhookBody(tev)
	require.Equal(t, threeds.SourceARes, ev.Data.ResultSource)
	require.Equal(t, string(emv3ds.SchemeVisa), ev.Data.Scheme)
	require.Equal(t, svcNow.Unix(), ev.Created)
	require.Regexp(t, `^evt_[0-9a-f]{24}$`, ev.ID)
}

// failingDeliveries is a delivery store whose writes fail.
type failingDeliveries struct{ threeds.WebhookDeliveryStore }

var errStoreDown = errors.New("store down")

func (failingDeliveries) CreateWebhookDelivery(context.Context, *threeds.WebhookDelivery) error {
	return errStoreDown
}

// A delivery record that cannot be written is an error of the invocation
// (the stream retries), never dropped.
func TestDeliverWebhookRecordFailureIsReported(t *testing.T) {
	t.Parallel()
	// A first-try success writes no record (TestDeliverWebhook); a success
	// after a failed attempt and a failure do.
	for _, statuses := range [][]int{{500, 200}, {500}} {
		status := statuses[len(statuses)-1]
		e := newEnv(t)
		tx := e.finalTx()
		e.hooks.Status = statuses
		svc := threeds.NewWebhookService(e.store, failingDeliveries{e.store}, e.hooks, threeds.ServiceConfig{},
			threeds.WithClock(e.clock.Now), threeds.WithSleep(e.sleep))
		err := svc.DeliverWebhook(context.Background(), tx, threeds.WebhookPolicy{Attempts: len(statuses)})
		require.ErrorIs(t, err, errStoreDown, "HTTP %d", status)
		require.Equal(t, status != 200, errors.Is(err, threeds.ErrWebhookFailed), "HTTP %d", status)
	}
}
