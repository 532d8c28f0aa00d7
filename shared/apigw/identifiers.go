package apigw

import "github.com/open3ds/server/shared/emv3ds"

// EchoableTransID is the threeDSServerTransID an Erro body or a log line may
// repeat: the client's value only when it is a well-formed UUID, otherwise
// nothing (an over-long or odd value is client text, and is never echoed).
func EchoableTransID(id string) string {
	if emv3ds.IsUUID(id) {
		return id
	}
	return ""
}

// echoable returns about with only well-formed identifiers left in it.
func (a About) echoable() About {
	a.ThreeDSServerTransID = EchoableTransID(a.ThreeDSServerTransID)
	return a
}

// MaxIdempotencyKeyLen bounds an Idempotency-Key.
const MaxIdempotencyKeyLen = 255

// CheckIdempotencyKey is the rule an Idempotency-Key passes before the
// idempotency store sees it: 1 to 255 printable ASCII characters (space to
// tilde). Anything else is ErrIdempotencyKeySize (400 naming the header).
func CheckIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return ErrIdempotencyKeySize
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] > 0x7e {
			return ErrIdempotencyKeySize
		}
	}
	return nil
}
