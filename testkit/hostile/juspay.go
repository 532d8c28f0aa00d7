package hostile

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// Juspay is the Juspay Express Checkout dialect (authentication-only
// orders): Basic credentials with x-merchantid on /orders, the order's
// client_auth_token on /txns, the sealed session of the hosted page; and
// its flows, an order and its /txns around the same transactions.
func Juspay() Dialect {
	return Dialect{Name: "juspay", Probes: juspayProbes, ErrorOf: juspayErrorOf, Flows: &juspayFlows{}}
}

// juspayErrorOf reads {status, error_code, error_message, error_field}.
func juspayErrorOf(body []byte) (code, detail string, ok bool) {
	var e struct {
		Status       string `json:"status"`
		ErrorCode    string `json:"error_code"`
		ErrorMessage string `json:"error_message"`
		ErrorField   string `json:"error_field"`
	}
	if json.Unmarshal(body, &e) != nil || e.Status == "" || e.ErrorCode == "" || e.ErrorMessage == "" {
		return "", "", false
	}
	return e.ErrorCode, e.ErrorField, true
}

const (
	jpForm        = "application/x-www-form-urlencoded"
	jpWrongKey    = "hostileWrongJuspayKey0123456789abcdef"
	jpBrowserUA   = "Mozilla/5.0 (X11; Linux x86_64) open3ds-hostile"
	jpReturnURL   = "https://shop.example.com/juspay/return"
	jpUnknownMID  = "hostile_unknown_mid"
	jpOtherSecret = "hostile-other-password-0123"
)

var jpOrderSeq atomic.Int64

func jpOrderID() string {
	return fmt.Sprintf("hst%d%d", time.Now().UnixNano()%1e9, jpOrderSeq.Add(1))
}

func jpBasic(key, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(key+":"+pass))
}

func jpOrderForm(id string) url.Values {
	return url.Values{"order_id": {id}, "amount": {"100.00"}, "currency": {"INR"}, "txn_type": {"AUTHENTICATION"},
		"customer_id": {"cust-hostile"}, "return_url": {jpReturnURL},
		"acquirer_details": {`{"acquirerBin":"12345","acquirerMId":"22222","mcc":"3333","merchantName":"easebuzz"}`}}
}

// jpOrder creates an order as merchant-1 and returns its client token.
func jpOrder(t *testing.T, tg Target, id string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tg.API.URL+"/orders", strings.NewReader(jpOrderForm(id).Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", jpForm)
	req.Header.Set("Authorization", jpBasic(tg.Juspay[1], ""))
	req.Header.Set("x-merchantid", tg.Juspay[0])
	r := tg.API.Do(t, req)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return r.JSON(t)["juspay"].(map[string]any)["client_auth_token"].(string)
}

var jpBrowser = url.Values{"browser_screen_width": {"1280"}, "browser_screen_height": {"800"}, "browser_color_depth": {"24"},
	"browser_tz": {"-60"}, "browser_language": {"en-IN"}}

func jpTxnForm(tg Target, id, token, pan string, browser bool) url.Values {
	f := url.Values{"order_id": {id}, "merchant_id": {tg.Juspay[0]}, "client_auth_token": {token}, "payment_method_type": {"CARD"},
		"card_number": {pan}, "card_exp_month": {"12"}, "card_exp_year": {"2030"}, "name_on_card": {"Hostile Probe"}, "format": {"json"}}
	if browser {
		for k, v := range jpBrowser {
			f[k] = v
		}
	}
	return f
}

func jpPostForm(tg Target, path string, form url.Values) stacktest.Response {
	req, _ := http.NewRequest(http.MethodPost, tg.API.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", jpForm)
	req.Header.Set("User-Agent", jpBrowserUA)
	req.Header.Set("Accept", "text/html")
	return tg.API.TryDo(req)
}

func juspayProbes(t *testing.T, tg Target) []Probe {
	mid, key := tg.Juspay[0], tg.Juspay[1]
	require.NotEmpty(t, key, "the stack seeds Juspay credentials")
	good := jpBasic(key, "")
	order := []byte(jpOrderForm(jpOrderID()).Encode())
	// A real order for the /txns rows; every row is refused before /txns
	// opens a transaction, so it stays NEW for all of them.
	id := jpOrderID()
	tok := jpOrder(t, tg, id)
	txn := func(kv ...string) []byte {
		f := jpTxnForm(tg, id, tok, panY, true)
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				f.Del(kv[i])
			} else {
				f.Set(kv[i], kv[i+1])
			}
		}
		return []byte(f.Encode())
	}
	deny := Want{Status: 401, Code: "access_denied", Times: 10}
	var ps []Probe
	// 1. Credential games on the server-to-server routes.
	for _, r := range []struct{ method, path string }{{"POST", "/orders"}, {"GET", "/orders/" + id}} {
		games := []struct {
			name string
			h    http.Header
			want Want
		}{
			{"no credential", header("Content-Type", jpForm, "x-merchantid", mid), deny},
			{"no x-merchantid", header("Content-Type", jpForm, "Authorization", good), deny},
			{"x-merchantid of no merchant", header("Content-Type", jpForm, "Authorization", good, "x-merchantid", jpUnknownMID), deny},
			{"x-merchantid twice", header("Content-Type", jpForm, "Authorization", good, "x-merchantid", mid, "x-merchantid", jpUnknownMID), Want{Status: 401}},
			{"wrong key", header("Content-Type", jpForm, "Authorization", jpBasic(jpWrongKey, ""), "x-merchantid", mid),
				Want{Status: 401, Code: "access_denied", Never: []string{jpWrongKey}}},
			{"the key with a password", header("Content-Type", jpForm, "Authorization", jpBasic(key, jpOtherSecret), "x-merchantid", mid),
				Want{Status: 401, Never: []string{jpOtherSecret}}},
			{"two Basic credentials", header("Content-Type", jpForm, "Authorization", good, "Authorization", jpBasic(jpWrongKey, ""), "x-merchantid", mid), deny},
			{"malformed Basic", header("Content-Type", jpForm, "Authorization", "Basic %%%", "x-merchantid", mid), deny},
			{"a native API key", header("Content-Type", jpForm, "Authorization", "Bearer "+tg.Keys[0], "x-merchantid", mid), deny},
			{"control: the right credentials", header("Content-Type", jpForm, "Authorization", good, "x-merchantid", mid), Want{NotStatus: 401}},
		}
		for _, g := range games {
			ps = append(ps, Probe{Name: "credentials " + r.method + " " + r.path[:min(len(r.path), 8)] + ": " + g.name, Method: r.method, Path: r.path,
				Header: g.h, Body: order, Want: g.want})
		}
	}
	auth := header("Content-Type", jpForm, "Authorization", good, "x-merchantid", mid)
	authJSON := header("Content-Type", "application/json", "Authorization", good, "x-merchantid", mid)
	// 2. The client token and the page session are credentials: refused
	// the same way, never echoed.
	ps = append(ps,
		Probe{Name: "/txns with a wrong client_auth_token", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("client_auth_token", "tkn_hostileWrongToken"),
			Want: Want{Status: 401, Code: "access_denied", Never: []string{"tkn_hostileWrongToken"}, Times: 5}},
		Probe{Name: "/txns with another order's token", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("order_id", jpOrderID()), Want: deny},
		Probe{Name: "/txns with the merchant id of no merchant", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("merchant_id", jpUnknownMID), Want: deny},
		Probe{Name: "/txns with the API key as the token", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("client_auth_token", key),
			Want: Want{Status: 401, Never: []string{key}}},
		Probe{Name: "hosted page with a forged session", Path: "/txns/authenticate", Header: header("Content-Type", jpForm),
			Body: []byte(url.Values{"step": {"areq"}, "session": {"AAAA" + strings.Repeat("B", 200)}}.Encode()), Want: Want{Status: 401, Code: "access_denied"}},
		Probe{Name: "hosted page without a session", Path: "/txns/authenticate", Header: header("Content-Type", jpForm),
			Body: []byte("step=areq"), Want: Want{Status: 401, Code: "access_denied"}},
	)
	// 3. Identifier lengths: a 4xx naming the parameter before any store
	// access, never a 5xx, never the value echoed.
	for _, n := range IDLengths {
		long := longID(n)
		sz := strconv.Itoa(n)
		bad := Want{Status: 400, Field: "order_id", Never: []string{long}}
		f := jpOrderForm(long)
		ps = append(ps,
			Probe{Name: "order_id of " + sz + " bytes: /orders", Path: "/orders", Header: auth, Body: []byte(f.Encode()), Want: bad},
			Probe{Name: "order_id of " + sz + " bytes: /txns", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("order_id", long), Want: bad},
			Probe{Name: "merchant_id of " + sz + " bytes: /txns", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("merchant_id", long),
				Want: midWant(n, long)},
			Probe{Name: "client_auth_token of " + sz + " bytes: /txns", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("client_auth_token", long),
				Want: Want{Status: 401, Never: []string{long}}},
			Probe{Name: "session of " + sz + " bytes: /txns/authenticate", Path: "/txns/authenticate", Header: header("Content-Type", jpForm),
				Body: []byte(url.Values{"session": {long}}.Encode()), Want: Want{Status: 401, Never: []string{long}}},
			Probe{Name: "x-merchantid of " + sz + " bytes: /orders", Path: "/orders", Header: header("Content-Type", jpForm, "Authorization", good, "x-merchantid", long),
				Body: order, Want: Want{Status: 401, Never: []string{long}}},
		)
		if n < 2048 { // a URL path
			ps = append(ps, Probe{Name: "order_id of " + sz + " bytes: GET /orders/{order_id}", Method: "GET", Path: "/orders/" + long, Header: auth, Want: bad})
		}
	}
	// 4. Duplicated parameters: 400 naming the parameter, form and JSON.
	ps = append(ps,
		Probe{Name: "order_id twice in a form", Path: "/orders", Header: auth, Body: append(append([]byte{}, order...), []byte("&order_id=other")...),
			Want: Want{Status: 400, Field: "order_id"}},
		Probe{Name: "order_id twice in JSON", Path: "/orders", Header: authJSON,
			Body: dupMember(jsonBody(map[string]any{"order_id": jpOrderID(), "amount": "1.00", "txn_type": "AUTHENTICATION"}), "ORDER_ID", "other"),
			Want: Want{Status: 400, Field: "order_id"}},
		Probe{Name: "card_number twice", Path: "/txns", Header: header("Content-Type", jpForm), Body: append(txn(), []byte("&card_number=4111111111111111")...),
			Want: Want{Status: 400, Field: "card_number", Never: []string{"4111111111111111"}}},
		Probe{Name: "client_auth_token twice", Path: "/txns", Header: header("Content-Type", jpForm), Body: append(txn(), []byte("&client_auth_token=tkn_other")...),
			Want: Want{Status: 400, Field: "client_auth_token", Never: []string{"tkn_other"}}},
	)
	// 5. Echo checks: no client text in the answer or the log.
	ps = append(ps,
		Probe{Name: "member named after a card, with a control character", Path: "/orders", Header: authJSON,
			Body: dupMember(jsonBody(map[string]any{"order_id": jpOrderID(), "amount": "1.00", "txn_type": "AUTHENTICATION"}), panAsName, "caf\u0001"),
			Want: Want{Status: 400, Field: "unknown element", Never: []string{panAsName}}},
		Probe{Name: "form field named after a card, invalid UTF-8", Path: "/orders", Header: auth, Body: append(append([]byte{}, order...), []byte("&"+panAsName+"=%FF")...),
			Want: Want{Status: 400, Field: "unknown element", Never: []string{panAsName}}},
		Probe{Name: "malformed card_number never echoed", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("card_number", "4000abcd00001000"),
			Want: Want{Status: 400, Field: "card_number", Never: []string{"4000abcd00001000"}}},
		Probe{Name: "card number as the merchant id never echoed", Path: "/txns", Header: header("Content-Type", jpForm), Body: txn("merchant_id", panY),
			Want: Want{Status: 401, Never: []string{panY}}},
		Probe{Name: "markup in order_id not echoed", Path: "/orders", Header: auth, Body: []byte(jpOrderForm(`x"><img src=x onerror=alert(1)>`).Encode()),
			Want: Want{Status: 400, Field: "order_id", Never: []string{"onerror"}}},
		Probe{Name: "a saved card without a locker", Path: "/txns", Header: header("Content-Type", jpForm),
			Body: txn("card_number", "", "card_exp_month", "", "card_exp_year", "", "card_token", "tok_hostile_probe"),
			Want: Want{Status: 400, Code: "invalid_request", Field: "card_token", Never: []string{"tok_hostile_probe"}}},
		Probe{Name: "return_url with a javascript scheme", Path: "/orders", Header: auth, Body: []byte(func() url.Values {
			f := jpOrderForm(jpOrderID())
			f.Set("return_url", "javascript:alert(1)")
			return f
		}().Encode()), Want: Want{Status: 400, Field: "return_url"}},
	)
	// 6. Wrong methods and media: Juspay's shape, never API Gateway's.
	ps = append(ps,
		Probe{Name: "GET /txns", Method: "GET", Path: "/txns", Want: Want{Status: 405, Code: "invalid_request"}},
		Probe{Name: "DELETE /orders", Method: "DELETE", Path: "/orders", Header: auth, Want: Want{Status: 405, Code: "invalid_request"}},
		Probe{Name: "PUT /orders/{order_id}", Method: "PUT", Path: "/orders/" + id, Header: auth, Body: order, Want: Want{Status: 405, Code: "invalid_request"}},
		Probe{Name: "multipart /txns", Path: "/txns", Header: header("Content-Type", "multipart/form-data; boundary=x"), Body: txn(), Want: Want{Status: 415, Code: "invalid_request"}},
		Probe{Name: "JSON array /orders", Path: "/orders", Header: authJSON, Body: []byte(`[1,2]`), Want: Want{Status: 400, Code: "invalid_request"}},
	)
	return ps
}

// midWant: a merchant_id over 64 characters is a 400 naming it; a shorter
// one of no merchant is the 401 of every refused credential.
func midWant(n int, long string) Want {
	if n > 64 {
		return Want{Status: 400, Field: "merchant_id", Never: []string{long}}
	}
	return Want{Status: 401, Never: []string{long}}
}

// juspayFlows drive an order and its /txns: the challenge through the
// JSON answer (browser fields, no 3DS Method), the racing AReqs through
// the hosted page's post (its sealed session), results through the order
// status.
type juspayFlows struct {
	mu       sync.Mutex
	orders   map[string]string // threeDSServerTransID → order_id
	sessions map[string]string // threeDSServerTransID → the hosted page's session
}

func (f *juspayFlows) remember(txID, orderID, session string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.orders == nil {
		f.orders, f.sessions = map[string]string{}, map[string]string{}
	}
	f.orders[txID], f.sessions[txID] = orderID, session
}

func (f *juspayFlows) order(txID string) (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.orders[txID], f.sessions[txID]
}

// txIDOf is the threeDSServerTransID behind a txn_uuid ("txn_" + its hex).
func txIDOf(t *testing.T, txnUUID string) string {
	t.Helper()
	h := strings.TrimPrefix(txnUUID, "txn_")
	require.Len(t, h, 32, "txn_uuid %q", txnUUID)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (f *juspayFlows) txns(t *testing.T, tg Target, pan string, browser bool) (string, string, map[string]any) {
	t.Helper()
	id := jpOrderID()
	tok := jpOrder(t, tg, id)
	r := jpPostForm(tg, "/txns", jpTxnForm(tg, id, tok, pan, browser))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m := r.JSON(t)
	return id, txIDOf(t, m["txn_uuid"].(string)), m["payment"].(map[string]any)["authentication"].(map[string]any)
}

func (f *juspayFlows) Challenge(t *testing.T, tg Target) *Challenge {
	t.Helper()
	id, txID, auth := f.txns(t, tg, panChallenge, true)
	require.Equal(t, "POST", auth["method"], "%v", auth)
	params := auth["params"].(map[string]any)
	creq, _ := params["creq"].(string)
	session, _ := params["threeDSSessionData"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(creq, "="))
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(raw, &c))
	require.Equal(t, txID, c["threeDSServerTransID"])
	f.remember(txID, id, "")
	ares := simMessage(t, tg, txID, dssim.Sent, "ARes")
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	return &Challenge{TxID: txID, ACSTransID: str(c, "acsTransID"), DSTransID: str(ares, "dsTransID"), MessageVersion: str(c, "messageVersion"),
		Session: session, ACSURL: auth["url"].(string), CReq: creq, ARes: ares}
}

func (f *juspayFlows) FinalCRes(t *testing.T, tg Target, c *Challenge, otp string) string {
	return nativeFlows{}.FinalCRes(t, tg, c, otp)
}

func (f *juspayFlows) PostCRes(t *testing.T, tg Target, cres, session string) stacktest.Page {
	return nativeFlows{}.PostCRes(t, tg, cres, session)
}

// Result is the order status: PENDING_VBV is pending (its transStatus C:
// the challenge's result is not in), SUCCESS and FAILED are final with
// second_factor_response's threeDSTransStatus.
func (f *juspayFlows) Result(t *testing.T, tg Target, txID string) (string, string, map[string]any) {
	t.Helper()
	id, _ := f.order(txID)
	require.NotEmpty(t, id, "a transaction of these flows")
	req, err := http.NewRequest(http.MethodGet, tg.API.URL+"/orders/"+id, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", jpBasic(tg.Juspay[1], ""))
	req.Header.Set("x-merchantid", tg.Juspay[0])
	r := tg.API.Do(t, req)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m := r.JSON(t)
	sfr, _ := m["second_factor_response"].(map[string]any)
	switch m["status"] {
	case "PENDING_VBV":
		require.Empty(t, sfr, "blank while pending")
		return "pending", "C", m
	case "SUCCESS", "FAILED":
		require.Equal(t, txID, sfr["threeDSServerTransID"])
		ts, _ := sfr["threeDSTransStatus"].(string)
		return "final", ts, m
	}
	return fmt.Sprint(m["status"]), "", m
}

// Preauth opens an attempt whose AReq the hosted page has not sent.
func (f *juspayFlows) Preauth(t *testing.T, tg Target) (string, string) {
	t.Helper()
	id, txID, auth := f.txns(t, tg, panY, false)
	session, _ := auth["params"].(map[string]any)["session"].(string)
	require.NotEmpty(t, session, "the hosted page: %v", auth)
	f.remember(txID, id, session)
	return txID, panY
}

// TryAuth is the hosted page's post: its session and browser data.
func (f *juspayFlows) TryAuth(tg Target, txID, _ string) stacktest.Response {
	_, session := f.order(txID)
	form := url.Values{"step": {"areq"}, "session": {session}}
	for k, v := range jpBrowser {
		form[k] = v
	}
	return jpPostForm(tg, "/txns/authenticate", form)
}

func (f *juspayFlows) TryRReq(tg Target, rreq map[string]any) stacktest.Response {
	return tg.API.TryPostRReq(rreq)
}

func (f *juspayFlows) AReqsAtDS(t *testing.T, tg Target, txID string) int {
	return nativeFlows{}.AReqsAtDS(t, tg, txID)
}

// simMessage is the body of the simulator's message of a transaction.
func simMessage(t *testing.T, tg Target, txID string, dir dssim.Direction, typ string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tg.SimURL+"/debug/transactions/"+txID, nil)
	require.NoError(t, err)
	r := tg.API.Do(t, req)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var doc struct {
		Exchanges []dssim.Exchange `json:"exchanges"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	for _, e := range doc.Exchanges {
		if e.Direction == dir && e.MessageType == typ {
			var m map[string]any
			require.NoError(t, json.Unmarshal(e.Body, &m))
			return m
		}
	}
	t.Fatalf("the simulator has no %s %s for %s", dir, typ, txID)
	return nil
}
