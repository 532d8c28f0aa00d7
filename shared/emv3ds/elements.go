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
	{Element: "threeDSMethodId", Since: Version231, Channels: browserOnly, clear: func(a *AReq) { a.ThreeDSMethodID = "" }}, // BRW only (clearhaus areq_231.html)
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
	c := versionCmp{v: v}
	return r.defined(&c, ch)
}

func (r AReqElementRule) defined(c *versionCmp, ch DeviceChannel) bool {
	if !r.inVersion(c) {
		return false
	}
	if len(r.Channels) == 0 {
		return true
	}
	for _, x := range r.Channels {
		if x == ch {
			return true
		}
	}
	return false
}

func (r AReqElementRule) inVersion(c *versionCmp) bool {
	if r.Since != "" && c.cmp(r.Since) < 0 {
		return false
	}
	return r.Until == "" || c.cmp(r.Until) <= 0
}

// versionCmp remembers v's comparisons with the few versions the table
// names, so that applying the table parses each version once.
type versionCmp struct {
	v    Version
	keys [4]Version
	vals [4]int
	n    int
}

func (c *versionCmp) cmp(w Version) int {
	for i := 0; i < c.n; i++ {
		if c.keys[i] == w {
			return c.vals[i]
		}
	}
	r := c.v.Compare(w)
	if c.n < len(c.keys) {
		c.keys[c.n], c.vals[c.n] = w, r
		c.n++
	}
	return r
}

// DropUndefined removes from a the elements that version v and a's device
// channel do not define (AReqElementRules), and narrows those whose shape
// changed. A channel the table does not know keeps every element its
// version defines.
func (a *AReq) DropUndefined(v Version) {
	plan, ok := dropPlans[planKey{v, channelKind(a.DeviceChannel)}]
	if !ok {
		plan = planFor(v, a.DeviceChannel)
	}
	for _, f := range plan {
		f(a)
	}
}

type planKey struct {
	v  Version
	ch DeviceChannel
}

// channelKind is ch for the channels the table knows, else "" (any other).
func channelKind(ch DeviceChannel) DeviceChannel {
	switch ch {
	case DeviceChannelBrowser, DeviceChannelApp, DeviceChannel3RI:
		return ch
	}
	return ""
}

// dropPlans are the table applied ahead of time: for each supported version
// and channel, what DropUndefined does.
var dropPlans = func() map[planKey][]func(*AReq) {
	m := map[planKey][]func(*AReq){}
	for _, v := range SupportedVersions {
		for _, ch := range []DeviceChannel{DeviceChannelBrowser, DeviceChannelApp, DeviceChannel3RI, ""} {
			m[planKey{v, ch}] = planFor(v, ch)
		}
	}
	return m
}()

// planFor lists what the table changes in an AReq of version v and
// channel ch.
func planFor(v Version, ch DeviceChannel) []func(*AReq) {
	c := versionCmp{v: v}
	known := channelKind(ch) != ""
	var plan []func(*AReq)
	for i := range AReqElementRules {
		r := &AReqElementRules[i]
		switch {
		case r.narrow != nil:
			if c.cmp(r.Reshape) < 0 {
				plan = append(plan, r.narrow)
			}
		case !known:
			if !r.inVersion(&c) {
				plan = append(plan, r.clear)
			}
		case !r.defined(&c, ch):
			plan = append(plan, r.clear)
		}
	}
	return plan
}
