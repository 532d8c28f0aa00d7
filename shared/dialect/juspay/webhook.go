package juspay

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// WebhookEvent is Juspay's webhook envelope.
type WebhookEvent struct {
	ID          string         `json:"id"`
	EventName   string         `json:"event_name"`
	DateCreated string         `json:"date_created"`
	Content     WebhookContent `json:"content"`
}

// WebhookContent holds the order status body.
type WebhookContent struct {
	Order OrderStatus `json:"order"`
}

// The event names.
const (
	EventOrderSucceeded = "ORDER_SUCCEEDED"
	EventOrderFailed    = "ORDER_FAILED"
)

// Webhook renders the dialect's webhook deliveries: the envelope with the
// order status body (the same the order status call answers), signed in
// Threeds-Signature (shared/webhooksig) with the event ID in
// Threeds-Event-Id, plus the merchant's Basic credentials when its Juspay
// record has them. It reads the order of the event's transaction (two
// GetItems); Orders must be set.
type Webhook struct {
	Orders OrderStore
	// Timeout bounds the reads (default 5 s).
	Timeout time.Duration
}

// RenderWebhook returns the body and headers of one delivery of ev.
func (w Webhook) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	if ev.Result == nil || w.Orders == nil {
		return nil, nil, fmt.Errorf("juspay webhook %s: no result or no order store", ev.ID)
	}
	timeout := w.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	b, ok, err := w.Orders.GetDialectRecord(ctx, kindTxn, "", ev.Result.ThreeDSServerTransID)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("juspay webhook %s: the transaction's order link: found %v: %w", ev.ID, ok, err)
	}
	var l txnLink
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, nil, fmt.Errorf("juspay webhook %s: %w", ev.ID, err)
	}
	b, ok, err = w.Orders.GetDialectRecord(ctx, kindOrder, l.MerchantID, l.OrderID)
	if err != nil || !ok {
		return nil, nil, fmt.Errorf("juspay webhook %s: the order: found %v: %w", ev.ID, ok, err)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, nil, fmt.Errorf("juspay webhook %s: %w", ev.ID, err)
	}
	// An earlier attempt's result is reported with that attempt's txn.
	body, err := json.Marshal(WebhookBody(ev, o.attempt(ev.Result.ThreeDSServerTransID, l)))
	if err != nil {
		return nil, nil, fmt.Errorf("juspay webhook %s: encode: %w", ev.ID, err)
	}
	headers := map[string]string{
		"Content-Type":     "application/json",
		webhooksig.Header:  webhooksig.Sign(secret, at, body),
		"Threeds-Event-Id": ev.ID,
	}
	if m, err := merchantMapping(ctx, w.Orders, o.JuspayMID); err == nil && m != nil && m.WebhookUsername != "" {
		headers["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(m.WebhookUsername+":"+m.WebhookPassword))
	}
	return body, headers, nil
}

// WebhookBody is the envelope of ev for order o.
func WebhookBody(ev threeds.WebhookEvent, o *Order) WebhookEvent {
	st := StatusBody(o, ev.Result)
	name := EventOrderFailed
	if st.Status == "SUCCESS" {
		name = EventOrderSucceeded
	}
	return WebhookEvent{ID: ev.ID, EventName: name, DateCreated: ev.Created.UTC().Format("2006-01-02T15:04:05Z"),
		Content: WebhookContent{Order: st}}
}
