package threeds

import (
	"strconv"

	"github.com/open3ds/server/shared/emv3ds"
)

// IdentifierFormat is the shape an identifier from outside must have before
// it may reach a store: a transaction ID is a UUID; a later dialect's
// reference (an order code, a session reference) is a bounded run of
// visible ASCII. Checking the format first keeps an over-long or odd value
// from ever becoming a DynamoDB key (which refuses keys over 2,048 bytes
// with a server error) and answers the client a 4xx naming the field.
type IdentifierFormat struct {
	// Rule is the wording of the format in an error ("UUID, 36 characters").
	Rule  string
	Valid func(string) bool
}

// UUIDFormat is the format of every EMV transaction ID.
var UUIDFormat = IdentifierFormat{Rule: "must be a UUID of 36 characters", Valid: emv3ds.IsUUID}

// ReferenceFormat is a reference of min to max visible ASCII characters
// (0x21–0x7E), for dialects whose identifiers are not UUIDs.
func ReferenceFormat(min, max int) IdentifierFormat {
	return IdentifierFormat{
		Rule: "must be " + strconv.Itoa(min) + " to " + strconv.Itoa(max) + " visible ASCII characters",
		Valid: func(s string) bool {
			if len(s) < min || len(s) > max {
				return false
			}
			for i := 0; i < len(s); i++ {
				if s[i] < 0x21 || s[i] > 0x7e {
					return false
				}
			}
			return true
		},
	}
}

// CheckIdentifier is the rule every identifier from a client, a browser or
// a DS passes before any store access: empty is a 201 naming field, any
// other value outside f a 203 naming field (never echoing the value).
func CheckIdentifier(field, value string, f IdentifierFormat) error {
	if value == "" {
		return fieldError(field, "is required", emv3ds.ErrorCodeRequiredMissing, emv3ds.ErrMissing)
	}
	if !f.Valid(value) {
		return fieldError(field, f.Rule, emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	return nil
}

// CheckTransID checks a threeDSServerTransID (or any EMV transaction ID
// named field) before a store sees it.
func CheckTransID(field, id string) error { return CheckIdentifier(field, id, UUIDFormat) }

// checkOptionalTransID is CheckTransID for an element that may be absent
// (an AReq without a preauth).
func checkOptionalTransID(field, id string) error {
	if id == "" {
		return nil
	}
	return CheckTransID(field, id)
}
