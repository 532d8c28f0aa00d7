package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

type handler struct {
	svc    *threeds.Service
	store  threeds.Store
	log    *slog.Logger
	policy threeds.WebhookPolicy
}

func policy(c config.WebhookSettings) threeds.WebhookPolicy {
	return threeds.WebhookPolicy{Attempts: c.Attempts, Backoff: 500 * time.Millisecond}
}

// Handle delivers one event per transaction that became final in this batch.
// Records that are not such a change succeed at once.
func (h handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		id, ok := becameFinal(rec)
		if !ok {
			continue
		}
		if err := h.deliver(ctx, id); err != nil {
			h.log.ErrorContext(ctx, "webhook not delivered", slog.String("threeDSServerTransID", id), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		h.log.InfoContext(ctx, "webhook delivered", slog.String("threeDSServerTransID", id))
	}
	return resp, nil
}

func (h handler) deliver(ctx context.Context, id string) error {
	tx, err := h.store.Get(ctx, id)
	if errors.Is(err, threeds.ErrTransactionNotFound) {
		return nil // expired since: nothing left to tell
	}
	if err != nil {
		return err
	}
	return h.svc.DeliverWebhook(ctx, tx, h.policy)
}

// becameFinal reports a transaction item whose state changed to final.
func becameFinal(rec events.DynamoDBEventRecord) (string, bool) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return "", false
	}
	img := rec.Change.NewImage
	if str(img, "type") != "transaction" || str(img, "state") != string(threeds.StateFinal) {
		return "", false
	}
	if str(rec.Change.OldImage, "state") == string(threeds.StateFinal) {
		return "", false
	}
	id := str(img, "threeDSServerTransID")
	return id, id != ""
}

func str(img map[string]events.DynamoDBAttributeValue, name string) string {
	v, ok := img[name]
	if !ok || v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// poster posts events over HTTPS.
type poster struct{ client *http.Client }

func (p poster) Post(ctx context.Context, url string, body []byte, headers map[string]string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", "open3ds-webhook/1")
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}
