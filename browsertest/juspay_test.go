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

// A Juspay order's challenge in Chromium: the page posts the creq /txns
// answered to the ACS, the cardholder types the OTP, the ACS returns to our
// callback, which sends the top window through /txns/return to the order's
// return_url with a signature that verifies with the response key.
func TestJuspayChallengeReturn(t *testing.T) {
	var mu sync.Mutex
	var returned url.Values
	merchant := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/juspay/return":
			mu.Lock()
			returned = r.URL.Query()
			mu.Unlock()
			fmt.Fprint(w, `<!doctype html><p id="done">returned</p>`)
		case "/pay":
			// The merchant's page posts payment.authentication's params.
			var a struct {
				URL    string            `json:"url"`
				Params map[string]string `json:"params"`
			}
			_ = json.Unmarshal([]byte(r.URL.Query().Get("auth")), &a)
			_ = payPage.Execute(w, a)
		}
	}))
	defer merchant.Close()

	orderID := fmt.Sprintf("br%d", time.Now().UnixNano()%1e12)
	form := url.Values{"order_id": {orderID}, "amount": {"100.00"}, "currency": {"INR"}, "txn_type": {"AUTHENTICATION"},
		"return_url":       {merchant.URL + "/juspay/return"},
		"acquirer_details": {`{"acquirerBin":"12345","acquirerMId":"22222","mcc":"3333","merchantName":"easebuzz"}`}}
	req, _ := http.NewRequest(http.MethodPost, stk.URL+"/orders", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(stk.Juspay.APIKey+":")))
	req.Header.Set("x-merchantid", stk.Juspay.JuspayMerchantID)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var order map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&order))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, order)
	tok := order["juspay"].(map[string]any)["client_auth_token"].(string)

	txn := url.Values{"order_id": {orderID}, "merchant_id": {stk.Juspay.JuspayMerchantID}, "client_auth_token": {tok},
		"payment_method_type": {"CARD"}, "card_number": {visa(dssim.ScenarioChallenge)}, "card_exp_month": {"12"},
		"card_exp_year": {"2030"}, "name_on_card": {"Test Cardholder"}, "format": {"json"}}
	resp, err = http.PostForm(stk.URL+"/txns", txn)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, out)
	require.Equal(t, "PENDING_VBV", out["status"])
	auth, _ := json.Marshal(out["payment"].(map[string]any)["authentication"])

	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(merchant.URL+"/pay?auth="+url.QueryEscape(string(auth))))
	answer(t, ctx, "", "1234", 3)
	do(t, ctx, chromedp.WaitVisible("#done", chromedp.ByQuery))
	mu.Lock()
	q := returned
	mu.Unlock()
	require.Equal(t, orderID, q.Get("order_id"))
	require.Equal(t, "SUCCESS", q.Get("status"))
	require.Equal(t, "21", q.Get("status_id"))
	require.Equal(t, "HMAC-SHA256", q.Get("signature_algorithm"))
	require.True(t, juspay.Verify(stk.Juspay.ResponseKey, q), "the return_url signature verifies with the response key")
}

var payPage = template.Must(template.New("pay").Parse(`<!doctype html>
<form id="f" method="POST" action="{{.URL}}">{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}</form>
<script>document.getElementById("f").submit()</script>`))
