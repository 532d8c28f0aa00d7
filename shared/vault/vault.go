package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/open3ds/server/shared/emv3ds"
)

// KeySize is the size of the master key in bytes.
const KeySize = 32

// Errors.
var (
	ErrKeySize  = errors.New("vault: master key must be 32 bytes")
	ErrOpen     = errors.New("vault: cannot open sealed value")
	ErrKeyParse = errors.New("vault: master key must be 64 hex characters or base64 of 32 bytes")
)

// Vault derives purpose-specific keys from the master key so that a PAN hash
// can never be confused with a ciphertext key.
type Vault struct {
	panKey []byte
	logKey []byte
	keyID  string
	aead   cipher.AEAD
}

// New builds a Vault from a 32-byte master key.
func New(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, ErrKeySize
	}
	block, err := aes.NewCipher(derive(master, "open3ds/seal/v1"))
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("vault: %w", err)
	}
	return &Vault{panKey: derive(master, "open3ds/pan-hash/v1"), logKey: derive(master, "open3ds/log-fingerprint/v1"), keyID: keyIDOf(master), aead: aead}, nil
}

// derive is HMAC-SHA256(master, label): one-step key derivation from a
// uniformly random master key.
func derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte(label))
	return m.Sum(nil)
}

// GenerateMasterKey returns a new random master key.
func GenerateMasterKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("vault: generate key: %w", err)
	}
	return k, nil
}

// ParseMasterKey reads a master key written as 64 hex characters or as
// base64 (standard or URL alphabet) of 32 bytes, surrounding space ignored.
func ParseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if k, err := hex.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil && len(k) == KeySize {
			return k, nil
		}
	}
	return nil, ErrKeyParse
}

// HashPAN is the keyed hash of a PAN (HMAC-SHA256, hex): equal PANs give
// equal hashes, and without the master key the hash cannot be brute-forced
// over the small PAN space.
func (v *Vault) HashPAN(pan emv3ds.PAN) string {
	m := hmac.New(sha256.New, v.panKey)
	m.Write([]byte(pan.Reveal()))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal encrypts plaintext with AES-256-GCM; aad binds the ciphertext to its
// owner (e.g. the merchant ID) so it cannot be moved to another record.
// The result is nonce || ciphertext.
func (v *Vault) Seal(plaintext, aad []byte) ([]byte, error) {
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plaintext)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("vault: nonce: %w", err)
	}
	return v.aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal produced with the same aad.
func (v *Vault) Open(sealed, aad []byte) ([]byte, error) {
	n := v.aead.NonceSize()
	if len(sealed) < n+v.aead.Overhead() {
		return nil, ErrOpen
	}
	pt, err := v.aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// API keys look like "o3ds_" followed by 43 base62 characters (256 bits).
const (
	APIKeyPrefix    = "o3ds_"
	apiKeyBodyLen   = 43
	displayPrefixLn = len(APIKeyPrefix) + 6
	base62          = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// NewAPIKey returns a new random API key and its display prefix (the first
// characters, safe to show in listings). The key is shown once and only its
// hash is stored.
func NewAPIKey() (key, displayPrefix string, err error) {
	var b strings.Builder
	b.WriteString(APIKeyPrefix)
	max := big.NewInt(int64(len(base62)))
	for i := 0; i < apiKeyBodyLen; i++ {
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", "", fmt.Errorf("vault: generate api key: %w", err)
		}
		b.WriteByte(base62[n.Int64()])
	}
	key = b.String()
	return key, DisplayPrefix(key), nil
}

// DisplayPrefix is the part of a key shown in listings.
func DisplayPrefix(key string) string {
	if len(key) < displayPrefixLn {
		return ""
	}
	return key[:displayPrefixLn]
}

// HashAPIKey is the SHA-256 (hex) of an API key. Keys carry 256 random bits,
// so an unkeyed hash is enough and the authorizer needs no secret to check
// one.
func HashAPIKey(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}

// NewSecret returns a random secret of n bytes, base64url encoded (for
// webhook signing secrets).
func NewSecret(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("vault: generate secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Fingerprint is a short keyed fingerprint of a presented secret (a rejected
// API key) for log lines: the first 8 hex characters of HMAC-SHA256 under a
// key derived from the master key. Equal values give equal fingerprints, so
// an operator can tell one client's repeated mistake from many, while the
// line reveals nothing of the value itself (no prefix, no tail).
func (v *Vault) Fingerprint(value string) string {
	return Fingerprint(v.logKey, value)
}

// Fingerprint is Vault.Fingerprint under an explicit key.
func Fingerprint(key []byte, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))[:8]
}
