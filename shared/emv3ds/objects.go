package emv3ds

import "encoding/json"

// MessageExtension is one entry of the messageExtension array. Data is kept
// as raw JSON and passed through unchanged.
type MessageExtension struct {
	Name                 string          `json:"name,omitempty"`                 // ≤64
	ID                   string          `json:"id,omitempty"`                   // ≤64, RID-prefixed
	CriticalityIndicator *bool           `json:"criticalityIndicator,omitempty"` // required
	Data                 json.RawMessage `json:"data,omitempty"`                 // JSON, ≤8059 characters
}

// Critical reports whether the extension is marked critical.
func (e MessageExtension) Critical() bool {
	return e.CriticalityIndicator != nil && *e.CriticalityIndicator
}

// RecognisedExtensions are the extension IDs this server understands. A
// critical extension whose id is not listed makes a message fail with 202.
// It is empty: the server implements no extension.
var RecognisedExtensions = map[string]bool{}

// Phone is homePhone, mobilePhone or workPhone.
type Phone struct {
	CC         string `json:"cc,omitempty"`         // 1–3 digits
	Subscriber string `json:"subscriber,omitempty"` // ≤15 digits
}

// AcctInfo is the acctInfo object (cardholder account information).
type AcctInfo struct {
	ChAccAgeInd           string `json:"chAccAgeInd,omitempty"`           // 01–05
	ChAccChange           string `json:"chAccChange,omitempty"`           // YYYYMMDD
	ChAccChangeInd        string `json:"chAccChangeInd,omitempty"`        // 01–04
	ChAccDate             string `json:"chAccDate,omitempty"`             // YYYYMMDD
	ChAccPwChange         string `json:"chAccPwChange,omitempty"`         // YYYYMMDD
	ChAccPwChangeInd      string `json:"chAccPwChangeInd,omitempty"`      // 01–05
	ChAccReqID            string `json:"chAccReqID,omitempty"`            // 2.3.1, ≤64
	NbPurchaseAccount     string `json:"nbPurchaseAccount,omitempty"`     // ≤4 digits
	ProvisionAttemptsDay  string `json:"provisionAttemptsDay,omitempty"`  // ≤3 digits
	TxnActivityDay        string `json:"txnActivityDay,omitempty"`        // ≤3 digits
	TxnActivityYear       string `json:"txnActivityYear,omitempty"`       // ≤3 digits
	PaymentAccAge         string `json:"paymentAccAge,omitempty"`         // YYYYMMDD
	PaymentAccInd         string `json:"paymentAccInd,omitempty"`         // 01–05
	ShipAddressUsage      string `json:"shipAddressUsage,omitempty"`      // YYYYMMDD
	ShipAddressUsageInd   string `json:"shipAddressUsageInd,omitempty"`   // 01–04
	ShipNameIndicator     string `json:"shipNameIndicator,omitempty"`     // 01–02
	SuspiciousAccActivity string `json:"suspiciousAccActivity,omitempty"` // 01–02
}

// MerchantRiskIndicator is the merchantRiskIndicator object.
type MerchantRiskIndicator struct {
	DeliveryEmailAddress string `json:"deliveryEmailAddress,omitempty"` // ≤254
	DeliveryTimeframe    string `json:"deliveryTimeframe,omitempty"`    // 01–04
	GiftCardAmount       string `json:"giftCardAmount,omitempty"`       // ≤15 digits
	GiftCardCount        string `json:"giftCardCount,omitempty"`        // 2 digits
	GiftCardCurr         string `json:"giftCardCurr,omitempty"`         // ISO 4217
	PreOrderDate         string `json:"preOrderDate,omitempty"`         // YYYYMMDD
	PreOrderPurchaseInd  string `json:"preOrderPurchaseInd,omitempty"`  // 01–02
	ReorderItemsInd      string `json:"reorderItemsInd,omitempty"`      // 01–02
	ShipIndicator        string `json:"shipIndicator,omitempty"`        // 01–07
	TransChar            string `json:"transChar,omitempty"`            // 2.3.1
}

// DeviceRenderOptions is the deviceRenderOptions object of an app AReq.
type DeviceRenderOptions struct {
	SDKInterface          string   `json:"sdkInterface,omitempty"`          // 01 native, 02 HTML, 03 both
	SDKUIType             []string `json:"sdkUiType,omitempty"`             // 01–05 (2.2.0+: 06, 07)
	SDKAuthenticationType []string `json:"sdkAuthenticationType,omitempty"` // 2.3.1
}

// AuthenticationInfo is one threeDSRequestorAuthenticationInfo (an object in
// 2.1.0/2.2.0, an array element in 2.3.1).
type AuthenticationInfo struct {
	ThreeDSReqAuthData      string `json:"threeDSReqAuthData,omitempty"`      // ≤2048 (20000 in 2.3.1)
	ThreeDSReqAuthMethod    string `json:"threeDSReqAuthMethod,omitempty"`    // 01–06 (2.2.0: 07–08; 2.3.1: more)
	ThreeDSReqAuthTimestamp string `json:"threeDSReqAuthTimestamp,omitempty"` // YYYYMMDDHHMM
}

// PriorAuthenticationInfo is one threeDSRequestorPriorAuthenticationInfo.
type PriorAuthenticationInfo struct {
	ThreeDSReqPriorAuthData      string `json:"threeDSReqPriorAuthData,omitempty"`      // ≤2048
	ThreeDSReqPriorAuthMethod    string `json:"threeDSReqPriorAuthMethod,omitempty"`    // 01–04
	ThreeDSReqPriorAuthTimestamp string `json:"threeDSReqPriorAuthTimestamp,omitempty"` // YYYYMMDDHHMM
	ThreeDSReqPriorRef           string `json:"threeDSReqPriorRef,omitempty"`           // 36 (an acsTransID)
}

// RecurringInd is the 2.3.1 recurringInd object.
type RecurringInd struct {
	AmountInd    string `json:"amountInd,omitempty"`    // 01 fixed, 02 variable
	FrequencyInd string `json:"frequencyInd,omitempty"` // 01 fixed, 02 variable
}

// ACSRenderingType is the acsRenderingType object of an app ARes/RReq.
type ACSRenderingType struct {
	ACSInterface            string `json:"acsInterface,omitempty"`            // 01 native, 02 HTML
	ACSUITemplate           string `json:"acsUiTemplate,omitempty"`           // 01–05 (2.2.0+: 06, 07)
	DeviceUserInterfaceMode string `json:"deviceUserInterfaceMode,omitempty"` // 2.3.1
}

// CardholderInfo is cardholderInfo: a text of ≤128 characters in 2.1.0 and
// 2.2.0, an object {text, issuerImage, paymentSystemImage} in 2.3.1. Input in
// either shape decodes into it; output takes the shape of the message version.
type CardholderInfo struct {
	Text               string          `json:"text,omitempty"`
	IssuerImage        json.RawMessage `json:"issuerImage,omitempty"`
	PaymentSystemImage json.RawMessage `json:"paymentSystemImage,omitempty"`
}

// ACSProtocolVersion is one element of a 2.3.1 card range's acsProtocolVersions.
type ACSProtocolVersion struct {
	Version          Version           `json:"version,omitempty"`
	ThreeDSMethodURL string            `json:"threeDSMethodURL,omitempty"`
	ACSInfoInd       []ACSInfoInd      `json:"acsInfoInd,omitempty"`
	SupportedMsgExt  []SupportedMsgExt `json:"supportedMsgExt,omitempty"`
}

// SupportedMsgExt names a message extension an ACS supports (2.3.1).
type SupportedMsgExt struct {
	ID      string `json:"id,omitempty"`
	Version string `json:"version,omitempty"`
}
