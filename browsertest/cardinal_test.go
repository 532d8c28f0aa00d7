package browsertest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/dssim"
)

// cardinalMerchant is a Cardinal Cruise merchant's site, written as
// Cardinal's documentation tells merchants to: its server signs the request
// JWT with its API Key, its page only calls Cardinal.* (configure, on,
// setup, trigger, start or continue), and its server verifies the response
// JWT of payments.validated (and the one posted to its ConfirmUrl).
type cardinalMerchant struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	jtis   map[string]bool     // the request JWTs this server signed
	posted map[string][]string // ConfirmUrl posts: JWT fields by page jti
	apiKey []byte
}

func newCardinalMerchant(t *testing.T) *cardinalMerchant {
	m := &cardinalMerchant{t: t, jtis: map[string]bool{}, posted: map[string][]string{}, apiKey: []byte(stk.Cardinal.APIKey)}
	mux := http.NewServeMux()
	mux.HandleFunc("/checkout", m.checkout)
	mux.HandleFunc("/verify", m.verify)
	mux.HandleFunc("/lookup", m.lookup)
	mux.HandleFunc("/confirm/", m.confirm)
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

func (m *cardinalMerchant) requestJWT(jti string, confirm bool) string {
	c := stk.Cardinal
	in := cruise.RequestInput{JTI: jti, APIID: c.APIID, OrgUnitID: c.OrgUnitID, ReferenceID: "ref-" + jti, IssuedAt: time.Now(),
		ExpiresAt: time.Now().Add(time.Hour), Objectify: !strings.HasSuffix(jti, "-s"),
		Payload: cruise.RequestPayload{OrderDetails: cruise.OrderDetails{OrderNumber: "order-" + jti, Amount: "1500", CurrencyCode: "840"}}}
	if confirm {
		in.ConfirmURL = m.srv.URL + "/confirm/" + jti
	}
	tok, err := cruise.NewRequest(in, m.apiKey)
	if err != nil {
		panic(err)
	}
	return tok
}

func newPageJTI(stringified bool) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	jti := "page-" + hex.EncodeToString(b)
	if stringified {
		jti += "-s"
	}
	return jti
}

type checkoutView struct {
	API, JWT, PAN, Flow string
}

func (m *cardinalMerchant) checkout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	jti := newPageJTI(q.Get("payload") == "string")
	m.mu.Lock()
	m.jtis[jti] = true
	m.mu.Unlock()
	tok := m.requestJWT(jti, q.Get("confirm") == "1")
	if q.Get("forged") == "1" {
		tok = tok[:len(tok)-4] + "AAAA"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = cardinalPage.Execute(w, checkoutView{API: stk.URL, JWT: tok, PAN: q.Get("pan"), Flow: q.Get("flow")})
}

// verify is the merchant's server checking the response JWT of
// payments.validated: HS256 with its API Key, aud = the jti of a request
// JWT it signed, iss, exp, and the payload's fields and types.
func (m *cardinalMerchant) verify(w http.ResponseWriter, r *http.Request) {
	var in struct {
		JWT  string          `json:"jwt"`
		Data json.RawMessage `json:"data"`
	}
	_ = json.NewDecoder(r.Body).Decode(&in)
	out := map[string]any{}
	if in.JWT != "" {
		if err := m.check(in.JWT, in.Data); err != nil {
			out["error"] = err.Error()
		} else {
			out["ok"] = true
		}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (m *cardinalMerchant) check(token string, data json.RawMessage) error {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return err
	}
	aud, _ := claims["aud"].(string)
	m.mu.Lock()
	ours := m.jtis[aud]
	m.mu.Unlock()
	if !ours {
		return fmt.Errorf("aud is not the jti of a request JWT we signed")
	}
	resp, err := cruise.VerifyResponse(token, m.apiKey, aud, time.Now())
	if err != nil {
		return err
	}
	if resp.Issuer != stk.Cardinal.APIID || resp.JTI == "" || resp.JTI == aud || resp.ConsumerSessionID == "" {
		return fmt.Errorf("iss, jti or ConsumerSessionId is wrong")
	}
	if resp.ExpiresAt.Before(time.Now()) || resp.IssuedAt.After(time.Now().Add(time.Minute)) {
		return fmt.Errorf("iat/exp are wrong")
	}
	// The Payload's types as the seed shows them: Validated a boolean,
	// ErrorNumber a number, the rest strings.
	var raw map[string]any
	switch p := claims["Payload"].(type) {
	case string:
		if !strings.HasSuffix(aud, "-s") {
			return fmt.Errorf("a stringified Payload for ObjectifyPayload true")
		}
		if err := json.Unmarshal([]byte(p), &raw); err != nil {
			return err
		}
	case map[string]any:
		if strings.HasSuffix(aud, "-s") {
			return fmt.Errorf("an object Payload for ObjectifyPayload false")
		}
		raw = p
	}
	if _, ok := raw["Validated"].(bool); !ok {
		return fmt.Errorf("Payload.Validated is not a boolean")
	}
	if _, ok := raw["ErrorNumber"].(float64); !ok {
		return fmt.Errorf("Payload.ErrorNumber is not a number")
	}
	for _, k := range []string{"ActionCode", "ErrorDescription"} {
		if _, ok := raw[k].(string); !ok {
			return fmt.Errorf("Payload.%s is not a string", k)
		}
	}
	if pay, _ := raw["Payment"].(map[string]any); pay["Type"] != "CCA" {
		return fmt.Errorf("Payload.Payment.Type is not CCA")
	}
	// payments.validated's first argument is the JWT's Payload.
	want, _ := json.Marshal(resp.Payload)
	if !jsonEqual(want, data) {
		return fmt.Errorf("payments.validated's data differs from the JWT's Payload")
	}
	return nil
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// lookup is the Hybrid merchant's server: cmpi_lookup with its own new
// request JWT and DFReferenceId = the sessionId of payments.setupComplete.
func (m *cardinalMerchant) lookup(w http.ResponseWriter, r *http.Request) {
	var in struct{ SessionID, PAN string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	body, _ := json.Marshal(map[string]any{
		"OrderNumber": "order-hybrid", "Amount": "1500", "CurrencyCode": "840", "CardNumber": in.PAN, "CardExpMonth": "12",
		"CardExpYear": "2030", "DFReferenceId": in.SessionID, "Email": "cardholder@example.com", "IPAddress": "192.0.2.10",
		"UserAgent": r.UserAgent(), "BrowserHeader": "text/html", "BrowserLanguage": "en-US", "BrowserColorDepth": "24",
		"BrowserScreenHeight": "900", "BrowserScreenWidth": "1280", "BrowserTimeZone": "0", "BrowserJavaEnabled": "false",
		"BrowserJavascriptEnabled": "true",
	})
	req, _ := http.NewRequest(http.MethodPost, stk.URL+"/cardinal/lookup", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+m.requestJWT(newPageJTI(false), false))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.Copy(w, resp.Body)
}

// confirm receives the ConfirmUrl post (form field JWT).
func (m *cardinalMerchant) confirm(w http.ResponseWriter, r *http.Request) {
	jti := strings.TrimPrefix(r.URL.Path, "/confirm/")
	if r.Method == http.MethodPost && r.ParseForm() == nil {
		m.mu.Lock()
		m.posted[jti] = append(m.posted[jti], r.PostForm.Get("JWT"))
		m.mu.Unlock()
	}
	fmt.Fprint(w, "<!doctype html><p>confirmed</p>")
}

var cardinalPage = template.Must(template.New("checkout").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout</title>
<script src="{{.API}}/js/cardinal.js"></script>
</head><body>
<h1>Checkout</h1>
<pre id="out"></pre>
<script>
var pan = {{.PAN}}, flow = {{.Flow}};
var events = [];
window.addEventListener("error", function (e) { events.push("uncaught:" + e.message); });
window.addEventListener("unhandledrejection", function (e) { events.push("uncaught:" + (e.reason && e.reason.message)); });
Cardinal.configure({ logging: { level: "on" } });
Cardinal.on("payments.setupComplete", function () { events.push("removed handler ran"); });
Cardinal.off("payments.setupComplete");
Cardinal.on("payments.setupComplete", function (setupCompleteData) {
  events.push("setupComplete");
  window.setupCompleteData = setupCompleteData;
  Cardinal.trigger("bin.process", pan).then(function (results) {
    events.push("bin.process:" + results.Status);
    if (flow === "hybrid") {
      fetch("/lookup", { method: "POST", body: JSON.stringify({ SessionID: setupCompleteData.sessionId, PAN: pan }) })
        .then(function (r) { return r.json(); })
        .then(function (l) {
          events.push("lookup:" + l.PAResStatus);
          Cardinal.continue("cca", { AcsUrl: l.ACSUrl, Payload: l.Payload }, { OrderDetails: { TransactionId: l.TransactionId } });
        });
      return;
    }
    Cardinal.start("cca", {
      OrderDetails: { OrderNumber: "order-1", Amount: "1500", CurrencyCode: "840", OrderChannel: "S" },
      Consumer: {
        Email1: "cardholder@example.com",
        BillingAddress: { FirstName: "Test", LastName: "Cardholder", Address1: "1 Main Street", City: "Springfield", State: "CA", PostalCode: "12345", CountryCode: "US" },
        Account: { AccountNumber: pan, ExpirationMonth: "12", ExpirationYear: "2030", CardCode: "123", NameOnAccount: "Test Cardholder" }
      }
    });
  });
});
Cardinal.on("payments.validated", function (data, jwt) {
  events.push("validated:" + data.ActionCode);
  fetch("/verify", { method: "POST", body: JSON.stringify({ jwt: jwt || "", data: data }) })
    .then(function (r) { return r.json(); })
    .then(function (v) {
      document.getElementById("out").textContent = JSON.stringify({ data: data, jwt: jwt || "", verified: v, events: events, setup: window.setupCompleteData || null });
      document.body.setAttribute("data-done", "true");
    });
});
Cardinal.setup("init", { jwt: {{.JWT}} });
</script>
</body></html>
`))

type cardinalOutcome struct {
	Data struct {
		Validated        bool
		ActionCode       string
		ErrorNumber      int
		ErrorDescription string
		Payment          struct {
			Type                   string
			ProcessorTransactionId string
			ExtendedData           map[string]string
		}
	} `json:"data"`
	JWT      string         `json:"jwt"`
	Verified map[string]any `json:"verified"`
	Events   []string       `json:"events"`
	Setup    map[string]any `json:"setup"`
}

func cardinalResult(t *testing.T, ctx context.Context) cardinalOutcome {
	t.Helper()
	var raw string
	do(t, ctx, chromedp.WaitVisible(`body[data-done="true"]`, chromedp.ByQuery), chromedp.Text("#out", &raw, chromedp.ByQuery))
	var o cardinalOutcome
	require.NoError(t, json.Unmarshal([]byte(raw), &o), raw)
	return o
}

func requireVerified(t *testing.T, o cardinalOutcome) {
	t.Helper()
	requireNoException(t, o)
	require.NotEmpty(t, o.JWT, "payments.validated got a response JWT")
	require.Equal(t, true, o.Verified["ok"], "the merchant's server verified the response JWT: %v", o.Verified)
	require.Contains(t, o.Events, "setupComplete")
	require.NotContains(t, o.Events, "removed handler ran", "Cardinal.off removed the handler")
	require.Equal(t, []any{map[string]any{"module": "CCA", "loaded": true}}, o.Setup["modules"])
	require.True(t, strings.HasPrefix(o.Setup["sessionId"].(string), "0_"))
}

func requireNoException(t *testing.T, o cardinalOutcome) {
	t.Helper()
	for _, e := range o.Events {
		require.False(t, strings.HasPrefix(e, "uncaught:"), "an uncaught exception on the page: %s", e)
	}
}

func (m *cardinalMerchant) url(flow, pan string, kv ...string) string {
	u := m.srv.URL + "/checkout?flow=" + flow + "&pan=" + pan
	for i := 0; i+1 < len(kv); i += 2 {
		u += "&" + kv[i] + "=" + kv[i+1]
	}
	return u
}

func TestCardinalSongbirdStandard(t *testing.T) {
	m := newCardinalMerchant(t)
	t.Run("frictionless Y after the 3DS Method", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioMethodFrictionles))))
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "SUCCESS", o.Data.ActionCode)
		require.Equal(t, "Y", o.Data.Payment.ExtendedData["PAResStatus"], "the method ran (threeDSCompInd Y), so no challenge")
		require.NotEmpty(t, o.Data.Payment.ExtendedData["CAVV"])
		require.Contains(t, o.Events, "bin.process:true")
	})
	t.Run("frictionless Y, stringified payload", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioFrictionlessY), "payload", "string")))
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "SUCCESS", o.Data.ActionCode)
	})
	t.Run("challenge Y in the modal", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioChallenge))))
		do(t, ctx, chromedp.WaitVisible("#Cardinal-Modal", chromedp.ByQuery))
		var size string
		var ok bool
		do(t, ctx, chromedp.AttributeValue("#Cardinal-ElementContainer iframe", "data-window-size", &size, &ok, chromedp.ByQuery))
		require.Equal(t, "04", size, "sized for the 1280 px viewport")
		answer(t, ctx, "#Cardinal-ElementContainer iframe", "1234", 3)
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "SUCCESS", o.Data.ActionCode)
		require.Equal(t, "Y", o.Data.Payment.ExtendedData["PAResStatus"])
		var gone bool
		do(t, ctx, chromedp.Evaluate(`document.getElementById("Cardinal-Modal") === null`, &gone))
		require.True(t, gone, "the modal is closed")
	})
	t.Run("challenge Y on a phone-sized viewport", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.EmulateViewport(375, 667), chromedp.Navigate(m.url("standard", visa(dssim.ScenarioChallenge))))
		do(t, ctx, chromedp.WaitVisible("#Cardinal-ElementContainer iframe", chromedp.ByQuery))
		var size string
		var ok bool
		var fits bool
		do(t, ctx, chromedp.AttributeValue("#Cardinal-ElementContainer iframe", "data-window-size", &size, &ok, chromedp.ByQuery),
			chromedp.Evaluate(`(function(){var r=document.querySelector("#Cardinal-ElementContainer iframe").getBoundingClientRect();`+
				`return r.left>=0 && r.right<=window.innerWidth && r.top>=0 && r.bottom<=window.innerHeight;})()`, &fits))
		require.Equal(t, "01", size, "sized for a 375 px viewport")
		require.True(t, fits, "the challenge iframe is inside the viewport")
		answer(t, ctx, "#Cardinal-ElementContainer iframe", "1234", 3)
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "SUCCESS", o.Data.ActionCode)
	})
	t.Run("challenge cancelled at the ACS", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioChallenge))))
		answer(t, ctx, "#Cardinal-ElementContainer iframe", "", 3)
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "FAILURE", o.Data.ActionCode)
		require.Equal(t, "N", o.Data.Payment.ExtendedData["PAResStatus"])
	})
	t.Run("modal closed", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioChallenge))))
		acsPage(t, ctx, "#Cardinal-ElementContainer iframe", 3)
		do(t, ctx, chromedp.Click("#Cardinal-ModalClose", chromedp.ByQuery))
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "FAILURE", o.Data.ActionCode)
		require.Empty(t, o.Data.Payment.ExtendedData["CAVV"])
	})
	t.Run("DS timeout: ERROR with a signed JWT", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioDSTimeout))))
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		require.Equal(t, "ERROR", o.Data.ActionCode)
		require.NotZero(t, o.Data.ErrorNumber)
		require.False(t, o.Data.Validated)
	})
	t.Run("forged request JWT: ERROR, no JWT, no exception", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioFrictionlessY), "forged", "1")))
		o := cardinalResult(t, ctx)
		require.Equal(t, "ERROR", o.Data.ActionCode)
		require.Equal(t, 1010, o.Data.ErrorNumber)
		require.Contains(t, o.Data.ErrorDescription, "signature")
		require.Empty(t, o.JWT)
		require.NotContains(t, o.Events, "setupComplete")
		requireNoException(t, o)
	})
	t.Run("ConfirmUrl receives the response JWT", func(t *testing.T) {
		ctx := tab(t)
		do(t, ctx, chromedp.Navigate(m.url("standard", visa(dssim.ScenarioFrictionlessY), "confirm", "1")))
		o := cardinalResult(t, ctx)
		requireVerified(t, o)
		claims := jwt.MapClaims{}
		_, _, err := jwt.NewParser().ParseUnverified(o.JWT, claims)
		require.NoError(t, err)
		jti := claims["aud"].(string)
		var posted []string
		require.Eventually(t, func() bool {
			m.mu.Lock()
			defer m.mu.Unlock()
			posted = m.posted[jti]
			return len(posted) > 0
		}, 10*time.Second, 100*time.Millisecond, "the browser posted the JWT to ConfirmUrl")
		require.Equal(t, []string{o.JWT}, posted)
		resp, err := cruise.VerifyResponse(posted[0], m.apiKey, jti, time.Now())
		require.NoError(t, err)
		require.Equal(t, "SUCCESS", resp.Payload.ActionCode)
	})
}

func TestCardinalSongbirdHybrid(t *testing.T) {
	m := newCardinalMerchant(t)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(m.url("hybrid", visa(dssim.ScenarioChallenge))))
	answer(t, ctx, "#Cardinal-ElementContainer iframe", "1234", 3)
	o := cardinalResult(t, ctx)
	requireVerified(t, o)
	require.Contains(t, o.Events, "lookup:C")
	require.Equal(t, "SUCCESS", o.Data.ActionCode)
	require.Equal(t, "Y", o.Data.Payment.ExtendedData["PAResStatus"])
}
