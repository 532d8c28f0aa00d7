package juspay3ds

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// Webhook renders the results webhook as Netcetera's (and Hyperswitch's
// reader of it) shape: threeDSServerTransID, transStatus,
// authenticationValue, eci, resultsRequest and resultsResponse (the /3ds/final
// answer), signed like the native one (Threeds-Signature).
type Webhook struct{}

// RenderWebhook returns the body and headers of one delivery of ev.
func (Webhook) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	if ev.Result == nil {
		return nil, nil, fmt.Errorf("webhook %s: no result", ev.ID)
	}
	body, err := json.Marshal(finalAnswer(ev.Result))
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: encode: %w", ev.ID, err)
	}
	return body, map[string]string{
		"Content-Type":     "application/json",
		webhooksig.Header:  webhooksig.Sign(secret, at, body),
		"Threeds-Event-Id": ev.ID,
	}, nil
}
