package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// WorldpayCredentials are merchant-1's seeded Worldpay-dialect credentials.
type WorldpayCredentials struct {
	MerchantID, Entity, Username, Password string
}

// seedWorldpay gives merchant-1 Worldpay Basic credentials from
// THREEDS_WORLDPAY_ENTITY, THREEDS_WORLDPAY_USERNAME and
// THREEDS_WORLDPAY_PASSWORD (each generated when unset; the entity defaults
// to the seed's MindPalaceLtd), stored hashed like `threedsctl
// worldpay-credentials` does.
func (s *Stack) seedWorldpay(ctx context.Context, store Store, v *vault.Vault) error {
	c := WorldpayCredentials{MerchantID: "merchant-1", Entity: os.Getenv("THREEDS_WORLDPAY_ENTITY"),
		Username: os.Getenv("THREEDS_WORLDPAY_USERNAME"), Password: os.Getenv("THREEDS_WORLDPAY_PASSWORD")}
	var err error
	if c.Entity == "" {
		c.Entity = "MindPalaceLtd"
	}
	if c.Username == "" {
		if c.Username, err = vault.NewSecret(8); err != nil {
			return err
		}
		c.Username = "wp_" + c.Username
	}
	if c.Password == "" {
		if c.Password, err = vault.NewSecret(24); err != nil {
			return err
		}
	}
	hash := vault.HashAPIKey(apigw.BasicCredentialMaterial(worldpay.CredentialKind, c.Username, c.Password))
	// The entity the credential is for (the record merchant.entity is
	// checked against).
	entities, ok := store.(worldpay.EntityWriter)
	if !ok { // a wrapped seeding store: the records go to the table directly
		entities = dynamostore.New(s.ddb.Client(), TableName, dynamostore.Options{Sealer: v})
	}
	if err := worldpay.PutEntity(ctx, entities, c.MerchantID, c.Entity, "key_"+hash[:16], time.Now()); err != nil {
		return fmt.Errorf("seed Worldpay entity: %w", err)
	}
	switch _, err := store.LookupAPIKey(ctx, hash); {
	case errors.Is(err, threeds.ErrAPIKeyNotFound):
		now := time.Now().UTC()
		if err := store.CreateAPIKey(ctx, &threeds.APIKey{ID: "key_" + hash[:16], MerchantID: c.MerchantID, Hash: hash,
			Kind: worldpay.CredentialKind, Prefix: c.Username, Name: "worldpay entity " + c.Entity, CreatedAt: now}); err != nil {
			return fmt.Errorf("create Worldpay credentials: %w", err)
		}
	case err != nil:
		return fmt.Errorf("look up Worldpay credentials: %w", err)
	}
	s.Worldpay = c
	return nil
}
