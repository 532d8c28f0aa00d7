package juspay

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
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

// MerchantReader reads merchant profiles (threeds.MerchantStore).
type MerchantReader interface {
	GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error)
}

// Retention of an order record (and its link to the transaction): the
// result retention of the transactions (threeds.DefaultRetention().Result).
var orderRetention = threeds.DefaultRetention().Result

// tokenLifetime is how long a client_auth_token opens /txns.
const tokenLifetime = 15 * time.Minute

// Order status ids (Juspay's numeric statuses).
const (
	statusIDCreated    = 1
	statusIDNew        = 10
	statusIDSuccess    = 21
	statusIDPendingVBV = 23
	statusIDFailed     = 26
)

var orderIDFormat = threeds.ReferenceFormat(1, 21)

// OrderRoutes are the dialect's routes of the preauth step: order create.
func OrderRoutes(orders OrderStore, merchants MerchantReader, log *slog.Logger) []apigw.Route {
	h := orderHandler{orders: orders, merchants: merchants, log: log, now: time.Now}
	return []apigw.Route{apigw.Post(apigw.StepPreauth, Name, "/orders", Errors{}, h.Handle)}
}

type orderHandler struct {
	orders    OrderStore
	merchants MerchantReader
	log       *slog.Logger
	now       func() time.Time
}

type orderCreateResponse struct {
	Status       string            `json:"status"`
	StatusID     int               `json:"status_id"`
	ID           string            `json:"id"`
	OrderID      string            `json:"order_id"`
	PaymentLinks map[string]any    `json:"payment_links"`
	Juspay       map[string]string `json:"juspay"`
}

// authMerchant is the merchant of a server-to-server call: the authorizer's
// (Basic credentials), whose Juspay merchant id must be x-merchantid.
func authMerchant(ctx context.Context, orders OrderStore, ev events.APIGatewayProxyRequest) (string, *MerchantMapping, error) {
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return "", nil, err
	}
	mid := apigw.Header(ev, "x-merchantid")
	if mid == "" || len(mid) > 64 {
		return "", nil, apigw.ErrUnauthenticated
	}
	m, err := merchantMapping(ctx, orders, mid)
	if err != nil {
		return "", nil, err
	}
	if m == nil || subtle.ConstantTimeCompare([]byte(m.MerchantID), []byte(merchantID)) != 1 {
		return "", nil, apigw.ErrUnauthenticated
	}
	return merchantID, m, nil
}

func merchantMapping(ctx context.Context, orders OrderStore, juspayMID string) (*MerchantMapping, error) {
	b, ok, err := orders.GetDialectRecord(ctx, kindMerchant, "", juspayMID)
	if err != nil || !ok {
		return nil, err
	}
	var m MerchantMapping
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("juspay merchant record: %w", err)
	}
	return &m, nil
}

func (h orderHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, _, err := authMerchant(ctx, h.orders, ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	p, err := params(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	o, err := parseOrder(p)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	merchant, err := h.merchants.GetMerchant(ctx, merchantID)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	// acquirer_details override the profile for this order, under the
	// merchant's profile-override policy: refused here, at order create,
	// when the policy forbids a value that differs from the profile.
	areq := o.overrides()
	if err := threeds.CheckProfileOverrides(&areq, merchant); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, cardErr(err), about)
	}
	now := h.now().UTC()
	o.MerchantID, o.JuspayMID = merchantID, apigw.Header(ev, "x-merchantid")
	o.ID = "ordeh_" + randomHex(16)
	token := "tkn_" + randomToken()
	o.TokenHash, o.TokenExpiry = hashToken(token), now.Add(tokenLifetime)
	o.CreatedAt, o.ExpiresAt = now, now.Add(orderRetention)
	body, err := json.Marshal(o)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	existing, created, err := h.orders.CreateDialectRecord(ctx, kindOrder, merchantID, o.OrderID, body, o.ExpiresAt)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if !created {
		var old Order
		if err := json.Unmarshal(existing, &old); err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		if old.RequestHash != o.RequestHash {
			return apigw.Error(ctx, h.log, Errors{}, fieldErr("order_id", "already used for an order with other details", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), about)
		}
		// The same order again: the same order, a fresh client token for it.
		now := h.now().UTC()
		updated, _, err := h.orders.UpdateDialectRecord(ctx, kindOrder, merchantID, o.OrderID, old.ExpiresAt, func(b []byte) ([]byte, error) {
			var cur Order
			if err := json.Unmarshal(b, &cur); err != nil {
				return nil, err
			}
			cur.TokenHash, cur.TokenExpiry = hashToken(token), now.Add(tokenLifetime)
			return json.Marshal(cur)
		})
		if err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		if err := json.Unmarshal(updated, o); err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
	}
	status, statusID := "CREATED", statusIDCreated
	if o.TxID != "" {
		status, statusID = "PENDING_VBV", statusIDPendingVBV
	}
	h.log.InfoContext(ctx, "juspay order", slog.String("merchantId", merchantID), slog.String("order", o.ID),
		slog.Bool("created", created), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, orderCreateResponse{
		Status: status, StatusID: statusID, ID: o.ID, OrderID: o.OrderID,
		PaymentLinks: map[string]any{"web": nil, "mobile": nil, "iframe": nil},
		Juspay:       map[string]string{"client_auth_token": token, "client_auth_token_expiry": o.TokenExpiry.Format(time.RFC3339)},
	})
}

var (
	digits   = regexp.MustCompile(`^[0-9]+$`)
	amountRe = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,4})?$`)
	alpha3   = regexp.MustCompile(`^[A-Za-z]{3}$`)
)

// parseOrder validates an order create's parameters, reporting every
// failure, and returns the order to store (with its request hash).
func parseOrder(p map[string]string) (*Order, error) {
	var c checks
	o := &Order{OrderID: p["order_id"], Amount: p["amount"], Currency: strings.ToUpper(p["currency"]),
		CustomerID: p["customer_id"], CustomerEmail: p["customer_email"], CustomerPhone: p["customer_phone"],
		ReturnURL: p["return_url"], Country: p["country"], Description: p["description"]}
	if o.OrderID == "" {
		c.fail("order_id", "is required", emv3ds.ErrMissing)
	} else if !orderIDFormat.Valid(o.OrderID) {
		c.fail("order_id", orderIDFormat.Rule, emv3ds.ErrFormat)
	}
	if o.Currency == "" {
		o.Currency = "INR" // Juspay's default currency
	}
	cur, curOK := currencies[o.Currency]
	if !alpha3.MatchString(o.Currency) || !curOK {
		c.fail("currency", "must be an ISO 4217 alpha-3 code of a supported currency", emv3ds.ErrFormat)
	}
	switch {
	case o.Amount == "":
		c.fail("amount", "is required", emv3ds.ErrMissing)
	case !amountRe.MatchString(o.Amount):
		c.fail("amount", "must be a decimal amount in major units, e.g. 100.00", emv3ds.ErrFormat)
	case curOK:
		if minor, ok := minorUnits(o.Amount, cur.exponent); !ok {
			c.fail("amount", "has more decimals than the currency's "+strconv.Itoa(cur.exponent), emv3ds.ErrFormat)
		} else if minor == "0" {
			c.fail("amount", "must be greater than zero", emv3ds.ErrFormat)
		}
	}
	if v := p["txn_type"]; v != "AUTHENTICATION" {
		if v == "" {
			c.fail("txn_type", "is required: AUTHENTICATION (authentication-only orders)", emv3ds.ErrMissing)
		} else {
			c.fail("txn_type", "must be AUTHENTICATION", emv3ds.ErrFormat)
		}
	}
	if o.ReturnURL != "" {
		if err := threeds.CheckReturnURL("return_url", o.ReturnURL); err != nil {
			c.fail("return_url", "must be an absolute http(s) URL", emv3ds.ErrFormat)
		}
	}
	if o.CustomerEmail != "" && (len(o.CustomerEmail) > 254 || !strings.Contains(o.CustomerEmail, "@")) {
		c.fail("customer_email", "must be an email address of at most 254 characters", emv3ds.ErrFormat)
	}
	if o.CustomerPhone != "" && (len(o.CustomerPhone) > 15 || !digits.MatchString(strings.TrimPrefix(o.CustomerPhone, "+"))) {
		c.fail("customer_phone", "must be up to 15 digits", emv3ds.ErrFormat)
	}
	if len(o.CustomerID) > 128 {
		c.fail("customer_id", "must be at most 128 characters", emv3ds.ErrFormat)
	}
	if len(o.Description) > 255 {
		c.fail("description", "must be at most 255 characters", emv3ds.ErrFormat)
	}
	if o.Country != "" && len(o.Country) > 3 {
		c.fail("country", "must be a country code", emv3ds.ErrFormat)
	}
	if raw := p["acquirer_details"]; raw != "" {
		o.Acquirer = parseAcquirer(raw, &c)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	h := sha256.New()
	_ = json.NewEncoder(h).Encode([]string{o.OrderID, o.Amount, o.Currency, o.CustomerID, o.CustomerEmail, o.CustomerPhone,
		o.ReturnURL, o.Country, o.Description, o.Acquirer.AcquirerBIN, o.Acquirer.AcquirerMerchantID,
		o.Acquirer.AcquirerCountryCode, o.Acquirer.MCC, o.Acquirer.MerchantName})
	o.RequestHash = hex.EncodeToString(h.Sum(nil))
	return o, nil
}

// parseAcquirer reads acquirer_details (a JSON object, or its text in a
// form) with the seed's limits.
func parseAcquirer(raw string, c *checks) AcquirerDetails {
	var m map[string]any
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		c.fail("acquirer_details", "must be a JSON object", emv3ds.ErrFormat)
		return AcquirerDetails{}
	}
	get := func(names ...string) (string, string) {
		for _, n := range names {
			for k, v := range m {
				if strings.EqualFold(k, n) {
					switch x := v.(type) {
					case string:
						return x, n
					case float64:
						return strconv.FormatFloat(x, 'f', -1, 64), n
					case nil:
						return "", n
					default:
						c.fail("acquirer_details."+n, "must be a string", emv3ds.ErrFormat)
						return "", n
					}
				}
			}
		}
		return "", names[0]
	}
	var a AcquirerDetails
	var n string
	a.AcquirerBIN, n = get("acquirerBin")
	if a.AcquirerBIN != "" && (len(a.AcquirerBIN) > 11 || !digits.MatchString(a.AcquirerBIN)) {
		c.fail("acquirer_details."+n, "must be at most 11 digits", emv3ds.ErrFormat)
	}
	var mid1, mid2 string
	mid1, _ = get("acquirerMerchantId")
	mid2, _ = get("acquirerMId")
	switch {
	case mid1 != "" && mid2 != "" && mid1 != mid2:
		c.fail("acquirer_details.acquirerMerchantId", "and acquirerMId differ", emv3ds.ErrFormat)
	case mid1 != "":
		a.AcquirerMerchantID = mid1
	default:
		a.AcquirerMerchantID = mid2
	}
	if len(a.AcquirerMerchantID) > 35 {
		c.fail("acquirer_details.acquirerMerchantId", "must be at most 35 characters", emv3ds.ErrFormat)
	}
	a.AcquirerCountryCode, n = get("acquirerCountryCode")
	if a.AcquirerCountryCode != "" && (len(a.AcquirerCountryCode) != 3 || !digits.MatchString(a.AcquirerCountryCode) || !emv3ds.ValidCountry(a.AcquirerCountryCode)) {
		c.fail("acquirer_details."+n, "must be an ISO 3166-1 numeric code of 3 digits", emv3ds.ErrFormat)
	}
	a.MCC, n = get("mcc")
	if a.MCC != "" && (len(a.MCC) != 4 || !digits.MatchString(a.MCC)) {
		c.fail("acquirer_details."+n, "must be 4 digits", emv3ds.ErrFormat)
	}
	a.MerchantName, n = get("merchantName")
	if len(a.MerchantName) > 40 {
		c.fail("acquirer_details."+n, "must be at most 40 characters", emv3ds.ErrFormat)
	}
	return a
}

// overrides are the AReq members the order's acquirer_details set.
func (o *Order) overrides() emv3ds.AReq {
	return emv3ds.AReq{AcquirerBIN: o.Acquirer.AcquirerBIN, AcquirerMerchantID: o.Acquirer.AcquirerMerchantID,
		MerchantCountryCode: o.Acquirer.AcquirerCountryCode, AcquirerCountryCode: o.Acquirer.AcquirerCountryCode, MCC: o.Acquirer.MCC, MerchantName: o.Acquirer.MerchantName}
}

// minorUnits is amount in minor units for exponent; false when amount has
// more decimals than the exponent allows.
func minorUnits(amount string, exponent int) (string, bool) {
	whole, frac, _ := strings.Cut(amount, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > exponent {
		return "", false
	}
	frac += strings.Repeat("0", exponent-len(frac))
	s := strings.TrimLeft(whole+frac, "0")
	if s == "" {
		s = "0"
	}
	return s, true
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte("juspay-client-auth:" + t))
	return hex.EncodeToString(h[:])
}
