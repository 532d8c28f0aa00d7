package emv3ds

import "log/slog"

// PReq is the Preparation Request (3DS Server → DS) asking for card ranges.
type PReq struct {
	MessageType             MessageType        `json:"messageType,omitempty"`             // "PReq"
	MessageVersion          Version            `json:"messageVersion,omitempty"`          // R
	ThreeDSServerRefNumber  string             `json:"threeDSServerRefNumber,omitempty"`  // R ≤32
	ThreeDSServerOperatorID string             `json:"threeDSServerOperatorID,omitempty"` // C ≤32
	ThreeDSServerTransID    string             `json:"threeDSServerTransID,omitempty"`    // R UUID
	SerialNum               string             `json:"serialNum,omitempty"`               // O ≤20: changes since
	MessageExtension        []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypePReq.
func (PReq) Type() MessageType { return MessageTypePReq }

// Version returns the messageVersion.
func (m PReq) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers.
func (m PReq) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypePReq)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("serialNum", m.SerialNum),
	)
}

// UnmarshalJSON decodes leniently (see DecodePReq).
func (m *PReq) UnmarshalJSON(data []byte) error {
	type plain PReq
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// PRes is the Preparation Response (DS → 3DS Server): the DS's card ranges.
// 2.1.0/2.2.0 ranges carry acs/ds start/end versions; 2.3.1 ranges carry
// acsProtocolVersions and the message dsProtocolVersions. Both shapes are
// fields here.
type PRes struct {
	MessageType            MessageType        `json:"messageType,omitempty"`    // "PRes"
	MessageVersion         Version            `json:"messageVersion,omitempty"` // R
	ThreeDSServerTransID   string             `json:"threeDSServerTransID,omitempty"`
	DSTransID              string             `json:"dsTransID,omitempty"`
	SerialNum              string             `json:"serialNum,omitempty"`
	DSStartProtocolVersion Version            `json:"dsStartProtocolVersion,omitempty"` // 2.1.0/2.2.0
	DSEndProtocolVersion   Version            `json:"dsEndProtocolVersion,omitempty"`   // 2.1.0/2.2.0
	DSProtocolVersions     []Version          `json:"dsProtocolVersions,omitempty"`     // 2.3.1
	CardRangeData          []CardRangeData    `json:"cardRangeData,omitempty"`
	MessageExtension       []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// CardRangeData is one entry of PRes cardRangeData.
type CardRangeData struct {
	StartRange              string               `json:"startRange,omitempty"` // 13–19 digits
	EndRange                string               `json:"endRange,omitempty"`   // same length as startRange
	ActionInd               ActionInd            `json:"actionInd,omitempty"`  // A/D/M, absent = A
	ACSStartProtocolVersion Version              `json:"acsStartProtocolVersion,omitempty"`
	ACSEndProtocolVersion   Version              `json:"acsEndProtocolVersion,omitempty"`
	DSStartProtocolVersion  Version              `json:"dsStartProtocolVersion,omitempty"`
	DSEndProtocolVersion    Version              `json:"dsEndProtocolVersion,omitempty"`
	ThreeDSMethodURL        string               `json:"threeDSMethodURL,omitempty"`    // ≤256
	ACSInfoInd              []ACSInfoInd         `json:"acsInfoInd,omitempty"`          // 2.2.0
	ACSProtocolVersions     []ACSProtocolVersion `json:"acsProtocolVersions,omitempty"` // 2.3.1
	DSProtocolVersions      []Version            `json:"dsProtocolVersions,omitempty"`  // 2.3.1 (per range)
}

// Action returns actionInd, treating absent as Add.
func (c CardRangeData) Action() ActionInd {
	if c.ActionInd == "" {
		return ActionIndAdd
	}
	return c.ActionInd
}

// Type returns MessageTypePRes.
func (PRes) Type() MessageType { return MessageTypePRes }

// Version returns the messageVersion.
func (m PRes) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers.
func (m PRes) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypePRes)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("dsTransID", m.DSTransID),
		slog.String("serialNum", m.SerialNum),
		slog.Int("cardRanges", len(m.CardRangeData)),
	)
}

// UnmarshalJSON decodes leniently (see DecodePRes).
func (m *PRes) UnmarshalJSON(data []byte) error {
	type plain PRes
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}
