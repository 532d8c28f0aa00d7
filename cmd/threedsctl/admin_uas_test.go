package main

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// A UAS capability token: shown once with the UAS base URL, stored as the
// hash of its material with kind uas-token, revocable.
func TestAdminUASTokens(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	out, code := c.run("merchant-create", "-id", "m1", "-name", "Shop One", "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-1",
		"-mcc", "5411", "-country", "840")
	require.Equal(t, 0, code, out)

	out, code = c.run("uas-token-create", "-merchant", "m1", "-base-url", "https://api.example.com/prod/")
	require.Equal(t, 0, code, out)
	token := regexp.MustCompile(`UAS token \(shown once, store it now\): (\S+)`).FindStringSubmatch(out)[1]
	id := regexp.MustCompile(`token ID: (uas_[0-9a-f]+)`).FindStringSubmatch(out)[1]
	require.Contains(t, out, "UAS base URL: https://api.example.com/prod/uas/"+token+"/")
	k, err := c.store(false).LookupAPIKey(ctx, vault.HashAPIKey(uas.TokenMaterial(token)))
	require.NoError(t, err)
	require.Equal(t, "m1", k.MerchantID)
	require.Equal(t, uas.TokenKind, k.Kind)
	_, err = c.store(false).LookupAPIKey(ctx, vault.HashAPIKey(token))
	require.ErrorIs(t, err, threeds.ErrAPIKeyNotFound, "the token alone is not a native key")

	_, code = c.run("uas-token-create")
	require.Equal(t, 2, code, "-merchant is required")
	out, code = c.run("uas-token-revoke", "-merchant", "m1", "-token-id", id)
	require.Equal(t, 0, code, out)
	_, err = c.store(false).LookupAPIKey(ctx, vault.HashAPIKey(uas.TokenMaterial(token)))
	require.ErrorIs(t, err, threeds.ErrAPIKeyRevoked)
}
