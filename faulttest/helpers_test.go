package faulttest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
)

func visa(ss dssim.Scenario) string { return dssim.TestPAN(emv3ds.SchemeVisa, ss) }

// httpClient bounds every request: a hang beyond it fails the test.
var httpClient = &http.Client{Timeout: 45 * time.Second}

// resp is one HTTP answer.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object (failing the test otherwise).
func (r resp) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body is not a JSON object (status %d): %s", r.Status, r.Body)
	return m
}

func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := httpClient.Do(req)
	require.NoError(t, err, "%s %s", req.Method, req.URL)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// call POSTs JSON to a route with merchant one's key ("" for none).
func call(t *testing.T, path, key string, body any) resp {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stk.URL+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return send(t, req)
}

func preauth(t *testing.T, pan string) string {
	t.Helper()
	r := call(t, "/preauth", key1, map[string]any{"acctNumber": pan})
	require.Equal(t, http.StatusOK, r.Status, "preauth: %s", r.Body)
	id, _ := r.JSON(t)["threeDSServerTransID"].(string)
	require.NotEmpty(t, id)
	return id
}

type areq map[string]any

func browserAReq(txID, pan string) areq {
	return areq{
		"threeDSServerTransID":              txID,
		"messageCategory":                   "01",
		"deviceChannel":                     "02",
		"threeDSRequestorAuthenticationInd": "01",
		"threeDSRequestorURL":               "https://shop.example.com",
		"purchaseAmount":                    "1999",
		"purchaseCurrency":                  "840",
		"purchaseExponent":                  "2",
		"purchaseDate":                      time.Now().UTC().Format("20060102150405"),
		"transType":                         "01",
		"acctNumber":                        pan,
		"cardExpiryDate":                    "2812",
		"cardholderName":                    "Test Cardholder",
		"email":                             "cardholder@example.com",
		"browserAcceptHeader":               "text/html,application/xhtml+xml",
		"browserIP":                         "192.0.2.10",
		"browserJavaEnabled":                false,
		"browserJavascriptEnabled":          true,
		"browserLanguage":                   "en-US",
		"browserColorDepth":                 "24",
		"browserScreenHeight":               "1080",
		"browserScreenWidth":                "1920",
		"browserTZ":                         "-60",
		"browserUserAgent":                  "Mozilla/5.0 (X11; Linux x86_64) open3ds-faulttest",
	}
}

// start runs preauth and /auth for pan and requires an ARes.
func start(t *testing.T, pan string) (string, map[string]any) {
	t.Helper()
	txID := preauth(t, pan)
	r := call(t, "/auth", key1, browserAReq(txID, pan))
	require.Equal(t, http.StatusOK, r.Status, "auth: %s", r.Body)
	ares := r.JSON(t)
	require.Equal(t, "ARes", ares["messageType"])
	return txID, ares
}

func postauth(t *testing.T, txID string, want int) map[string]any {
	t.Helper()
	r := call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
	require.Equal(t, want, r.Status, "postauth: %s", r.Body)
	return r.JSON(t)
}

var semverRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// requireErro checks an Erro answer's status, code and component.
func requireErro(t *testing.T, r resp, status int, code, component string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, component, m["errorComponent"], "body: %s", r.Body)
	require.NotEmpty(t, m["errorDescription"], "body: %s", r.Body)
	require.Regexp(t, semverRE, m["messageVersion"], "body: %s", r.Body)
	return m
}

// --- the DS's side of the results endpoint ---------------------------------

// postRReq posts an RReq to /ds/results as the DS would.
func postRReq(t *testing.T, rreq map[string]any) resp {
	t.Helper()
	b, err := json.Marshal(rreq)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/ds/results", bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return send(t, req)
}

// cavv is a well-formed 28-character authentication value (20 bytes).
const cavv = "AAABBBCCCDDDEEEFFFGGGHHHIII="

// rreqFor is a well-formed RReq for the transaction of ares.
func rreqFor(ares map[string]any, status string) map[string]any {
	m := map[string]any{
		"messageType":          "RReq",
		"messageVersion":       ares["messageVersion"],
		"messageCategory":      "01",
		"threeDSServerTransID": ares["threeDSServerTransID"],
		"acsTransID":           ares["acsTransID"],
		"dsTransID":            ares["dsTransID"],
		"transStatus":          status,
		"authenticationType":   "02",
		"interactionCounter":   "01",
	}
	switch status {
	case "Y":
		m["eci"], m["authenticationValue"] = "05", cavv
	case "N":
		m["transStatusReason"] = "01"
	}
	return m
}

func requireRReqErro(t *testing.T, r resp, code string) map[string]any {
	t.Helper()
	require.GreaterOrEqual(t, r.Status, 400, "body: %s", r.Body)
	require.Less(t, r.Status, 500, "an RReq the server rejects is the DS's mistake, not a server failure: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, "S", m["errorComponent"], "body: %s", r.Body)
	require.Equal(t, "RReq", m["errorMessageType"], "body: %s", r.Body)
	return m
}

// --- the cardholder's browser ----------------------------------------------

// cresFor is the final CRes an ACS page would post back (base64url JSON).
func cresFor(ares map[string]any, status string) string {
	b, _ := json.Marshal(map[string]any{
		"messageType":            "CRes",
		"messageVersion":         ares["messageVersion"],
		"threeDSServerTransID":   ares["threeDSServerTransID"],
		"acsTransID":             ares["acsTransID"],
		"transStatus":            status,
		"challengeCompletionInd": "Y",
	})
	return base64.RawURLEncoding.EncodeToString(b)
}

// page is an HTML answer.
type page struct {
	Status int
	HTML   string
}

// postForm submits a form like a browser.
func postForm(t *testing.T, action string, v url.Values) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(v.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := send(t, req)
	return page{Status: r.Status, HTML: string(r.Body)}
}

// callback posts the cres and the ARes's threeDSSessionData to our
// challenge callback.
func callback(t *testing.T, ares map[string]any, cres string) page {
	t.Helper()
	sd, _ := ares["threeDSSessionData"].(string)
	require.NotEmpty(t, sd, "ARes C carries threeDSSessionData: %v", ares)
	return postForm(t, stk.URL+"/callbacks/challenge", url.Values{"cres": {cres}, "threeDSSessionData": {sd}})
}

// shown is what the callback page tells the merchant page.
func (p page) shown(t *testing.T) (transStatus string, resultReady bool) {
	t.Helper()
	m := regexp.MustCompile(`id="status"[^>]*data-trans-status="([^"]*)"`).FindStringSubmatch(p.HTML)
	require.NotNil(t, m, "no #status in page:\n%s", p.HTML)
	r := regexp.MustCompile(`resultReady:\s*(true|false)`).FindStringSubmatch(p.HTML)
	require.NotNil(t, r, "no resultReady in page:\n%s", p.HTML)
	return html.UnescapeString(m[1]), r[1] == "true"
}

// --- merchant one's webhook endpoint ---------------------------------------

// delivery is one webhook POST and what the receiver answered.
type delivery struct {
	At       time.Time
	Answered int
	Header   http.Header
	Body     []byte
	EventID  string
	TxID     string
}

// hookReceiver answers 503 while down, 204 otherwise, and keeps every POST.
type hookReceiver struct {
	mu   sync.Mutex
	down bool
	got  []delivery
}

func (h *hookReceiver) setDown(down bool) {
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			ThreeDSServerTransID string `json:"threeDSServerTransID"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &ev)
	h.mu.Lock()
	code := http.StatusNoContent
	if h.down {
		code = http.StatusServiceUnavailable
	}
	h.got = append(h.got, delivery{At: time.Now(), Answered: code, Header: r.Header.Clone(), Body: body, EventID: ev.ID, TxID: ev.Data.ThreeDSServerTransID})
	h.mu.Unlock()
	w.WriteHeader(code)
}

// forTx returns the POSTs about a transaction, oldest first.
func (h *hookReceiver) forTx(txID string) []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []delivery
	for _, d := range h.got {
		if d.TxID == txID {
			out = append(out, d)
		}
	}
	return out
}

// postRReqRaw posts raw bytes to /ds/results.
func postRReqRaw(t *testing.T, body []byte) resp {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/ds/results", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return send(t, req)
}

// postRReqNoFail posts an RReq from a goroutine: a transport failure comes
// back as status 0.
func postRReqNoFail(rreq map[string]any) resp {
	b, _ := json.Marshal(rreq)
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/ds/results", bytes.NewReader(b))
	if err != nil {
		return resp{}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	res, err := httpClient.Do(req)
	if err != nil {
		return resp{Body: []byte(err.Error())}
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Header: res.Header, Body: body}
}
