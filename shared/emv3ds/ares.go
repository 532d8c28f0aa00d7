package emv3ds

import (
	"encoding/json"
	"log/slog"
)

// ARes is the Authentication Response (DS → 3DS Server). Version-shaped
// elements: CardholderInfo is a string before 2.3.1 and an object from it;
// TrustListStatus(Source) is written as whiteListStatus(Source) in 2.2.0;
// AuthenticationType (2.1.0/2.2.0) and AuthenticationMethod (2.3.1) are
// separate fields because their value sets differ.
type ARes struct {
	MessageType    MessageType `json:"messageType,omitempty"`    // "ARes"
	MessageVersion Version     `json:"messageVersion,omitempty"` // the AReq's version

	ThreeDSServerTransID string `json:"threeDSServerTransID,omitempty"` // R UUID, the AReq's
	ACSTransID           string `json:"acsTransID,omitempty"`           // R UUID
	DSTransID            string `json:"dsTransID,omitempty"`            // R UUID
	SDKTransID           string `json:"sdkTransID,omitempty"`           // APP R UUID
	ACSReferenceNumber   string `json:"acsReferenceNumber,omitempty"`   // R ≤32
	ACSOperatorID        string `json:"acsOperatorID,omitempty"`        // O ≤32
	DSReferenceNumber    string `json:"dsReferenceNumber,omitempty"`    // R ≤32

	TransStatus           TransStatus            `json:"transStatus,omitempty"`           // PA R
	TransStatusReason     TransStatusReason      `json:"transStatusReason,omitempty"`     // PA R for N/U/R
	TransStatusReasonInfo string                 `json:"transStatusReasonInfo,omitempty"` // 2.3.1 ≤256
	AuthenticationValue   AuthenticationValue    `json:"authenticationValue,omitempty"`   // PA R for Y/A, 28 chars
	ECI                   ECI                    `json:"eci,omitempty"`                   // 2 chars
	ACSURL                string                 `json:"acsURL,omitempty"`                // BRW+C R URL ≤2048
	ACSChallengeMandated  string                 `json:"acsChallengeMandated,omitempty"`  // C/D R: Y/N
	ACSDecConInd          string                 `json:"acsDecConInd,omitempty"`          // D R: Y/N (2.2.0+)
	AuthenticationType    AuthenticationType     `json:"authenticationType,omitempty"`    // C/D R (2.1.0/2.2.0)
	AuthenticationMethod  []AuthenticationMethod `json:"authenticationMethod,omitempty"`  // 2.3.1
	ACSSignedContent      string                 `json:"acsSignedContent,omitempty"`      // APP+C R: JWS
	ACSRenderingType      *ACSRenderingType      `json:"acsRenderingType,omitempty"`      // APP+C R
	CardholderInfo        *CardholderInfo        `json:"cardholderInfo,omitempty"`        // R if acsDecConInd=Y
	BroadInfo             json.RawMessage        `json:"broadInfo,omitempty"`
	TrustListStatus       string                 `json:"trustListStatus,omitempty"`       // Y/N/E/P/R/U (whiteList in 2.2.0)
	TrustListStatusSource string                 `json:"trustListStatusSource,omitempty"` // 01–03, 80–99

	CardSecurityCodeStatus       string          `json:"cardSecurityCodeStatus,omitempty"`       // 2.3.1
	CardSecurityCodeStatusSource string          `json:"cardSecurityCodeStatusSource,omitempty"` // 2.3.1
	DeviceBindingStatus          string          `json:"deviceBindingStatus,omitempty"`          // 2.3.1
	DeviceBindingStatusSource    string          `json:"deviceBindingStatusSource,omitempty"`    // 2.3.1
	DeviceInfoRecognisedVersion  string          `json:"deviceInfoRecognisedVersion,omitempty"`  // 2.3.1
	SPCTransData                 json.RawMessage `json:"spcTransData,omitempty"`                 // 2.3.1
	ThreeDSRequestorAppURLInd    string          `json:"threeDSRequestorAppURLInd,omitempty"`    // 2.3.1
	TransChallengeExemption      string          `json:"transChallengeExemption,omitempty"`      // 2.3.1
	WebAuthnCredList             json.RawMessage `json:"webAuthnCredList,omitempty"`             // 2.3.1

	MessageExtension []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypeARes.
func (ARes) Type() MessageType { return MessageTypeARes }

// Version returns the messageVersion.
func (m ARes) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers and the outcome.
func (m ARes) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeARes)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("dsTransID", m.DSTransID),
		slog.String("acsTransID", m.ACSTransID),
		slog.String("transStatus", string(m.TransStatus)),
		slog.String("transStatusReason", string(m.TransStatusReason)),
	)
}

// MarshalJSON writes the shape of m.MessageVersion.
func (m ARes) MarshalJSON() ([]byte, error) {
	type plain ARes
	if m.MessageVersion.AtLeast(Version231) {
		return json.Marshal(plain(m))
	}
	o := shapeOld(m.CardholderInfo, m.TrustListStatus, m.TrustListStatusSource)
	return json.Marshal(struct {
		plain
		CardholderInfo        string `json:"cardholderInfo,omitempty"`
		TrustListStatus       string `json:"trustListStatus,omitempty"`
		TrustListStatusSource string `json:"trustListStatusSource,omitempty"`
		WhiteListStatus       string `json:"whiteListStatus,omitempty"`
		WhiteListStatusSource string `json:"whiteListStatusSource,omitempty"`
	}{plain: plain(m), CardholderInfo: o.CardholderInfo, WhiteListStatus: o.WhiteListStatus, WhiteListStatusSource: o.WhiteListStatusSource})
}

// UnmarshalJSON decodes leniently (see DecodeARes).
func (m *ARes) UnmarshalJSON(data []byte) error {
	type plain ARes
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// shapedOld holds the pre-2.3.1 shapes of cardholderInfo and the trust list
// elements. MarshalJSON puts them at depth 0 of an anonymous struct that
// embeds the plain message, so they hide the 2.3.1 fields of the same name.
type shapedOld struct {
	CardholderInfo        string
	WhiteListStatus       string
	WhiteListStatusSource string
}

func shapeOld(ci *CardholderInfo, tl, tls string) shapedOld {
	s := shapedOld{WhiteListStatus: tl, WhiteListStatusSource: tls}
	if ci != nil {
		s.CardholderInfo = ci.Text
	}
	return s
}
