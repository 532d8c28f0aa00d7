package cardinal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/threeds"
)

// Sealer is the master-key AES-GCM of shared/vault.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// KeyAAD binds a sealed API Key to its API identifier and merchant.
func KeyAAD(apiID, merchantID string) []byte {
	return []byte("cardinal/api-key/v1#" + apiID + "#" + merchantID)
}

// Keys opens the API Keys that verify now: the current one, then the
// previous one while the rotation overlap lasts.
func Keys(c *threeds.CardinalCredential, v Sealer, now time.Time) ([][]byte, error) {
	cur, err := v.Open(c.SealedKey, KeyAAD(c.APIID, c.MerchantID))
	if err != nil {
		return nil, fmt.Errorf("cardinal credential %s: %w", c.APIID, err)
	}
	keys := [][]byte{cur}
	if len(c.PreviousSealedKey) > 0 && now.Before(c.PreviousValidUntil) {
		prev, err := v.Open(c.PreviousSealedKey, KeyAAD(c.APIID, c.MerchantID))
		if err != nil {
			return nil, fmt.Errorf("cardinal credential %s: previous key: %w", c.APIID, err)
		}
		keys = append(keys, prev)
	}
	return keys, nil
}

// Authenticator checks request JWTs against the stored credentials.
type Authenticator struct {
	Store threeds.CardinalStore
	Vault Sealer
	Now   func() time.Time
}

// Session is a verified request JWT: its claims, its merchant and the API
// Key that signed it (which signs the response).
type Session struct {
	Request    *cruise.Request
	MerchantID string
	Key        []byte
}

// errStore is a store failure while checking a JWT (a 5xx, not a refusal).
var errStore = errors.New("cardinal credential store")

// Verify checks the request JWT of an API call (Authorization: Bearer) and
// claims its jti. A *cruise.ClaimError is a refusal (401).
func (a Authenticator) Verify(ctx context.Context, token string) (*Session, error) {
	now := a.Now()
	var cred *threeds.CardinalCredential
	var keys [][]byte
	var storeErr error
	req, err := cruise.ParseRequest(token, func(iss string) (cruise.Credential, error) {
		c, err := a.Store.GetCardinalCredential(ctx, iss)
		if err != nil {
			if !errors.Is(err, threeds.ErrCardinalCredentialNotFound) {
				storeErr = err
			}
			return cruise.Credential{}, err
		}
		ks, err := Keys(c, a.Vault, now)
		if err != nil {
			storeErr = err
			return cruise.Credential{}, err
		}
		cred, keys = c, ks
		return cruise.Credential{OrgUnitID: c.OrgUnitID, Keys: ks}, nil
	}, now)
	if storeErr != nil {
		return nil, fmt.Errorf("%w: %w", errStore, storeErr)
	}
	if err != nil {
		return nil, err
	}
	// Remembered past the effective expiry plus the skew, so it cannot be
	// replayed while it would still be accepted.
	if err := a.Store.ClaimJTI(ctx, req.Issuer, req.JTI, req.ExpiresAt.Add(cruise.Skew+time.Minute)); err != nil {
		if errors.Is(err, threeds.ErrReplayedJTI) {
			return nil, &cruise.ClaimError{Claim: "jti", Reason: "was already used (a request JWT opens one session)"}
		}
		return nil, fmt.Errorf("%w: %w", errStore, err)
	}
	return &Session{Request: req, MerchantID: cred.MerchantID, Key: keys[req.KeyIndex]}, nil
}

// bearer is the JWT of `Authorization: Bearer <jwt>`.
func bearer(ev events.APIGatewayProxyRequest) string {
	h := apigw.Header(ev, "Authorization")
	const p = "Bearer "
	if len(h) > len(p) && (h[:len(p)] == p || h[:len(p)] == "bearer ") {
		return h[len(p):]
	}
	return ""
}
