package uas

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

func isNotFound(err error) bool { return errors.Is(err, threeds.ErrTransactionNotFound) }

// WebhookEvent is the body posted to the merchant's webhook URL (for a
// Hyperswitch merchant, its /webhooks/{merchant_id}/{mca_id}, which forwards
// it to the webhooks route as bytes): the final result in snake_case.
type WebhookEvent struct {
	ID                   string `json:"event_id"`
	Type                 string `json:"event_type"`
	Created              int64  `json:"created"`
	ThreeDSServerTransID string `json:"three_ds_server_trans_id"`
	TransStatus          string `json:"trans_status"`
	TransStatusReason    string `json:"trans_status_reason,omitempty"`
	ECI                  string `json:"eci,omitempty"`
	AuthenticationValue  string `json:"authentication_value,omitempty"`
	DSTransID            string `json:"ds_trans_id,omitempty"`
	MessageVersion       string `json:"message_version,omitempty"`
}

// Webhook renders the dialect's webhook deliveries, signed like the native
// ones (Threeds-Signature, shared/webhooksig).
type Webhook struct{}

// RenderWebhook returns the body and headers of one delivery of ev.
func (Webhook) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	r := ev.Result
	if r == nil {
		return nil, nil, fmt.Errorf("webhook %s: no result", ev.ID)
	}
	body, err := json.Marshal(WebhookEvent{
		ID: ev.ID, Type: ev.Type, Created: ev.Created.Unix(),
		ThreeDSServerTransID: r.ThreeDSServerTransID, TransStatus: string(r.TransStatus),
		TransStatusReason: string(r.TransStatusReason), ECI: string(r.ECI),
		AuthenticationValue: r.AuthenticationValue.Reveal(), DSTransID: r.DSTransID,
		MessageVersion: string(r.MessageVersion),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("webhook %s: encode: %w", ev.ID, err)
	}
	return body, map[string]string{
		"Content-Type":     "application/json",
		webhooksig.Header:  webhooksig.Sign(secret, at, body),
		"Threeds-Event-Id": ev.ID,
	}, nil
}
