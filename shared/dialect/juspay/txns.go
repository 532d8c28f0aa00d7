package juspay

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Preauther is the preauth use case (threeds.PreauthService).
type Preauther interface {
	Preauth(ctx context.Context, merchantID string, in threeds.PreauthInput) (*threeds.PreauthOutput, error)
}

// Authenticator is the authentication use case (threeds.AuthService).
type Authenticator interface {
	Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
}

// Sealer seals the card between /txns and the hosted page's AReq
// (vault.Vault): the card rides sealed in the page's form, never stored.
type Sealer interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// SavedCard is the card a CardResolver found for a card_token.
type SavedCard struct {
	Number     emv3ds.PAN
	ExpMonth   string // 1–12
	ExpYear    string // YY or YYYY
	NameOnCard string
}

// CardResolver resolves the card_token of the saved-card shape of /txns
// (the merchant's card locker). This server stores no PANs, so it has no
// locker of its own: without a resolver a card_token is a 400 naming
// card_token.
type CardResolver interface {
	// ResolveCardToken returns the card of token for our merchant and the
	// order's customer_id; ErrUnknownCardToken when there is none.
	ResolveCardToken(ctx context.Context, merchantID, customerID, token string) (*SavedCard, error)
}

// ErrUnknownCardToken is a CardResolver's answer for a token it does not know.
var ErrUnknownCardToken = errors.New("juspay: unknown card token")

// TxnDeps are what the /txns routes need.
type TxnDeps struct {
	Orders    OrderStore
	Merchants MerchantReader // the hosted page's frame-ancestors
	Preauth   Preauther
	Auth      Authenticator
	Results   ResultReader // an earlier attempt's outcome
	Sealer    Sealer
	// Cards resolves saved-card tokens; nil: card_token is refused.
	Cards CardResolver
	Log   *slog.Logger
}

// TxnRoutes are the dialect's routes of the auth step: the authentication
// request, which carries the order's client_auth_token instead of an API
// key (the authorizer does not guard it), and the hosted authentication
// page (AuthenticatePath), authenticated by the sealed session /txns gave it.
func TxnRoutes(d TxnDeps) []apigw.Route {
	h := txnHandler{TxnDeps: d, now: time.Now}
	return []apigw.Route{
		apigw.Post(apigw.StepAuth, Name, AuthenticatePath, Errors{}, h.Page),
		apigw.Post(apigw.StepAuth, Name, "/txns", Errors{}, h.Handle),
	}
}

type txnHandler struct {
	TxnDeps
	now func() time.Time
}

type txnResponse struct {
	OrderID string     `json:"order_id"`
	TxnID   string     `json:"txn_id"`
	TxnUUID string     `json:"txn_uuid"`
	Status  string     `json:"status"`
	Payment txnPayment `json:"payment"`
}

type txnPayment struct {
	Authentication txnAuthentication `json:"authentication"`
}

type txnAuthentication struct {
	Method string            `json:"method"`
	URL    string            `json:"url"`
	Params map[string]string `json:"params,omitempty"`
}

// card is the card of a /txns call: never logged, never stored (the PAN
// goes to the flows, which keep only its hash and BIN/last four, and
// sealed into the hosted page's session).
type card struct {
	number emv3ds.PAN
	expiry string // YYMM
	name   string
}

// txnRequest is a checked /txns call: the new-card shape (card) or the
// saved-card shape (token).
type txnRequest struct {
	card  card
	token string
}

// Handle answers /txns. The card is checked and the transaction opened
// (the card range: versions, 3DS Method); then either
//   - a JSON client (format=json or Accept: application/json) that sent the
//     browser fields, for a card range without 3DS Method: the AReq goes at
//     once; frictionless, payment.authentication is the signed return_url
//     (no page at all); a challenge, the ACS's URL with creq;
//   - anyone else: our hosted page (POST AuthenticatePath with the sealed
//     session), which collects the browser data, runs the 3DS Method, sends
//     the AReq and the challenge; a browser that posted /txns as a form
//     gets that page as the answer.
func (h txnHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	fail := func(err error) apigw.Response { return apigw.Error(ctx, h.Log, Errors{}, err, about) }
	p, err := params(ev)
	if err != nil {
		return fail(err)
	}
	req, err := parseTxn(p)
	if err != nil {
		return fail(err)
	}
	o, err := h.authorize(ctx, p)
	if err != nil {
		return fail(err)
	}
	if req.token != "" {
		if h.Cards == nil {
			return fail(fieldErr("card_token", "saved cards are not available: this server keeps no card locker (no card_token resolver is configured); send the new-card fields", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
		}
		sc, err := h.Cards.ResolveCardToken(ctx, o.MerchantID, o.CustomerID, req.token)
		if errors.Is(err, ErrUnknownCardToken) {
			return fail(fieldErr("card_token", "is unknown or expired", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
		}
		if err != nil {
			return fail(err)
		}
		if req.card, err = savedCard(sc); err != nil {
			return fail(err)
		}
	}
	// A new attempt while the order is not SUCCESS; after SUCCESS, refused.
	prev := o.TxID
	if prev != "" {
		res, err := h.resultOf(ctx, o.MerchantID, prev)
		if err != nil {
			return fail(err)
		}
		if StatusBody(o, res).Status == "SUCCESS" {
			return fail(fieldErr("order_id", "is already authenticated (status SUCCESS): create a new order to authenticate again", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
		}
	}
	pre, err := h.Preauth.Preauth(ctx, o.MerchantID, threeds.PreauthInput{AcctNumber: req.card.number, CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if err != nil {
		return fail(cardErr(err))
	}
	txID := pre.ThreeDSServerTransID
	about.ThreeDSServerTransID = txID
	n := o.Attempts + 1
	l := txnLink{MerchantID: o.MerchantID, OrderID: o.OrderID, TxnID: o.OrderID + "-" + strconv.Itoa(n),
		TxnUUID: "txn_" + strings.ReplaceAll(txID, "-", ""), CardBrand: brand(pre.Scheme), CardISIN: req.card.number.BIN(), CardLastFour: req.card.number.Last4()}
	// Link the transaction to its order before the AReq: the order status
	// is PENDING_VBV from here on, and the webhook finds its order.
	link, _ := json.Marshal(l)
	if _, _, err := h.Orders.CreateDialectRecord(ctx, kindTxn, "", txID, link, o.ExpiresAt); err != nil {
		return fail(err)
	}
	var claimed bool
	_, _, err = h.Orders.UpdateDialectRecord(ctx, kindOrder, o.MerchantID, o.OrderID, o.ExpiresAt, func(b []byte) ([]byte, error) {
		var cur Order
		if err := json.Unmarshal(b, &cur); err != nil {
			return nil, err
		}
		claimed = cur.TxID == prev // no other attempt started since we looked
		if !claimed {
			return b, nil
		}
		cur.Attempts, cur.TxID, cur.TxnID, cur.TxnUUID = n, txID, l.TxnID, l.TxnUUID
		cur.CardBrand, cur.CardISIN, cur.CardLastFour = l.CardBrand, l.CardISIN, l.CardLastFour
		*o = cur
		return json.Marshal(cur)
	})
	if err != nil {
		return fail(err)
	}
	if !claimed {
		return fail(fieldErr("order_id", "has another authentication attempt starting at the same time: try again", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
	}
	resp := txnResponse{OrderID: o.OrderID, TxnID: o.TxnID, TxnUUID: o.TxnUUID, Status: "PENDING_VBV"}
	wantsJSON := wantsJSON(p, ev)
	if b, complete := browserFromTxns(p, ev); wantsJSON && complete && pre.ThreeDSMethodURL == "" {
		auth, err := h.authenticate(ctx, ev, o, txID, req.card, b)
		if err != nil {
			return fail(err)
		}
		resp.Payment.Authentication = auth
		h.Log.InfoContext(ctx, "juspay txn", slog.String("threeDSServerTransID", txID), slog.String("merchantId", o.MerchantID),
			slog.Int("attempt", n), slog.Bool("hostedPage", false), slog.Int("status", http.StatusOK))
		return apigw.JSON(http.StatusOK, resp)
	}
	sess, err := h.seal(pageSession{TxID: txID, MerchantID: o.MerchantID, OrderID: o.OrderID, PAN: req.card.number.Reveal(),
		Expiry: req.card.expiry, Name: req.card.name, MethodURL: pre.ThreeDSMethodURL, MethodData: pre.ThreeDSMethodData,
		Exp: h.now().Add(tokenLifetime).Unix()})
	if err != nil {
		return fail(err)
	}
	h.Log.InfoContext(ctx, "juspay txn", slog.String("threeDSServerTransID", txID), slog.String("merchantId", o.MerchantID),
		slog.Int("attempt", n), slog.Bool("hostedPage", true), slog.Bool("threeDSMethod", pre.ThreeDSMethodURL != ""), slog.Int("status", http.StatusOK))
	if !wantsJSON {
		// A browser posted /txns itself: the page is the answer.
		return h.renderPage(ctx, ev, o, sess, pre.ThreeDSMethodURL, pre.ThreeDSMethodData, txID)
	}
	resp.Payment.Authentication = txnAuthentication{Method: http.MethodPost, URL: apigw.BaseURL(ev) + AuthenticatePath,
		Params: map[string]string{"session": sess}}
	return apigw.JSON(http.StatusOK, resp)
}

// authenticate sends the AReq of an attempt with browser b and answers
// where the browser goes next: the ACS with its creq (POST), or the signed
// return_url (GET) when the result is frictionless.
func (h txnHandler) authenticate(ctx context.Context, ev events.APIGatewayProxyRequest, o *Order, txID string, cd card, b browserInfo) (txnAuthentication, error) {
	areq := o.areq(txID, cd, b, h.now())
	// After a challenge the browser comes back through our return route,
	// which sends it on to return_url with the signed parameters.
	returnURL := ""
	if o.ReturnURL != "" {
		returnURL = apigw.BaseURL(ev) + ReturnPath
	}
	out, err := h.Auth.Authenticate(ctx, o.MerchantID, threeds.AuthInput{AReq: &areq, ReturnURL: returnURL,
		CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if err != nil {
		return txnAuthentication{}, cardErr(err)
	}
	h.Log.InfoContext(ctx, "juspay areq", slog.String("threeDSServerTransID", txID), slog.String("merchantId", o.MerchantID),
		slog.String("transStatus", string(out.ARes.TransStatus)), slog.Bool("challenge", out.ChallengeRequest != ""))
	if out.ChallengeRequest != "" {
		// The browser posts the CReq to the ACS; the CRes comes back to our
		// challenge callback, which returns the browser to return_url.
		return txnAuthentication{Method: http.MethodPost, URL: out.ARes.ACSURL,
			Params: map[string]string{"creq": out.ChallengeRequest, "threeDSSessionData": out.SessionData}}, nil
	}
	m, err := merchantMapping(ctx, h.Orders, o.JuspayMID)
	if err != nil || m == nil {
		return txnAuthentication{}, errOr(err)
	}
	st, sid := frictionlessStatus(out.ARes.TransStatus)
	return txnAuthentication{Method: http.MethodGet, URL: SignedReturnURL(o.ReturnURL, m.ResponseKey, o.OrderID, st, sid)}, nil
}

func (h txnHandler) resultOf(ctx context.Context, merchantID, txID string) (*threeds.ResultOutput, error) {
	res, err := h.Results.Result(ctx, merchantID, txID)
	if isNotFound(err) {
		return nil, nil
	}
	return res, err
}

// wantsJSON: Juspay's format=json, or a client that accepts JSON (and not
// HTML first, as browsers do).
func wantsJSON(p map[string]string, ev events.APIGatewayProxyRequest) bool {
	if p["format"] == "json" {
		return true
	}
	for _, part := range strings.Split(apigw.Header(ev, "Accept"), ",") {
		mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part))
		switch mt {
		case "application/json":
			return true
		case "text/html", "application/xhtml+xml":
			return false
		}
	}
	return false
}

func errOr(err error) error {
	if err != nil {
		return err
	}
	return apigw.ErrUnauthenticated
}

// authorize finds the order of a /txns call and checks its client token
// (constant time, unexpired). Every refusal is the same 401.
func (h txnHandler) authorize(ctx context.Context, p map[string]string) (*Order, error) {
	m, err := merchantMapping(ctx, h.Orders, p["merchant_id"])
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, apigw.ErrUnauthenticated
	}
	b, ok, err := h.Orders.GetDialectRecord(ctx, kindOrder, m.MerchantID, p["order_id"])
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, apigw.ErrUnauthenticated
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(p["client_auth_token"])), []byte(o.TokenHash)) != 1 || h.now().After(o.TokenExpiry) {
		return nil, apigw.ErrUnauthenticated
	}
	return &o, nil
}

var cardTokenFormat = regexp.MustCompile(`^[A-Za-z0-9_\-]{1,128}$`)

// parseTxn checks a /txns call's parameters, reporting every failure: the
// common ones, then the new-card shape (card_number, card_exp_month,
// card_exp_year, name_on_card, card_security_code) or the saved-card shape
// (card_token, card_security_code).
func parseTxn(p map[string]string) (txnRequest, error) {
	var c checks
	for _, f := range []string{"order_id", "merchant_id", "client_auth_token"} {
		if p[f] == "" {
			c.fail(f, "is required", emv3ds.ErrMissing)
		}
	}
	if p["order_id"] != "" && !orderIDFormat.Valid(p["order_id"]) {
		c.fail("order_id", orderIDFormat.Rule, emv3ds.ErrFormat)
	}
	if len(p["merchant_id"]) > 64 {
		c.fail("merchant_id", "must be at most 64 characters", emv3ds.ErrFormat)
	}
	if v := p["payment_method_type"]; v != "" && v != "CARD" {
		c.fail("payment_method_type", "must be CARD", emv3ds.ErrFormat)
	}
	if cvv := p["card_security_code"]; cvv != "" && (len(cvv) < 3 || len(cvv) > 4 || !digits.MatchString(cvv)) {
		c.fail("card_security_code", "must be 3 or 4 digits", emv3ds.ErrFormat)
	}
	if f := p["format"]; f != "" && f != "json" {
		c.fail("format", "must be json", emv3ds.ErrFormat)
	}
	if v := p["redirect_after_payment"]; v != "" && v != "true" && v != "false" {
		c.fail("redirect_after_payment", "must be true or false", emv3ds.ErrFormat)
	}
	var r txnRequest
	switch tok := p["card_token"]; {
	case tok != "" && p["card_number"] != "":
		c.fail("card_token", "and card_number are two shapes: send one", emv3ds.ErrFormat)
	case tok != "":
		if !cardTokenFormat.MatchString(tok) {
			c.fail("card_token", "must be 1 to 128 letters, digits, - or _", emv3ds.ErrFormat)
		}
		for _, f := range []string{"card_exp_month", "card_exp_year"} {
			if p[f] != "" {
				c.fail(f, "belongs to the new-card shape, not with card_token", emv3ds.ErrFormat)
			}
		}
		r.token = tok
	default:
		r.card = checkCard(&c, "card_number", p["card_number"], p["card_exp_month"], p["card_exp_year"], p["name_on_card"])
	}
	return r, c.err()
}

// checkCard checks the new-card fields (also a resolved saved card's).
func checkCard(c *checks, numberField, n, mm, yy, name string) card {
	var cd card
	switch {
	case n == "":
		c.fail(numberField, "is required", emv3ds.ErrMissing)
	case len(n) < 13 || len(n) > 19 || !digits.MatchString(n):
		c.fail(numberField, "must be 13 to 19 digits", emv3ds.ErrFormat)
	default:
		cd.number = emv3ds.PAN(n)
	}
	month, err := strconv.Atoi(mm)
	switch {
	case mm == "":
		c.fail("card_exp_month", "is required", emv3ds.ErrMissing)
	case err != nil || len(mm) > 2 || month < 1 || month > 12:
		c.fail("card_exp_month", "must be 01 to 12", emv3ds.ErrFormat)
	}
	switch {
	case yy == "":
		c.fail("card_exp_year", "is required", emv3ds.ErrMissing)
	case !digits.MatchString(yy) || (len(yy) != 2 && len(yy) != 4):
		c.fail("card_exp_year", "must be YY or YYYY", emv3ds.ErrFormat)
	}
	if month >= 1 && month <= 12 && digits.MatchString(yy) && (len(yy) == 2 || len(yy) == 4) {
		cd.expiry = yy[len(yy)-2:] + leftPad(strconv.Itoa(month))
	}
	if name != "" {
		if len(name) < 2 || len(name) > 45 {
			c.fail("name_on_card", "must be 2 to 45 characters", emv3ds.ErrFormat)
		}
		cd.name = name
	}
	return cd
}

// savedCard checks a resolver's card like a new card's fields; a flaw is
// the token's (the locker's card is not the client's to fix).
func savedCard(sc *SavedCard) (card, error) {
	if sc == nil {
		return card{}, fieldErr("card_token", "is unknown or expired", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	var c checks
	cd := checkCard(&c, "card_token", sc.Number.Reveal(), sc.ExpMonth, sc.ExpYear, sc.NameOnCard)
	if c.err() != nil {
		return card{}, fieldErr("card_token", "resolves to a card that cannot be authenticated", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat)
	}
	return cd, nil
}

func leftPad(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// browserInfo is the cardholder's browser as the AReq describes it.
type browserInfo struct {
	accept, userAgent, language, ip, colorDepth, screenHeight, screenWidth, tz string
	java, javascript                                                           bool
}

// browserFromTxns reads the browser of a /txns call: its browser_*
// parameters, else its headers (User-Agent, Accept, Accept-Language).
// complete is false unless the call described the screen, colour depth,
// time zone and language itself: then only the hosted page can.
func browserFromTxns(p map[string]string, ev events.APIGatewayProxyRequest) (browserInfo, bool) {
	b := browserFields(p, ev)
	if v := p["browser_user_agent"]; v != "" {
		b.userAgent = v
	}
	if v := p["browser_accept_header"]; v != "" {
		b.accept = v
	}
	complete := true
	for _, f := range []string{"browser_screen_width", "browser_screen_height", "browser_color_depth", "browser_tz", "browser_language"} {
		if p[f] == "" {
			complete = false
		}
	}
	return b, complete && b.userAgent != ""
}

// browserFields are the browser_* parameters (the page's, or /txns'), with
// the request's headers and source IP for what a page cannot see.
func browserFields(p map[string]string, ev events.APIGatewayProxyRequest) browserInfo {
	b := browserInfo{accept: apigw.Header(ev, "Accept"), userAgent: apigw.Header(ev, "User-Agent"),
		language: p["browser_language"], ip: ev.RequestContext.Identity.SourceIP, colorDepth: p["browser_color_depth"],
		screenHeight: p["browser_screen_height"], screenWidth: p["browser_screen_width"], tz: p["browser_tz"],
		java: p["browser_java_enabled"] == "true", javascript: p["browser_javascript_enabled"] != "false"}
	if b.language == "" {
		b.language = firstLanguage(apigw.Header(ev, "Accept-Language"))
	}
	if v := p["browser_ip"]; v != "" {
		b.ip = v
	}
	if b.accept == "" {
		b.accept = "*/*"
	}
	return b
}

// areq is the AReq of an order's authentication: the order's amount,
// currency and acquirer details, the card, and the cardholder's browser.
func (o *Order) areq(txID string, cd card, b browserInfo, now time.Time) emv3ds.AReq {
	cur := currencies[o.Currency]
	minor, _ := minorUnits(o.Amount, cur.exponent)
	a := o.overrides()
	a.ThreeDSServerTransID = txID
	a.MessageCategory, a.DeviceChannel, a.ThreeDSRequestorAuthenticationInd = "01", "02", "01"
	a.PurchaseAmount, a.PurchaseCurrency, a.PurchaseExponent = minor, cur.numeric, strconv.Itoa(cur.exponent)
	a.PurchaseDate, a.TransType = now.UTC().Format("20060102150405"), "01"
	a.AcctNumber, a.CardExpiryDate, a.CardholderName = cd.number, cd.expiry, cd.name
	a.Email = o.CustomerEmail
	java, js := b.java, b.javascript
	a.BrowserAcceptHeader, a.BrowserUserAgent, a.BrowserLanguage, a.BrowserIP = b.accept, b.userAgent, b.language, b.ip
	a.BrowserJavaEnabled, a.BrowserJavascriptEnabled = &java, &js
	if js {
		a.BrowserColorDepth, a.BrowserScreenHeight, a.BrowserScreenWidth, a.BrowserTZ = b.colorDepth, b.screenHeight, b.screenWidth, b.tz
	}
	return a
}

func firstLanguage(h string) string {
	l, _, _ := strings.Cut(h, ",")
	l, _, _ = strings.Cut(l, ";")
	l = strings.TrimSpace(l)
	if l == "" || len(l) > 8 {
		return "en"
	}
	return l
}

// cardErr names the card parameter where the flows name the AReq element.
func cardErr(err error) error {
	var verr *emv3ds.ValidationError
	if !errors.As(err, &verr) {
		return err
	}
	names := map[string]string{"acctNumber": "card_number", "cardExpiryDate": "card_exp_year", "cardholderName": "name_on_card",
		"acquirerBIN": "acquirer_details.acquirerBin", "acquirerMerchantID": "acquirer_details.acquirerMerchantId",
		"merchantName": "acquirer_details.merchantName", "mcc": "acquirer_details.mcc", "merchantCountryCode": "acquirer_details.acquirerCountryCode",
		"purchaseAmount": "amount", "purchaseCurrency": "currency", "email": "customer_email",
		"browserColorDepth": "browser_color_depth", "browserScreenHeight": "browser_screen_height", "browserScreenWidth": "browser_screen_width",
		"browserTZ": "browser_tz", "browserLanguage": "browser_language", "browserUserAgent": "browser_user_agent",
		"browserAcceptHeader": "browser_accept_header", "browserIP": "browser_ip"}
	out := &emv3ds.ValidationError{}
	for _, f := range verr.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields = append(out.Fields, f)
	}
	return out
}

func brand(s emv3ds.Scheme) string { return strings.ToUpper(string(s)) }

func frictionlessStatus(ts emv3ds.TransStatus) (string, int) {
	if ts == "Y" || ts == "A" {
		return "SUCCESS", statusIDSuccess
	}
	return "FAILED", statusIDFailed
}
