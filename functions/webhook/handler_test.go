package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
	"github.com/open3ds/server/testkit/threedstest"
)

const (
	txA = "00000000-0000-4000-8000-000000000001"
	txB = "00000000-0000-4000-8000-000000000002"
)

type posts struct {
	mu   sync.Mutex
	urls []string
	sigs []string
	body [][]byte
}

// Send renders the event as the webhook function does (the native dialect)
// and records the post.
func (p *posts) Send(_ context.Context, to threeds.WebhookTarget, ev threeds.WebhookEvent, at time.Time) (int, error) {
	body, headers, err := emvjson.Webhook{}.RenderWebhook(ev, to.Secret, at)
	if err != nil {
		return 0, err
	}
	url := to.URL
	p.mu.Lock()
	defer p.mu.Unlock()
	p.urls = append(p.urls, url)
	p.sigs = append(p.sigs, headers[webhooksig.Header])
	p.body = append(p.body, body)
	if strings.Contains(url, "failing") {
		return 503, nil
	}
	return 200, nil
}

func newHandler(t *testing.T) (handler, *posts, *threedstest.MemoryStore, *bytes.Buffer) {
	t.Helper()
	now := time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC)
	clock := threedstest.NewClock(now)
	r := threeds.DefaultRetention()
	store := threedstest.NewMemoryStore(clock.Now, r)
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a", WebhookURL: "https://shop.example.com/hooks", WebhookSecret: "whsec_a"}))
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-failing", WebhookURL: "https://failing.example.com/hooks", WebhookSecret: "whsec_f"}))
	// No transaction in the store: the handler delivers from the stream
	// record's image alone (it does not read the table).
	p := &posts{}
	svc := threeds.NewWebhookService(store, store, p, threeds.ServiceConfig{}, threeds.WithClock(clock.Now),
		threeds.WithSleep(func(ctx context.Context, d time.Duration) error { clock.Advance(d); return ctx.Err() }))
	logs := &bytes.Buffer{}
	return handler{svc: svc, stream: &dynamostore.Store{}, log: slog.New(slog.NewJSONHandler(logs, nil)), policy: policy(config.WebhookSettings{Attempts: 3})}, p, store, logs
}

func fixture(t *testing.T) events.DynamoDBEvent {
	t.Helper()
	raw, err := os.ReadFile("testdata/stream-batch.json")
	require.NoError(t, err)
	var ev events.DynamoDBEvent
	require.NoError(t, json.Unmarshal(raw, &ev))
	require.Len(t, ev.Records, 7)
	return ev
}

func TestHandle(t *testing.T) {
	t.Parallel()
	h, p, store, logs := newHandler(t)
	resp, err := h.Handle(context.Background(), fixture(t))
	require.NoError(t, err)

	// Only the two records whose state became final are delivered; the
	// failing merchant's is reported by its sequence number.
	require.Equal(t, []events.DynamoDBBatchItemFailure{{ItemIdentifier: "4421584500000000017450439006"}}, resp.BatchItemFailures)
	require.Equal(t, []string{"https://shop.example.com/hooks", "https://failing.example.com/hooks", "https://failing.example.com/hooks", "https://failing.example.com/hooks"}, p.urls)
	require.NoError(t, webhooksig.Verify([]byte("whsec_a"), p.sigs[0], p.body[0], time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC), webhooksig.DefaultTolerance))
	var ev emvjson.WebhookEvent
	require.NoError(t, json.Unmarshal(p.body[0], &ev))
	require.Equal(t, txA, ev.Data.ThreeDSServerTransID)
	require.Equal(t, "Y", ev.Data.TransStatus)

	ds, err := store.ListWebhookDeliveries(context.Background(), "merchant-failing", 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, threeds.WebhookFailed, ds[0].Status)
	require.Contains(t, logs.String(), "webhook not delivered")

	// Lambda retries the batch from the failed record on (ReportBatchItemFailures):
	// the delivered event is not posted again, the failed one is.
	retry := fixture(t)
	for i, r := range retry.Records {
		if r.Change.SequenceNumber == resp.BatchItemFailures[0].ItemIdentifier {
			retry.Records = retry.Records[i:]
			break
		}
	}
	resp, err = h.Handle(context.Background(), retry)
	require.NoError(t, err)
	require.Len(t, resp.BatchItemFailures, 1)
	n := 0
	for _, u := range p.urls {
		if u == "https://shop.example.com/hooks" {
			n++
		}
	}
	require.Equal(t, 1, n)
	ds, err = store.ListWebhookDeliveries(context.Background(), "merchant-failing", 10)
	require.NoError(t, err)
	require.Len(t, ds, 1)
	require.Equal(t, 6, ds[0].Attempts, "the failure record is updated, not duplicated")
	ds, err = store.ListWebhookDeliveries(context.Background(), "merchant-a", 10)
	require.NoError(t, err)
	require.Empty(t, ds, "a first-try success writes no delivery record")

	// The whole batch delivered again (the function itself failed): the
	// event is posted again under the same ID (at least once).
	_, err = h.Handle(context.Background(), fixture(t))
	require.NoError(t, err)
	var ids []string
	for i, u := range p.urls {
		if u == "https://shop.example.com/hooks" {
			var ev emvjson.WebhookEvent
			require.NoError(t, json.Unmarshal(p.body[i], &ev))
			ids = append(ids, ev.ID)
		}
	}
	require.Len(t, ids, 2)
	require.Equal(t, ids[0], ids[1], "a stable event ID")
	require.NotContains(t, logs.String(), "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "the CAVV goes to the merchant, never to the logs")
}

// The record's image is what is delivered: the CAVV, ECI and IDs of the
// result, with nothing read from the table (the store holds no transaction).
func TestHandleDeliversTheImage(t *testing.T) {
	t.Parallel()
	h, p, _, _ := newHandler(t)
	ev := fixture(t)
	ev.Records = ev.Records[1:2]
	resp, err := h.Handle(context.Background(), ev)
	require.NoError(t, err)
	require.Empty(t, resp.BatchItemFailures)
	require.Len(t, p.body, 1)
	var got emvjson.WebhookEvent
	require.NoError(t, json.Unmarshal(p.body[0], &got))
	require.Equal(t, txA, got.Data.ThreeDSServerTransID)
	require.Equal(t, "AAABBZEEBgAAAAAAAAQGAAAAAAA=", got.Data.AuthenticationValue)
	require.Equal(t, "05", got.Data.ECI)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", got.Data.DSTransID)
	require.Equal(t, threeds.SourceARes, got.Data.ResultSource)
}
