package threeds

import (
	"github.com/open3ds/server/shared/emv3ds"
)

// ProfileField is an AReq element whose value is the merchant's identity
// towards the DS: by default it comes from the merchant profile only.
type ProfileField struct {
	Name    string // the EMV element name
	request func(*emv3ds.AReq) string
	profile func(*Merchant) string
}

// ProfileFields are the requestor and acquirer identity elements a request
// may not change unless the merchant's policy allows it
// (Merchant.AllowProfileOverrides): acquirerBIN, acquirerMerchantID,
// threeDSRequestorID, threeDSRequestorName and merchantName, and the 2.3.1
// acquirerCountryCode.
var ProfileFields = []ProfileField{
	{Name: "acquirerBIN", request: func(a *emv3ds.AReq) string { return a.AcquirerBIN }, profile: func(m *Merchant) string { return m.AcquirerBIN }},
	{Name: "acquirerMerchantID", request: func(a *emv3ds.AReq) string { return a.AcquirerMerchantID }, profile: func(m *Merchant) string { return m.AcquirerMerchantID }},
	{Name: "threeDSRequestorID", request: func(a *emv3ds.AReq) string { return a.ThreeDSRequestorID }, profile: func(m *Merchant) string { return m.RequestorID }},
	{Name: "threeDSRequestorName", request: func(a *emv3ds.AReq) string { return a.ThreeDSRequestorName }, profile: func(m *Merchant) string { return m.RequestorName }},
	{Name: "merchantName", request: func(a *emv3ds.AReq) string { return a.MerchantName }, profile: func(m *Merchant) string { return m.Name }},
	{Name: "acquirerCountryCode", request: func(a *emv3ds.AReq) string { return a.AcquirerCountryCode }, profile: (*Merchant).AcquirerCountryCode},
}

// CheckProfileOverrides is the merchant-profile policy for an AReq: unless
// the merchant may override its profile (a payment service provider that
// authenticates for many sub-merchants), each ProfileFields element the
// request sets must equal the profile's value; a request that leaves it out
// gets the profile's. Every differing element is reported (Erro 305 naming
// it), so a merchant cannot present another merchant's acquirer or
// requestor identity to the DS.
func CheckProfileOverrides(a *emv3ds.AReq, m *Merchant) error {
	if m.AllowProfileOverrides {
		return nil
	}
	var fields []emv3ds.FieldError
	for _, f := range ProfileFields {
		if v := f.request(a); v != "" && v != f.profile(m) {
			fields = append(fields, emv3ds.FieldError{
				Field: f.Name, Rule: "must be the merchant profile's value (this merchant's policy does not allow overriding it)",
				Code: emv3ds.ErrorCodeTransactionDataInvalid, Err: emv3ds.ErrNotAllowed,
			})
		}
	}
	if len(fields) == 0 {
		return nil
	}
	return &emv3ds.ValidationError{Fields: fields}
}
