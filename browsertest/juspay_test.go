package browsertest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dssim"
)

// juspayMerchant is the merchant's site of a Juspay test: /pay posts
// payment.authentication (its url and params) as the merchant's page
// does, /juspay/return records the query the browser comes back with.
type juspayMerchant struct {
	*httptest.Server
	mu       sync.Mutex
	returned url.Values
}

func newJuspayMerchant(t *testing.T) *juspayMerchant {
	m := &juspayMerchant{}
	m.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/juspay/return":
			m.mu.Lock()
			m.returned = r.URL.Query()
			m.mu.Unlock()
			fmt.Fprint(w, `<!doctype html><p id="done">returned</p>`)
		case "/pay":
			var a struct {
				URL    string            `json:"url"`
				Params map[string]string `json:"params"`
			}
			_ = json.Unmarshal([]byte(r.URL.Query().Get("auth")), &a)
			_ = payPage.Execute(w, a)
		}
	}))
	t.Cleanup(m.Close)
	return m
}

func (m *juspayMerchant) query() url.Values {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.returned
}

// juspayCall is a server-to-server call with merchant-1's Juspay credentials.
func juspayCall(t *testing.T, method, path string, form url.Values) map[string]any {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, stk.URL+path, body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(stk.Juspay.APIKey+":")))
	req.Header.Set("x-merchantid", stk.Juspay.JuspayMerchantID)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	return out
}

// juspayOrder creates an order returning to m and runs /txns for pan as
// a JSON client that leaves the browser to our hosted page; it returns
// the order_id and payment.authentication.
func juspayOrder(t *testing.T, m *juspayMerchant, pan string) (string, []byte) {
	t.Helper()
	orderID := fmt.Sprintf("br%d", time.Now().UnixNano()%1e12)
	order := juspayCall(t, http.MethodPost, "/orders", url.Values{"order_id": {orderID}, "amount": {"100.00"}, "currency": {"INR"},
		"txn_type": {"AUTHENTICATION"}, "return_url": {m.URL + "/juspay/return"},
		"acquirer_details": {`{"acquirerBin":"12345","acquirerMId":"22222","mcc":"3333","merchantName":"easebuzz"}`}})
	tok := order["juspay"].(map[string]any)["client_auth_token"].(string)
	txn := url.Values{"order_id": {orderID}, "merchant_id": {stk.Juspay.JuspayMerchantID}, "client_auth_token": {tok},
		"payment_method_type": {"CARD"}, "card_number": {pan}, "card_exp_month": {"12"},
		"card_exp_year": {"2030"}, "name_on_card": {"Test Cardholder"}, "format": {"json"}}
	resp, err := http.PostForm(stk.URL+"/txns", txn)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	require.Equal(t, "PENDING_VBV", out["status"])
	a := out["payment"].(map[string]any)["authentication"].(map[string]any)
	require.Equal(t, stk.URL+juspay.AuthenticatePath, a["url"], "our hosted page")
	auth, _ := json.Marshal(a)
	return orderID, auth
}

func requireSignedReturn(t *testing.T, m *juspayMerchant, orderID string) {
	t.Helper()
	q := m.query()
	require.Equal(t, orderID, q.Get("order_id"))
	require.Equal(t, "SUCCESS", q.Get("status"))
	require.Equal(t, "21", q.Get("status_id"))
	require.Equal(t, "HMAC-SHA256", q.Get("signature_algorithm"))
	require.True(t, juspay.Verify(stk.Juspay.ResponseKey, q), "the return_url signature verifies with the response key")
}

// A Juspay order's challenge in Chromium: the merchant's page posts
// payment.authentication to our hosted page, which collects the browser
// data, sends the AReq and posts the creq to the ACS; the cardholder types
// the OTP, the ACS returns to our callback, which sends the top window
// through /txns/return to the order's return_url with a signature that
// verifies with the response key.
func TestJuspayChallengeReturn(t *testing.T) {
	m := newJuspayMerchant(t)
	orderID, auth := juspayOrder(t, m, visa(dssim.ScenarioChallenge))
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(m.URL+"/pay?auth="+url.QueryEscape(string(auth))))
	answer(t, ctx, "", "1234", 3)
	do(t, ctx, chromedp.WaitVisible("#done", chromedp.ByQuery))
	requireSignedReturn(t, m, orderID)
}

// The hosted page runs the ACS's 3DS Method in Chromium: the AReq the DS
// received carries threeDSCompInd Y and the browser's real screen,
// colour depth, time zone, language and User-Agent; the card (Y when the
// method completed) needs no challenge.
func TestJuspayHostedPageMethod(t *testing.T) {
	m := newJuspayMerchant(t)
	orderID, auth := juspayOrder(t, m, visa(dssim.ScenarioMethodFrictionles))
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(m.URL+"/pay?auth="+url.QueryEscape(string(auth))))
	do(t, ctx, chromedp.WaitVisible("#done", chromedp.ByQuery))
	requireSignedReturn(t, m, orderID)
	var b struct {
		W, H, Depth, TZ int
		Lang, UA        string
	}
	do(t, ctx, chromedp.Evaluate(`({W: screen.width, H: screen.height, Depth: screen.colorDepth, TZ: new Date().getTimezoneOffset(), Lang: navigator.language, UA: navigator.userAgent})`, &b))

	st := juspayCall(t, http.MethodGet, "/orders/"+orderID, nil)
	require.Equal(t, "SUCCESS", st["status"])
	txID := st["second_factor_response"].(map[string]any)["threeDSServerTransID"].(string)
	areq := simAReq(t, txID)
	require.Equal(t, "Y", areq["threeDSCompInd"], "the page ran the 3DS Method to completion")
	require.Equal(t, fmt.Sprint(b.W), areq["browserScreenWidth"], "the browser's real screen")
	require.Equal(t, fmt.Sprint(b.H), areq["browserScreenHeight"])
	require.Equal(t, fmt.Sprint(b.Depth), areq["browserColorDepth"])
	require.Equal(t, fmt.Sprint(b.TZ), areq["browserTZ"])
	require.Equal(t, b.Lang, areq["browserLanguage"])
	require.Equal(t, b.UA, areq["browserUserAgent"], "the User-Agent of the page's own request")
	require.Contains(t, areq["browserAcceptHeader"], "text/html", "a navigation's Accept header")
	require.Equal(t, true, areq["browserJavascriptEnabled"])
}

// simAReq is the AReq the simulator's DS received for a transaction.
var payPage = template.Must(template.New("pay").Parse(`<!doctype html>
<form id="f" method="POST" action="{{.URL}}">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}</form>
<script>document.getElementById("f").submit()</script>`))

// A checkout form that posts /txns itself (no format=json): the browser
// gets our hosted page as the answer, which runs the 3DS Method and then
// the challenge the ACS asks for; back at return_url with the signature.
func TestJuspayTxnsFormPost(t *testing.T) {
	m := newJuspayMerchant(t)
	orderID := fmt.Sprintf("bf%d", time.Now().UnixNano()%1e12)
	order := juspayCall(t, http.MethodPost, "/orders", url.Values{"order_id": {orderID}, "amount": {"100.00"}, "currency": {"INR"},
		"txn_type": {"AUTHENTICATION"}, "return_url": {m.URL + "/juspay/return"}})
	tok := order["juspay"].(map[string]any)["client_auth_token"].(string)
	fields := map[string]string{"order_id": orderID, "merchant_id": stk.Juspay.JuspayMerchantID, "client_auth_token": tok,
		"payment_method_type": "CARD", "card_number": visa(dssim.ScenarioMethodChallenge), "card_exp_month": "12",
		"card_exp_year": "2030", "name_on_card": "Test Cardholder"}
	checkout := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = payPage.Execute(w, map[string]any{"URL": stk.URL + "/txns", "Params": fields})
	}))
	defer checkout.Close()
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(checkout.URL))
	answer(t, ctx, "", "1234", 3)
	do(t, ctx, chromedp.WaitVisible("#done", chromedp.ByQuery))
	requireSignedReturn(t, m, orderID)
	st := juspayCall(t, http.MethodGet, "/orders/"+orderID, nil)
	areq := simAReq(t, st["second_factor_response"].(map[string]any)["threeDSServerTransID"].(string))
	require.Equal(t, "Y", areq["threeDSCompInd"], "the page ran the 3DS Method before the AReq")
}
