package dynamostore

import (
	"errors"
	"fmt"
)

// KeyedSealer seals values together with the ID of the key that sealed
// them, so that the master key can rotate (vault.Vault, vault.Keyring).
// The Options.Sealer must implement it for a store that writes
// authentication values.
type KeyedSealer interface {
	SealKeyed(plaintext, aad []byte) (keyID string, sealed []byte, err error)
	OpenKeyed(keyID string, sealed, aad []byte) ([]byte, error)
}

// SealedPlaceholder stands for an authentication value a store without the
// master key (Options.SkipWebhookSecrets: a listing tool) cannot open; it
// masks like any CAVV.
const SealedPlaceholder = "sealed"

var errNoKeyedSealer = errors.New("no Sealer with key IDs configured, refusing to store an authentication value or an idempotent answer in clear")

// The authentication value (CAVV) is sealed at the application level in
// every item that holds one, beside the key ID: a transaction's ares and
// result (AAD "cavv:<id>:ares" / ":result", so a value cannot be moved to
// another transaction or slot) and a completed idempotency record, whose
// whole stored answer is sealed (AAD its partition key).

func (s *Store) keyed() (KeyedSealer, bool) {
	k, ok := s.sealer.(KeyedSealer)
	return k, ok
}

// sealValue seals a value for an item; ok is false for an empty value.
func (s *Store) sealValue(plain, aad string) (keyID string, sealed []byte, err error) {
	if plain == "" {
		return "", nil, nil
	}
	if s.skipSecrets {
		return "", nil, errors.New("a store opened without the master key does not write authentication values")
	}
	k, ok := s.keyed()
	if !ok {
		return "", nil, errNoKeyedSealer
	}
	return k.SealKeyed([]byte(plain), []byte(aad))
}

func (s *Store) openValue(keyID string, sealed []byte, aad string) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	if s.skipSecrets {
		return SealedPlaceholder, nil
	}
	k, ok := s.keyed()
	if !ok {
		return "", errors.New("no Sealer with key IDs configured to open a sealed value")
	}
	pt, err := k.OpenKeyed(keyID, sealed, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(pt), nil
}

func cavvAAD(txID, slot string) string { return "cavv:" + txID + ":" + slot }

// sealCAVV moves the clear authentication values of an item about to be
// written into their sealed attributes.
func (s *Store) sealCAVV(it *txItem) error {
	var err error
	if a := it.ARes; a != nil && a.AuthenticationValue != "" {
		if a.AuthenticationValueKeyID, a.AuthenticationValueSealed, err = s.sealValue(a.AuthenticationValue, cavvAAD(it.ID, "ares")); err != nil {
			return fmt.Errorf("transaction %s authenticationValue: %w", it.ID, err)
		}
		a.AuthenticationValue = ""
	}
	if r := it.Result; r != nil && r.AuthenticationValue != "" {
		if r.AuthenticationValueKeyID, r.AuthenticationValueSealed, err = s.sealValue(r.AuthenticationValue, cavvAAD(it.ID, "result")); err != nil {
			return fmt.Errorf("transaction %s authenticationValue: %w", it.ID, err)
		}
		r.AuthenticationValue = ""
	}
	return nil
}

// openCAVV puts the opened values of a read item back in clear (an item
// written before sealing keeps its clear value and is read as it is).
func (s *Store) openCAVV(it *txItem) error {
	var err error
	if a := it.ARes; a != nil && len(a.AuthenticationValueSealed) > 0 {
		if a.AuthenticationValue, err = s.openValue(a.AuthenticationValueKeyID, a.AuthenticationValueSealed, cavvAAD(it.ID, "ares")); err != nil {
			return fmt.Errorf("transaction %s authenticationValue: %w", it.ID, err)
		}
	}
	if r := it.Result; r != nil && len(r.AuthenticationValueSealed) > 0 {
		if r.AuthenticationValue, err = s.openValue(r.AuthenticationValueKeyID, r.AuthenticationValueSealed, cavvAAD(it.ID, "result")); err != nil {
			return fmt.Errorf("transaction %s authenticationValue: %w", it.ID, err)
		}
	}
	return nil
}
