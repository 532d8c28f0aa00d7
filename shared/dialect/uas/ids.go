package uas

import (
	"crypto/sha1" //nolint:gosec // UUID version 5 is defined on SHA-1 (RFC 9562 §5.5); not a security use
	"fmt"
)

// namespace is this dialect's UUID namespace (a fixed random UUID).
var namespace = [16]byte{0x5b, 0x0e, 0x8a, 0x6c, 0x2f, 0x41, 0x4e, 0x1d, 0x9a, 0x77, 0x31, 0xc4, 0x0d, 0x52, 0xe6, 0x18}

// TransID is the threeDSServerTransID of the transaction a merchant's
// Hyperswitch authentication opens: the UUID version 5 of the merchant ID and
// the source_authentication_id. The same pair always names the same
// transaction, so post_authentication_sync (which carries only the
// authentication ID) reads it with one GetItem; another merchant's pair
// names another transaction.
func TransID(merchantID, sourceAuthenticationID string) string {
	h := sha1.New() //nolint:gosec
	h.Write(namespace[:])
	h.Write([]byte(merchantID))
	h.Write([]byte{0})
	h.Write([]byte(sourceAuthenticationID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// contextKey is the idempotency-store key under which the pre-authentication
// context of an authentication ID is kept.
func contextKey(sourceAuthenticationID string) string {
	return "uas-preauth:" + sourceAuthenticationID
}

// contextHash is the constant "request hash" of those records: every reader
// presents the same one, so a completed record is returned as it is.
const contextHash = "uas-preauth-context-v1"
