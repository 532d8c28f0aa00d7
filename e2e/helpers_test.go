package e2e

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"maps"
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

// Test PANs (architecture.md §6): the scenario is the two digits before the
// Luhn check digit.
func visa(ss dssim.Scenario) string { return dssim.TestPAN(emv3ds.SchemeVisa, ss) }
func mc(ss dssim.Scenario) string   { return dssim.TestPAN(emv3ds.SchemeMastercard, ss) }

const (
	amexY       = "340000000001007"
	notEnrolled = "4111111111111111"
	nonLuhn     = "4000000000001001"
)

var httpClient = &http.Client{Timeout: 60 * time.Second}

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
	require.NoError(t, json.Unmarshal(r.Body, &m), "body is not a JSON object: %s", r.Body)
	return m
}

// seenCAVVs are the authentication values results carried, for the
// card-data sweep.
var seenCAVVs sync.Map

// errorBodies keeps every 4xx/5xx body the server answered, for the
// card-data sweep.
var errorBodies struct {
	mu   sync.Mutex
	list []string
}

func send(t *testing.T, req *http.Request) resp {
	t.Helper()
	res, err := httpClient.Do(req)
	require.NoError(t, err, "%s %s", req.Method, req.URL)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if res.StatusCode >= 400 {
		errorBodies.mu.Lock()
		errorBodies.list = append(errorBodies.list, req.URL.Path+" "+string(b))
		errorBodies.mu.Unlock()
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b}
}

// call POSTs JSON to a merchant route with `Authorization: Bearer key`
// (no header when key is "") and extra headers.
func call(t *testing.T, path, key string, body any, headers ...string) resp {
	t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(t, err)
	}
	req, err := http.NewRequest(http.MethodPost, stk.URL+path, bytes.NewReader(raw))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return send(t, req)
}

// preauth opens a transaction for pan as merchant one and returns the answer.
func preauth(t *testing.T, pan string) map[string]any {
	t.Helper()
	r := call(t, "/preauth", key1, map[string]any{"acctNumber": pan, "ds": nil})
	require.Equal(t, http.StatusOK, r.Status, "preauth: %s", r.Body)
	m := r.JSON(t)
	requireUUID(t, m["threeDSServerTransID"], "preauth threeDSServerTransID")
	return m
}

// areq is a complete browser AReq body in EMV names; change returns a copy
// with the given members set (nil deletes one).
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
		"billAddrCity":                      "Springfield",
		"billAddrCountry":                   "840",
		"billAddrLine1":                     "1 Main Street",
		"billAddrPostCode":                  "12345",
		"billAddrState":                     "CA",
		"browserAcceptHeader":               "text/html,application/xhtml+xml",
		"browserIP":                         "192.0.2.10",
		"browserJavaEnabled":                false,
		"browserJavascriptEnabled":          true,
		"browserLanguage":                   "en-US",
		"browserColorDepth":                 "24",
		"browserScreenHeight":               "1080",
		"browserScreenWidth":                "1920",
		"browserTZ":                         "-60",
		"browserUserAgent":                  "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e",
	}
}

func (a areq) with(kv ...any) areq {
	out := maps.Clone(a)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

// auth sends an AReq body as merchant one and requires 200.
func auth(t *testing.T, body areq) map[string]any {
	t.Helper()
	r := call(t, "/auth", key1, body)
	require.Equal(t, http.StatusOK, r.Status, "auth: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "ARes", m["messageType"], "/auth answers always carry messageType")
	return m
}

// start runs preauth and auth for pan with the extra AReq members.
func start(t *testing.T, pan string, kv ...any) (txID string, ares map[string]any) {
	t.Helper()
	txID = preauth(t, pan)["threeDSServerTransID"].(string)
	return txID, auth(t, browserAReq(txID, pan).with(kv...))
}

// postauth reads the result as merchant one and requires want.
func postauth(t *testing.T, txID string, want int) map[string]any {
	t.Helper()
	r := call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
	require.Equal(t, want, r.Status, "postauth: %s", r.Body)
	return r.JSON(t)
}

// outcome is the expected final result of a transaction.
type outcome struct {
	status  string // transStatus
	reason  string // transStatusReason ("" = absent)
	eci     string // "" = absent
	cavv    bool   // authenticationValue present (28 characters)
	cancel  string // challengeCancel ("" = absent)
	version string // messageVersion
}

// requireResult checks a postauth answer (or a frictionless ARes) against want.
func requireResult(t *testing.T, got map[string]any, want outcome) {
	t.Helper()
	require.Equal(t, want.status, got["transStatus"], "transStatus in %v", got)
	requireOptional(t, got, "transStatusReason", want.reason)
	requireOptional(t, got, "eci", want.eci)
	requireOptional(t, got, "challengeCancel", want.cancel)
	if want.cavv {
		av, _ := got["authenticationValue"].(string)
		require.Len(t, av, 28, "authenticationValue must be a 28-character CAVV, got %v", got)
		seenCAVVs.Store(av, true)
	} else {
		require.NotContains(t, got, "authenticationValue", "no CAVV for %s", want.status)
	}
	requireUUID(t, got["dsTransID"], "dsTransID")
	requireUUID(t, got["acsTransID"], "acsTransID")
	if want.version != "" {
		require.Equal(t, want.version, got["messageVersion"])
	}
}

func requireOptional(t *testing.T, got map[string]any, key, want string) {
	t.Helper()
	if want == "" {
		v, ok := got[key]
		require.True(t, !ok || v == "", "%s must be absent, got %v", key, v)
		return
	}
	require.Equal(t, want, got[key], "%s in %v", key, got)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func requireUUID(t *testing.T, v any, what string) {
	t.Helper()
	s, _ := v.(string)
	require.Regexp(t, uuidRE, strings.ToLower(s), "%s must be a UUID", what)
}

var semverRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// requireErro checks an Erro answer's status, code and component and returns it.
func requireErro(t *testing.T, r resp, status int, code, component string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, component, m["errorComponent"], "body: %s", r.Body)
	require.NotEmpty(t, m["errorDescription"])
	require.Regexp(t, semverRE, m["messageVersion"])
	return m
}

// --- the simulator, seen from outside --------------------------------------

// exchanges reads the simulator's debug route for a transaction.
func exchanges(t *testing.T, txID string) []dssim.Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, stk.Sim.URL()+"/debug/transactions/"+txID, nil)
	require.NoError(t, err)
	r := send(t, req)
	if r.Status == http.StatusNotFound {
		return nil
	}
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var doc struct {
		Exchanges []dssim.Exchange `json:"exchanges"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	return doc.Exchanges
}

// messages filters exchanges by direction and message type.
func messages(list []dssim.Exchange, dir dssim.Direction, typ string) []dssim.Exchange {
	var out []dssim.Exchange
	for _, e := range list {
		if e.Direction == dir && e.MessageType == typ {
			out = append(out, e)
		}
	}
	return out
}

// sentAReq is the one AReq the simulator received for txID, decoded.
func sentAReq(t *testing.T, txID string) map[string]any {
	t.Helper()
	list := messages(exchanges(t, txID), dssim.Received, "AReq")
	require.Len(t, list, 1, "the DS receives exactly one AReq per transaction")
	var m map[string]any
	require.NoError(t, json.Unmarshal(list[0].Body, &m))
	return m
}

// --- the cardholder's browser ----------------------------------------------

var (
	formActionRE = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	hiddenRE     = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

// page is an HTML answer.
type page struct {
	Status int
	HTML   string
}

// post submits a form like a browser.
func post(t *testing.T, action string, v url.Values) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(v.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := send(t, req)
	return page{Status: r.Status, HTML: string(r.Body)}
}

// form returns the first form's action and hidden fields.
func (p page) form(t *testing.T) (string, url.Values) {
	t.Helper()
	m := formActionRE.FindStringSubmatch(p.HTML)
	require.NotNil(t, m, "no form in page:\n%s", p.HTML)
	v := url.Values{}
	for _, in := range hiddenRE.FindAllStringSubmatch(p.HTML, -1) {
		v.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), v
}

// attr returns an attribute of the element with the given id.
func (p page) attr(t *testing.T, id, name string) string {
	t.Helper()
	el := regexp.MustCompile(`<[^>]*id="` + regexp.QuoteMeta(id) + `"[^>]*>`).FindString(p.HTML)
	require.NotEmpty(t, el, "no element #%s in page:\n%s", id, p.HTML)
	m := regexp.MustCompile(regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(el)
	require.NotNil(t, m, "no %s on #%s: %s", name, id, el)
	return html.UnescapeString(m[1])
}

// cardholder drives the simulator's challenge page.
type cardholder func(t *testing.T, challenge page) (action string, fields url.Values)

// enters submits OTP codes in turn; the last one must end the challenge.
func enters(codes ...string) cardholder {
	return func(t *testing.T, p page) (string, url.Values) {
		for i, code := range codes {
			action, fields := p.form(t)
			fields.Set("otp", code)
			fields.Set("action", "submit")
			if i == len(codes)-1 {
				return action, fields
			}
			p = post(t, action, fields)
			require.Equal(t, http.StatusOK, p.Status, p.HTML)
			require.Contains(t, p.HTML, "The code is not correct", "a wrong code shows the page again")
		}
		panic("no codes")
	}
}

// cancels presses Cancel.
func cancels(t *testing.T, p page) (string, url.Values) {
	action, fields := p.form(t)
	fields.Set("action", "cancel")
	return action, fields
}

// challenge runs a browser challenge from an ARes C: CReq to acsURL, the
// cardholder's input, then the ACS's auto-post of the final CRes back to the
// notificationURL (our /callbacks/challenge). It returns our callback page.
func challenge(t *testing.T, ares map[string]any, who cardholder) page {
	t.Helper()
	back, fields := challengeToReturn(t, ares, who)
	cb := post(t, back, fields)
	require.Equal(t, http.StatusOK, cb.Status, cb.HTML)
	return cb
}

// challengeToReturn runs the challenge up to the ACS's final auto-post and
// returns its action and fields without following it.
func challengeToReturn(t *testing.T, ares map[string]any, who cardholder) (string, url.Values) {
	t.Helper()
	require.Equal(t, "C", ares["transStatus"], "ARes: %v", ares)
	acsURL, _ := ares["acsURL"].(string)
	creq, _ := ares["base64EncodedChallengeRequest"].(string)
	session, _ := ares["threeDSSessionData"].(string)
	require.True(t, strings.HasPrefix(acsURL, stk.Sim.URL()), "acsURL %q is the simulator's", acsURL)
	require.NotEmpty(t, creq)
	require.NotEmpty(t, session)

	p := post(t, acsURL, url.Values{"creq": {creq}, "threeDSSessionData": {session}})
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	action, fields := who(t, p)
	p = post(t, action, fields) // the ACS answers an auto-posting form with the final cres
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	back, fields := p.form(t)
	require.Equal(t, stk.URL+"/callbacks/challenge", back, "the ACS returns the browser to our callback")
	require.NotEmpty(t, fields.Get("cres"))
	require.Equal(t, session, fields.Get("threeDSSessionData"), "the ACS echoes threeDSSessionData")
	return back, fields
}

// runMethod does what the merchant's hidden iframe does: post
// threeDSMethodData to the ACS's 3DS Method URL, then follow its auto-post
// to the notification URL.
func runMethod(t *testing.T, pre map[string]any) page {
	t.Helper()
	methodURL, _ := pre["threeDSMethodURL"].(string)
	data, _ := pre["threeDSMethodData"].(string)
	require.NotEmpty(t, methodURL, "preauth answers threeDSMethodURL: %v", pre)
	require.NotEmpty(t, data, "preauth answers threeDSMethodData: %v", pre)
	p := post(t, methodURL, url.Values{"threeDSMethodData": {data}})
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	action, fields := p.form(t)
	require.Equal(t, stk.URL+"/callbacks/method", action, "the ACS notifies our method callback")
	cb := post(t, action, fields)
	require.Equal(t, http.StatusOK, cb.Status, cb.HTML)
	return cb
}

// eventuallyFinal polls postauth until the result is final.
func eventuallyFinal(t *testing.T, txID string, within time.Duration) map[string]any {
	t.Helper()
	var last map[string]any
	require.Eventually(t, func() bool {
		last = postauth(t, txID, http.StatusOK)
		return last["status"] == "final"
	}, within, 200*time.Millisecond, "result of %s never became final; last %v", txID, last)
	return last
}

func jsonReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
