package cardinal

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// WebhookEvent is the body posted to the merchant's webhook URL for a
// transaction opened through this dialect: the response payload (the same
// values as the response JWT's Payload), unsigned as a JWT since the
// webhook function holds no API Key, signed as every webhook is
// (Threeds-Signature).
type WebhookEvent struct {
	ID            string                 `json:"id"`
	Type          string                 `json:"type"`
	Created       int64                  `json:"created"`
	TransactionId string                 `json:"TransactionId"`
	Payload       cruise.ResponsePayload `json:"Payload"`
}

// Webhook renders the dialect's webhook deliveries.
type Webhook struct{}

// RenderWebhook returns the body and headers of one delivery of ev.
func (Webhook) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	if ev.Result == nil {
		return nil, nil, fmt.Errorf("webhook %s: no result", ev.ID)
	}
	body, err := json.Marshal(WebhookEvent{ID: ev.ID, Type: ev.Type, Created: ev.Created.Unix(),
		TransactionId: ev.Result.ThreeDSServerTransID, Payload: resultPayload(ev.Result)})
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: encode: %w", ev.ID, err)
	}
	return body, map[string]string{
		"Content-Type":     "application/json",
		webhooksig.Header:  webhooksig.Sign(secret, at, body),
		"Threeds-Event-Id": ev.ID,
	}, nil
}
