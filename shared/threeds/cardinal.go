package threeds

import (
	"context"
	"errors"
	"time"
)

// CardinalCredential is a merchant's Cardinal Cruise-compatible credential
// set: the API identifier (the request JWT's iss), the OrgUnitId and the API
// Key, an HMAC secret stored sealed with the master key (never in clear).
// After a rotation the previous key stays valid until PreviousValidUntil.
type CardinalCredential struct {
	APIID              string
	OrgUnitID          string
	MerchantID         string
	SealedKey          []byte
	PreviousSealedKey  []byte
	PreviousValidUntil time.Time
	CreatedAt          time.Time
	RotatedAt          time.Time
}

// Errors of the Cardinal credential store.
var (
	ErrCardinalCredentialNotFound = errors.New("cardinal credential not found")
	// ErrReplayedJTI is a request JWT whose jti was seen before.
	ErrReplayedJTI = errors.New("jti already used")
)

// CardinalStore keeps Cardinal credentials (one GetItem by API identifier)
// and the request JWT IDs already used (remembered until expiresAt).
type CardinalStore interface {
	PutCardinalCredential(ctx context.Context, c *CardinalCredential) error
	GetCardinalCredential(ctx context.Context, apiID string) (*CardinalCredential, error)
	ClaimJTI(ctx context.Context, apiID, jti string, expiresAt time.Time) error
}
