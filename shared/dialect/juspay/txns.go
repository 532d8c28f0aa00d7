package juspay

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
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

// TxnRoutes are the dialect's routes of the auth step: the authentication
// request, which carries the order's client_auth_token instead of an API
// key (the authorizer does not guard it).
func TxnRoutes(orders OrderStore, pre Preauther, auth Authenticator, log *slog.Logger) []apigw.Route {
	h := txnHandler{orders: orders, pre: pre, auth: auth, log: log, now: time.Now}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, "/txns", Errors{}, h.Handle)}
}

type txnHandler struct {
	orders OrderStore
	pre    Preauther
	auth   Authenticator
	log    *slog.Logger
	now    func() time.Time
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

// card is the new-card shape of /txns: never logged, never stored (the
// PAN goes to the flows, which keep only its hash and BIN/last four).
type card struct {
	number emv3ds.PAN
	expiry string // YYMM
	name   string
}

func (h txnHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	p, err := params(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	cd, err := parseTxn(p, h.now())
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	o, err := h.authorize(ctx, p)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if o.TxID != "" {
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("order_id", "already has an authentication transaction", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), about)
	}
	pre, err := h.pre.Preauth(ctx, o.MerchantID, threeds.PreauthInput{AcctNumber: cd.number, CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, cardErr(err), about)
	}
	txID := pre.ThreeDSServerTransID
	about.ThreeDSServerTransID = txID
	// Link the transaction to its order before the AReq: the order status
	// is PENDING_VBV from here on, and the webhook finds its order.
	link, _ := json.Marshal(txnLink{MerchantID: o.MerchantID, OrderID: o.OrderID})
	if _, _, err := h.orders.CreateDialectRecord(ctx, kindTxn, "", txID, link, o.ExpiresAt); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var claimed bool
	_, _, err = h.orders.UpdateDialectRecord(ctx, kindOrder, o.MerchantID, o.OrderID, o.ExpiresAt, func(b []byte) ([]byte, error) {
		var cur Order
		if err := json.Unmarshal(b, &cur); err != nil {
			return nil, err
		}
		claimed = cur.TxID == ""
		if !claimed {
			return b, nil
		}
		cur.TxID, cur.TxnUUID = txID, "txn_"+strings.ReplaceAll(txID, "-", "")
		cur.TxnID = cur.OrderID + "-1"
		cur.CardBrand, cur.CardISIN, cur.CardLastFour = brand(pre.Scheme), cd.number.BIN(), cd.number.Last4()
		*o = cur
		return json.Marshal(cur)
	})
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if !claimed {
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("order_id", "already has an authentication transaction", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), about)
	}
	areq := o.areq(txID, cd, p, ev, h.now())
	// After a challenge the browser comes back through our return route,
	// which redirects it to return_url with the signed parameters.
	returnURL := ""
	if o.ReturnURL != "" {
		returnURL = apigw.BaseURL(ev) + ReturnPath
	}
	out, err := h.auth.Authenticate(ctx, o.MerchantID, threeds.AuthInput{AReq: &areq, ReturnURL: returnURL,
		CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, cardErr(err), about)
	}
	resp := txnResponse{OrderID: o.OrderID, TxnID: o.TxnID, TxnUUID: o.TxnUUID, Status: "PENDING_VBV"}
	if out.ChallengeRequest != "" {
		// The browser posts the CReq to the ACS; the CRes comes back to our
		// challenge callback, which returns the browser to return_url.
		resp.Payment.Authentication = txnAuthentication{Method: "POST", URL: out.ARes.ACSURL,
			Params: map[string]string{"creq": out.ChallengeRequest, "threeDSSessionData": out.SessionData}}
	} else {
		m, err := merchantMapping(ctx, h.orders, o.JuspayMID)
		if err != nil || m == nil {
			return apigw.Error(ctx, h.log, Errors{}, errOr(err), about)
		}
		st, sid := frictionlessStatus(out.ARes.TransStatus)
		resp.Payment.Authentication = txnAuthentication{Method: "GET", URL: SignedReturnURL(o.ReturnURL, m.ResponseKey, o.OrderID, st, sid)}
	}
	h.log.InfoContext(ctx, "juspay txn", slog.String("threeDSServerTransID", txID), slog.String("merchantId", o.MerchantID),
		slog.String("transStatus", string(out.ARes.TransStatus)), slog.Bool("challenge", out.ChallengeRequest != ""), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, resp)
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
	m, err := merchantMapping(ctx, h.orders, p["merchant_id"])
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, apigw.ErrUnauthenticated
	}
	b, ok, err := h.orders.GetDialectRecord(ctx, kindOrder, m.MerchantID, p["order_id"])
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

// parseTxn checks a /txns call's parameters, reporting every failure.
func parseTxn(p map[string]string, now time.Time) (card, error) {
	var c checks
	for _, f := range []string{"order_id", "merchant_id", "client_auth_token"} {
		if p[f] == "" {
			c.fail(f, "is required", emv3ds.ErrMissing)
		}
	}
	if p["order_id"] != "" && !orderIDFormat.Valid(p["order_id"]) {
		c.fail("order_id", orderIDFormat.Rule, emv3ds.ErrFormat)
	}
	if v := p["payment_method_type"]; v != "" && v != "CARD" {
		c.fail("payment_method_type", "must be CARD", emv3ds.ErrFormat)
	}
	if p["card_token"] != "" {
		c.fail("card_token", "saved (tokenized) cards are not supported: send the new-card fields", emv3ds.ErrFormat)
	}
	var cd card
	switch n := p["card_number"]; {
	case n == "":
		c.fail("card_number", "is required", emv3ds.ErrMissing)
	case len(n) < 13 || len(n) > 19 || !digits.MatchString(n):
		c.fail("card_number", "must be 13 to 19 digits", emv3ds.ErrFormat)
	default:
		cd.number = emv3ds.PAN(n)
	}
	mm, yy := p["card_exp_month"], p["card_exp_year"]
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
	if cvv := p["card_security_code"]; cvv != "" && (len(cvv) < 3 || len(cvv) > 4 || !digits.MatchString(cvv)) {
		c.fail("card_security_code", "must be 3 or 4 digits", emv3ds.ErrFormat)
	}
	if n := p["name_on_card"]; n != "" {
		if len(n) < 2 || len(n) > 45 {
			c.fail("name_on_card", "must be 2 to 45 characters", emv3ds.ErrFormat)
		}
		cd.name = n
	}
	if f := p["format"]; f != "" && f != "json" {
		c.fail("format", "must be json", emv3ds.ErrFormat)
	}
	_ = now
	return cd, c.err()
}

func leftPad(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// areq is the AReq of an order's authentication: the order's amount,
// currency and acquirer details, the card, and the browser that called
// /txns (its headers, and the browser_* parameters when the page sends them).
func (o *Order) areq(txID string, cd card, p map[string]string, ev events.APIGatewayProxyRequest, now time.Time) emv3ds.AReq {
	cur := currencies[o.Currency]
	minor, _ := minorUnits(o.Amount, cur.exponent)
	a := o.overrides()
	a.ThreeDSServerTransID = txID
	a.MessageCategory, a.DeviceChannel, a.ThreeDSRequestorAuthenticationInd = "01", "02", "01"
	a.PurchaseAmount, a.PurchaseCurrency, a.PurchaseExponent = minor, cur.numeric, strconv.Itoa(cur.exponent)
	a.PurchaseDate, a.TransType = now.UTC().Format("20060102150405"), "01"
	a.AcctNumber, a.CardExpiryDate, a.CardholderName = cd.number, cd.expiry, cd.name
	a.Email = o.CustomerEmail
	get := func(name, header, def string) string {
		if v := p[name]; v != "" {
			return v
		}
		if header != "" {
			if v := apigw.Header(ev, header); v != "" {
				return v
			}
		}
		return def
	}
	t, f := true, false
	a.BrowserAcceptHeader = get("browser_accept_header", "Accept", "text/html")
	a.BrowserUserAgent = get("browser_user_agent", "User-Agent", "unknown")
	a.BrowserLanguage = get("browser_language", "", firstLanguage(apigw.Header(ev, "Accept-Language")))
	a.BrowserIP = get("browser_ip", "", ev.RequestContext.Identity.SourceIP)
	a.BrowserColorDepth = get("browser_color_depth", "", "24")
	a.BrowserScreenHeight = get("browser_screen_height", "", "1080")
	a.BrowserScreenWidth = get("browser_screen_width", "", "1920")
	a.BrowserTZ = get("browser_tz", "", "0")
	a.BrowserJavaEnabled, a.BrowserJavascriptEnabled = &f, &t
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
		"purchaseAmount": "amount", "purchaseCurrency": "currency", "email": "customer_email"}
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
