package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/vault"
)

// worldpay-credentials stores the Basic credential hashed and records its
// entity, the one merchant.entity the merchant may send.
func TestAdminWorldpayCredentials(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	out, code := c.run("merchant-create", "-id", "m1", "-name", "Shop One", "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-1",
		"-mcc", "5411", "-country", "840")
	require.Equal(t, 0, code, out)
	out, code = c.run("worldpay-credentials", "-master-key-file", c.keyFile, "-merchant", "nobody", "-entity", "MindPalaceLtd")
	require.Equal(t, 1, code, out)
	out, code = c.run("worldpay-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-entity", "bad entity!")
	require.Equal(t, 2, code, out)
	out, code = c.run("worldpay-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-entity", "MindPalaceLtd", "-username", "wp_user")
	require.Equal(t, 0, code, out)
	pass := field(t, out, "password")

	st := c.store(true)
	k, err := st.LookupAPIKey(ctx, vault.HashAPIKey(apigw.BasicCredentialMaterial(worldpay.CredentialKind, "wp_user", pass)))
	require.NoError(t, err)
	require.Equal(t, "m1", k.MerchantID)
	require.Equal(t, worldpay.CredentialKind, k.Kind)
	require.NotContains(t, k.Hash, pass)

	b, ok, err := st.GetDialectRecord(ctx, worldpay.EntityKind, "m1", "MindPalaceLtd")
	require.NoError(t, err)
	require.True(t, ok, "the entity is recorded with the credential")
	var e worldpay.Entity
	require.NoError(t, json.Unmarshal(b, &e))
	require.Equal(t, worldpay.Entity{Entity: "MindPalaceLtd", MerchantID: "m1", KeyID: k.ID, CreatedAt: e.CreatedAt}, e)
	_, ok, err = st.GetDialectRecord(ctx, worldpay.EntityKind, "m2", "MindPalaceLtd")
	require.NoError(t, err)
	require.False(t, ok, "another merchant does not own it")
}
