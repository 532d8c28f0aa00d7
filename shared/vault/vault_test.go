package vault_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/vault"
)

func newVault(t *testing.T, seed byte) *vault.Vault {
	t.Helper()
	v, err := vault.New(bytes.Repeat([]byte{seed}, 32))
	require.NoError(t, err)
	return v
}

func TestHashPAN(t *testing.T) {
	v1, v2 := newVault(t, 1), newVault(t, 2)
	const pan emv3ds.PAN = "4000000000001000"
	h := v1.HashPAN(pan)
	require.Len(t, h, 64)
	require.Equal(t, h, v1.HashPAN(pan), "deterministic")
	require.NotEqual(t, h, v1.HashPAN("4000000000001018"))
	require.NotEqual(t, h, v2.HashPAN(pan), "keyed: another master key gives another hash")
	require.NotContains(t, h, "1000")
}

func TestSealOpen(t *testing.T) {
	v := newVault(t, 1)
	secret := []byte("whsec_very-secret")
	sealed, err := v.Seal(secret, []byte("m1"))
	require.NoError(t, err)
	require.False(t, bytes.Contains(sealed, secret))
	sealed2, err := v.Seal(secret, []byte("m1"))
	require.NoError(t, err)
	require.NotEqual(t, sealed, sealed2, "random nonce")

	pt, err := v.Open(sealed, []byte("m1"))
	require.NoError(t, err)
	require.Equal(t, secret, pt)

	for name, tc := range map[string]struct {
		v      *vault.Vault
		sealed []byte
		aad    string
	}{
		"other aad":   {v, sealed, "m2"},
		"other key":   {newVault(t, 2), sealed, "m1"},
		"tampered":    {v, append(append([]byte(nil), sealed[:len(sealed)-1]...), sealed[len(sealed)-1]^1), "m1"},
		"short":       {v, sealed[:5], "m1"},
		"empty input": {v, nil, "m1"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tc.v.Open(tc.sealed, []byte(tc.aad))
			require.ErrorIs(t, err, vault.ErrOpen)
		})
	}
}

func TestNewAPIKey(t *testing.T) {
	k1, p1, err := vault.NewAPIKey()
	require.NoError(t, err)
	k2, _, err := vault.NewAPIKey()
	require.NoError(t, err)
	require.NotEqual(t, k1, k2)
	require.True(t, strings.HasPrefix(k1, "o3ds_"))
	require.Len(t, k1, 48)
	require.True(t, strings.HasPrefix(k1, p1))
	require.Len(t, p1, 11)
	h := vault.HashAPIKey(k1)
	require.Len(t, h, 64)
	require.Equal(t, h, vault.HashAPIKey(k1))
	require.NotEqual(t, h, vault.HashAPIKey(k2))
}

func TestMasterKeys(t *testing.T) {
	_, err := vault.New(make([]byte, 16))
	require.ErrorIs(t, err, vault.ErrKeySize)
	k, err := vault.GenerateMasterKey()
	require.NoError(t, err)
	for _, s := range []string{hex.EncodeToString(k), base64.StdEncoding.EncodeToString(k), " " + base64.RawURLEncoding.EncodeToString(k) + "\n"} {
		got, err := vault.ParseMasterKey(s)
		require.NoError(t, err)
		require.Equal(t, k, got)
	}
	_, err = vault.ParseMasterKey("c2hvcnQ=")
	require.ErrorIs(t, err, vault.ErrKeyParse)
	require.NotContains(t, err.Error(), "c2hvcnQ")
}

func TestNewSecret(t *testing.T) {
	s, err := vault.NewSecret(32)
	require.NoError(t, err)
	require.Len(t, s, 43)
}
