package e2e

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// The seed's acquirer_details (001_a8cd2ee396efb24d), as Juspay's example
// sends them, with the country code the seed describes.
const seedAcquirer = `{"acquirerBin":"12345","acquirerMId":"22222","mcc":"3333","merchantName":"easebuzz","acquirerCountryCode":"356"}`

var juspayOrderSeq atomic.Int64

func newOrderID() string {
	return fmt.Sprintf("ord%d%d", time.Now().UnixNano()%1e9, juspayOrderSeq.Add(1))
}

// juspayCall is a server-to-server call with merchant-1's Juspay credentials.
func juspayCall(t *testing.T, method, path string, form url.Values, key string) stacktest.Response {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, stk.URL+path, body)
	require.NoError(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(key+":")))
	req.Header.Set("x-merchantid", stk.Juspay.JuspayMerchantID)
	return api.Do(t, req)
}

func orderForm(id string) url.Values {
	return url.Values{"order_id": {id}, "amount": {"100.00"}, "currency": {"INR"}, "customer_id": {"cust-1"},
		"customer_email": {"cardholder@example.com"}, "customer_phone": {"9999999999"},
		"return_url": {"https://shop.example.com/juspay/return"}, "txn_type": {"AUTHENTICATION"},
		"acquirer_details": {seedAcquirer}, "country": {"IN"}}
}

func createOrder(t *testing.T, form url.Values) map[string]any {
	t.Helper()
	r := juspayCall(t, http.MethodPost, "/orders", form, stk.Juspay.APIKey)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return r.JSON(t)
}

func orderStatus(t *testing.T, orderID string) map[string]any {
	t.Helper()
	r := juspayCall(t, http.MethodGet, "/orders/"+orderID, nil, stk.Juspay.APIKey)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return r.JSON(t)
}

func txns(t *testing.T, orderID, token, pan string) (stacktest.Response, map[string]any) {
	t.Helper()
	form := url.Values{"order_id": {orderID}, "merchant_id": {stk.Juspay.JuspayMerchantID}, "client_auth_token": {token},
		"payment_method_type": {"CARD"}, "payment_method": {"VISA"}, "card_number": {pan}, "card_exp_month": {"12"},
		"card_exp_year": {"2030"}, "name_on_card": {"Test Cardholder"}, "card_security_code": {"123"}, "format": {"json"}}
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/txns", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e-juspay")
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	r := api.Do(t, req)
	if r.Status != http.StatusOK {
		return r, nil
	}
	return r, r.JSON(t)
}

func token(order map[string]any) string {
	return order["juspay"].(map[string]any)["client_auth_token"].(string)
}

var sfrKeys = []string{"eci", "cavv", "threeDSVersion", "threeDSTransStatusReason", "threeDSServerTransID", "threeDSTransStatus", "cavvAlgorithm", "threeDSTransId"}

func requireSFR(t *testing.T, st map[string]any, status, eci, reason string, cavv bool) map[string]any {
	t.Helper()
	sfr := st["second_factor_response"].(map[string]any)
	keys := make([]string, 0, len(sfr))
	for k := range sfr {
		keys = append(keys, k)
	}
	require.ElementsMatch(t, sfrKeys, keys, "exactly the seed's keys")
	require.Equal(t, status, sfr["threeDSTransStatus"])
	require.Equal(t, eci, sfr["eci"])
	if reason == "" {
		require.Nil(t, sfr["threeDSTransStatusReason"])
	} else {
		require.Equal(t, reason, sfr["threeDSTransStatusReason"])
	}
	if cavv {
		require.Len(t, sfr["cavv"], 28)
	} else {
		require.Nil(t, sfr["cavv"], "cavv is null when there is none")
	}
	require.Nil(t, sfr["cavvAlgorithm"])
	require.Equal(t, "2.2.0", sfr["threeDSVersion"])
	requireUUID(t, sfr["threeDSServerTransID"], "threeDSServerTransID")
	requireUUID(t, sfr["threeDSTransId"], "threeDSTransId")
	return sfr
}

// Frictionless outcomes: order create with the seed's acquirer_details,
// /txns with a new card, the signed return_url, the order status.
func TestJuspayFrictionless(t *testing.T) {
	for _, tc := range []struct {
		name, ts, pan, order, txn, eci, reason string
		statusID                               float64
		cavv                                   bool
	}{
		{"Y", "Y", visa(dssim.ScenarioFrictionlessY), "SUCCESS", "VBVSuccessful", "05", "", 21, true},
		{"A", "A", visa(dssim.ScenarioAttempts), "SUCCESS", "VBVSuccessful", "06", "", 21, true},
		{"N", "N", visa(dssim.ScenarioFrictionlessN), "FAILED", "AuthenticationFailed", "07", "01", 26, false},
		{"R", "R", visa(dssim.ScenarioRejected), "FAILED", "AuthenticationFailed", "07", "11", 26, false},
		{"mastercard Y (scheme ECI 02 is 05)", "Y", mc(dssim.ScenarioFrictionlessY), "SUCCESS", "VBVSuccessful", "05", "", 21, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			id := newOrderID()
			o := createOrder(t, orderForm(id))
			require.Equal(t, "CREATED", o["status"])
			require.EqualValues(t, 1, o["status_id"])
			require.Equal(t, id, o["order_id"])
			require.True(t, strings.HasPrefix(o["id"].(string), "ordeh_"))
			require.Contains(t, o, "payment_links")
			require.NotEmpty(t, o["juspay"].(map[string]any)["client_auth_token_expiry"])
			require.Equal(t, "NEW", orderStatus(t, id)["status"])

			r, txn := txns(t, id, token(o), tc.pan)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			require.Equal(t, "PENDING_VBV", txn["status"])
			auth := txn["payment"].(map[string]any)["authentication"].(map[string]any)
			require.Equal(t, "GET", auth["method"])
			u, err := url.Parse(auth["url"].(string))
			require.NoError(t, err)
			require.Equal(t, "shop.example.com", u.Host)
			q := u.Query()
			require.Equal(t, id, q.Get("order_id"))
			require.Equal(t, tc.order, q.Get("status"))
			require.Equal(t, fmt.Sprint(tc.statusID), q.Get("status_id"))
			require.Equal(t, "HMAC-SHA256", q.Get("signature_algorithm"))
			require.True(t, juspay.Verify(stk.Juspay.ResponseKey, q), "the return_url signature verifies with the response key")
			require.False(t, juspay.Verify("another key", q))

			st := orderStatus(t, id)
			require.Equal(t, tc.order, st["status"])
			require.Equal(t, tc.statusID, st["status_id"])
			require.Equal(t, tc.txn, st["txn_detail"].(map[string]any)["status"])
			sfr := requireSFR(t, st, tc.ts, tc.eci, tc.reason, tc.cavv)
			// The AReq carried the order's amount and the seed's acquirer details.
			areq := sentAReq(t, sfr["threeDSServerTransID"].(string))
			require.Equal(t, "10000", areq["purchaseAmount"])
			require.Equal(t, "356", areq["purchaseCurrency"])
			require.Equal(t, "12345", areq["acquirerBIN"])
			require.Equal(t, "22222", areq["acquirerMerchantID"])
			require.Equal(t, "3333", areq["mcc"])
			require.Equal(t, "easebuzz", areq["merchantName"])
			require.NotContains(t, string(r.Body), tc.pan)
		})
	}
}

// A challenge: the order is PENDING_VBV with a blank block until the
// cardholder has answered; polling sees it fill in; the webhook arrives in
// Juspay's envelope.
func TestJuspayChallengePollingWebhook(t *testing.T) {
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	r, txn := txns(t, id, token(o), visa(dssim.ScenarioChallenge))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	auth := txn["payment"].(map[string]any)["authentication"].(map[string]any)
	require.Equal(t, "POST", auth["method"])
	params := auth["params"].(map[string]any)

	st := orderStatus(t, id)
	require.Equal(t, "PENDING_VBV", st["status"])
	require.EqualValues(t, 23, st["status_id"])
	require.Empty(t, st["second_factor_response"], "blank while pending")

	cb := challenge(t, map[string]any{"transStatus": "C", "acsURL": auth["url"], "base64EncodedChallengeRequest": params["creq"],
		"threeDSSessionData": params["threeDSSessionData"]}, enters("1234"))
	require.Eventually(t, func() bool { return orderStatus(t, id)["status"] == "SUCCESS" }, 30*time.Second, 200*time.Millisecond)
	st = orderStatus(t, id)
	sfr := requireSFR(t, st, "Y", "05", "", true)

	// The callback page returns the browser through our return route to
	// return_url, with the signed status.
	back, fields := cb.Form(t)
	require.Equal(t, stk.URL+juspay.ReturnPath, back)
	noFollow := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(back + "?" + fields.Encode())
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	page, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := regexp.MustCompile(`id="return" href="([^"]+)"`).FindSubmatch(page)
	require.NotNil(t, m, "%s", page)
	u, err := url.Parse(html.UnescapeString(string(m[1])))
	require.NoError(t, err)
	require.Equal(t, "https://shop.example.com/juspay/return", u.Scheme+"://"+u.Host+u.Path)
	q := u.Query()
	require.Equal(t, id, q.Get("order_id"))
	require.Equal(t, "SUCCESS", q.Get("status"))
	require.Equal(t, "21", q.Get("status_id"))
	require.True(t, juspay.Verify(stk.Juspay.ResponseKey, q), "the return_url signature verifies")

	txID := sfr["threeDSServerTransID"].(string)
	_, d := waitWebhook(t, txID)
	var ev juspay.WebhookEvent
	require.NoError(t, json.Unmarshal(d.Body, &ev))
	require.Equal(t, juspay.EventOrderSucceeded, ev.EventName)
	require.NotEmpty(t, ev.ID)
	require.NotEmpty(t, ev.DateCreated)
	require.Equal(t, id, ev.Content.Order.OrderID)
	require.Equal(t, "SUCCESS", ev.Content.Order.Status)
	require.Equal(t, sfr["cavv"], ev.Content.Order.SecondFactorResponse["cavv"], "the webhook carries the status body")
}

// Repeated order_id, acquirer-detail limits, bad credentials, unknown
// orders, bad tokens: Juspay's error shape, never a 5xx.
func TestJuspayErrors(t *testing.T) {
	id := newOrderID()
	first := createOrder(t, orderForm(id))
	again := createOrder(t, orderForm(id))
	require.Equal(t, first["id"], again["id"], "the same order for the same body")
	other := orderForm(id)
	other.Set("amount", "200.00")
	for _, tc := range []struct {
		name   string
		form   url.Values
		key    string
		status int
		field  string
	}{
		{"repeated order_id, other body", other, "", 400, "order_id"},
		{"acquirerBin of 12", withAcquirer(`{"acquirerBin":"123456789012"}`), "", 400, "acquirer_details.acquirerBin"},
		{"acquirerMId of 36", withAcquirer(`{"acquirerMId":"` + strings.Repeat("m", 36) + `"}`), "", 400, "acquirer_details.acquirerMerchantId"},
		{"acquirerCountryCode not numeric", withAcquirer(`{"acquirerCountryCode":"IND"}`), "", 400, "acquirer_details.acquirerCountryCode"},
		{"mcc of 5", withAcquirer(`{"mcc":"33333"}`), "", 400, "acquirer_details.mcc"},
		{"acquirer_details not JSON", withAcquirer(`{`), "", 400, "acquirer_details"},
		{"amount with 3 decimals for INR", set(orderForm(newOrderID()), "amount", "1.001"), "", 400, "amount"},
		{"currency alpha-3", set(orderForm(newOrderID()), "currency", "356"), "", 400, "currency"},
		{"txn_type", set(orderForm(newOrderID()), "txn_type", "ORDER_PAYMENT"), "", 400, "txn_type"},
		{"bad key", orderForm(newOrderID()), "not-the-key", 401, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := tc.key
			if key == "" {
				key = stk.Juspay.APIKey
			}
			r := juspayCall(t, http.MethodPost, "/orders", tc.form, key)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			e := r.JSON(t)
			require.Contains(t, []any{"invalid_request_error"}, e["status"])
			require.NotEmpty(t, e["error_code"])
			require.NotEmpty(t, e["error_message"])
			if tc.field != "" {
				require.Equal(t, tc.field, e["error_field"], "%v", e)
			}
		})
	}
	r := juspayCall(t, http.MethodGet, "/orders/no-such-order", nil, stk.Juspay.APIKey)
	require.Equal(t, http.StatusNotFound, r.Status, string(r.Body))
	require.Equal(t, "not_found", r.JSON(t)["error_code"])
	r = juspayCall(t, http.MethodGet, "/orders/"+id, nil, key1) // the native key is not a Juspay credential
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	r, _ = txns(t, id, "tkn_wrong", visa(dssim.ScenarioFrictionlessY))
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	require.Equal(t, "access_denied", r.JSON(t)["error_code"])
	r, _ = txns(t, id, token(again), "4111")
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	require.Equal(t, "card_number", r.JSON(t)["error_field"])
	require.NotContains(t, string(r.Body), "4111")
}

func withAcquirer(a string) url.Values { return set(orderForm(newOrderID()), "acquirer_details", a) }

func set(v url.Values, k, val string) url.Values { v.Set(k, val); return v }
