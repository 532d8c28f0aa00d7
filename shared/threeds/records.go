package threeds

import (
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// IdempotencyRecord is a claimed or completed Idempotency-Key of a merchant.
// The key itself is kept only as given to the store; RequestHash identifies
// the request body it was first used with.
type IdempotencyRecord struct {
	MerchantID  string
	Key         string
	RequestHash string
	Completed   bool
	StatusCode  int    // the stored response's HTTP status
	Response    []byte // the stored response body
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// CardRange is one range of PANs from a DS's PRes, with what the server
// needs to start an authentication for a card in it.
type CardRange struct {
	DS               string        // which DS (card-range set) it came from, e.g. "visa"
	Scheme           emv3ds.Scheme // card scheme of the DS
	Start            string        // startRange, 13–19 digits
	End              string        // endRange, same length as Start
	ACSStartVersion  emv3ds.Version
	ACSEndVersion    emv3ds.Version
	DSStartVersion   emv3ds.Version
	DSEndVersion     emv3ds.Version
	ThreeDSMethodURL string
	ACSInfoInd       []string
	// ACSProtocolVersions (2.3.1) lists per-version method URLs and indicators.
	ACSProtocolVersions []ACSProtocolVersion
	// DSProtocolVersions (2.3.1) are the versions the DS supports for the
	// range (the range's own list, else the PRes's): a set, not a span.
	DSProtocolVersions []emv3ds.Version
}

// ACSProtocolVersion is one element of a 2.3.1 range's acsProtocolVersions.
type ACSProtocolVersion struct {
	Version          emv3ds.Version
	ThreeDSMethodURL string
	ACSInfoInd       []string
}

// Card-range actions (PRes actionInd).
const (
	ActionAdd    = "A"
	ActionDelete = "D"
	ActionModify = "M"
)

// CardRangeChange is one cardRangeData entry of a PRes: a range and its action.
type CardRangeChange struct {
	Action string // A, D or M; empty means A
	Range  CardRange
}

// CardRangeLoad is a PRes to apply for one DS.
type CardRangeLoad struct {
	DS        string
	Scheme    emv3ds.Scheme
	SerialNum string // the PRes serialNum, sent back in the next PReq
	// Full replaces every range of the DS (a PReq without serialNum);
	// otherwise the changes apply in order to the ranges loaded so far.
	Full    bool
	Changes []CardRangeChange
}

// CardRangeSet describes what is loaded for a DS.
type CardRangeSet struct {
	DS        string
	Scheme    emv3ds.Scheme
	SerialNum string
	Count     int
	LoadedAt  time.Time
}

// WebhookDelivery status values.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed" // gave up after the last attempt
)

// WebhookDelivery records the delivery of one event to a merchant's webhook
// URL. Its ID is deterministic (e.g. transaction ID + event) so a redelivered
// stream record finds the existing delivery.
type WebhookDelivery struct {
	ID             string
	MerchantID     string
	TransactionID  string
	Event          string
	Status         string
	Attempts       int
	LastStatusCode int
	LastError      string // card-data free
	CreatedAt      time.Time
	UpdatedAt      time.Time
	NextAttemptAt  time.Time
	DeliveredAt    time.Time
	ExpiresAt      time.Time // zero: the store sets CreatedAt + Retention.WebhookDelivery
}
