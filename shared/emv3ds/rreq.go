package emv3ds

import (
	"encoding/json"
	"log/slog"
)

// RReq is the Results Request (DS → 3DS Server) that carries the final
// outcome of a challenge or decoupled authentication. Version-shaped elements
// as in ARes.
type RReq struct {
	MessageType     MessageType     `json:"messageType,omitempty"`     // "RReq"
	MessageVersion  Version         `json:"messageVersion,omitempty"`  // the AReq's version
	MessageCategory MessageCategory `json:"messageCategory,omitempty"` // R

	ThreeDSServerTransID string `json:"threeDSServerTransID,omitempty"` // R UUID
	ACSTransID           string `json:"acsTransID,omitempty"`           // R UUID
	DSTransID            string `json:"dsTransID,omitempty"`            // R UUID
	SDKTransID           string `json:"sdkTransID,omitempty"`           // APP UUID

	TransStatus               TransStatus            `json:"transStatus,omitempty"`           // PA R: Y/N/U/A/R
	TransStatusReason         TransStatusReason      `json:"transStatusReason,omitempty"`     // PA R for N/U/R
	TransStatusReasonInfo     string                 `json:"transStatusReasonInfo,omitempty"` // 2.3.1 ≤256
	AuthenticationValue       AuthenticationValue    `json:"authenticationValue,omitempty"`   // PA R for Y/A
	ECI                       ECI                    `json:"eci,omitempty"`
	AuthenticationType        AuthenticationType     `json:"authenticationType,omitempty"`   // 2.1.0/2.2.0
	AuthenticationMethod      []AuthenticationMethod `json:"authenticationMethod,omitempty"` // 2.3.1
	InteractionCounter        string                 `json:"interactionCounter,omitempty"`   // 2 digits; R unless decoupled
	ChallengeCancel           ChallengeCancel        `json:"challengeCancel,omitempty"`
	ChallengeErrorReporting   string                 `json:"challengeErrorReporting,omitempty"` // 2.3.1
	ACSRenderingType          *ACSRenderingType      `json:"acsRenderingType,omitempty"`        // APP
	CardholderInfo            *CardholderInfo        `json:"cardholderInfo,omitempty"`
	TrustListStatus           string                 `json:"trustListStatus,omitempty"`
	TrustListStatusSource     string                 `json:"trustListStatusSource,omitempty"`
	DeviceBindingStatus       string                 `json:"deviceBindingStatus,omitempty"`       // 2.3.1
	DeviceBindingStatusSource string                 `json:"deviceBindingStatusSource,omitempty"` // 2.3.1
	WebAuthnCredList          json.RawMessage        `json:"webAuthnCredList,omitempty"`          // 2.3.1

	MessageExtension []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypeRReq.
func (RReq) Type() MessageType { return MessageTypeRReq }

// Version returns the messageVersion.
func (m RReq) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers and the outcome.
func (m RReq) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeRReq)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("dsTransID", m.DSTransID),
		slog.String("acsTransID", m.ACSTransID),
		slog.String("transStatus", string(m.TransStatus)),
		slog.String("transStatusReason", string(m.TransStatusReason)),
		slog.String("challengeCancel", string(m.ChallengeCancel)),
	)
}

// MarshalJSON writes the shape of m.MessageVersion.
func (m RReq) MarshalJSON() ([]byte, error) {
	type plain RReq
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

// UnmarshalJSON decodes leniently (see DecodeRReq).
func (m *RReq) UnmarshalJSON(data []byte) error {
	type plain RReq
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// RRes is the Results Response (3DS Server → DS) acknowledging an RReq.
type RRes struct {
	MessageType          MessageType        `json:"messageType,omitempty"`    // "RRes"
	MessageVersion       Version            `json:"messageVersion,omitempty"` // the RReq's version
	ThreeDSServerTransID string             `json:"threeDSServerTransID,omitempty"`
	ACSTransID           string             `json:"acsTransID,omitempty"`
	DSTransID            string             `json:"dsTransID,omitempty"`
	SDKTransID           string             `json:"sdkTransID,omitempty"`
	ResultsStatus        ResultsStatus      `json:"resultsStatus,omitempty"` // 01–03, 80–99
	MessageExtension     []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypeRRes.
func (RRes) Type() MessageType { return MessageTypeRRes }

// Version returns the messageVersion.
func (m RRes) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers.
func (m RRes) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeRRes)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("dsTransID", m.DSTransID),
		slog.String("resultsStatus", string(m.ResultsStatus)),
	)
}

// UnmarshalJSON decodes leniently (see DecodeRRes).
func (m *RRes) UnmarshalJSON(data []byte) error {
	type plain RRes
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// NewRRes acknowledges rreq with resultsStatus 01, echoing its IDs and version.
func NewRRes(rreq *RReq) RRes {
	return RRes{
		MessageType:          MessageTypeRRes,
		MessageVersion:       rreq.MessageVersion,
		ThreeDSServerTransID: rreq.ThreeDSServerTransID,
		ACSTransID:           rreq.ACSTransID,
		DSTransID:            rreq.DSTransID,
		SDKTransID:           rreq.SDKTransID,
		ResultsStatus:        ResultsStatusReceived,
	}
}
