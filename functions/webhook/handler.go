package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

// stream decodes the table's stream records (dynamostore.Store).
type stream interface {
	BecameFinal(rec events.DynamoDBEventRecord) (*threeds.Transaction, bool, error)
}

// deliverer is the webhook use case (threeds.WebhookService).
type deliverer interface {
	DeliverWebhook(ctx context.Context, tx *threeds.Transaction, p threeds.WebhookPolicy) error
}

type handler struct {
	svc    deliverer
	stream stream
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
		changed, ok, err := h.stream.BecameFinal(rec)
		if err != nil {
			h.log.ErrorContext(ctx, "stream record not decoded", slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		if !ok {
			continue
		}
		id := changed.ID
		// The record's new image is the transaction as it became final:
		// no read of the table (dynamostore.Store.BecameFinal opens its
		// sealed CAVV as a read would).
		if err := h.svc.DeliverWebhook(ctx, changed, h.policy); err != nil {
			h.log.ErrorContext(ctx, "webhook not delivered", slog.String("threeDSServerTransID", id), slog.String("error", err.Error()))
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
			continue
		}
		h.log.InfoContext(ctx, "webhook delivered", slog.String("threeDSServerTransID", id))
	}
	return resp, nil
}
