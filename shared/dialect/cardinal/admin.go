package cardinal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/threeds"
)

// DefaultOverlap is how long a rotated-out API Key keeps verifying.
const DefaultOverlap = 24 * time.Hour

// NewIdentifier is a random 24-hex-character identifier (the shape of
// Cardinal's API identifiers and OrgUnitIds).
func NewIdentifier() (string, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cardinal: identifier: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// NewAPIKey is a random API Key (256 bits, hex): an HMAC secret shown once.
func NewAPIKey() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("cardinal: api key: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// checkCredential validates the identifiers before storage.
func checkCredential(apiID, orgUnitID, apiKey string) error {
	var errs []error
	if err := threeds.CheckIdentifier("apiId", apiID, threeds.ReferenceFormat(1, 64)); err != nil {
		errs = append(errs, err)
	}
	if err := threeds.CheckIdentifier("orgUnitId", orgUnitID, threeds.ReferenceFormat(1, 64)); err != nil {
		errs = append(errs, err)
	}
	if len(apiKey) < 32 || len(apiKey) > 256 {
		errs = append(errs, errors.New("apiKey: must be 32 to 256 characters"))
	}
	return errors.Join(errs...)
}

// PutCredential stores (or replaces, when the key is new and not rotated)
// a merchant's credential set, the API Key sealed with the master key.
func PutCredential(ctx context.Context, st threeds.CardinalStore, v Sealer, merchantID, apiID, orgUnitID, apiKey string, now time.Time) error {
	if err := checkCredential(apiID, orgUnitID, apiKey); err != nil {
		return err
	}
	sealed, err := v.Seal([]byte(apiKey), KeyAAD(apiID, merchantID))
	if err != nil {
		return err
	}
	return st.PutCardinalCredential(ctx, &threeds.CardinalCredential{APIID: apiID, OrgUnitID: orgUnitID, MerchantID: merchantID,
		SealedKey: sealed, CreatedAt: now})
}

// Rotate replaces the API Key of apiID with newKey; the current key keeps
// verifying for overlap.
func Rotate(ctx context.Context, st threeds.CardinalStore, v Sealer, merchantID, apiID, newKey string, overlap time.Duration, now time.Time) error {
	c, err := st.GetCardinalCredential(ctx, apiID)
	if err != nil {
		return err
	}
	if c.MerchantID != merchantID {
		return fmt.Errorf("rotate: %w", threeds.ErrCardinalCredentialNotFound)
	}
	if err := checkCredential(apiID, c.OrgUnitID, newKey); err != nil {
		return err
	}
	sealed, err := v.Seal([]byte(newKey), KeyAAD(apiID, merchantID))
	if err != nil {
		return err
	}
	c.PreviousSealedKey, c.PreviousValidUntil = c.SealedKey, now.Add(overlap)
	c.SealedKey, c.RotatedAt = sealed, now
	return st.PutCardinalCredential(ctx, c)
}
