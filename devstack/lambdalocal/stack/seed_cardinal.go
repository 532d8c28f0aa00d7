package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// CardinalInfo is merchant-1's seeded Cardinal Cruise-compatible
// credential set, as printed.
type CardinalInfo struct {
	MerchantID, APIID, OrgUnitID, APIKey string
}

// seedCardinal stores merchant-1's Cardinal credentials from
// Config.Cardinal (THREEDS_CARDINAL_API_ID, _ORG_UNIT_ID, _API_KEY under
// make run), each generated when empty. A credential kept from an earlier
// run is replaced only when this run gives a key.
func (s *Stack) seedCardinal(ctx context.Context, v *vault.Vault) error {
	c := s.cfg.Cardinal
	st := dynamostore.New(s.ddb.Client(), TableName, dynamostore.Options{Sealer: v})
	var err error
	if c.APIID == "" {
		c.APIID = "merchant-1-cardinal"
	}
	if c.OrgUnitID == "" {
		if c.OrgUnitID, err = cardinal.NewIdentifier(); err != nil {
			return err
		}
	}
	if c.APIKey == "" {
		if existing, err := st.GetCardinalCredential(ctx, c.APIID); err == nil {
			// Kept from an earlier run (DATA=dir): print the stored key.
			keys, err := cardinal.Keys(existing, v, time.Now())
			if err != nil {
				return err
			}
			s.Cardinal = CardinalInfo{MerchantID: existing.MerchantID, APIID: c.APIID, OrgUnitID: existing.OrgUnitID, APIKey: string(keys[0])}
			return nil
		} else if !errors.Is(err, threeds.ErrCardinalCredentialNotFound) {
			return err
		}
		if c.APIKey, err = cardinal.NewAPIKey(); err != nil {
			return err
		}
	}
	if err := cardinal.PutCredential(ctx, st, v, "merchant-1", c.APIID, c.OrgUnitID, c.APIKey, time.Now().UTC()); err != nil {
		return fmt.Errorf("seed cardinal credentials: %w", err)
	}
	s.Cardinal = CardinalInfo{MerchantID: "merchant-1", APIID: c.APIID, OrgUnitID: c.OrgUnitID, APIKey: c.APIKey}
	return nil
}
