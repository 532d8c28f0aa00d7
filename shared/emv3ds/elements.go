package emv3ds

// AReqElementRule says in which protocol versions and device channels an
// AReq element exists. Merchants send elements regardless (real clients send
// browserJavascriptEnabled with 2.1.0, or browser data with an app
// authentication); the 3DS Server drops what the message being sent does not
// define instead of rejecting the request (AReqElementRules, DropUndefined).
type AReqElementRule struct {
	// Element is the spec's element name.
	Element string
	// Since and Until bound the versions that define it (Until empty: every
	// later version). Both inclusive.
	Since, Until Version
	// Channels lists the device channels it belongs to; none means all.
	Channels []DeviceChannel
	clear    func(*AReq)
	// narrow, when set, reshapes the element for versions before Reshape
	// instead of dropping it.
	narrow  func(*AReq)
	Reshape Version
}

var (
	browserOnly = []DeviceChannel{DeviceChannelBrowser}
	appOnly     = []DeviceChannel{DeviceChannelApp}
)

// AReqElementRules is the table of AReq elements that exist only in some
// versions or channels (EMV 3DS 2.1.0, 2.2.0, 2.3.1, Table A.1). Elements
// not listed exist in every version and channel the validator accepts them.
var AReqElementRules = []AReqElementRule{
	// Browser channel only.
	{Element: "browserAcceptHeader", Channels: browserOnly, clear: func(a *AReq) { a.BrowserAcceptHeader = "" }},
	{Element: "browserIP", Channels: browserOnly, clear: func(a *AReq) { a.BrowserIP = "" }},
	{Element: "browserLanguage", Channels: browserOnly, clear: func(a *AReq) { a.BrowserLanguage = "" }},
	{Element: "browserColorDepth", Channels: browserOnly, clear: func(a *AReq) { a.BrowserColorDepth = "" }},
	{Element: "browserScreenHeight", Channels: browserOnly, clear: func(a *AReq) { a.BrowserScreenHeight = "" }},
	{Element: "browserScreenWidth", Channels: browserOnly, clear: func(a *AReq) { a.BrowserScreenWidth = "" }},
	{Element: "browserTZ", Channels: browserOnly, clear: func(a *AReq) { a.BrowserTZ = "" }},
	{Element: "browserUserAgent", Channels: browserOnly, clear: func(a *AReq) { a.BrowserUserAgent = "" }},
	{Element: "browserJavaEnabled", Channels: browserOnly, clear: func(a *AReq) { a.BrowserJavaEnabled = nil }},
	{Element: "browserJavascriptEnabled", Since: Version220, Channels: browserOnly, clear: func(a *AReq) { a.BrowserJavascriptEnabled = nil }},
	{Element: "acceptLanguage", Since: Version231, Channels: browserOnly, clear: func(a *AReq) { a.AcceptLanguage = nil }},
	{Element: "notificationURL", Channels: browserOnly, clear: func(a *AReq) { a.NotificationURL = "" }},
	{Element: "threeDSCompInd", Channels: browserOnly, clear: func(a *AReq) { a.ThreeDSCompInd = "" }},

	// App channel only.
	{Element: "sdkAppID", Channels: appOnly, clear: func(a *AReq) { a.SDKAppID = "" }},
	{Element: "sdkEncData", Channels: appOnly, clear: func(a *AReq) { a.SDKEncData = "" }},
	{Element: "sdkMaxTimeout", Channels: appOnly, clear: func(a *AReq) { a.SDKMaxTimeout = "" }},
	{Element: "sdkReferenceNumber", Channels: appOnly, clear: func(a *AReq) { a.SDKReferenceNumber = "" }},
	{Element: "sdkTransID", Channels: appOnly, clear: func(a *AReq) { a.SDKTransID = "" }},
	{Element: "sdkEphemPubKey", Channels: appOnly, clear: func(a *AReq) { a.SDKEphemPubKey = nil }},
	{Element: "deviceRenderOptions", Channels: appOnly, clear: func(a *AReq) { a.DeviceRenderOptions = nil }},
	{Element: "sdkType", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.SDKType = "" }},
	{Element: "sdkServerSignedContent", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.SDKServerSignedContent = "" }},
	{Element: "sdkSignatureTimestamp", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.SDKSignatureTimestamp = "" }},
	{Element: "appIp", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.AppIP = "" }},
	{Element: "defaultSdkType", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.DefaultSDKType = nil }},
	{Element: "splitSdkType", Since: Version231, Channels: appOnly, clear: func(a *AReq) { a.SplitSDKType = nil }},

	// 2.2.0 only.
	{Element: "threeDSReqAuthMethodInd", Since: Version220, Until: Version220, clear: func(a *AReq) { a.ThreeDSReqAuthMethodInd = "" }},

	// From 2.2.0.
	{Element: "threeDSRequestorDecMaxTime", Since: Version220, clear: func(a *AReq) { a.ThreeDSRequestorDecMaxTime = "" }},
	{Element: "threeDSRequestorDecReqInd", Since: Version220, clear: func(a *AReq) { a.ThreeDSRequestorDecReqInd = "" }},
	{Element: "payTokenSource", Since: Version220, clear: func(a *AReq) { a.PayTokenSource = "" }},
	{Element: "trustListStatus", Since: Version220, clear: func(a *AReq) { a.TrustListStatus = "" }},
	{Element: "trustListStatusSource", Since: Version220, clear: func(a *AReq) { a.TrustListStatusSource = "" }},

	// From 2.3.1.
	{Element: "threeDSRequestorSpcSupport", Since: Version231, clear: func(a *AReq) { a.ThreeDSRequestorSpcSupport = "" }},
	{Element: "threeDSMethodId", Since: Version231, clear: func(a *AReq) { a.ThreeDSMethodID = "" }},
	{Element: "spcIncompInd", Since: Version231, clear: func(a *AReq) { a.SpcIncompInd = "" }},
	{Element: "acquirerCountryCode", Since: Version231, clear: func(a *AReq) { a.AcquirerCountryCode = "" }},
	{Element: "acquirerCountryCodeSource", Since: Version231, clear: func(a *AReq) { a.AcquirerCountryCodeSource = "" }},
	{Element: "cardSecurityCode", Since: Version231, clear: func(a *AReq) { a.CardSecurityCode = "" }},
	{Element: "deviceBindingStatus", Since: Version231, clear: func(a *AReq) { a.DeviceBindingStatus = "" }},
	{Element: "deviceBindingStatusSource", Since: Version231, clear: func(a *AReq) { a.DeviceBindingStatusSource = "" }},
	{Element: "deviceId", Since: Version231, clear: func(a *AReq) { a.DeviceID = "" }},
	{Element: "userId", Since: Version231, clear: func(a *AReq) { a.UserID = "" }},
	{Element: "recurringAmount", Since: Version231, clear: func(a *AReq) { a.RecurringAmount = "" }},
	{Element: "recurringCurrency", Since: Version231, clear: func(a *AReq) { a.RecurringCurrency = "" }},
	{Element: "recurringDate", Since: Version231, clear: func(a *AReq) { a.RecurringDate = "" }},
	{Element: "recurringExponent", Since: Version231, clear: func(a *AReq) { a.RecurringExponent = "" }},
	{Element: "recurringInd", Since: Version231, clear: func(a *AReq) { a.RecurringInd = nil }},
	{Element: "sellerInfo", Since: Version231, clear: func(a *AReq) { a.SellerInfo = nil }},
	{Element: "multiTransaction", Since: Version231, clear: func(a *AReq) { a.MultiTransaction = nil }},
	{Element: "taxId", Since: Version231, clear: func(a *AReq) { a.TaxID = "" }},
	{Element: "payeeOrigin", Since: Version231, clear: func(a *AReq) { a.PayeeOrigin = "" }},

	// A list from 2.3.1; one value before.
	{Element: "threeDSRequestorChallengeInd", Reshape: Version231, narrow: func(a *AReq) {
		if len(a.ThreeDSRequestorChallengeInd) > 1 {
			a.ThreeDSRequestorChallengeInd = a.ThreeDSRequestorChallengeInd[:1]
		}
	}},
}

// Defined reports whether the element exists in version v and channel ch.
func (r AReqElementRule) Defined(v Version, ch DeviceChannel) bool {
	if r.Since != "" && v.Compare(r.Since) < 0 {
		return false
	}
	if r.Until != "" && v.Compare(r.Until) > 0 {
		return false
	}
	if len(r.Channels) == 0 {
		return true
	}
	for _, c := range r.Channels {
		if c == ch {
			return true
		}
	}
	return false
}

// DropUndefined removes from a the elements that version v and a's device
// channel do not define (AReqElementRules), and narrows those whose shape
// changed. A channel the table does not know keeps every element.
func (a *AReq) DropUndefined(v Version) {
	known := a.DeviceChannel == DeviceChannelBrowser || a.DeviceChannel == DeviceChannelApp || a.DeviceChannel == DeviceChannel3RI
	for _, r := range AReqElementRules {
		if r.narrow != nil {
			if v.Compare(r.Reshape) < 0 {
				r.narrow(a)
			}
			continue
		}
		if !known && len(r.Channels) > 0 {
			// Unknown channel: only the version rule applies.
			if !(AReqElementRule{Since: r.Since, Until: r.Until}).Defined(v, a.DeviceChannel) {
				r.clear(a)
			}
			continue
		}
		if !r.Defined(v, a.DeviceChannel) {
			r.clear(a)
		}
	}
}
