package vault_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/vault"
)

func mustVault(t *testing.T, b byte) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{b}, vault.KeySize))
	require.NoError(t, err)
	return v
}

func TestKeyedSealAndKeyring(t *testing.T) {
	t.Parallel()
	a, b := mustVault(t, 1), mustVault(t, 2)
	require.Regexp(t, `^[0-9a-f]{16}$`, a.KeyID())
	require.Equal(t, a.KeyID(), mustVault(t, 1).KeyID(), "the ID is derived from the key")
	require.NotEqual(t, a.KeyID(), b.KeyID())

	kid, sealed, err := a.SealKeyed([]byte("cavv"), []byte("cavv:tx:result"))
	require.NoError(t, err)
	require.Equal(t, a.KeyID(), kid)
	pt, err := a.OpenKeyed(kid, sealed, []byte("cavv:tx:result"))
	require.NoError(t, err)
	require.Equal(t, "cavv", string(pt))
	_, err = b.OpenKeyed(kid, sealed, []byte("cavv:tx:result"))
	require.ErrorIs(t, err, vault.ErrUnknownKey)
	_, err = a.OpenKeyed(kid, sealed, []byte("cavv:other:result"))
	require.ErrorIs(t, err, vault.ErrOpen, "bound to its AAD")

	ring := vault.NewKeyring(b, a)
	require.Equal(t, b.KeyID(), ring.KeyID(), "seals with the current key")
	pt, err = ring.OpenKeyed(kid, sealed, []byte("cavv:tx:result"))
	require.NoError(t, err, "opens the previous key's values")
	require.Equal(t, "cavv", string(pt))
	kid2, sealed2, err := ring.SealKeyed([]byte("cavv"), nil)
	require.NoError(t, err)
	require.Equal(t, b.KeyID(), kid2)
	_, err = a.OpenKeyed(kid2, sealed2, nil)
	require.ErrorIs(t, err, vault.ErrUnknownKey)
	_, err = ring.OpenKeyed("0000000000000000", sealed, nil)
	require.ErrorIs(t, err, vault.ErrUnknownKey)
}

func TestFingerprint(t *testing.T) {
	t.Parallel()
	a, b := mustVault(t, 1), mustVault(t, 2)
	key := "o3ds_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg"
	fp := a.Fingerprint(key)
	require.Regexp(t, `^[0-9a-f]{8}$`, fp)
	require.Equal(t, fp, a.Fingerprint(key), "stable")
	require.NotEqual(t, fp, a.Fingerprint(key+"x"))
	require.NotEqual(t, fp, b.Fingerprint(key), "keyed")
	require.NotContains(t, key, fp)
}
