package emv3ds

import (
	"encoding/json"
	"log/slog"
)

// CReq is the Challenge Request. The browser CReq (posted base64url-encoded as
// the creq form field) carries only the IDs, the window size and the version;
// the app elements (sdkTransID, sdkCounterStoA, challenge data entry …) are
// here for the SDK ↔ ACS exchange the simulator plays.
type CReq struct {
	MessageType          MessageType         `json:"messageType,omitempty"`    // "CReq"
	MessageVersion       Version             `json:"messageVersion,omitempty"` // the AReq's
	ThreeDSServerTransID string              `json:"threeDSServerTransID,omitempty"`
	ACSTransID           string              `json:"acsTransID,omitempty"`
	ChallengeWindowSize  ChallengeWindowSize `json:"challengeWindowSize,omitempty"` // BRW R 01–05

	SDKTransID             string `json:"sdkTransID,omitempty"`             // APP
	SDKCounterStoA         string `json:"sdkCounterStoA,omitempty"`         // APP 3 digits
	ChallengeCancel        string `json:"challengeCancel,omitempty"`        // APP
	ChallengeDataEntry     string `json:"challengeDataEntry,omitempty"`     // APP ≤45
	ChallengeHTMLDataEntry string `json:"challengeHTMLDataEntry,omitempty"` // APP ≤256
	ChallengeNoEntry       string `json:"challengeNoEntry,omitempty"`       // APP Y
	OOBContinue            *bool  `json:"oobContinue,omitempty"`            // APP
	ResendChallenge        string `json:"resendChallenge,omitempty"`        // APP Y/N
	WhitelistingDataEntry  string `json:"whitelistingDataEntry,omitempty"`  // APP 2.2.0 Y/N

	MessageExtension []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypeCReq.
func (CReq) Type() MessageType { return MessageTypeCReq }

// Version returns the messageVersion.
func (m CReq) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers.
func (m CReq) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeCReq)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("acsTransID", m.ACSTransID),
	)
}

// UnmarshalJSON decodes leniently (see DecodeCReq).
func (m *CReq) UnmarshalJSON(data []byte) error {
	type plain CReq
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// NewCReq builds the browser CReq for a challenge.
func NewCReq(threeDSServerTransID, acsTransID string, version Version, windowSize ChallengeWindowSize) CReq {
	return CReq{
		MessageType:          MessageTypeCReq,
		MessageVersion:       version,
		ThreeDSServerTransID: threeDSServerTransID,
		ACSTransID:           acsTransID,
		ChallengeWindowSize:  windowSize,
	}
}

// Encode returns the creq form value: base64url JSON without padding.
func (m CReq) Encode() string {
	b, _ := json.Marshal(m) // a CReq always marshals: strings, bools and raw JSON only
	return EncodeBase64URL(b)
}

// ParseCReq decodes a creq form value (base64url, padding optional).
func ParseCReq(encoded string) (*CReq, error) {
	raw, err := DecodeBase64URL(encoded)
	if err != nil {
		return nil, invalidMessage("creq", "not base64url")
	}
	return DecodeCReq(raw)
}

// CRes is the Challenge Response. The browser's final CRes (posted as cres to
// notificationURL) carries the IDs, transStatus and maybe
// challengeCompletionInd; the other elements belong to the app exchange.
// The CRes is not authoritative: the result comes from the RReq.
type CRes struct {
	MessageType            MessageType `json:"messageType,omitempty"`    // "CRes"
	MessageVersion         Version     `json:"messageVersion,omitempty"` // the CReq's
	ThreeDSServerTransID   string      `json:"threeDSServerTransID,omitempty"`
	ACSTransID             string      `json:"acsTransID,omitempty"`
	SDKTransID             string      `json:"sdkTransID,omitempty"`             // APP
	ChallengeCompletionInd string      `json:"challengeCompletionInd,omitempty"` // Y/N
	TransStatus            TransStatus `json:"transStatus,omitempty"`            // final: Y/N

	ACSCounterAtoS             string          `json:"acsCounterAtoS,omitempty"` // APP
	ACSUIType                  string          `json:"acsUiType,omitempty"`      // APP 01–05
	ACSHTML                    string          `json:"acsHTML,omitempty"`        // APP
	ACSHTMLRefresh             string          `json:"acsHTMLRefresh,omitempty"`
	ChallengeAddInfo           string          `json:"challengeAddInfo,omitempty"`
	ChallengeInfoHeader        string          `json:"challengeInfoHeader,omitempty"`
	ChallengeInfoLabel         string          `json:"challengeInfoLabel,omitempty"`
	ChallengeInfoText          string          `json:"challengeInfoText,omitempty"`
	ChallengeInfoTextIndicator string          `json:"challengeInfoTextIndicator,omitempty"`
	ChallengeSelectInfo        json.RawMessage `json:"challengeSelectInfo,omitempty"`
	ExpandInfoLabel            string          `json:"expandInfoLabel,omitempty"`
	ExpandInfoText             string          `json:"expandInfoText,omitempty"`
	IssuerImage                json.RawMessage `json:"issuerImage,omitempty"`
	OOBAppURL                  string          `json:"oobAppURL,omitempty"`
	OOBAppLabel                string          `json:"oobAppLabel,omitempty"`
	OOBContinueLabel           string          `json:"oobContinueLabel,omitempty"`
	PSImage                    json.RawMessage `json:"psImage,omitempty"`
	ResendInformationLabel     string          `json:"resendInformationLabel,omitempty"`
	SubmitAuthenticationLabel  string          `json:"submitAuthenticationLabel,omitempty"`
	WhyInfoLabel               string          `json:"whyInfoLabel,omitempty"`
	WhyInfoText                string          `json:"whyInfoText,omitempty"`

	MessageExtension []MessageExtension `json:"messageExtension,omitempty"`

	decoded decodeState
}

// Type returns MessageTypeCRes.
func (CRes) Type() MessageType { return MessageTypeCRes }

// Version returns the messageVersion.
func (m CRes) Version() Version { return m.MessageVersion }

// LogValue logs only the safe identifiers.
func (m CRes) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeCRes)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("acsTransID", m.ACSTransID),
		slog.String("transStatus", string(m.TransStatus)),
	)
}

// UnmarshalJSON decodes leniently (see DecodeCRes).
func (m *CRes) UnmarshalJSON(data []byte) error {
	type plain CRes
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}

// Encode returns the cres form value: base64url JSON without padding.
func (m CRes) Encode() string {
	b, _ := json.Marshal(m)
	return EncodeBase64URL(b)
}

// ParseCRes decodes the cres form value posted to notificationURL. The ACS may
// post an Erro instead of a CRes: then the Erro is returned and the CRes is
// nil. err is non-nil when the value is not base64url JSON of a CRes or Erro
// (a *ValidationError with code 101) or the CRes/Erro is malformed (its
// decoding problems, 202/203/204); Validate the CRes for the full rules.
func ParseCRes(encoded string) (*CRes, *Erro, error) {
	raw, err := DecodeBase64URL(encoded)
	if err != nil {
		return nil, nil, invalidMessage("cres", "not base64url")
	}
	var h header
	if err := unmarshalLenient(raw, &h, new(decodeState)); err != nil {
		return nil, nil, err
	}
	switch h.MessageType {
	case MessageTypeErro:
		e, err := DecodeErro(raw)
		return nil, e, err
	case MessageTypeCRes:
		c, err := DecodeCRes(raw)
		return c, nil, err
	}
	return nil, nil, invalidMessage("messageType", "not CRes or Erro")
}
