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

// txns is the new-card /txns of a JSON client that describes the browser
// itself (the browser_* fields): for a card range without 3DS Method the
// AReq goes at once.
func txns(t *testing.T, orderID, token, pan string) (stacktest.Response, map[string]any) {
	t.Helper()
	return txnsWith(t, txnForm(orderID, token, pan, browserFields))
}

var browserFields = url.Values{"browser_screen_width": {"1280"}, "browser_screen_height": {"800"}, "browser_color_depth": {"24"},
	"browser_tz": {"-60"}, "browser_language": {"de-CH"}, "browser_java_enabled": {"false"}}

func txnForm(orderID, token, pan string, extra ...url.Values) url.Values {
	form := url.Values{"order_id": {orderID}, "merchant_id": {stk.Juspay.JuspayMerchantID}, "client_auth_token": {token},
		"payment_method_type": {"CARD"}, "payment_method": {"VISA"}, "card_number": {pan}, "card_exp_month": {"12"},
		"card_exp_year": {"2030"}, "name_on_card": {"Test Cardholder"}, "card_security_code": {"123"}, "format": {"json"}}
	for _, e := range extra {
		for k, v := range e {
			form[k] = v
		}
	}
	return form
}

// txnsWith posts a /txns form as the cardholder's browser would (its
// User-Agent and Accept); headers are more name, value pairs.
func txnsWith(t *testing.T, form url.Values, headers ...string) (stacktest.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/txns", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e-juspay")
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	r := api.Do(t, req)
	if r.Status != http.StatusOK || !strings.Contains(r.Header.Get("Content-Type"), "json") {
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

// juspayPage posts to the hosted page as the browser does.
func juspayPage(t *testing.T, form url.Values, headers ...string) stacktest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, stk.URL+juspay.AuthenticatePath, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return api.Do(t, req)
}

// pageSession is the hosted page of a JSON /txns without browser fields.
func pageSession(t *testing.T, txn map[string]any) string {
	t.Helper()
	auth := txn["payment"].(map[string]any)["authentication"].(map[string]any)
	require.Equal(t, "POST", auth["method"], "%v", txn)
	require.Equal(t, stk.URL+juspay.AuthenticatePath, auth["url"])
	s, _ := auth["params"].(map[string]any)["session"].(string)
	require.NotEmpty(t, s)
	return s
}

var returnLink = regexp.MustCompile(`id="return" href="([^"]+)"`)

func signedReturn(t *testing.T, page []byte) url.Values {
	t.Helper()
	m := returnLink.FindSubmatch(page)
	require.NotNil(t, m, "%s", page)
	u, err := url.Parse(html.UnescapeString(string(m[1])))
	require.NoError(t, err)
	require.Equal(t, "https://shop.example.com/juspay/return", u.Scheme+"://"+u.Host+u.Path)
	require.True(t, juspay.Verify(stk.Juspay.ResponseKey, u.Query()), "the return_url signature verifies")
	return u.Query()
}

// The hosted page is the source of the browser data when it runs: a JSON
// /txns without browser fields gets the page; the page's own post sends
// the AReq with what it collected and the User-Agent and Accept of that
// request; the AReq goes once.
func TestJuspayHostedPage(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	r, txn := txnsWith(t, txnForm(id, token(o), pan))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "PENDING_VBV", txn["status"])
	require.Equal(t, id+"-1", txn["txn_id"])
	session := pageSession(t, txn)
	require.NotContains(t, string(r.Body), pan)
	require.NotContains(t, session, pan[:12], "the card is sealed")
	require.Equal(t, "PENDING_VBV", orderStatus(t, id)["status"])

	page := juspayPage(t, url.Values{"session": {session}})
	require.Equal(t, http.StatusOK, page.Status, string(page.Body))
	require.Contains(t, page.Header.Get("Content-Type"), "text/html")
	csp := page.Header.Get("Content-Security-Policy")
	require.Contains(t, csp, "script-src 'nonce-")
	require.Contains(t, csp, "form-action 'self'")
	require.Contains(t, string(page.Body), "/js/threeds.js?v=")
	require.NotContains(t, string(page.Body), pan)
	action, fields := stacktest.Page{Status: page.Status, HTML: string(page.Body)}.Form(t)
	require.Equal(t, stk.URL+juspay.AuthenticatePath, action)
	require.Equal(t, "areq", fields.Get("step"))
	require.Equal(t, session, fields.Get("session"))

	// What the page's script adds, posted by "the browser".
	post := url.Values{"step": {"areq"}, "session": {session}, "browser_screen_width": {"1440"}, "browser_screen_height": {"900"},
		"browser_color_depth": {"30"}, "browser_tz": {"-120"}, "browser_language": {"fr-CH"}, "browser_java_enabled": {"false"},
		"browser_javascript_enabled": {"true"}}
	const ua, accept = "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e-hosted-page", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
	bad := juspayPage(t, post, "User-Agent", ua, "Accept", accept)
	require.Equal(t, http.StatusBadRequest, bad.Status, "colour depth 30 is not an EMV value: %s", bad.Body)
	require.Equal(t, "browser_color_depth", bad.JSON(t)["error_field"])
	post.Set("browser_color_depth", "24")
	done := juspayPage(t, post, "User-Agent", ua, "Accept", accept)
	require.Equal(t, http.StatusOK, done.Status, string(done.Body))
	q := signedReturn(t, done.Body)
	require.Equal(t, id, q.Get("order_id"))
	require.Equal(t, "SUCCESS", q.Get("status"))

	st := orderStatus(t, id)
	sfr := requireSFR(t, st, "Y", "05", "", true)
	areq := sentAReq(t, sfr["threeDSServerTransID"].(string))
	require.Equal(t, "1440", areq["browserScreenWidth"])
	require.Equal(t, "900", areq["browserScreenHeight"])
	require.Equal(t, "24", areq["browserColorDepth"])
	require.Equal(t, "-120", areq["browserTZ"])
	require.Equal(t, "fr-CH", areq["browserLanguage"])
	require.Equal(t, ua, areq["browserUserAgent"], "the page's request, not /txns'")
	require.Equal(t, accept, areq["browserAcceptHeader"])
	require.Equal(t, "U", areq["threeDSCompInd"], "no 3DS Method for this card range")
	require.Equal(t, "10000", areq["purchaseAmount"])
	require.Equal(t, "12345", areq["acquirerBIN"])

	again := juspayPage(t, post, "User-Agent", ua)
	require.Equal(t, http.StatusConflict, again.Status, "the AReq goes once: %s", again.Body)
	require.Equal(t, "conflict", again.JSON(t)["error_code"])
	sentAReq(t, sfr["threeDSServerTransID"].(string)) // still exactly one

	for name, s := range map[string]string{"tampered": session[:len(session)-3] + "AAA", "empty": "", "not base64": "%%%", "too long": strings.Repeat("A", 5000)} {
		r := juspayPage(t, url.Values{"session": {s}})
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, "access_denied", r.JSON(t)["error_code"], name)
	}
}

// The JSON decision: format=json or Accept: application/json get JSON; a
// browser's own form post of /txns gets the hosted page as the answer.
// Frictionless results need no page when a JSON client describes the
// browser (TestJuspayFrictionless).
func TestJuspayTxnsAnswers(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	form := txnForm(id, token(o), pan, browserFields)
	form.Del("format")
	r, txn := txnsWith(t, form, "Accept", "application/json")
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	auth := txn["payment"].(map[string]any)["authentication"].(map[string]any)
	require.Equal(t, "GET", auth["method"], "Accept: application/json is a JSON client: no page")
	require.Contains(t, auth["url"], "https://shop.example.com/juspay/return?")

	id = newOrderID()
	o = createOrder(t, orderForm(id))
	form = txnForm(id, token(o), pan)
	form.Del("format")
	r, _ = txnsWith(t, form) // Accept: text/html
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Contains(t, r.Header.Get("Content-Type"), "text/html")
	action, fields := stacktest.Page{Status: r.Status, HTML: string(r.Body)}.Form(t)
	require.Equal(t, stk.URL+juspay.AuthenticatePath, action)
	require.NotEmpty(t, fields.Get("session"))
	require.NotContains(t, string(r.Body), pan)

	// A JSON client for a card range with a 3DS Method gets the page even
	// with the browser fields: the method runs in the browser first.
	id = newOrderID()
	o = createOrder(t, orderForm(id))
	r, txn = txnsWith(t, txnForm(id, token(o), visa(dssim.ScenarioMethodFrictionles), browserFields))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	pageSession(t, txn)
}

// A challenge through the hosted page: its post answers a form that the
// browser auto-posts to the ACS; the challenge callback returns through
// /txns/return to the signed return_url.
func TestJuspayHostedPageChallenge(t *testing.T) {
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	_, txn := txnsWith(t, txnForm(id, token(o), visa(dssim.ScenarioChallenge)))
	post := url.Values{"step": {"areq"}, "session": {pageSession(t, txn)}}
	for k, v := range browserFields {
		post[k] = v
	}
	acs := juspayPage(t, post, "User-Agent", "Mozilla/5.0 open3ds-e2e", "Accept", "text/html")
	require.Equal(t, http.StatusOK, acs.Status, string(acs.Body))
	require.Contains(t, acs.Header.Get("Content-Security-Policy"), "form-action 'self' "+stk.Sim.URL())
	action, fields := stacktest.Page{Status: acs.Status, HTML: string(acs.Body)}.Form(t)
	require.Equal(t, "PENDING_VBV", orderStatus(t, id)["status"])
	require.Empty(t, orderStatus(t, id)["second_factor_response"], "blank while pending")
	cb := challenge(t, map[string]any{"transStatus": "C", "acsURL": action, "base64EncodedChallengeRequest": fields.Get("creq"),
		"threeDSSessionData": fields.Get("threeDSSessionData")}, enters("1234"))
	back, bf := cb.Form(t)
	require.Equal(t, stk.URL+juspay.ReturnPath, back)
	ret, err := http.Get(back + "?" + bf.Encode())
	require.NoError(t, err)
	body, err := io.ReadAll(ret.Body)
	ret.Body.Close()
	require.NoError(t, err)
	require.Equal(t, "SUCCESS", signedReturn(t, body).Get("status"))
	requireSFR(t, orderStatus(t, id), "Y", "05", "", true)
}

// A /txns retry on the same order: a new attempt after a failed or
// abandoned one (its own txn_id, the order reports it), refused once the
// order is SUCCESS; the failed attempt's webhook names its own txn.
func TestJuspayRetry(t *testing.T) {
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	r, first := txns(t, id, token(o), visa(dssim.ScenarioFrictionlessN))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, id+"-1", first["txn_id"])
	st := orderStatus(t, id)
	require.Equal(t, "FAILED", st["status"])
	failedTx := st["second_factor_response"].(map[string]any)["threeDSServerTransID"].(string)

	r, second := txns(t, id, token(o), visa(dssim.ScenarioFrictionlessY))
	require.Equal(t, http.StatusOK, r.Status, "a new attempt after FAILED: %s", r.Body)
	require.Equal(t, id+"-2", second["txn_id"])
	require.NotEqual(t, first["txn_uuid"], second["txn_uuid"])
	st = orderStatus(t, id)
	require.Equal(t, "SUCCESS", st["status"])
	require.Equal(t, id+"-2", st["txn_id"])
	require.Equal(t, "VBVSuccessful", st["txn_detail"].(map[string]any)["status"])
	requireSFR(t, st, "Y", "05", "", true)

	r, _ = txns(t, id, token(o), visa(dssim.ScenarioFrictionlessY))
	require.Equal(t, http.StatusBadRequest, r.Status, "no attempt after SUCCESS: %s", r.Body)
	e := r.JSON(t)
	require.Equal(t, "order_id", e["error_field"])
	require.Contains(t, e["error_message"], "SUCCESS")
	require.Equal(t, id+"-2", orderStatus(t, id)["txn_id"], "the refused attempt changed nothing")

	_, d := waitWebhook(t, failedTx)
	var ev juspay.WebhookEvent
	require.NoError(t, json.Unmarshal(d.Body, &ev))
	require.Equal(t, juspay.EventOrderFailed, ev.EventName)
	require.Equal(t, id+"-1", ev.Content.Order.TxnID, "the first attempt's webhook is about the first attempt")

	// An abandoned challenge, then the customer pays again.
	id = newOrderID()
	o = createOrder(t, orderForm(id))
	r, _ = txns(t, id, token(o), visa(dssim.ScenarioChallenge))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "PENDING_VBV", orderStatus(t, id)["status"])
	r, again := txns(t, id, token(o), visa(dssim.ScenarioFrictionlessY))
	require.Equal(t, http.StatusOK, r.Status, "a new attempt after an abandoned one: %s", r.Body)
	require.Equal(t, id+"-2", again["txn_id"])
	require.Equal(t, "SUCCESS", orderStatus(t, id)["status"])
}

// Saved cards: without a card locker, card_token is a 400 naming it.
func TestJuspaySavedCard(t *testing.T) {
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	form := txnForm(id, token(o), "")
	for _, k := range []string{"card_number", "card_exp_month", "card_exp_year", "name_on_card"} {
		form.Del(k)
	}
	form.Set("card_token", "c2a1b6f0-5e1a-4c3b-9d2e-6f7a8b9c0d1e")
	r, _ := txnsWith(t, form)
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	e := r.JSON(t)
	require.Equal(t, "card_token", e["error_field"])
	require.Contains(t, e["error_message"], "card locker")
	require.Equal(t, "NEW", orderStatus(t, id)["status"], "nothing opened")
}

// Non-JSON and careless requests get Juspay's JSON error shape with the
// right 4xx; UTF-8 text (addresses) is accepted in forms and JSON.
func TestJuspayRequestShapes(t *testing.T) {
	call := func(method, path, ct, body string, basic bool) stacktest.Response {
		req, err := http.NewRequest(method, stk.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if basic {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(stk.Juspay.APIKey+":")))
			req.Header.Set("x-merchantid", stk.Juspay.JuspayMerchantID)
		}
		return api.Do(t, req)
	}
	jsonOrder := func(id, city string) string {
		b, _ := json.Marshal(map[string]any{"order_id": id, "amount": "100.00", "currency": "INR", "txn_type": "AUTHENTICATION",
			"return_url": "https://shop.example.com/juspay/return", "billing_address_city": city,
			"acquirer_details": json.RawMessage(seedAcquirer)})
		return string(b)
	}
	form := orderForm("x")
	form.Set("billing_address_city", "Zürich")
	for _, tc := range []struct {
		name, method, path, ct, body string
		basic                        bool
		status                       int
		field                        string
	}{
		{"form with UTF-8 city", "POST", "/orders", "application/x-www-form-urlencoded", set(form, "order_id", newOrderID()).Encode(), true, 200, ""},
		{"JSON with UTF-8 city", "POST", "/orders", "application/json", jsonOrder(newOrderID(), "Zürich"), true, 200, ""},
		{"JSON with a control character", "POST", "/orders", "application/json", jsonOrder(newOrderID(), "Z\u0001rich"), true, 400, "billing_address_city"},
		{"form with invalid UTF-8", "POST", "/orders", "application/x-www-form-urlencoded", "order_id=" + newOrderID() + "&customer_id=%FF", true, 400, "customer_id"},
		{"DELETE /orders", "DELETE", "/orders", "", "", true, 405, ""},
		{"GET /orders", "GET", "/orders", "", "", true, 405, ""},
		{"POST /orders/{order_id}", "POST", "/orders/" + newOrderID(), "application/x-www-form-urlencoded", "a=b", true, 405, ""},
		{"GET /txns", "GET", "/txns", "", "", false, 405, ""},
		{"PUT /txns", "PUT", "/txns", "application/x-www-form-urlencoded", "a=b", false, 405, ""},
		{"text/plain order", "POST", "/orders", "text/plain", "order_id=1", true, 415, ""},
		{"multipart order", "POST", "/orders", "multipart/form-data; boundary=x", "--x--", true, 415, ""},
		{"text/plain txns", "POST", "/txns", "text/plain", "order_id=1", false, 415, ""},
		{"JSON not an object", "POST", "/orders", "application/json", `[1]`, true, 400, ""},
		{"JSON cut short", "POST", "/txns", "application/json", `{"order_id":`, false, 400, ""},
		{"empty /txns", "POST", "/txns", "application/x-www-form-urlencoded", "", false, 400, ""},
		{"/txns without credentials", "POST", "/txns", "application/x-www-form-urlencoded", "order_id=o1&merchant_id=m&client_auth_token=t&card_number=4000000000001000&card_exp_month=12&card_exp_year=30", false, 401, ""},
		{"/orders without credentials", "POST", "/orders", "application/x-www-form-urlencoded", "order_id=o1", false, 401, ""},
		{"unknown order", "GET", "/orders/" + newOrderID(), "", "", true, 404, "order_id"},
		{"order_id too long", "GET", "/orders/" + strings.Repeat("o", 22), "", "", true, 400, "order_id"},
		{"/txns/authenticate without session", "POST", juspay.AuthenticatePath, "application/x-www-form-urlencoded", "step=areq", false, 401, ""},
		{"/txns/authenticate with a bad step", "POST", juspay.AuthenticatePath, "application/x-www-form-urlencoded", "step=x&session=y", false, 400, "step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := call(tc.method, tc.path, tc.ct, tc.body, tc.basic)
			require.Equal(t, tc.status, r.Status, string(r.Body))
			require.Contains(t, r.Header.Get("Content-Type"), "application/json")
			if tc.status == 200 {
				return
			}
			e := r.JSON(t)
			require.Equal(t, "invalid_request_error", e["status"], "%v", e)
			require.NotEmpty(t, e["error_code"])
			require.NotEmpty(t, e["error_message"])
			if tc.field != "" {
				require.Equal(t, tc.field, e["error_field"], "%v", e)
			}
			require.NotContains(t, string(r.Body), "Zürich")
			if strings.Contains(tc.name, "UTF-8") || strings.Contains(tc.name, "control") {
				require.Contains(t, e["error_message"], "valid UTF-8 text without control characters", "UTF-8 is fine: the message says what is wrong")
			}
		})
	}
}

// A browser without JavaScript posts the page's <noscript> form: the AReq
// says so (browserJavascriptEnabled false, no screen fields) and the
// result comes back the same way.
func TestJuspayHostedPageNoScript(t *testing.T) {
	id := newOrderID()
	o := createOrder(t, orderForm(id))
	_, txn := txnsWith(t, txnForm(id, token(o), visa(dssim.ScenarioFrictionlessY)))
	session := pageSession(t, txn)
	page := juspayPage(t, url.Values{"session": {session}})
	require.Equal(t, http.StatusOK, page.Status, string(page.Body))
	_, fields := stacktest.Page{Status: page.Status, HTML: string(page.Body)}.Form(t)
	require.Equal(t, "false", fields.Get("browser_javascript_enabled"), "the <noscript> form says so")
	done := juspayPage(t, fields, "User-Agent", "Lynx/2.9", "Accept", "text/html", "Accept-Language", "hi-IN,en;q=0.8")
	require.Equal(t, http.StatusOK, done.Status, string(done.Body))
	require.Equal(t, "SUCCESS", signedReturn(t, done.Body).Get("status"))
	sfr := requireSFR(t, orderStatus(t, id), "Y", "05", "", true)
	areq := sentAReq(t, sfr["threeDSServerTransID"].(string))
	require.Equal(t, false, areq["browserJavascriptEnabled"])
	require.NotContains(t, areq, "browserScreenWidth")
	require.Equal(t, "hi-IN", areq["browserLanguage"], "from Accept-Language")
	require.Equal(t, "Lynx/2.9", areq["browserUserAgent"])
}
