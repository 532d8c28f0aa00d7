package hostile

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// UAS is Hyperswitch's Unified Authentication Service dialect: its routes
// under the capability-token base (Target.UASBase) as probe rows, and its
// flows. Its error shape is {"error": "<description> (<field>)"}.
func UAS() Dialect {
	f := &uasFlows{sources: map[string]string{}}
	return Dialect{Name: "uas", Probes: uasProbes, ErrorOf: uasErrorOf, Flows: f}
}

// uasErrorOf reads {"error": "… (field)"}: no code, the field in the last
// parentheses.
func uasErrorOf(body []byte) (code, detail string, ok bool) {
	var e map[string]any
	if json.Unmarshal(body, &e) != nil || len(e) != 1 {
		return "", "", false
	}
	msg, _ := e["error"].(string)
	if msg == "" {
		return "", "", false
	}
	if i := strings.LastIndex(msg, " ("); i >= 0 && strings.HasSuffix(msg, ")") {
		detail = msg[i+2 : len(msg)-1]
	}
	return "", detail, true
}

var uasSeq atomic.Int64

func uasSource() string {
	return "authn_hostile_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_" + strconv.FormatInt(uasSeq.Add(1), 10)
}

func uasPreauthBody(src, pan, notify string) []byte {
	return jsonBody(map[string]any{
		"authenticate_by": "juspaythreedsserver", "session_id": "pay_hostile", "source_authentication_id": src,
		"authentication_info": nil, "customer_details": nil, "transaction_details": nil, "auth_creds": map[string]any{"auth_type": "NoKey"},
		"service_details":  map[string]any{"service_session_ids": nil, "merchant_details": map[string]any{"merchant_id": "merchant_1718", "notification_url": notify}},
		"pmt_details":      map[string]any{"pan": pan, "card_expiry_month": "12", "card_expiry_year": "2030", "card_cvc": "123"},
		"acquirer_details": nil, "billing_address": nil, "routing_region": "region1",
	})
}

func uasAuthBody(src string) []byte {
	return jsonBody(map[string]any{
		"authenticate_by": "juspaythreedsserver", "source_authentication_id": src, "customer_details": nil,
		"auth_creds": map[string]any{"auth_type": "NoKey"}, "authentication_info": nil, "routing_region": "region1",
		"transaction_details": map[string]any{"amount": 151.0, "currency": "EUR", "message_category": "payment",
			"three_ds_data": map[string]any{"preferred_protocol_version": "2.2.0", "threeds_method_comp_ind": "N", "force_3ds_challenge": nil, "psd2_sca_exemption_type": nil}},
		"device_details": map[string]any{"device_channel": "BRW", "sdk_info": nil, "browser_info": map[string]any{
			"color_depth": 24, "java_enabled": false, "java_script_enabled": true, "language": "en-US", "screen_height": 1080,
			"screen_width": 1920, "time_zone": -120, "ip_address": "203.0.113.7", "accept_header": "text/html",
			"user_agent": "Mozilla/5.0", "os_type": nil, "os_version": nil, "device_model": nil, "accept_language": "en"}},
	})
}

func uasSyncBody(src string) []byte {
	return jsonBody(map[string]any{"authenticate_by": "juspaythreedsserver", "source_authentication_id": src,
		"auth_creds": map[string]any{"auth_type": "NoKey"}, "routing_region": nil})
}

// uasPath is the route's path under the token base, relative to the API.
func uasPath(tg Target, route string) string {
	return strings.TrimPrefix(tg.UASBase, tg.API.URL) + route
}

func uasProbes(t *testing.T, tg Target) []Probe {
	require.NotEmpty(t, tg.UASBase, "the suite needs merchant-1's UAS base URL")
	ct := header("Content-Type", "application/json", "Source", "application/json")
	src := uasSource()
	pre := tg.API.Do(t, mustReq(t, tg.UASBase+"pre_authentication_processing", uasPreauthBody(src, panY, "https://hs.example.com/n")))
	require.Equal(t, http.StatusOK, pre.Status, string(pre.Body))

	token := strings.TrimSuffix(strings.TrimPrefix(tg.UASBase, tg.API.URL+"/uas/"), "/")
	var ps []Probe
	// 1. Credentials: a wrong, truncated or native-key token is 401 in the
	// dialect's shape; the token never shows in a log line.
	for name, bad := range map[string]string{
		"wrong token": "wrong-token", "truncated token": token[:len(token)-1], "token with a suffix": token + "x",
		"a native API key as token": tg.Keys[0], "another merchant's key as token": tg.Keys[1],
	} {
		ps = append(ps, Probe{Name: "credentials: " + name, Path: "/uas/" + bad + "/post_authentication_sync", Header: ct,
			Body: uasSyncBody(src), Want: Want{Status: 401, Field: "Authorization", Never: []string{token}, Times: 3}})
	}
	ps = append(ps,
		Probe{Name: "credentials: Bearer of merchant two beside merchant one's token reads nothing of merchant one",
			Path: uasPath(tg, "post_authentication_sync"), Header: header("Content-Type", "application/json", "Authorization", "Bearer "+tg.Keys[1]),
			Body: uasSyncBody(src), Want: Want{Status: 404, Field: "source_authentication_id"}},
		Probe{Name: "credentials: disagreeing Bearer and APIKey", Path: uasPath(tg, "post_authentication_sync"),
			Header: header("Content-Type", "application/json", "Authorization", "Bearer "+tg.Keys[0], "APIKey", tg.Keys[1]),
			Body:   uasSyncBody(src), Want: Want{Status: 401, Times: 10}},
		Probe{Name: "credentials: control, the token", Path: uasPath(tg, "post_authentication_sync"), Header: ct,
			Body: uasSyncBody(src), Want: Want{NotStatus: 401, Never: []string{token}}},
	)
	// 2. Identifier lengths: source_authentication_id and the webhook's ID.
	for _, n := range append([]int{65}, IDLengths[1:]...) { // source IDs are references of up to 64
		id := longID(n)
		sz := strconv.Itoa(n)
		bad := Want{Status: 400, Field: "source_authentication_id", Never: []string{id}}
		ps = append(ps,
			Probe{Name: "source_authentication_id of " + sz + " bytes: pre_authentication_processing", Path: uasPath(tg, "pre_authentication_processing"), Header: ct, Body: uasPreauthBody(id, panY, ""), Want: bad},
			Probe{Name: "source_authentication_id of " + sz + " bytes: authentication_initiation", Path: uasPath(tg, "authentication_initiation"), Header: ct, Body: uasAuthBody(id), Want: bad},
			Probe{Name: "source_authentication_id of " + sz + " bytes: post_authentication_sync", Path: uasPath(tg, "post_authentication_sync"), Header: ct, Body: uasSyncBody(id), Want: bad},
			Probe{Name: "webhook transaction ID of " + sz + " bytes", Path: uasPath(tg, "webhooks"), Header: ct,
				Body: jsonBody(map[string]any{"authenticate_by": "juspaythreedsserver", "body": byteNums(jsonBody(map[string]any{"three_ds_server_trans_id": id}))}),
				Want: Want{Status: 400, Field: "body.three_ds_server_trans_id", Never: []string{id}}},
		)
	}
	// 3. Duplicated keys, 4. echo checks.
	ps = append(ps,
		Probe{Name: "duplicate source_authentication_id on post_authentication_sync", Path: uasPath(tg, "post_authentication_sync"), Header: ct,
			Body: dupMember(uasSyncBody(src), "SOURCE_AUTHENTICATION_ID", "authn_other"), Want: Want{Status: 400, Field: "source_authentication_id"}},
		Probe{Name: "duplicate source_authentication_id on authentication_initiation", Path: uasPath(tg, "authentication_initiation"), Header: ct,
			Body: dupMember(uasAuthBody(src), "source_authentication_id", "authn_other"), Want: Want{Status: 400, Field: "source_authentication_id"}},
		Probe{Name: "member named after a card on pre_authentication_processing", Path: uasPath(tg, "pre_authentication_processing"), Header: ct,
			Body: dupMember(uasPreauthBody(uasSource(), panY, ""), panAsName, "caf\u0001"), Want: Want{Status: 400, Field: "unknown element", Never: []string{panAsName}}},
		Probe{Name: "malformed source_authentication_id not echoed", Path: uasPath(tg, "post_authentication_sync"), Header: ct,
			Body: uasSyncBody("x-hostile-probe-2\"><img src=x onerror=alert(1)>"), Want: Want{Status: 400, Field: "source_authentication_id", Never: []string{"x-hostile-probe-2", "onerror"}}},
		Probe{Name: "webhook body not bytes", Path: uasPath(tg, "webhooks"), Header: ct,
			Body: []byte(`{"authenticate_by":"juspaythreedsserver","body":[1,2,256]}`), Want: Want{Status: 400, Field: "body"}},
		Probe{Name: "notification_url javascript:", Path: uasPath(tg, "pre_authentication_processing"), Header: ct,
			Body: uasPreauthBody(uasSource(), panY, "javascript:alert(1)"), Want: Want{Status: 400, Field: "service_details.merchant_details.notification_url"}},
	)
	return ps
}

func byteNums(b []byte) []int {
	out := make([]int, len(b))
	for i, c := range b {
		out[i] = int(c)
	}
	return out
}

func mustReq(t *testing.T, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(string(body)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Source", "application/json")
	return req
}

// uasFlows drives the UAS routes. The challenge's notification_url is our
// own challenge callback, so the ACS pages end there as the native flow's
// do; the session token is the one the server would issue (signed with the
// suite's session key), since UAS answers none.
type uasFlows struct {
	mu      sync.Mutex
	sources map[string]string // threeDSServerTransID → source_authentication_id
}

func (f *uasFlows) open(t *testing.T, tg Target, pan string) (txID, src string) {
	t.Helper()
	src = uasSource()
	r := tg.API.Do(t, mustReq(t, tg.UASBase+"pre_authentication_processing", uasPreauthBody(src, pan, tg.API.URL+"/callbacks/challenge")))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	el := r.JSON(t)["eligibility"].(map[string]any)["three_ds_eligibility_response"].(map[string]any)
	txID = el["three_ds_server_trans_id"].(string)
	f.mu.Lock()
	f.sources[txID] = src
	f.mu.Unlock()
	return txID, src
}

func (f *uasFlows) source(txID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sources[txID]
}

func (f *uasFlows) Challenge(t *testing.T, tg Target) *Challenge {
	t.Helper()
	tx, src := f.open(t, tg, panChallenge)
	r := tg.API.Do(t, mustReq(t, tg.UASBase+"authentication_initiation", uasAuthBody(src)))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	a := r.JSON(t)["three_ds_auth_response"].(map[string]any)
	require.Equal(t, "C", a["trans_status"], "%v", a)
	str := func(k string) string { s, _ := a[k].(string); return s }
	session := signed(t, jwt.SigningMethodHS256, tg.SessionKey, sessionClaims(tx, time.Now().Add(10*time.Minute)))
	return &Challenge{TxID: tx, ACSTransID: str("acs_trans_id"), DSTransID: str("ds_trans_id"), MessageVersion: str("message_version"),
		Session: session, ACSURL: str("acs_url"), CReq: str("challenge_request"), ARes: a}
}

func (f *uasFlows) FinalCRes(t *testing.T, tg Target, c *Challenge, otp string) string {
	return nativeFlows{}.FinalCRes(t, tg, c, otp)
}

func (f *uasFlows) PostCRes(t *testing.T, tg Target, cres, session string) stacktest.Page {
	return nativeFlows{}.PostCRes(t, tg, cres, session)
}

// Result maps post_authentication_sync to the native statuses the probes
// read: C (or D) is pending, any other transStatus final.
func (f *uasFlows) Result(t *testing.T, tg Target, txID string) (string, string, map[string]any) {
	t.Helper()
	r := tg.API.Do(t, mustReq(t, tg.UASBase+"post_authentication_sync", uasSyncBody(f.source(txID))))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	d := r.JSON(t)["authentication_details"].(map[string]any)
	ts, _ := d["trans_status"].(string)
	status := "final"
	if ts == "C" || ts == "D" {
		status = "pending"
	}
	// The probes also read members UAS does not carry (interactionCounter):
	// they come from the same transaction's native result, which must agree.
	native := tg.API.Postauth(t, tg.Keys[0], txID, http.StatusOK)
	require.Equal(t, native["transStatus"], ts, "UAS and native results agree")
	for k, v := range d {
		native[k] = v
	}
	return status, ts, native
}

func (f *uasFlows) Preauth(t *testing.T, tg Target) (string, string) {
	t.Helper()
	tx, _ := f.open(t, tg, panY)
	return tx, panY
}

func (f *uasFlows) TryAuth(tg Target, txID, _ string) stacktest.Response {
	req, err := http.NewRequest(http.MethodPost, tg.UASBase+"authentication_initiation", strings.NewReader(string(uasAuthBody(f.source(txID)))))
	if err != nil {
		return stacktest.Response{Status: 0, Body: []byte(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	return tg.API.TryDo(req)
}

func (f *uasFlows) TryRReq(tg Target, rreq map[string]any) stacktest.Response {
	return nativeFlows{}.TryRReq(tg, rreq)
}

func (f *uasFlows) AReqsAtDS(t *testing.T, tg Target, txID string) int {
	return nativeFlows{}.AReqsAtDS(t, tg, txID)
}
