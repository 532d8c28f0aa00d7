package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// seedUAS gives merchant-1 its UAS capability token (Config.UASToken, from
// THREEDS_UAS_TOKEN under make run; else a generated one), stored as the hash
// of its material like every credential, and sets UASBaseURL: the base URL a
// Hyperswitch deployment is configured with (it ends in "/").
func (s *Stack) seedUAS(ctx context.Context, store Store) error {
	token := s.cfg.UASToken
	if token == "" {
		var err error
		if token, err = vault.NewSecret(24); err != nil {
			return err
		}
	}
	hash := vault.HashAPIKey(uas.TokenMaterial(token))
	_, err := store.LookupAPIKey(ctx, hash)
	switch {
	case errors.Is(err, threeds.ErrAPIKeyNotFound):
		now := time.Now().UTC()
		if err := store.CreateAPIKey(ctx, &threeds.APIKey{ID: fmt.Sprintf("uas-1-%d", now.UnixNano()), MerchantID: "merchant-1",
			Hash: hash, Kind: uas.TokenKind, Prefix: vault.DisplayPrefix(token), Name: "make run (UAS)", CreatedAt: now}); err != nil {
			return fmt.Errorf("create UAS token for merchant-1: %w", err)
		}
	case err != nil:
		return fmt.Errorf("look up UAS token for merchant-1: %w", err)
	}
	s.UASToken = token
	s.UASBaseURL = s.URL + uas.PathPrefix + token + "/"
	return nil
}
