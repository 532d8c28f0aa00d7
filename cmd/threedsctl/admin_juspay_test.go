package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/juspay"
)

// juspay-credentials: the flags it needs, an unknown merchant, the key and
// response key shown once (the key stored only as its Basic hash, the
// response key sealed in the Juspay record with the webhook credentials),
// and a Juspay merchant id that belongs to another merchant refused.
func TestAdminJuspay(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	for _, id := range []string{"m1", "m2"} {
		out, code := c.run("merchant-create", "-id", id, "-name", "Shop "+id, "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-1",
			"-mcc", "5411", "-country", "356")
		require.Equal(t, 0, code, out)
	}

	out, code := c.run("juspay-credentials", "-master-key-file", c.keyFile, "-merchant", "m1")
	require.Equal(t, 2, code, "-juspay-merchant-id is required: %s", out)
	out, code = c.run("juspay-credentials", "-master-key-file", c.keyFile, "-juspay-merchant-id", "shop_one")
	require.Equal(t, 2, code, "-merchant is required: %s", out)
	out, code = c.run("juspay-credentials", "-master-key-file", c.keyFile, "-merchant", "nobody", "-juspay-merchant-id", "shop_one")
	require.Equal(t, 1, code, "an unknown merchant: %s", out)

	out, code = c.run("juspay-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-juspay-merchant-id", "shop_one",
		"-webhook-user", "hooks", "-webhook-password", "hook-secret-0123")
	require.Equal(t, 0, code, out)
	require.Equal(t, "shop_one", field(t, out, "Juspay merchant id"))
	key, responseKey, keyID := field(t, out, "Juspay API key"), field(t, out, "response key"), field(t, out, "key ID")
	require.NotEqual(t, key, responseKey)

	st := c.store(true)
	k, err := st.LookupAPIKey(ctx, juspay.CredentialHash(key))
	require.NoError(t, err, "the key authenticates as Basic username with an empty password")
	require.Equal(t, "m1", k.MerchantID)
	require.Equal(t, juspay.CredentialKind, k.Kind)
	require.Equal(t, keyID, k.ID)
	require.NotContains(t, k.Hash, key)

	b, ok, err := st.GetDialectRecord(ctx, "juspay-merchant", "", "shop_one")
	require.NoError(t, err)
	require.True(t, ok, "the Juspay record ties shop_one to m1")
	var m juspay.MerchantMapping
	require.NoError(t, json.Unmarshal(b, &m))
	require.Equal(t, juspay.MerchantMapping{MerchantID: "m1", ResponseKey: responseKey, WebhookUsername: "hooks", WebhookPassword: "hook-secret-0123"}, m)
	raw, _, err := c.store(false).GetDialectRecord(ctx, "juspay-merchant", "", "shop_one")
	require.NoError(t, err)
	require.NotContains(t, string(raw), responseKey, "without the master key the record is only its sealed placeholder")
	require.NotContains(t, string(raw), "hook-secret-0123")

	// The same Juspay merchant id for another merchant is refused; for the
	// same merchant it is new credentials (a new response key).
	out, code = c.run("juspay-credentials", "-master-key-file", c.keyFile, "-merchant", "m2", "-juspay-merchant-id", "shop_one")
	require.Equal(t, 1, code, out)
	require.Contains(t, out, "another merchant")
	out, code = c.run("juspay-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-juspay-merchant-id", "shop_one")
	require.Equal(t, 0, code, out)
	require.NotEqual(t, responseKey, field(t, out, "response key"))
}
