package emv3ds

import (
	"encoding/json"
	"log/slog"
)

// AReq is the Authentication Request (3DS Server → DS). Fields are listed by
// spec element name; the comment gives the format and when it applies
// (APP = deviceChannel 01, BRW = 02, 3RI = 03; PA/NPA = messageCategory 01/02).
//
// Version-shaped elements are held in their 2.3.1 (array) form and written in
// the shape of MessageVersion: threeDSRequestorChallengeInd and the
// (prior) authentication info are scalars/objects before 2.3.1, and
// TrustListStatus(Source) is written as whiteListStatus(Source) in 2.2.0.
type AReq struct {
	MessageType     MessageType     `json:"messageType,omitempty"`     // "AReq"
	MessageVersion  Version         `json:"messageVersion,omitempty"`  // R
	MessageCategory MessageCategory `json:"messageCategory,omitempty"` // R: 01 PA, 02 NPA, 80–99 DS
	DeviceChannel   DeviceChannel   `json:"deviceChannel,omitempty"`   // R: 01 APP, 02 BRW, 03 3RI

	ThreeDSCompInd                          ThreeDSCompInd            `json:"threeDSCompInd,omitempty"`                    // BRW R: Y/N/U
	ThreeDSRequestorAuthenticationInd       AuthenticationInd         `json:"threeDSRequestorAuthenticationInd,omitempty"` // APP/BRW R
	ThreeDSRequestorAuthenticationInfo      []AuthenticationInfo      `json:"threeDSRequestorAuthenticationInfo,omitempty"`
	ThreeDSRequestorChallengeInd            []ChallengeInd            `json:"threeDSRequestorChallengeInd,omitempty"`
	ThreeDSRequestorDecMaxTime              string                    `json:"threeDSRequestorDecMaxTime,omitempty"` // 2.2.0+: 5 digits 00001–10080
	ThreeDSRequestorDecReqInd               DecReqInd                 `json:"threeDSRequestorDecReqInd,omitempty"`  // 2.2.0+
	ThreeDSRequestorID                      string                    `json:"threeDSRequestorID,omitempty"`         // R ≤35
	ThreeDSRequestorName                    string                    `json:"threeDSRequestorName,omitempty"`       // R ≤40
	ThreeDSRequestorPriorAuthenticationInfo []PriorAuthenticationInfo `json:"threeDSRequestorPriorAuthenticationInfo,omitempty"`
	ThreeDSRequestorURL                     string                    `json:"threeDSRequestorURL,omitempty"`        // R URL ≤2048
	ThreeDSRequestorSpcSupport              string                    `json:"threeDSRequestorSpcSupport,omitempty"` // 2.3.1: Y
	ThreeDSReqAuthMethodInd                 string                    `json:"threeDSReqAuthMethodInd,omitempty"`    // 2.2.0: 01–03
	ThreeDSServerRefNumber                  string                    `json:"threeDSServerRefNumber,omitempty"`     // R ≤32
	ThreeDSServerOperatorID                 string                    `json:"threeDSServerOperatorID,omitempty"`    // C ≤32
	ThreeDSServerTransID                    string                    `json:"threeDSServerTransID,omitempty"`       // R UUID
	ThreeDSServerURL                        string                    `json:"threeDSServerURL,omitempty"`           // R URL ≤2048
	ThreeDSMethodID                         string                    `json:"threeDSMethodId,omitempty"`            // 2.3.1 ≤36
	ThreeRIInd                              ThreeRIInd                `json:"threeRIInd,omitempty"`                 // 3RI R
	SpcIncompInd                            string                    `json:"spcIncompInd,omitempty"`               // 2.3.1: 01–03

	AcctType                  string          `json:"acctType,omitempty"`                  // 01–03, 80–99
	AcquirerBIN               string          `json:"acquirerBIN,omitempty"`               // PA R ≤11
	AcquirerMerchantID        string          `json:"acquirerMerchantID,omitempty"`        // PA R ≤35
	AcquirerCountryCode       string          `json:"acquirerCountryCode,omitempty"`       // 2.3.1 ISO 3166-1 numeric
	AcquirerCountryCodeSource string          `json:"acquirerCountryCodeSource,omitempty"` // 2.3.1
	AddrMatch                 string          `json:"addrMatch,omitempty"`                 // Y/N
	BroadInfo                 json.RawMessage `json:"broadInfo,omitempty"`
	BillAddrCity              string          `json:"billAddrCity,omitempty"`     // ≤50
	BillAddrCountry           string          `json:"billAddrCountry,omitempty"`  // ISO 3166-1 numeric; C if billAddrState
	BillAddrLine1             string          `json:"billAddrLine1,omitempty"`    // ≤50
	BillAddrLine2             string          `json:"billAddrLine2,omitempty"`    // ≤50
	BillAddrLine3             string          `json:"billAddrLine3,omitempty"`    // ≤50
	BillAddrPostCode          string          `json:"billAddrPostCode,omitempty"` // ≤16
	BillAddrState             string          `json:"billAddrState,omitempty"`    // ≤3
	Email                     string          `json:"email,omitempty"`            // ≤254
	HomePhone                 *Phone          `json:"homePhone,omitempty"`
	MobilePhone               *Phone          `json:"mobilePhone,omitempty"`
	WorkPhone                 *Phone          `json:"workPhone,omitempty"`
	CardholderName            string          `json:"cardholderName,omitempty"` // 2–45
	ShipAddrCity              string          `json:"shipAddrCity,omitempty"`
	ShipAddrCountry           string          `json:"shipAddrCountry,omitempty"`
	ShipAddrLine1             string          `json:"shipAddrLine1,omitempty"`
	ShipAddrLine2             string          `json:"shipAddrLine2,omitempty"`
	ShipAddrLine3             string          `json:"shipAddrLine3,omitempty"`
	ShipAddrPostCode          string          `json:"shipAddrPostCode,omitempty"`
	ShipAddrState             string          `json:"shipAddrState,omitempty"`

	// Browser (BRW).
	BrowserAcceptHeader      string   `json:"browserAcceptHeader,omitempty"`      // R ≤2048
	BrowserIP                string   `json:"browserIP,omitempty"`                // C IPv4/IPv6 ≤45
	BrowserJavaEnabled       *bool    `json:"browserJavaEnabled,omitempty"`       // 2.1.0 R; later C: JS enabled
	BrowserJavascriptEnabled *bool    `json:"browserJavascriptEnabled,omitempty"` // 2.2.0+ R
	BrowserLanguage          string   `json:"browserLanguage,omitempty"`          // 1–8 (2.3.1: 1–35), C: JS in 2.3.1
	BrowserColorDepth        string   `json:"browserColorDepth,omitempty"`        // 1,4,8,15,16,24,30,32,48
	BrowserScreenHeight      string   `json:"browserScreenHeight,omitempty"`      // 1–6 digits
	BrowserScreenWidth       string   `json:"browserScreenWidth,omitempty"`       // 1–6 digits
	BrowserTZ                string   `json:"browserTZ,omitempty"`                // ±1–4 digits, minutes
	BrowserUserAgent         string   `json:"browserUserAgent,omitempty"`         // R ≤2048
	AcceptLanguage           []string `json:"acceptLanguage,omitempty"`           // 2.3.1
	NotificationURL          string   `json:"notificationURL,omitempty"`          // BRW R URL ≤256

	CardExpiryDate            string                 `json:"cardExpiryDate,omitempty"`   // YYMM
	CardSecurityCode          string                 `json:"cardSecurityCode,omitempty"` // 2.3.1, 3–4 digits
	AcctInfo                  *AcctInfo              `json:"acctInfo,omitempty"`
	AcctNumber                PAN                    `json:"acctNumber,omitempty"`          // R 13–19 digits
	AcctID                    string                 `json:"acctID,omitempty"`              // ≤64
	DeviceBindingStatus       string                 `json:"deviceBindingStatus,omitempty"` // 2.3.1
	DeviceBindingStatusSource string                 `json:"deviceBindingStatusSource,omitempty"`
	DeviceID                  string                 `json:"deviceId,omitempty"`            // 2.3.1
	UserID                    string                 `json:"userId,omitempty"`              // 2.3.1
	DeviceRenderOptions       *DeviceRenderOptions   `json:"deviceRenderOptions,omitempty"` // APP R
	DeviceInfo                string                 `json:"deviceInfo,omitempty"`          // DS-added (APP)
	DSReferenceNumber         string                 `json:"dsReferenceNumber,omitempty"`   // DS-added
	DSTransID                 string                 `json:"dsTransID,omitempty"`           // DS-added
	DSURL                     string                 `json:"dsURL,omitempty"`               // DS-added
	PayTokenInd               *bool                  `json:"payTokenInd,omitempty"`
	PayTokenSource            string                 `json:"payTokenSource,omitempty"`      // 2.2.0+: 01/02
	PurchaseInstalData        string                 `json:"purchaseInstalData,omitempty"`  // 2–999
	MCC                       string                 `json:"mcc,omitempty"`                 // PA R 4 digits
	MerchantCountryCode       string                 `json:"merchantCountryCode,omitempty"` // PA R ISO 3166-1
	MerchantName              string                 `json:"merchantName,omitempty"`        // PA R ≤40
	MerchantRiskIndicator     *MerchantRiskIndicator `json:"merchantRiskIndicator,omitempty"`
	MessageExtension          []MessageExtension     `json:"messageExtension,omitempty"`
	PurchaseAmount            string                 `json:"purchaseAmount,omitempty"`   // PA R ≤48 digits
	PurchaseCurrency          string                 `json:"purchaseCurrency,omitempty"` // PA R ISO 4217 numeric
	PurchaseExponent          string                 `json:"purchaseExponent,omitempty"` // PA R 1 digit
	PurchaseDate              string                 `json:"purchaseDate,omitempty"`     // PA R YYYYMMDDHHMMSS
	RecurringAmount           string                 `json:"recurringAmount,omitempty"`  // 2.3.1
	RecurringCurrency         string                 `json:"recurringCurrency,omitempty"`
	RecurringDate             string                 `json:"recurringDate,omitempty"` // 2.3.1 YYYYMMDD
	RecurringExponent         string                 `json:"recurringExponent,omitempty"`
	RecurringExpiry           string                 `json:"recurringExpiry,omitempty"`        // YYYYMMDD
	RecurringFrequency        string                 `json:"recurringFrequency,omitempty"`     // ≤4 digits
	RecurringInd              *RecurringInd          `json:"recurringInd,omitempty"`           // 2.3.1
	SDKAppID                  string                 `json:"sdkAppID,omitempty"`               // APP R UUID
	SDKEncData                string                 `json:"sdkEncData,omitempty"`             // APP R JWE ≤64000
	SDKEphemPubKey            json.RawMessage        `json:"sdkEphemPubKey,omitempty"`         // APP R JWK object
	SDKMaxTimeout             string                 `json:"sdkMaxTimeout,omitempty"`          // APP R 2 digits ≥05
	SDKReferenceNumber        string                 `json:"sdkReferenceNumber,omitempty"`     // APP R ≤32
	SDKTransID                string                 `json:"sdkTransID,omitempty"`             // APP R UUID
	SDKType                   string                 `json:"sdkType,omitempty"`                // 2.3.1
	DefaultSDKType            json.RawMessage        `json:"defaultSdkType,omitempty"`         // 2.3.1
	SplitSDKType              json.RawMessage        `json:"splitSdkType,omitempty"`           // 2.3.1
	SDKServerSignedContent    string                 `json:"sdkServerSignedContent,omitempty"` // 2.3.1
	SDKSignatureTimestamp     string                 `json:"sdkSignatureTimestamp,omitempty"`  // 2.3.1
	AppIP                     string                 `json:"appIp,omitempty"`                  // 2.3.1
	SellerInfo                json.RawMessage        `json:"sellerInfo,omitempty"`             // 2.3.1
	TaxID                     string                 `json:"taxId,omitempty"`                  // 2.3.1
	PayeeOrigin               string                 `json:"payeeOrigin,omitempty"`            // 2.3.1
	MultiTransaction          json.RawMessage        `json:"multiTransaction,omitempty"`       // 2.3.1
	TransType                 string                 `json:"transType,omitempty"`              // 01, 03, 10, 11, 28
	TrustListStatus           string                 `json:"trustListStatus,omitempty"`        // Y/N (whiteListStatus in 2.2.0)
	TrustListStatusSource     string                 `json:"trustListStatusSource,omitempty"`  // 01–03

	decoded decodeState
}

// Type returns MessageTypeAReq.
func (AReq) Type() MessageType { return MessageTypeAReq }

// Version returns the messageVersion.
func (m AReq) Version() Version { return m.MessageVersion }

// ChallengeInd returns the first (main) challenge indicator, or "".
func (m AReq) ChallengeInd() ChallengeInd {
	if len(m.ThreeDSRequestorChallengeInd) == 0 {
		return ""
	}
	return m.ThreeDSRequestorChallengeInd[0]
}

// LogValue logs only the safe identifiers.
func (m AReq) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("messageType", string(MessageTypeAReq)),
		slog.String("messageVersion", string(m.MessageVersion)),
		slog.String("threeDSServerTransID", m.ThreeDSServerTransID),
		slog.String("deviceChannel", string(m.DeviceChannel)),
		slog.String("messageCategory", string(m.MessageCategory)),
	)
}

// MarshalJSON writes the shape of m.MessageVersion.
func (m AReq) MarshalJSON() ([]byte, error) {
	type plain AReq
	if m.MessageVersion.AtLeast(Version231) {
		return json.Marshal(plain(m))
	}
	w := struct {
		plain
		ChallengeInd          ChallengeInd             `json:"threeDSRequestorChallengeInd,omitempty"`
		AuthInfo              *AuthenticationInfo      `json:"threeDSRequestorAuthenticationInfo,omitempty"`
		PriorAuthInfo         *PriorAuthenticationInfo `json:"threeDSRequestorPriorAuthenticationInfo,omitempty"`
		TrustListStatus       string                   `json:"trustListStatus,omitempty"`
		TrustListStatusSource string                   `json:"trustListStatusSource,omitempty"`
		WhiteListStatus       string                   `json:"whiteListStatus,omitempty"`
		WhiteListStatusSource string                   `json:"whiteListStatusSource,omitempty"`
	}{plain: plain(m), ChallengeInd: m.ChallengeInd(), WhiteListStatus: m.TrustListStatus, WhiteListStatusSource: m.TrustListStatusSource}
	if len(m.ThreeDSRequestorAuthenticationInfo) > 0 {
		w.AuthInfo = &m.ThreeDSRequestorAuthenticationInfo[0]
	}
	if len(m.ThreeDSRequestorPriorAuthenticationInfo) > 0 {
		w.PriorAuthInfo = &m.ThreeDSRequestorPriorAuthenticationInfo[0]
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes leniently (see DecodeAReq); problems found on the way
// are kept and reported by Validate.
func (m *AReq) UnmarshalJSON(data []byte) error {
	type plain AReq
	return unmarshalLenient(data, (*plain)(m), &m.decoded)
}
