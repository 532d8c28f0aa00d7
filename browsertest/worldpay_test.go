package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/dssim"
)

// A merchant integrated with Worldpay's Access 3DS API, written the way
// Worldpay's documentation tells merchants to: the server calls
// deviceDataInitialization; the checkout page posts Bin and JWT in a
// hidden 1×1 iframe and listens for the "message" event, parsing
// event.data as JSON and checking event.origin and MessageType; the server
// calls authentication with the SessionId as deviceData.collectionReference;
// on "challenged" the page posts JWT and MD to challenge.url in an iframe of
// challenge.windowSize; our page posts TransactionId and MD to returnUrl,
// whose page (the merchant's server) calls verification.
type worldpayShop struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	returns []url.Values
}

func newWorldpayShop(t *testing.T) *worldpayShop {
	s := &worldpayShop{t: t}
	s.srv = httptest.NewServer(s)
	t.Cleanup(s.srv.Close)
	return s
}

// call posts a Worldpay body with merchant-1's Basic credentials.
func (s *worldpayShop) call(path string, body []byte) (int, map[string]any) {
	req, _ := http.NewRequest(http.MethodPost, stk.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(stk.Worldpay.Username+":"+stk.Worldpay.Password)))
	req.Header.Set("Content-Type", worldpay.MediaType)
	req.Header.Set("Accept", worldpay.MediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, map[string]any{"error": err.Error()}
	}
	defer resp.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

func (s *worldpayShop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	entity := stk.Worldpay.Entity
	switch r.URL.Path {
	case "/checkout": // ?pan=&ref=
		status, b := s.call(worldpay.PathDeviceData, []byte(`{"transactionReference":"`+q.Get("ref")+`","merchant":{"entity":"`+entity+
			`"},"paymentInstrument":{"type":"card/front","cardNumber":"`+q.Get("pan")+`"}}`))
		if status != http.StatusOK {
			http.Error(w, fmt.Sprint(status, b), http.StatusBadGateway)
			return
		}
		dc := b["deviceDataCollection"].(map[string]any)
		_ = wpCheckout.Execute(w, map[string]any{"URL": dc["url"], "Bin": dc["bin"], "JWT": dc["jwt"], "Origin": stk.URL,
			"Next": "/pay?" + url.Values{"pan": {q.Get("pan")}, "ref": {q.Get("ref")}}.Encode()})
	case "/pay": // ?pan=&ref=&sessionId=
		raw, err := os.ReadFile("../shared/dialect/worldpay/testdata/authentication-card-front.json")
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		body := strings.NewReplacer("4444333322221111", q.Get("pan"), "Memory265-13/08/1876", q.Get("ref"),
			"0_3XXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXX6b5", q.Get("sessionId"), "MindPalaceLtd", entity,
			"http://payment.example.com", s.srv.URL+"/return",
			"Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:47.0)", r.UserAgent()).Replace(string(raw))
		status, b := s.call(worldpay.PathAuthentication, []byte(body))
		if status != http.StatusOK {
			http.Error(w, fmt.Sprint(status, b), http.StatusBadGateway)
			return
		}
		if b["outcome"] != "challenged" {
			_ = wpOutcome.Execute(w, b)
			return
		}
		ch := b["challenge"].(map[string]any)
		_ = wpChallenge.Execute(w, map[string]any{"URL": ch["url"], "JWT": ch["jwt"], "MD": "ref=" + q.Get("ref")})
	case "/return": // our challenge page's form: TransactionId, MD
		_ = r.ParseForm()
		s.mu.Lock()
		s.returns = append(s.returns, r.PostForm)
		s.mu.Unlock()
		ref := strings.TrimPrefix(r.PostForm.Get("MD"), "ref=")
		status, b := s.call(worldpay.PathVerification, []byte(`{"transactionReference":"`+ref+`","merchant":{"entity":"`+entity+
			`"},"challenge":{"reference":"`+r.PostForm.Get("TransactionId")+`"}}`))
		if status != http.StatusOK {
			http.Error(w, fmt.Sprint(status, b), http.StatusBadGateway)
			return
		}
		// Out of the challenge iframe: the top page shows the outcome.
		raw, _ := json.Marshal(b)
		_ = wpBreakOut.Execute(w, "/done?"+url.Values{"v": {string(raw)}}.Encode())
	case "/done":
		var b map[string]any
		_ = json.Unmarshal([]byte(q.Get("v")), &b)
		_ = wpOutcome.Execute(w, b)
	default:
		http.NotFound(w, r)
	}
}

var wpCheckout = template.Must(template.New("checkout").Parse(`<!doctype html>
<html><body>
<iframe height="1" width="1" style="display: none;" name="ddc-iframe"></iframe>
<form id="collectionForm" name="devicedata" method="POST" action="{{.URL}}" target="ddc-iframe">
  <input type="hidden" name="Bin" value="{{.Bin}}" />
  <input type="hidden" name="JWT" value="{{.JWT}}" />
</form>
<p id="ddc">collecting</p>
<script>
window.addEventListener("message", function (event) {
  if (event.origin !== {{.Origin}}) { return; }
  var data = JSON.parse(event.data);
  if (data !== undefined && data.MessageType === "profile.completed") {
    document.getElementById("ddc").setAttribute("data-status", String(data.Status));
    if (data.Status) { window.location.href = {{.Next}} + "&sessionId=" + encodeURIComponent(data.SessionId); }
  }
}, false);
window.onload = function () { document.getElementById("collectionForm").submit(); };
</script>
</body></html>`))

var wpChallenge = template.Must(template.New("challenge").Parse(`<!doctype html>
<html><body>
<iframe height="400" width="600" name="challengeFrame" id="challengeFrame"></iframe>
<form id="challengeForm" method="POST" action="{{.URL}}" target="challengeFrame">
  <input type="hidden" name="JWT" value="{{.JWT}}" />
  <input type="hidden" name="MD" value="{{.MD}}" />
</form>
<script>window.onload = function () { document.getElementById("challengeForm").submit(); };</script>
</body></html>`))

var wpBreakOut = template.Must(template.New("breakout").Parse(`<!doctype html>
<html><body><script>window.top.location.href = {{.}};</script></body></html>`))

var wpOutcome = template.Must(template.New("outcome").Parse(`<!doctype html>
<html><body><p id="outcome" data-outcome="{{.outcome}}"{{with .authentication}} data-eci="{{.eci}}" data-cavv="{{.authenticationValue}}"{{end}}>{{.outcome}}</p></body></html>`))

// browserFacts are what the page's browser reports, to compare with the AReq.
type browserFacts struct {
	ColorDepth, Height, Width, TZ int
	Language                      string
}

func readBrowser(t *testing.T, ctx context.Context) browserFacts {
	t.Helper()
	var f browserFacts
	do(t, ctx, chromedp.Evaluate(`({ColorDepth: screen.colorDepth, Height: screen.height, Width: screen.width, TZ: new Date().getTimezoneOffset(), Language: navigator.language})`, &f))
	return f
}

// simAReq is the AReq the simulator received for a Worldpay reference.
func requireDeviceData(t *testing.T, a map[string]any, f browserFacts, compInd string) {
	t.Helper()
	require.Equal(t, compInd, a["threeDSCompInd"], "the DDC page ran the ACS's 3DS Method and its notification reached the AReq")
	require.Equal(t, fmt.Sprint(f.ColorDepth), a["browserColorDepth"])
	require.Equal(t, fmt.Sprint(f.Height), a["browserScreenHeight"])
	require.Equal(t, fmt.Sprint(f.Width), a["browserScreenWidth"])
	require.Equal(t, fmt.Sprint(f.TZ), a["browserTZ"])
	require.Equal(t, f.Language, a["browserLanguage"])
	require.Equal(t, true, a["browserJavascriptEnabled"])
	require.Equal(t, false, a["browserJavaEnabled"])
	require.Equal(t, "The Baskerville Animal Sanctuary", a["merchantName"], "merchant.overrideName")
}

// Challenged → authenticated: DDC with the ACS's 3DS Method, the challenge
// iframe, the return page's verification.
func TestWorldpayBrowserChallenge(t *testing.T) {
	s := newWorldpayShop(t)
	ref := fmt.Sprintf("br-wp-ch-%d", time.Now().UnixNano()%1e12)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/checkout?"+url.Values{"pan": {visa(dssim.ScenarioMethodChallenge)}, "ref": {ref}}.Encode()))
	answerIn(t, ctx, []string{"#challengeFrame", "iframe"}, "1234", 3)
	var outcome, eci, cavv string
	do(t, ctx, chromedp.WaitVisible("#outcome", chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-outcome", &outcome, nil, chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-eci", &eci, nil, chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-cavv", &cavv, nil, chromedp.ByQuery))
	require.Equal(t, "authenticated", outcome)
	require.Equal(t, "05", eci)
	require.NotEmpty(t, cavv)
	s.mu.Lock()
	require.Len(t, s.returns, 1)
	require.Equal(t, worldpay.TransID("merchant-1", ref), s.returns[0].Get("TransactionId"))
	require.Equal(t, "ref="+ref, s.returns[0].Get("MD"), "MD is echoed")
	s.mu.Unlock()
	requireDeviceData(t, simAReq(t, worldpay.TransID("merchant-1", ref)), readBrowser(t, ctx), "Y")
}

// Frictionless: the simulator's scenario answers Y only when the AReq says
// threeDSCompInd=Y (else it challenges), so this proves the DDC page's
// 3DS Method reached the AReq.
func TestWorldpayBrowserFrictionless(t *testing.T) {
	s := newWorldpayShop(t)
	ref := fmt.Sprintf("br-wp-fr-%d", time.Now().UnixNano()%1e12)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/checkout?"+url.Values{"pan": {visa(dssim.ScenarioMethodFrictionles)}, "ref": {ref}}.Encode()))
	var outcome, eci string
	do(t, ctx, chromedp.WaitVisible("#outcome", chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-outcome", &outcome, nil, chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-eci", &eci, nil, chromedp.ByQuery))
	require.Equal(t, "authenticated", outcome)
	require.Equal(t, "05", eci)
	requireDeviceData(t, simAReq(t, worldpay.TransID("merchant-1", ref)), readBrowser(t, ctx), "Y")
}

// A card whose ACS has no 3DS Method: the DDC page still collects the
// browser's values; compInd U.
func TestWorldpayBrowserNoMethod(t *testing.T) {
	s := newWorldpayShop(t)
	ref := fmt.Sprintf("br-wp-nm-%d", time.Now().UnixNano()%1e12)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/checkout?"+url.Values{"pan": {visa(dssim.ScenarioFrictionlessY)}, "ref": {ref}}.Encode()))
	var outcome string
	do(t, ctx, chromedp.WaitVisible("#outcome", chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-outcome", &outcome, nil, chromedp.ByQuery))
	require.Equal(t, "authenticated", outcome)
	requireDeviceData(t, simAReq(t, worldpay.TransID("merchant-1", ref)), readBrowser(t, ctx), "U")
}

// An expired or altered JWT posted to our pages: a clear error page, and
// the DDC one tells the parent Status false.
func TestWorldpayBrowserBadJWT(t *testing.T) {
	ctx := tab(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wpCheckout.Execute(w, map[string]any{"URL": stk.URL + worldpay.DDCPath, "Bin": "40000000", "JWT": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "Origin": stk.URL, "Next": "/never?"})
	}))
	defer page.Close()
	var status string
	do(t, ctx, chromedp.Navigate(page.URL), chromedp.WaitReady(`#ddc[data-status]`, chromedp.ByQuery),
		chromedp.AttributeValue("#ddc", "data-status", &status, nil, chromedp.ByQuery))
	require.Equal(t, "false", status)
	ch := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = wpChallenge.Execute(w, map[string]any{"URL": stk.URL + worldpay.ChallengePath, "JWT": "eyJhbGciOiJIUzI1NiJ9.e30.AAAA", "MD": "x"})
	}))
	defer ch.Close()
	do(t, ctx, chromedp.Navigate(ch.URL))
	require.Contains(t, textIn(t, ctx, "#challengeFrame", "#error"), "altered or expired")
}

// textIn waits for sel inside the iframe frameSel and returns its text.
func textIn(t *testing.T, ctx context.Context, frameSel, sel string) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var nodes []*cdp.Node
		short, cancel := context.WithTimeout(ctx, time.Second)
		err := chromedp.Run(short, chromedp.Nodes(frameSel, &nodes, chromedp.ByQuery))
		cancel()
		if err == nil && len(nodes) > 0 {
			var txt string
			short, cancel := context.WithTimeout(ctx, time.Second)
			err = chromedp.Run(short, chromedp.Text(sel, &txt, chromedp.ByQuery, chromedp.FromNode(nodes[0])))
			cancel()
			if err == nil && txt != "" {
				return txt
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s in %s did not appear: %v", sel, frameSel, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// Challenged → authenticationFailed: three wrong codes; the return page's
// verification answers the RReq's N.
func TestWorldpayBrowserChallengeFailed(t *testing.T) {
	s := newWorldpayShop(t)
	ref := fmt.Sprintf("br-wp-cf-%d", time.Now().UnixNano()%1e12)
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(s.srv.URL+"/checkout?"+url.Values{"pan": {visa(dssim.ScenarioChallenge)}, "ref": {ref}}.Encode()))
	for left := 3; left > 0; left-- {
		answerIn(t, ctx, []string{"#challengeFrame", "iframe"}, "0000", left)
	}
	var outcome string
	do(t, ctx, chromedp.WaitVisible("#outcome", chromedp.ByQuery),
		chromedp.AttributeValue("#outcome", "data-outcome", &outcome, nil, chromedp.ByQuery))
	require.Equal(t, "authenticationFailed", outcome)
	s.mu.Lock()
	require.Len(t, s.returns, 1)
	s.mu.Unlock()
	// No 3DS Method for this card: compInd U, the browser's values still collected.
	requireDeviceData(t, simAReq(t, worldpay.TransID("merchant-1", ref)), readBrowser(t, ctx), "U")
}
