package threeds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// EventAuthenticationCompleted is the webhook event type sent when a
// transaction reaches a final result.
const EventAuthenticationCompleted = "authentication.completed"

// WebhookEvent is a final result to tell the merchant about, in no
// dialect: the WebhookSender renders it in the transaction's dialect (body,
// signature header) and posts it.
type WebhookEvent struct {
	// ID is the same for every delivery of the event (derived from the
	// transaction ID and Type), so a retry is recognisable.
	ID      string
	Type    string // EventAuthenticationCompleted
	Created time.Time
	// Dialect is the transaction's (DefaultDialect when it names none).
	Dialect string
	// Result is the transaction's outcome, the same projection /postauth
	// answers.
	Result *ResultOutput
}

// WebhookTarget is where and with which secret a merchant receives events.
type WebhookTarget struct {
	URL    string
	Secret []byte
}

// WebhookSender renders an event in its dialect, signs it with the target's
// secret at the given time and posts it (an HTTP adapter such as
// shared/webhookpost); it returns the receiver's HTTP status.
type WebhookSender interface {
	Send(ctx context.Context, to WebhookTarget, ev WebhookEvent, at time.Time) (status int, err error)
}

// WebhookEventFor returns the event for a transaction's final result, or
// false when it has none. The event is the same every time.
func WebhookEventFor(tx *Transaction) (WebhookEvent, bool) {
	if tx.State != StateFinal || tx.Result == nil {
		return WebhookEvent{}, false
	}
	sum := sha256.Sum256([]byte(tx.ID + "\x00" + EventAuthenticationCompleted))
	dialect := tx.Dialect
	if dialect == "" {
		dialect = DefaultDialect
	}
	return WebhookEvent{
		ID:      "evt_" + hex.EncodeToString(sum[:12]),
		Type:    EventAuthenticationCompleted,
		Created: tx.Result.ReceivedAt,
		Dialect: dialect,
		Result:  ResultOf(tx, tx.Result.ReceivedAt),
	}, true
}

// WebhookPolicy bounds the in-invocation delivery attempts.
type WebhookPolicy struct {
	Attempts int
	Backoff  time.Duration // doubled after each failed attempt
}

// ErrWebhookFailed means every attempt failed; the caller reports the stream
// record as failed so Lambda retries it and, in the end, dead-letters it.
var ErrWebhookFailed = errors.New("webhook delivery failed")

// DeliverWebhook posts the transaction's final-result event to its merchant,
// signed with the merchant's secret. A delivered event is not posted again
// (stream records can repeat); a merchant without a webhook URL gets nothing.
func (s *flows) DeliverWebhook(ctx context.Context, tx *Transaction, p WebhookPolicy) error {
	ev, ok := WebhookEventFor(tx)
	if !ok {
		return nil
	}
	m, err := s.d.Merchants.GetMerchant(ctx, tx.MerchantID)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", ev.ID, err)
	}
	if m.WebhookURL == "" {
		return nil
	}
	// Read first (a read costs a quarter of a write): an event recorded as
	// delivered is not posted again, and an earlier failure's record is kept
	// and updated. A delivery that succeeds at its first attempt with no
	// record before writes nothing (issue 18: two write units saved per
	// flow): a failure or a retry is what a record is for (the dead letter,
	// the admin listing). A stream record delivered again after a first-try
	// success (Lambda retries a whole batch when the function itself fails)
	// posts the event again under the same ID, which the merchant
	// deduplicates on (Threeds-Event-Id): delivery is at least once.
	prev, err := s.d.Deliveries.GetWebhookDelivery(ctx, ev.ID)
	switch {
	case errors.Is(err, ErrWebhookDeliveryNotFound):
		prev = nil
	case err != nil:
		return fmt.Errorf("webhook %s: %w", ev.ID, err)
	case prev.Status == WebhookDelivered:
		return nil
	}
	if p.Attempts <= 0 {
		p.Attempts = 1
	}
	backoff := p.Backoff
	var status int
	var lastErr string
	for attempt := 1; attempt <= p.Attempts; attempt++ {
		status, err = s.d.Webhooks.Send(ctx, WebhookTarget{URL: m.WebhookURL, Secret: []byte(m.WebhookSecret)}, ev, s.d.Now())
		if err == nil && status >= 200 && status < 300 {
			if prev == nil && attempt == 1 {
				return nil // first-try success: nothing to record
			}
			if rerr := s.recordDelivery(ctx, prev, tx, ev, attempt, status, "", true); rerr != nil {
				// Delivered but not recorded: fail the record so the stream
				// retries; the merchant may see the event again (same
				// Threeds-Event-Id) rather than the record silently lost.
				return fmt.Errorf("webhook %s delivered, record not written: %w", ev.ID, rerr)
			}
			return nil
		}
		lastErr = fmt.Sprintf("HTTP %d", status)
		if err != nil {
			lastErr = "request failed"
		}
		if attempt < p.Attempts {
			if serr := s.d.Sleep(ctx, backoff); serr != nil {
				break
			}
			backoff *= 2
		}
	}
	failed := fmt.Errorf("webhook %s: %s: %w", ev.ID, lastErr, ErrWebhookFailed)
	if rerr := s.recordDelivery(ctx, prev, tx, ev, p.Attempts, status, lastErr, false); rerr != nil {
		return errors.Join(failed, fmt.Errorf("webhook %s: record not written: %w", ev.ID, rerr))
	}
	return failed
}

// recordDelivery writes the outcome of this invocation's attempts: one
// conditional create when there was no record (prev == nil), else an update
// of the record found (or of the one a concurrent invocation created). A
// delivered record is never turned back into a failed one. A store failure
// is returned, never dropped.
func (s *flows) recordDelivery(ctx context.Context, prev *WebhookDelivery, tx *Transaction, ev WebhookEvent, attempts, status int, lastErr string, delivered bool) error {
	ctx = context.WithoutCancel(ctx)
	now := s.d.Now()
	apply := func(d *WebhookDelivery) {
		d.Attempts += attempts
		d.LastStatusCode = status
		d.LastError = lastErr
		d.UpdatedAt = now
		switch {
		case delivered:
			d.Status = WebhookDelivered
			d.DeliveredAt = now
		case d.Status != WebhookDelivered:
			d.Status = WebhookFailed
		}
	}
	if prev == nil {
		d := &WebhookDelivery{
			ID: ev.ID, MerchantID: tx.MerchantID, TransactionID: tx.ID, Event: ev.Type,
			CreatedAt: now, ExpiresAt: Expiry(now, s.cfg.Retention.WebhookDelivery),
		}
		apply(d)
		err := s.d.Deliveries.CreateWebhookDelivery(ctx, d)
		if !errors.Is(err, ErrDuplicateWebhookDelivery) {
			return err // written (nil), or a store failure
		}
	}
	_, err := s.d.Deliveries.UpdateWebhookDelivery(ctx, ev.ID, func(d *WebhookDelivery) error {
		apply(d)
		return nil
	})
	return err
}
