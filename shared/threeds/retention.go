package threeds

import "time"

// Retention says how long each kind of record lives before DynamoDB's TTL
// removes it (reads treat it as absent from that moment on). It is
// configuration: shared/config builds it, DefaultRetention gives the defaults.
type Retention struct {
	// PreAuth: a transaction nobody has sent an AReq for (abandoned checkout).
	PreAuth time.Duration
	// Pending: AReq sent and challenge pending; the challenge must finish in this time.
	Pending time.Duration
	// Decoupled: decoupled authentication may take longer than a challenge.
	Decoupled time.Duration
	// Result: final, failed and expired transactions, including the
	// authentication value, which the merchant needs for authorisation.
	Result time.Duration
	// Idempotency: how long a completed Idempotency-Key answers replays.
	Idempotency time.Duration
	// IdempotencyLock: how long an in-progress claim blocks the same key
	// (a crashed request frees its key after this).
	IdempotencyLock time.Duration
	// WebhookDelivery: delivery records (attempts, status).
	WebhookDelivery time.Duration
}

// DefaultRetention is the retention the server uses unless configured.
func DefaultRetention() Retention {
	return Retention{
		PreAuth:         30 * time.Minute,
		Pending:         time.Hour,
		Decoupled:       24 * time.Hour,
		Result:          30 * 24 * time.Hour,
		Idempotency:     24 * time.Hour,
		IdempotencyLock: time.Minute,
		WebhookDelivery: 30 * 24 * time.Hour,
	}
}

// Expiry is now+d truncated to whole seconds, the resolution of the TTL
// attribute, so a stored and reloaded time compares equal.
func Expiry(now time.Time, d time.Duration) time.Time {
	return stamp(now.Add(d)).Truncate(time.Second)
}

// Expired reports whether a record with that expiry is gone at now. A zero
// expiry never expires.
func Expired(expiresAt, now time.Time) bool {
	return !expiresAt.IsZero() && !now.Before(expiresAt)
}

// stamp normalises a time for storage: UTC, no monotonic reading,
// microsecond precision (what every adapter keeps).
func stamp(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Round(0).Truncate(time.Microsecond)
}

// Stamp normalises a time the way the domain stores it (UTC, microseconds).
// Adapters and fakes use it so that what they return equals what was saved.
func Stamp(t time.Time) time.Time { return stamp(t) }
