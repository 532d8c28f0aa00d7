package threeds

import (
	"errors"
	"time"
)

// CardinalSession is a browser session of the Cardinal Cruise-compatible
// dialect: what Cardinal.setup('init', {jwt}) traded its single-use request
// JWT for. The browser holds a token "<ID>.<secret>"; only the SHA-256 of
// the secret is kept. It is bound to the merchant, the API identifier and
// OrgUnitId that verified the JWT and to the JWT's jti (the response JWT's
// aud). It holds no card data: the card of bin.process is kept as the
// keyed PAN hash the transactions use.
type CardinalSession struct {
	ID         string // "0_" + UUID: Cardinal's sessionId, the DFReferenceId and ConsumerSessionId
	SecretHash []byte // SHA-256 of the token's secret
	MerchantID string
	APIID      string
	OrgUnitID  string
	JTI        string // the request JWT's jti
	// PreviousKey: the request JWT verified with the API Key rotated out
	// (the response is signed with it while the overlap lasts).
	PreviousKey  bool
	ReferenceID  string
	ConfirmURL   string
	Origin       string // the page's origin at setup ("" when none was sent)
	Objectify    bool
	OrderNumber  string
	Amount       string // minor units
	CurrencyCode string // ISO 4217 numeric
	// MethodTransID is the transaction bin.process opened (3DS Method) for
	// the card whose keyed hash is MethodPANHash.
	MethodTransID string
	MethodPANHash string
	// TransIDs are the transactions opened for this session (start, or a
	// Hybrid lookup naming it as DFReferenceId): the only ones its calls
	// may read.
	TransIDs  []string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ErrCardinalSessionNotFound is an unknown (or expired) session.
var ErrCardinalSessionNotFound = errors.New("cardinal session not found")
