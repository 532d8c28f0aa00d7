package vault

import (
	"encoding/hex"
	"errors"
)

// ErrUnknownKey is a sealed value whose key ID is none of the keys at hand
// (sealed under a master key that was rotated away).
var ErrUnknownKey = errors.New("vault: sealed under an unknown key")

// KeyID names the master key: the first 16 hex characters of a derivation
// of it, stored beside every value sealed with SealKeyed so that values
// sealed under an older key can still be opened after a rotation (Keyring)
// and re-sealed under the new one. It reveals nothing of the key.
func (v *Vault) KeyID() string { return v.keyID }

// SealKeyed is Seal that also returns the ID of the key it used.
func (v *Vault) SealKeyed(plaintext, aad []byte) (keyID string, sealed []byte, err error) {
	sealed, err = v.Seal(plaintext, aad)
	return v.keyID, sealed, err
}

// OpenKeyed opens what SealKeyed produced; a value of another key is
// ErrUnknownKey.
func (v *Vault) OpenKeyed(keyID string, sealed, aad []byte) ([]byte, error) {
	if keyID != v.keyID {
		return nil, ErrUnknownKey
	}
	return v.Open(sealed, aad)
}

func keyIDOf(master []byte) string {
	return hex.EncodeToString(derive(master, "open3ds/key-id/v1"))[:16]
}

// Keyring seals with the current master key and opens values sealed under
// it or any previous one, chosen by the key ID stored with the value: the
// way to rotate the master key without losing what is stored.
type Keyring struct {
	current *Vault
	byID    map[string]*Vault
}

// NewKeyring returns a keyring sealing with current and opening with
// current and previous.
func NewKeyring(current *Vault, previous ...*Vault) *Keyring {
	k := &Keyring{current: current, byID: map[string]*Vault{current.keyID: current}}
	for _, p := range previous {
		if _, ok := k.byID[p.keyID]; !ok {
			k.byID[p.keyID] = p
		}
	}
	return k
}

// KeyID is the current key's ID.
func (k *Keyring) KeyID() string { return k.current.keyID }

// SealKeyed seals with the current key.
func (k *Keyring) SealKeyed(plaintext, aad []byte) (string, []byte, error) {
	return k.current.SealKeyed(plaintext, aad)
}

// OpenKeyed opens with the key keyID names.
func (k *Keyring) OpenKeyed(keyID string, sealed, aad []byte) ([]byte, error) {
	v, ok := k.byID[keyID]
	if !ok {
		return nil, ErrUnknownKey
	}
	return v.Open(sealed, aad)
}

// Seal and Open use the current key (webhook secrets carry no key ID).
func (k *Keyring) Seal(plaintext, aad []byte) ([]byte, error) { return k.current.Seal(plaintext, aad) }

// Open opens with the current key.
func (k *Keyring) Open(sealed, aad []byte) ([]byte, error) { return k.current.Open(sealed, aad) }
