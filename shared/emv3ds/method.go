package emv3ds

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
)

// ThreeDSMethodData is the JSON posted base64url-encoded as threeDSMethodData:
// to the ACS's 3DS Method URL (both elements) and back to the notification
// URL (threeDSServerTransID only).
type ThreeDSMethodData struct {
	ThreeDSServerTransID         string `json:"threeDSServerTransID,omitempty"`
	ThreeDSMethodNotificationURL string `json:"threeDSMethodNotificationURL,omitempty"`
}

// NewThreeDSMethodData builds the 3DS Method data for a transaction.
func NewThreeDSMethodData(transID, notificationURL string) ThreeDSMethodData {
	return ThreeDSMethodData{ThreeDSServerTransID: transID, ThreeDSMethodNotificationURL: notificationURL}
}

// Encode returns the form value: base64url JSON without padding.
func (d ThreeDSMethodData) Encode() string {
	b, _ := json.Marshal(d)
	return EncodeBase64URL(b)
}

// ParseThreeDSMethodData decodes a threeDSMethodData form value (base64url or
// standard base64, padding optional, names matched case-insensitively). It
// requires a well-formed threeDSServerTransID; the notification URL is
// optional because the ACS's notification carries only the ID.
func ParseThreeDSMethodData(encoded string) (ThreeDSMethodData, error) {
	var d ThreeDSMethodData
	raw, err := DecodeBase64URL(encoded)
	if err != nil {
		return d, invalidMessage("threeDSMethodData", "not base64url")
	}
	var st decodeState
	if err := unmarshalLenient(raw, &d, &st); err != nil {
		return d, err
	}
	v := newValidator(Version220, st)
	v.uuid("threeDSServerTransID", d.ThreeDSServerTransID, true)
	v.url("threeDSMethodNotificationURL", d.ThreeDSMethodNotificationURL, 256, false)
	return d, v.err()
}

// EncodeBase64URL is base64url without padding, as every EMV 3DS form value.
func EncodeBase64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// DecodeBase64URL accepts base64url or standard base64, with or without
// padding, ignoring surrounding whitespace.
func DecodeBase64URL(s string) ([]byte, error) {
	// A "+" of standard base64 posted unescaped in a form arrives as a space.
	s = strings.NewReplacer("\r", "", "\n", "", "\t", "").Replace(strings.TrimSpace(s))
	s = strings.TrimRight(s, "=")
	s = strings.NewReplacer("+", "-", " ", "-", "/", "_").Replace(s)
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.Join(ErrFormat, err)
	}
	return b, nil
}
