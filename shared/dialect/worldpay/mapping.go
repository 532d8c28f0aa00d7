package worldpay

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// authenticationRequest is the seed's authentication body.
type authenticationRequest struct {
	TransactionReference string       `json:"transactionReference"`
	Merchant             merchantRef  `json:"merchant"`
	Instruction          instruction  `json:"instruction"`
	DeviceData           deviceData   `json:"deviceData"`
	Challenge            challengeReq `json:"challenge"`
	RiskData             riskData     `json:"riskData"`
}

type instruction struct {
	PaymentInstrument paymentInstrument `json:"paymentInstrument"`
	Value             *amount           `json:"value"`
}

type paymentInstrument struct {
	Type           string      `json:"type"`
	CardHolderName string      `json:"cardHolderName"`
	CardNumber     emv3ds.PAN  `json:"cardNumber"`
	CardExpiryDate *expiryDate `json:"cardExpiryDate"`
	BillingAddress *address    `json:"billingAddress"`
	Href           string      `json:"href"`
}

type expiryDate struct {
	Month *int `json:"month"`
	Year  *int `json:"year"`
}

type address struct {
	Address1    string `json:"address1"`
	Address2    string `json:"address2"`
	Address3    string `json:"address3"`
	PostalCode  string `json:"postalCode"`
	City        string `json:"city"`
	State       string `json:"state"`
	StateCode   string `json:"stateCode"`
	CountryCode string `json:"countryCode"`
	PhoneNumber string `json:"phoneNumber"`
}

type amount struct {
	Currency string `json:"currency"`
	Amount   *int64 `json:"amount"`
}

type deviceData struct {
	CollectionReference string `json:"collectionReference"`
	AcceptHeader        string `json:"acceptHeader"`
	UserAgentHeader     string `json:"userAgentHeader"`
	BrowserLanguage     string `json:"browserLanguage"`
	IPAddress           string `json:"ipAddress"`
	BrowserJavaEnabled  *bool  `json:"browserJavaEnabled"`
	BrowserJSEnabled    *bool  `json:"browserJavascriptEnabled"`
	BrowserColorDepth   string `json:"browserColorDepth"`
	BrowserScreenHeight string `json:"browserScreenHeight"`
	BrowserScreenWidth  string `json:"browserScreenWidth"`
	TimeZone            string `json:"timeZone"`
}

type challengeReq struct {
	WindowSize string `json:"windowSize"`
	Preference string `json:"preference"`
	ReturnURL  string `json:"returnUrl"`
}

type riskData struct {
	Account     *riskAccount     `json:"account"`
	Transaction *riskTransaction `json:"transaction"`
	Shipping    *riskShipping    `json:"shipping"`
}

type riskAccount struct {
	PreviousSuspiciousActivity *bool     `json:"previousSuspiciousActivity"`
	Type                       string    `json:"type"`
	Email                      string    `json:"email"`
	History                    *acctHist `json:"history"`
}

type acctHist struct {
	CreatedAt                string `json:"createdAt"`
	ModifiedAt               string `json:"modifiedAt"`
	PasswordModifiedAt       string `json:"passwordModifiedAt"`
	PaymentAccountEnrolledAt string `json:"paymentAccountEnrolledAt"`
}

type riskTransaction struct {
	Reorder           *bool      `json:"reorder"`
	PreOrderDate      string     `json:"preOrderDate"`
	FirstName         string     `json:"firstName"`
	LastName          string     `json:"lastName"`
	PhoneNumber       string     `json:"phoneNumber"`
	History           *txHist    `json:"history"`
	GiftCardsPurchase *giftCards `json:"giftCardsPurchase"`
}

type txHist struct {
	AttemptsLastDay            *int   `json:"attemptsLastDay"`
	AttemptsLastYear           *int   `json:"attemptsLastYear"`
	CompletedLastSixMonths     *int   `json:"completedLastSixMonths"`
	AddCardsLastDay            *int   `json:"addCardsLastDay"`
	ShippingAddressFirstUsedAt string `json:"shippingAddressFirstUsedAt"`
}

type giftCards struct {
	TotalValue *amount `json:"totalValue"`
	Quantity   *int    `json:"quantity"`
}

type riskShipping struct {
	NameMatchesAccountName *bool    `json:"nameMatchesAccountName"`
	Method                 string   `json:"method"`
	TimeFrame              string   `json:"timeFrame"`
	Email                  string   `json:"email"`
	Address                *address `json:"address"`
}

// windowSizes is challenge.windowSize → challengeWindowSize.
var windowSizes = map[string]emv3ds.ChallengeWindowSize{
	"250x400": "01", "390x400": "02", "500x600": "03", "600x400": "04", "fullPage": "05",
}

// preferences is challenge.preference → threeDSRequestorChallengeInd.
var preferences = map[string]emv3ds.ChallengeInd{
	"noPreference": "01", "noChallengeRequested": "02", "challengeRequested": "03", "challengeMandated": "04",
}

// shipMethods is riskData.shipping.method → merchantRiskIndicator.shipIndicator.
var shipMethods = map[string]string{
	"billingAddress": "01", "verifiedAddress": "02", "otherAddress": "03", "store": "04",
	"digital": "05", "travel": "06", "other": "07",
}

// timeFrames is riskData.shipping.timeFrame → deliveryTimeframe.
var timeFrames = map[string]string{
	"electronicDelivery": "01", "sameDay": "02", "nextDay": "03", "twoOrMoreDays": "04",
}

// accountTypes is riskData.account.type: a guest checkout maps chAccAgeInd 01.
var accountTypes = map[string]bool{"guestUser": true, "registeredUser": true}

// mapper builds the AReq and collects every failure with its JSON path.
type mapper struct {
	now   time.Time
	areq  *emv3ds.AReq
	errs  []validationError
	wsize emv3ds.ChallengeWindowSize
}

func (m *mapper) fail(name, path, msg string) {
	m.errs = append(m.errs, validationError{ErrorName: name, Message: msg, JSONPath: path})
}

// toAReq maps the authentication body into a browser AReq. The server fills
// what it owns (IDs, URLs, profile) in the use case.
func toAReq(req *authenticationRequest, now time.Time) (*emv3ds.AReq, emv3ds.ChallengeWindowSize, []validationError) {
	m := &mapper{now: now.UTC(), areq: &emv3ds.AReq{
		MessageCategory:                   emv3ds.MessageCategoryPayment,
		DeviceChannel:                     emv3ds.DeviceChannelBrowser,
		ThreeDSRequestorAuthenticationInd: "01",
		TransType:                         "01",
	}}
	m.errs = checkReference(req.TransactionReference, req.Merchant.Entity)
	if n := req.Merchant.OverrideName; n != "" {
		// Sent as merchantName (EMV: at most 40 characters); a merchant whose
		// profile refuses overrides gets a 400 naming this field.
		if len(n) > 40 {
			m.fail(stringIsTooLong, "$.merchant.overrideName", "overrideName must be at most 40 characters")
		} else {
			m.areq.MerchantName = n
		}
	}
	m.instrument(&req.Instruction.PaymentInstrument)
	m.value(req.Instruction.Value)
	m.device(&req.DeviceData)
	m.challenge(&req.Challenge)
	m.risk(&req.RiskData)
	return m.areq, m.wsize, m.errs
}

func (m *mapper) instrument(p *paymentInstrument) {
	const base = "$.instruction.paymentInstrument"
	switch p.Type {
	case "card/front":
	case "card/tokenized":
		if p.Href == "" {
			m.fail(fieldIsMissing, base+".href", "href is required for card/tokenized")
		} else {
			m.fail(fieldHasInvalidValue, base+".href", "the token could not be resolved: this server holds no token vault; send card/front")
		}
		return
	case "":
		m.fail(fieldIsMissing, base+".type", "paymentInstrument.type is required")
		return
	default:
		m.fail(fieldHasInvalidValue, base+".type", "paymentInstrument.type must be card/front or card/tokenized")
		return
	}
	pan := p.CardNumber.Reveal()
	switch {
	case pan == "":
		m.fail(fieldIsMissing, base+".cardNumber", "cardNumber is required")
	case checkPAN(pan, base+".cardNumber") != nil:
		m.errs = append(m.errs, *checkPAN(pan, base+".cardNumber"))
	default:
		m.areq.AcctNumber = p.CardNumber
	}
	if e := p.CardExpiryDate; e != nil {
		switch {
		case e.Month == nil || *e.Month < 1 || *e.Month > 12:
			m.fail(fieldHasInvalidValue, base+".cardExpiryDate.month", "month must be 1 to 12")
		case e.Year == nil || *e.Year < 2000 || *e.Year > 2099:
			m.fail(fieldHasInvalidValue, base+".cardExpiryDate.year", "year must be four digits")
		default:
			m.areq.CardExpiryDate = fmt.Sprintf("%02d%02d", *e.Year%100, *e.Month)
		}
	}
	if n := p.CardHolderName; n != "" {
		if len(n) < 2 || len(n) > 45 {
			m.fail(fieldHasInvalidValue, base+".cardHolderName", "cardHolderName must be 2 to 45 characters")
		} else {
			m.areq.CardholderName = n
		}
	}
	if a := p.BillingAddress; a != nil {
		bp := base + ".billingAddress"
		m.areq.BillAddrLine1, m.areq.BillAddrLine2, m.areq.BillAddrLine3 = m.line(bp+".address1", a.Address1), m.line(bp+".address2", a.Address2), m.line(bp+".address3", a.Address3)
		m.areq.BillAddrCity = m.line(bp+".city", a.City)
		m.areq.BillAddrPostCode = m.short(bp+".postalCode", a.PostalCode, 16)
		m.areq.BillAddrState = m.short(bp+".stateCode", stateOf(a), 3)
		m.areq.BillAddrCountry = m.country(bp+".countryCode", a.CountryCode)
	}
}

func stateOf(a *address) string {
	if a.StateCode != "" {
		return a.StateCode
	}
	return a.State
}

func (m *mapper) line(path, v string) string { return m.short(path, v, 50) }

func (m *mapper) short(path, v string, max int) string {
	if len(v) > max {
		m.fail(stringIsTooLong, path, fmt.Sprintf("must be at most %d characters", max))
		return ""
	}
	return v
}

func (m *mapper) country(path, alpha2 string) string {
	if alpha2 == "" {
		return ""
	}
	n, ok := countryNumeric[strings.ToUpper(alpha2)]
	if !ok {
		m.fail(fieldHasInvalidValue, path, "must be an ISO 3166-1 alpha-2 country code")
	}
	return n
}

func (m *mapper) value(v *amount) {
	const base = "$.instruction.value"
	if v == nil {
		m.fail(fieldIsMissing, base, "instruction.value is required")
		return
	}
	cur, ok := currencyNumeric[strings.ToUpper(v.Currency)]
	switch {
	case v.Currency == "":
		m.fail(fieldIsMissing, base+".currency", "currency is required")
	case !ok:
		m.fail(fieldHasInvalidValue, base+".currency", "currency must be an ISO 4217 alpha-3 code")
	default:
		m.areq.PurchaseCurrency, m.areq.PurchaseExponent = cur.Code, strconv.Itoa(cur.Exponent)
	}
	switch {
	case v.Amount == nil:
		m.fail(fieldIsMissing, base+".amount", "amount is required")
	case *v.Amount < 0 || *v.Amount > 999999999999:
		m.fail(fieldHasInvalidValue, base+".amount", "amount must be a whole number of minor units, 0 to 12 digits")
	default:
		m.areq.PurchaseAmount = strconv.FormatInt(*v.Amount, 10)
	}
	m.areq.PurchaseDate = m.now.Format("20060102150405")
}

func (m *mapper) device(d *deviceData) {
	const base = "$.deviceData"
	if d.AcceptHeader == "" {
		m.fail(fieldIsMissing, base+".acceptHeader", "acceptHeader is required")
	}
	if d.UserAgentHeader == "" {
		m.fail(fieldIsMissing, base+".userAgentHeader", "userAgentHeader is required")
	}
	m.areq.BrowserAcceptHeader = m.short(base+".acceptHeader", d.AcceptHeader, 2048)
	m.areq.BrowserUserAgent = m.short(base+".userAgentHeader", d.UserAgentHeader, 2048)
	m.areq.BrowserLanguage = m.short(base+".browserLanguage", d.BrowserLanguage, 35)
	m.areq.BrowserIP = m.short(base+".ipAddress", d.IPAddress, 45)
	f := false
	m.areq.BrowserJavaEnabled, m.areq.BrowserJavascriptEnabled = &f, &f
	if d.BrowserJavaEnabled != nil {
		m.areq.BrowserJavaEnabled = d.BrowserJavaEnabled
	}
	if d.BrowserJSEnabled != nil {
		m.areq.BrowserJavascriptEnabled = d.BrowserJSEnabled
	}
	m.areq.BrowserColorDepth, m.areq.BrowserScreenHeight, m.areq.BrowserScreenWidth, m.areq.BrowserTZ =
		d.BrowserColorDepth, d.BrowserScreenHeight, d.BrowserScreenWidth, d.TimeZone
	if d.CollectionReference != "" && len(d.CollectionReference) > 128 {
		m.fail(stringIsTooLong, base+".collectionReference", "must be at most 128 characters")
	}
}

func (m *mapper) challenge(c *challengeReq) {
	const base = "$.challenge"
	if c.WindowSize != "" {
		ws, ok := windowSizes[c.WindowSize]
		if !ok {
			m.fail(fieldHasInvalidValue, base+".windowSize", "windowSize must be 250x400, 390x400, 500x600, 600x400 or fullPage")
		}
		m.wsize = ws
	}
	if c.Preference != "" {
		p, ok := preferences[c.Preference]
		if !ok {
			m.fail(fieldHasInvalidValue, base+".preference", "preference must be noPreference, noChallengeRequested, challengeRequested or challengeMandated")
		}
		m.areq.ThreeDSRequestorChallengeInd = []emv3ds.ChallengeInd{p}
	}
	switch {
	case c.ReturnURL == "":
		m.fail(fieldIsMissing, base+".returnUrl", "returnUrl is required")
	case threeds.CheckReturnURL("returnUrl", c.ReturnURL) != nil:
		m.fail(fieldHasInvalidValue, base+".returnUrl", "returnUrl must be an http(s) URL of at most 2048 characters")
	}
}

func (m *mapper) risk(r *riskData) {
	if a := r.Account; a != nil {
		const base = "$.riskData.account"
		ai := m.acctInfo()
		if a.PreviousSuspiciousActivity != nil {
			ai.SuspiciousAccActivity = yesNo(*a.PreviousSuspiciousActivity, "02", "01")
		}
		if a.Type != "" && !accountTypes[a.Type] {
			m.fail(fieldHasInvalidValue, base+".type", "type must be guestUser or registeredUser")
		}
		if a.Type == "guestUser" {
			ai.ChAccAgeInd = "01"
		}
		m.areq.Email = m.short(base+".email", a.Email, 254)
		if h := a.History; h != nil {
			if d, ok := m.date(base+".history.createdAt", h.CreatedAt); ok {
				ai.ChAccDate, ai.ChAccAgeInd = d.Format("20060102"), ageInd(m.now, d)
			}
			if d, ok := m.date(base+".history.modifiedAt", h.ModifiedAt); ok {
				ai.ChAccChange, ai.ChAccChangeInd = d.Format("20060102"), changeInd(m.now, d)
			}
			if d, ok := m.date(base+".history.passwordModifiedAt", h.PasswordModifiedAt); ok {
				ai.ChAccPwChange, ai.ChAccPwChangeInd = d.Format("20060102"), ageInd(m.now, d)
			}
			if d, ok := m.date(base+".history.paymentAccountEnrolledAt", h.PaymentAccountEnrolledAt); ok {
				ai.PaymentAccAge, ai.PaymentAccInd = d.Format("20060102"), ageInd(m.now, d)
			}
		}
	}
	if t := r.Transaction; t != nil {
		const base = "$.riskData.transaction"
		mri := m.mri()
		if t.Reorder != nil {
			mri.ReorderItemsInd = yesNo(*t.Reorder, "02", "01")
		}
		if d, ok := m.date(base+".preOrderDate", t.PreOrderDate); ok {
			mri.PreOrderDate, mri.PreOrderPurchaseInd = d.Format("20060102"), "02"
		}
		// phoneNumber is checked but not sent: Worldpay sends no country
		// calling code, and the AReq's phone objects need one.
		if t.PhoneNumber != "" {
			if digits := strings.TrimPrefix(t.PhoneNumber, "+"); strings.Trim(digits, "0123456789") != "" || len(digits) > 18 {
				m.fail(fieldHasInvalidValue, base+".phoneNumber", "phoneNumber must be digits")
			}
		}
		if t.FirstName != "" && m.areq.CardholderName == "" {
			if n := strings.TrimSpace(t.FirstName + " " + t.LastName); len(n) >= 2 && len(n) <= 45 {
				m.areq.CardholderName = n
			}
		}
		if h := t.History; h != nil {
			ai := m.acctInfo()
			ai.TxnActivityDay = m.count(base+".history.attemptsLastDay", h.AttemptsLastDay, 999)
			ai.TxnActivityYear = m.count(base+".history.attemptsLastYear", h.AttemptsLastYear, 999)
			ai.NbPurchaseAccount = m.count(base+".history.completedLastSixMonths", h.CompletedLastSixMonths, 9999)
			ai.ProvisionAttemptsDay = m.count(base+".history.addCardsLastDay", h.AddCardsLastDay, 999)
			if d, ok := m.date(base+".history.shippingAddressFirstUsedAt", h.ShippingAddressFirstUsedAt); ok {
				ai.ShipAddressUsage, ai.ShipAddressUsageInd = d.Format("20060102"), changeInd(m.now, d)
			}
		}
		if g := t.GiftCardsPurchase; g != nil {
			if g.TotalValue != nil {
				if g.TotalValue.Amount == nil || *g.TotalValue.Amount < 0 {
					m.fail(fieldHasInvalidValue, base+".giftCardsPurchase.totalValue.amount", "amount must be a whole number of minor units")
				} else {
					mri.GiftCardAmount = strconv.FormatInt(*g.TotalValue.Amount, 10)
				}
				if c, ok := currencyNumeric[strings.ToUpper(g.TotalValue.Currency)]; ok {
					mri.GiftCardCurr = c.Code
				} else {
					m.fail(fieldHasInvalidValue, base+".giftCardsPurchase.totalValue.currency", "currency must be an ISO 4217 alpha-3 code")
				}
			}
			if g.Quantity != nil {
				q := *g.Quantity
				if q < 0 || q > 99 {
					m.fail(fieldHasInvalidValue, base+".giftCardsPurchase.quantity", "quantity must be 0 to 99")
				} else {
					mri.GiftCardCount = fmt.Sprintf("%02d", q)
				}
			}
		}
	}
	if s := r.Shipping; s != nil {
		const base = "$.riskData.shipping"
		mri := m.mri()
		if s.NameMatchesAccountName != nil {
			m.acctInfo().ShipNameIndicator = yesNo(*s.NameMatchesAccountName, "01", "02")
		}
		if s.Method != "" {
			if v, ok := shipMethods[s.Method]; ok {
				mri.ShipIndicator = v
			} else {
				m.fail(fieldHasInvalidValue, base+".method", "method is not one of Worldpay's shipping methods")
			}
		}
		if s.TimeFrame != "" {
			if v, ok := timeFrames[s.TimeFrame]; ok {
				mri.DeliveryTimeframe = v
			} else {
				m.fail(fieldHasInvalidValue, base+".timeFrame", "timeFrame must be electronicDelivery, sameDay, nextDay or twoOrMoreDays")
			}
		}
		mri.DeliveryEmailAddress = m.short(base+".email", s.Email, 254)
		if a := s.Address; a != nil {
			ap := base + ".address"
			m.areq.ShipAddrLine1, m.areq.ShipAddrLine2, m.areq.ShipAddrLine3 = m.line(ap+".address1", a.Address1), m.line(ap+".address2", a.Address2), m.line(ap+".address3", a.Address3)
			m.areq.ShipAddrCity = m.line(ap+".city", a.City)
			m.areq.ShipAddrPostCode = m.short(ap+".postalCode", a.PostalCode, 16)
			m.areq.ShipAddrState = m.short(ap+".stateCode", stateOf(a), 3)
			m.areq.ShipAddrCountry = m.country(ap+".countryCode", a.CountryCode)
		}
	}
}

func (m *mapper) acctInfo() *emv3ds.AcctInfo {
	if m.areq.AcctInfo == nil {
		m.areq.AcctInfo = &emv3ds.AcctInfo{}
	}
	return m.areq.AcctInfo
}

func (m *mapper) mri() *emv3ds.MerchantRiskIndicator {
	if m.areq.MerchantRiskIndicator == nil {
		m.areq.MerchantRiskIndicator = &emv3ds.MerchantRiskIndicator{}
	}
	return m.areq.MerchantRiskIndicator
}

func (m *mapper) date(path, v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		m.fail(fieldHasInvalidValue, path, "must be a date YYYY-MM-DD")
		return time.Time{}, false
	}
	return d, true
}

func (m *mapper) count(path string, v *int, max int) string {
	if v == nil {
		return ""
	}
	if *v < 0 || *v > max {
		m.fail(fieldHasInvalidValue, path, fmt.Sprintf("must be 0 to %d", max))
		return ""
	}
	return strconv.Itoa(*v)
}

func yesNo(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

// ageInd is the 01–05 indicator of a date before now (chAccAgeInd,
// chAccPwChangeInd, paymentAccInd): 02 during this transaction, 03 < 30
// days, 04 30–60 days, 05 > 60 days (01, none, is never a date).
func ageInd(now, d time.Time) string {
	days := int(now.Sub(d).Hours() / 24)
	switch {
	case days < 1:
		return "02"
	case days < 30:
		return "03"
	case days <= 60:
		return "04"
	default:
		return "05"
	}
}

// changeInd is the 01–04 indicator (chAccChangeInd, shipAddressUsageInd):
// 01 this transaction, 02 < 30 days, 03 30–60 days, 04 > 60 days.
func changeInd(now, d time.Time) string {
	days := int(now.Sub(d).Hours() / 24)
	switch {
	case days < 1:
		return "01"
	case days < 30:
		return "02"
	case days <= 60:
		return "03"
	default:
		return "04"
	}
}
