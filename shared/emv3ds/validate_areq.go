package emv3ds

import (
	"encoding/json"
	"strconv"
	"strings"
)

// colourDepths are the allowed browserColorDepth values, the same in every
// version (../shared/docs/emv3ds-protocol.md §5.4: 1, 4, 8, 15, 16, 24, 32,
// 48; a browser reporting another depth, e.g. 30, is rounded down by the
// requestor, never sent as is).
var colourDepths = []string{"1", "4", "8", "15", "16", "24", "32", "48"}

// Validate checks an AReq against its version, device channel and message
// category and returns every failure as a *ValidationError (nil when valid).
// Elements that do not apply to the channel are not rejected (scheme test
// suites send browser data on 3RI), but every element present must be well
// formed.
func (m *AReq) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeAReq)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	ver := m.MessageVersion
	ch, cat := m.DeviceChannel, m.MessageCategory
	if v.require("deviceChannel", string(ch), true) && !ch.Valid(ver) {
		v.format("deviceChannel", "not an allowed value")
	}
	if v.require("messageCategory", string(cat), true) && !cat.Valid(ver) {
		v.format("messageCategory", "not an allowed value")
	}
	app, brw, ri := ch == DeviceChannelApp, ch == DeviceChannelBrowser, ch == DeviceChannel3RI
	pa := cat == MessageCategoryPayment
	if ri && pa && !ver.AtLeast(Version220) {
		v.notAllowed("messageCategory", "3RI is non-payment only in 2.1.0")
	}

	// Header and 3DS Server / requestor elements.
	v.uuid("threeDSServerTransID", m.ThreeDSServerTransID, true)
	v.ascii("threeDSServerRefNumber", m.ThreeDSServerRefNumber, 1, 32, true)
	v.ascii("threeDSServerOperatorID", m.ThreeDSServerOperatorID, 1, 32, false)
	// A 3RI transaction is never challenged, and in 2.1.0 cannot be decoupled
	// either, so no RReq can follow: scheme suites send 3RI AReqs without it.
	v.url("threeDSServerURL", m.ThreeDSServerURL, 2048, app || brw)
	v.ascii("threeDSRequestorID", m.ThreeDSRequestorID, 1, 35, true)
	v.text("threeDSRequestorName", m.ThreeDSRequestorName, 1, 40, true)
	v.versionURL("threeDSRequestorURL", m.ThreeDSRequestorURL, 2048, true)
	if v.require("threeDSCompInd", string(m.ThreeDSCompInd), brw) && !m.ThreeDSCompInd.Valid(ver) {
		v.format("threeDSCompInd", "Y, N or U")
	}
	v.versionURL("notificationURL", m.NotificationURL, 256, brw)
	if v.require("threeDSRequestorAuthenticationInd", string(m.ThreeDSRequestorAuthenticationInd), app || brw) &&
		!m.ThreeDSRequestorAuthenticationInd.Valid(ver) {
		v.format("threeDSRequestorAuthenticationInd", "not an allowed value for the version")
	}
	if v.require("threeRIInd", string(m.ThreeRIInd), ri) && !m.ThreeRIInd.Valid(ver) {
		v.format("threeRIInd", "not an allowed value for the version")
	}
	m.validateRequestorInfo(v)

	// Card and cardholder.
	v.pan("acctNumber", string(m.AcctNumber), true)
	v.yymm("cardExpiryDate", m.CardExpiryDate, false)
	v.code2("acctType", m.AcctType, false, 1, 3, true)
	v.text("acctID", m.AcctID, 1, 64, false)
	v.text("cardholderName", m.CardholderName, 2, 45, false)
	v.email("email", m.Email, false)
	v.phone("homePhone", m.HomePhone)
	v.phone("mobilePhone", m.MobilePhone)
	v.phone("workPhone", m.WorkPhone)
	v.address("billAddr", m.BillAddrCity, m.BillAddrCountry, m.BillAddrLine1, m.BillAddrLine2, m.BillAddrLine3, m.BillAddrPostCode, m.BillAddrState)
	v.address("shipAddr", m.ShipAddrCity, m.ShipAddrCountry, m.ShipAddrLine1, m.ShipAddrLine2, m.ShipAddrLine3, m.ShipAddrPostCode, m.ShipAddrState)
	v.yn("addrMatch", m.AddrMatch, false)
	m.validateAcctInfo(v)
	m.validateRiskIndicator(v)
	if m.PayTokenInd != nil && !*m.PayTokenInd {
		v.format("payTokenInd", "only true may be sent")
	}
	v.code2("payTokenSource", m.PayTokenSource, false, 1, 2, true)
	// §5.3: "payTokenSource 01/02 required if true (2.2)".
	if ver.AtLeast(Version220) && m.PayTokenInd != nil && *m.PayTokenInd {
		v.requireIf("payTokenSource", m.PayTokenSource != "", true, "when payTokenInd is true")
	}

	// Merchant and purchase: required for payments.
	v.ascii("acquirerBIN", m.AcquirerBIN, 1, 11, pa)
	v.ascii("acquirerMerchantID", m.AcquirerMerchantID, 1, 35, pa)
	v.digits("mcc", m.MCC, 4, 4, pa)
	if m.MCC == "0000" {
		v.add("mcc", "not a merchant category code", ErrorCodeMCCInvalid, ErrFormat)
	}
	v.country("merchantCountryCode", m.MerchantCountryCode, pa)
	v.text("merchantName", m.MerchantName, 1, 40, pa)
	v.digits("purchaseAmount", m.PurchaseAmount, 1, 48, pa)
	exp := v.currency("purchaseCurrency", m.PurchaseCurrency, pa)
	v.digits("purchaseExponent", m.PurchaseExponent, 1, 1, pa)
	v.exponent("purchaseExponent", m.PurchaseCurrency, m.PurchaseExponent, exp)
	v.dateTime("purchaseDate", m.PurchaseDate, layoutDateTime, "YYYYMMDDHHMMSS", pa)
	v.enum("transType", m.TransType, false, "01", "03", "10", "11", "28")
	recurring := (app || brw) && in(string(m.ThreeDSRequestorAuthenticationInd), "02", "03") && !ver.AtLeast(Version231)
	v.dateTime("recurringExpiry", m.RecurringExpiry, layoutDate, "YYYYMMDD", recurring)
	v.digits("recurringFrequency", m.RecurringFrequency, 1, 4, recurring)
	instal := (app || brw) && m.ThreeDSRequestorAuthenticationInd == AuthenticationIndInstalment
	if v.require("purchaseInstalData", m.PurchaseInstalData, instal) {
		if n, err := strconv.Atoi(m.PurchaseInstalData); err != nil || !isDigits(m.PurchaseInstalData) || len(m.PurchaseInstalData) > 3 || n < 2 {
			v.format("purchaseInstalData", "2–999")
		}
	}

	// Browser.
	if brw {
		m.validateBrowser(v)
	} else {
		m.validateBrowserFormats(v)
	}

	// App.
	m.validateApp(v, app)

	// Decoupled and trust list (2.2.0+).
	if ver.AtLeast(Version220) {
		if m.ThreeDSRequestorDecReqInd != "" && !m.ThreeDSRequestorDecReqInd.Valid(ver) {
			v.format("threeDSRequestorDecReqInd", "not an allowed value for the version")
		}
		if m.ThreeDSRequestorDecReqInd.Requested() {
			v.requireIf("threeDSRequestorDecMaxTime", m.ThreeDSRequestorDecMaxTime != "", true, "when decoupled authentication is requested")
		}
		if m.ThreeDSRequestorDecMaxTime != "" {
			n, err := strconv.Atoi(m.ThreeDSRequestorDecMaxTime)
			if err != nil || len(m.ThreeDSRequestorDecMaxTime) != 5 || !isDigits(m.ThreeDSRequestorDecMaxTime) || n < 1 || n > 10080 {
				v.format("threeDSRequestorDecMaxTime", "5 digits, 00001–10080 minutes")
			}
		}
		v.yn(m.trustName("Status"), m.TrustListStatus, false)
		v.code2(m.trustName("StatusSource"), m.TrustListStatusSource, false, 1, 3, true)
	}
	if ver.AtLeast(Version231) {
		m.validate231(v)
	}

	// Elements the DS adds before forwarding to the ACS.
	v.uuid("dsTransID", m.DSTransID, false)
	v.ascii("dsReferenceNumber", m.DSReferenceNumber, 1, 32, false)
	v.url("dsURL", m.DSURL, 2048, false)
	v.extensions(m.MessageExtension)
	return v.err()
}

func (m *AReq) trustName(suffix string) string {
	if m.MessageVersion.AtLeast(Version231) {
		return "trustList" + suffix
	}
	return "whiteList" + suffix
}

func (m *AReq) validateRequestorInfo(v *validator) {
	ver := m.MessageVersion
	ci := m.ThreeDSRequestorChallengeInd
	maxCI := 1
	if ver.AtLeast(Version231) {
		maxCI = 2
	}
	if len(ci) > maxCI {
		v.format("threeDSRequestorChallengeInd", "at most "+strconv.Itoa(maxCI)+" value(s) in this version")
	}
	for _, c := range ci {
		if !c.Valid(ver) {
			v.format("threeDSRequestorChallengeInd", "not an allowed value for the version")
			break
		}
	}
	maxInfo := 1
	if ver.AtLeast(Version231) {
		maxInfo = 3
	}
	dataMax := 2048
	if ver.AtLeast(Version231) {
		dataMax = 20000
	}
	if len(m.ThreeDSRequestorAuthenticationInfo) > maxInfo {
		v.format("threeDSRequestorAuthenticationInfo", "too many entries for the version")
	}
	for _, a := range m.ThreeDSRequestorAuthenticationInfo {
		p := "threeDSRequestorAuthenticationInfo."
		// §5.3: 01–06, 2.2.0 adds 07 and 08 (80–99 DS).
		hi := 6
		if ver.AtLeast(Version220) {
			hi = 8
		}
		v.code2(p+"threeDSReqAuthMethod", a.ThreeDSReqAuthMethod, false, 1, hi, true)
		v.dateTime(p+"threeDSReqAuthTimestamp", a.ThreeDSReqAuthTimestamp, layoutStamp, "YYYYMMDDHHMM", false)
		v.text(p+"threeDSReqAuthData", a.ThreeDSReqAuthData, 1, dataMax, false)
	}
	if len(m.ThreeDSRequestorPriorAuthenticationInfo) > maxInfo {
		v.format("threeDSRequestorPriorAuthenticationInfo", "too many entries for the version")
	}
	for _, a := range m.ThreeDSRequestorPriorAuthenticationInfo {
		p := "threeDSRequestorPriorAuthenticationInfo."
		v.code2(p+"threeDSReqPriorAuthMethod", a.ThreeDSReqPriorAuthMethod, false, 1, 4, true)
		v.dateTime(p+"threeDSReqPriorAuthTimestamp", a.ThreeDSReqPriorAuthTimestamp, layoutStamp, "YYYYMMDDHHMM", false)
		v.ascii(p+"threeDSReqPriorRef", a.ThreeDSReqPriorRef, 1, 36, false)
		v.text(p+"threeDSReqPriorAuthData", a.ThreeDSReqPriorAuthData, 1, dataMax, false)
	}
	if ver == Version220 {
		v.code2("threeDSReqAuthMethodInd", m.ThreeDSReqAuthMethodInd, false, 1, 3, true)
	}
}

func (v *validator) phone(field string, p *Phone) {
	if p == nil {
		return
	}
	v.digits(field+".cc", p.CC, 1, 3, true)
	v.digits(field+".subscriber", p.Subscriber, 1, 15, true)
}

func (v *validator) address(prefix, city, country, l1, l2, l3, post, state string) {
	v.text(prefix+"City", city, 1, 50, false)
	v.country(prefix+"Country", country, false)
	v.text(prefix+"Line1", l1, 1, 50, false)
	v.text(prefix+"Line2", l2, 1, 50, false)
	v.text(prefix+"Line3", l3, 1, 50, false)
	v.text(prefix+"PostCode", post, 1, 16, false)
	v.ascii(prefix+"State", state, 1, 3, false)
	v.requireIf(prefix+"Country", country != "", state != "", "when "+prefix+"State is present")
}

// exponent checks that the exponent is the currency's minor-unit exponent.
func (v *validator) exponent(field, currency, exp string, want int) {
	if want < 0 || len(exp) != 1 || !isDigits(exp) {
		return
	}
	got := int(exp[0] - '0')
	if alt, ok := altExponents[currency]; got == want || (ok && got == alt) {
		return
	}
	v.format(field, "not the currency's ISO 4217 exponent")
}

func (m *AReq) validateAcctInfo(v *validator) {
	a := m.AcctInfo
	if a == nil {
		return
	}
	p := "acctInfo."
	v.code2(p+"chAccAgeInd", a.ChAccAgeInd, false, 1, 5, false)
	v.dateTime(p+"chAccChange", a.ChAccChange, layoutDate, "YYYYMMDD", false)
	v.code2(p+"chAccChangeInd", a.ChAccChangeInd, false, 1, 4, false)
	v.dateTime(p+"chAccDate", a.ChAccDate, layoutDate, "YYYYMMDD", false)
	v.dateTime(p+"chAccPwChange", a.ChAccPwChange, layoutDate, "YYYYMMDD", false)
	v.code2(p+"chAccPwChangeInd", a.ChAccPwChangeInd, false, 1, 5, false)
	v.text(p+"chAccReqID", a.ChAccReqID, 1, 64, false)
	v.digits(p+"nbPurchaseAccount", a.NbPurchaseAccount, 1, 4, false)
	v.digits(p+"provisionAttemptsDay", a.ProvisionAttemptsDay, 1, 3, false)
	v.digits(p+"txnActivityDay", a.TxnActivityDay, 1, 3, false)
	v.digits(p+"txnActivityYear", a.TxnActivityYear, 1, 3, false)
	v.dateTime(p+"paymentAccAge", a.PaymentAccAge, layoutDate, "YYYYMMDD", false)
	v.code2(p+"paymentAccInd", a.PaymentAccInd, false, 1, 5, false)
	v.dateTime(p+"shipAddressUsage", a.ShipAddressUsage, layoutDate, "YYYYMMDD", false)
	v.code2(p+"shipAddressUsageInd", a.ShipAddressUsageInd, false, 1, 4, false)
	v.code2(p+"shipNameIndicator", a.ShipNameIndicator, false, 1, 2, false)
	v.code2(p+"suspiciousAccActivity", a.SuspiciousAccActivity, false, 1, 2, false)
}

func (m *AReq) validateRiskIndicator(v *validator) {
	r := m.MerchantRiskIndicator
	if r == nil {
		return
	}
	p := "merchantRiskIndicator."
	v.email(p+"deliveryEmailAddress", r.DeliveryEmailAddress, false)
	v.code2(p+"deliveryTimeframe", r.DeliveryTimeframe, false, 1, 4, false)
	v.digits(p+"giftCardAmount", r.GiftCardAmount, 1, 15, false)
	v.digits(p+"giftCardCount", r.GiftCardCount, 1, 2, false)
	v.currency(p+"giftCardCurr", r.GiftCardCurr, false)
	v.dateTime(p+"preOrderDate", r.PreOrderDate, layoutDate, "YYYYMMDD", false)
	v.code2(p+"preOrderPurchaseInd", r.PreOrderPurchaseInd, false, 1, 2, false)
	v.code2(p+"reorderItemsInd", r.ReorderItemsInd, false, 1, 2, false)
	// 01–07 (80–99 DS); 2.3.1 adds 08 pick-up and go and 09 locker delivery.
	shipHi := 7
	if m.MessageVersion.AtLeast(Version231) {
		shipHi = 9
	}
	v.code2(p+"shipIndicator", r.ShipIndicator, false, 1, shipHi, true)
}

// validateBrowser applies the browser-channel presence rules of the version.
func (m *AReq) validateBrowser(v *validator) {
	ver := m.MessageVersion
	js := true // 2.1.0 has no browserJavascriptEnabled: everything is required
	if ver.AtLeast(Version220) {
		v.requireIf("browserJavascriptEnabled", m.BrowserJavascriptEnabled != nil, true, "for browser")
		js = m.BrowserJavascriptEnabled != nil && *m.BrowserJavascriptEnabled
	}
	why := "for browser"
	if ver.AtLeast(Version220) {
		why = "when JavaScript is enabled"
	}
	v.text("browserAcceptHeader", m.BrowserAcceptHeader, 1, 2048, true)
	v.text("browserUserAgent", m.BrowserUserAgent, 1, 2048, true)
	v.requireIf("browserJavaEnabled", m.BrowserJavaEnabled != nil, js, why)
	langRequired := js || !ver.AtLeast(Version231)
	v.requireIf("browserLanguage", m.BrowserLanguage != "", langRequired, "for browser")
	v.requireIf("browserColorDepth", m.BrowserColorDepth != "", js, why)
	v.requireIf("browserScreenHeight", m.BrowserScreenHeight != "", js, why)
	v.requireIf("browserScreenWidth", m.BrowserScreenWidth != "", js, why)
	v.requireIf("browserTZ", m.BrowserTZ != "", js, why)
	m.validateBrowserFormats(v)
}

// validateBrowserFormats checks the browser elements that are present.
func (m *AReq) validateBrowserFormats(v *validator) {
	ver := m.MessageVersion
	v.text("browserAcceptHeader", m.BrowserAcceptHeader, 1, 2048, false)
	v.text("browserUserAgent", m.BrowserUserAgent, 1, 2048, false)
	v.ip("browserIP", m.BrowserIP, false)
	langMax := 8
	if ver.AtLeast(Version231) {
		langMax = 35
	}
	v.ascii("browserLanguage", m.BrowserLanguage, 1, langMax, false)
	v.enum("browserColorDepth", m.BrowserColorDepth, false, colourDepths...)
	v.digits("browserScreenHeight", m.BrowserScreenHeight, 1, 6, false)
	v.digits("browserScreenWidth", m.BrowserScreenWidth, 1, 6, false)
	if tz := strings.TrimLeft(m.BrowserTZ, "+-"); m.BrowserTZ != "" &&
		(len(m.BrowserTZ)-len(tz) > 1 || !isDigits(tz) || len(tz) > 4) {
		v.format("browserTZ", "minutes, optional sign and 1–4 digits")
	}
	for i, l := range m.AcceptLanguage {
		if l == "" || len(l) > 100 || hasControl(l) {
			v.format("acceptLanguage["+strconv.Itoa(i)+"]", "language range of at most 100 characters")
		}
	}
}

func (m *AReq) validateApp(v *validator, app bool) {
	ver := m.MessageVersion
	v.uuid("sdkAppID", m.SDKAppID, app)
	v.uuid("sdkTransID", m.SDKTransID, app)
	v.ascii("sdkReferenceNumber", m.SDKReferenceNumber, 1, 32, app)
	if v.require("sdkEncData", m.SDKEncData, app) && len(m.SDKEncData) > 64000 {
		v.format("sdkEncData", "at most 64000 characters")
	}
	if v.require("sdkMaxTimeout", m.SDKMaxTimeout, app) {
		if n, err := strconv.Atoi(m.SDKMaxTimeout); err != nil || len(m.SDKMaxTimeout) != 2 || !isDigits(m.SDKMaxTimeout) || n < 5 {
			v.format("sdkMaxTimeout", "2 digits, at least 05")
		}
	}
	if len(m.SDKEphemPubKey) == 0 {
		v.requireIf("sdkEphemPubKey", false, app, "for app")
	} else {
		var jwk map[string]any
		if err := json.Unmarshal(m.SDKEphemPubKey, &jwk); err != nil || jwk == nil {
			v.format("sdkEphemPubKey", "a JWK JSON object")
		} else if kty, _ := jwk["kty"].(string); kty == "" || len(m.SDKEphemPubKey) > 256*2 {
			v.format("sdkEphemPubKey", "a JWK JSON object with kty")
		}
	}
	d := m.DeviceRenderOptions
	v.requireIf("deviceRenderOptions", d != nil, app, "for app")
	if d != nil {
		v.code2("deviceRenderOptions.sdkInterface", d.SDKInterface, true, 1, 3, false)
		hi := 5
		if ver.AtLeast(Version220) {
			hi = 7
		}
		v.requireIf("deviceRenderOptions.sdkUiType", len(d.SDKUIType) > 0, true, "in deviceRenderOptions")
		for _, u := range d.SDKUIType {
			if !twoDigitIn(u, 1, hi, false) {
				v.format("deviceRenderOptions.sdkUiType", "not an allowed value for the version")
				break
			}
		}
	}
}

func (m *AReq) validate231(v *validator) {
	v.country("acquirerCountryCode", m.AcquirerCountryCode, false)
	v.code2("acquirerCountryCodeSource", m.AcquirerCountryCodeSource, false, 1, 3, true)
	v.ip("appIp", m.AppIP, false)
	// A 3DS Server transaction ID (clearhaus/3DSv2-api-documentation
	// source/_static/areq_231.html, threeDSMethodId: format uuid).
	v.uuid("threeDSMethodId", m.ThreeDSMethodID, false)
	v.enum("threeDSRequestorSpcSupport", m.ThreeDSRequestorSpcSupport, false, "Y")
	v.code2("spcIncompInd", m.SpcIncompInd, false, 1, 3, true)
	v.code2("sdkType", m.SDKType, false, 1, 2, true)
	v.digits("recurringAmount", m.RecurringAmount, 1, 48, false)
	exp := v.currency("recurringCurrency", m.RecurringCurrency, false)
	v.digits("recurringExponent", m.RecurringExponent, 1, 1, false)
	v.exponent("recurringExponent", m.RecurringCurrency, m.RecurringExponent, exp)
	v.dateTime("recurringDate", m.RecurringDate, layoutDate, "YYYYMMDD", false)
	if r := m.RecurringInd; r != nil {
		v.code2("recurringInd.amountInd", r.AmountInd, false, 1, 2, true)
		v.code2("recurringInd.frequencyInd", r.FrequencyInd, false, 1, 2, true)
	}
	v.text("deviceId", m.DeviceID, 1, 64, false)
	v.text("userId", m.UserID, 1, 254, false)
	v.text("taxId", m.TaxID, 1, 45, false)
	v.digits("cardSecurityCode", m.CardSecurityCode, 3, 4, false)
}
