package hostile

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// Juspay3DS is the dialect of Juspay's own 3DS Server API (/3ds/version,
// /3ds/authenticate, /3ds/final, /3ds/results with the native API key).
// Its challenge ends at the merchant (the ACS posts the CRes to the
// merchant's notificationURL), so its flows are DSFlows: RReqs and racing
// AReqs, not our challenge callback.
func Juspay3DS() Dialect {
	return Dialect{Name: "juspay3ds", Probes: juspay3dsProbes, ErrorOf: juspay3dsErrorOf, Flows: juspay3dsFlows{}}
}

// juspay3dsErrorOf reads {"error", "errorDetails": {errorCode, errorDetail}}.
func juspay3dsErrorOf(body []byte) (code, detail string, ok bool) {
	var e struct {
		Error        string `json:"error"`
		ErrorDetails struct {
			ErrorCode   string `json:"errorCode"`
			ErrorDetail string `json:"errorDetail"`
		} `json:"errorDetails"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == "" || e.ErrorDetails.ErrorCode == "" {
		return "", "", false
	}
	return e.ErrorDetails.ErrorCode, e.ErrorDetails.ErrorDetail, true
}

// jp3dsAuthenticate is Hyperswitch's /3ds/authenticate body (the e2e
// fixture's shape) for a transaction and card.
func jp3dsAuthenticate(txID, pan string) map[string]any {
	return map[string]any{"preferredProtocolVersion": "2.2.0", "deviceChannel": "02", "messageCategory": "01", "threeDSCompInd": "N",
		"threeDSRequestor":     map[string]any{"threeDSRequestorAuthenticationInd": "01"},
		"threeDSServerTransID": txID, "threeDSRequestorURL": "https://hs.example.com",
		"cardholderAccount": map[string]any{"acctNumber": pan, "cardExpiryDate": "3012"},
		"cardholder":        map[string]any{"email": "jane@example.com", "cardholderName": "Jane Doe"},
		"purchase": map[string]any{"purchaseAmount": 15100, "purchaseCurrency": "978", "purchaseExponent": 2,
			"purchaseDate": time.Now().UTC().Format("20060102150405"), "transType": "01"},
		"merchant": map[string]any{"notificationURL": "https://hs.example.com/payments/pay_1/authorize"},
		"browserInformation": map[string]any{"browserAcceptHeader": "text/html", "browserIP": "203.0.113.7", "browserJavaEnabled": false,
			"browserJavascriptEnabled": true, "browserLanguage": "en-US", "browserColorDepth": "24", "browserScreenHeight": 1080,
			"browserScreenWidth": 1920, "browserTZ": -120, "browserUserAgent": "Mozilla/5.0", "challengeWindowSize": "05"}}
}

func jp3dsVersion(t *testing.T, tg Target, key, pan string) string {
	t.Helper()
	r := tg.API.Call(t, "/3ds/version", key, map[string]any{"cardNumber": pan})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	return r.JSON(t)["threeDSServerTransID"].(string)
}

func juspay3dsProbes(t *testing.T, tg Target) []Probe {
	a, b := tg.Keys[0], tg.Keys[1]
	const unknownKey = "o3ds_hostileProbeUnknownKey00000000000000000000"
	tx := jp3dsVersion(t, tg, a, panY) // stays open: every row is refused before its AReq
	unknownTx := "00000000-0000-4000-8000-0000000e0000"
	bodies := []struct {
		path string
		body []byte
	}{
		{"/3ds/version", jsonBody(map[string]any{"cardNumber": panY})},
		{"/3ds/authenticate", jsonBody(jp3dsAuthenticate(unknownTx, panY))},
		{"/3ds/final", jsonBody(map[string]any{"threeDSServerTransID": unknownTx})},
		{"/3ds/results", jsonBody(stacktest.RReqFor(map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": unknownTx,
			"acsTransID": "00000000-0000-4000-8000-00000000a000", "dsTransID": "00000000-0000-4000-8000-00000000d000"}, "Y"))},
	}
	var ps []Probe
	// 1. Header games: credential headers that disagree are 401, every time.
	for _, r := range bodies {
		games := []struct {
			name string
			h    http.Header
			want Want
		}{
			{"no key", header(), Want{Status: 401, Times: 10}},
			{"Bearer of one merchant, APIKey of another", header("Authorization", "Bearer "+a, "APIKey", b), Want{Status: 401, Times: 10}},
			{"a valid and an unknown key", header("Authorization", "Bearer "+a, "apikey", unknownKey), Want{Status: 401, Times: 10}},
			{"Authorization repeated", header("Authorization", "Bearer "+b, "Authorization", "Bearer "+a), Want{Status: 401, Times: 10}},
			{"Basic beside an APIKey", header("Authorization", "Basic bWVyY2hhbnQ6cGFzcw==", "APIKey", a), Want{Status: 401}},
			{"rejected key never echoed", header("Authorization", "Bearer "+unknownKey), Want{Status: 401, Never: []string{unknownKey[:11]}}},
			{"control: the same key twice", header("Authorization", "Bearer "+a, "APIKey", a), Want{NotStatus: 401}},
		}
		for _, g := range games {
			g.h.Set("Content-Type", "application/json")
			ps = append(ps, Probe{Name: "header games " + r.path + ": " + g.name, Path: r.path, Header: g.h, Body: r.body, Want: g.want})
		}
	}
	auth := header("Authorization", "Bearer "+a, "Content-Type", "application/json")
	// 2. Identifier lengths: a 4xx naming the field, never the value.
	for _, n := range IDLengths {
		id := longID(n)
		sz := strconv.Itoa(n)
		bad := Want{Status: 400, Code: "203", Field: "threeDSServerTransID", Never: []string{id}}
		ps = append(ps,
			Probe{Name: "identifier of " + sz + " bytes: /3ds/authenticate", Path: "/3ds/authenticate", Header: auth, Body: jsonBody(jp3dsAuthenticate(id, panY)), Want: bad},
			Probe{Name: "identifier of " + sz + " bytes: /3ds/final", Path: "/3ds/final", Header: auth, Body: jsonBody(map[string]any{"threeDSServerTransID": id}), Want: bad},
			Probe{Name: "identifier of " + sz + " bytes: /3ds/results", Path: "/3ds/results", Header: auth,
				Body: jsonBody(stacktest.RReqFor(map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": id,
					"acsTransID": "00000000-0000-4000-8000-00000000a000", "dsTransID": "00000000-0000-4000-8000-00000000d000"}, "Y")), Want: bad},
		)
	}
	// 3. Duplicated keys, 4. echo checks, 5. other merchants' transactions.
	ctrl := func(body []byte) []byte { return dupMember(body, panAsName, "caf\u0001") }
	ps = append(ps,
		Probe{Name: "duplicate cardNumber on /3ds/version", Path: "/3ds/version", Header: auth,
			Body: dupMember(jsonBody(map[string]any{"cardNumber": panY}), "CARDNUMBER", "4111111111111111"), Want: Want{Status: 400, Code: "204", Never: []string{"4111111111111111"}}},
		Probe{Name: "duplicate threeDSServerTransID on /3ds/final", Path: "/3ds/final", Header: auth,
			Body: dupMember(jsonBody(map[string]any{"threeDSServerTransID": tx}), "threeDsServerTransId", unknownTx), Want: Want{Status: 400, Code: "204", Field: "threeDSServerTransID"}},
		Probe{Name: "member named after a card on /3ds/version", Path: "/3ds/version", Header: auth, Body: ctrl(jsonBody(map[string]any{"cardNumber": panY})),
			Want: Want{Status: 400, Field: "unknown element", Never: []string{panAsName}}},
		Probe{Name: "member named after a card on /3ds/final", Path: "/3ds/final", Header: auth, Body: ctrl(jsonBody(map[string]any{"threeDSServerTransID": tx})),
			Want: Want{Status: 400, Field: "unknown element", Never: []string{panAsName}}},
		Probe{Name: "malformed threeDSServerTransID not echoed", Path: "/3ds/final", Header: auth,
			Body: jsonBody(map[string]any{"threeDSServerTransID": "x-hostile-probe-2\"><img src=x onerror=alert(1)>"}),
			Want: Want{Status: 400, Code: "203", Field: "threeDSServerTransID", Never: []string{"x-hostile-probe-2", "onerror"}}},
		Probe{Name: "another merchant's transaction on /3ds/final", Path: "/3ds/final", Header: header("Authorization", "Bearer "+b, "Content-Type", "application/json"),
			Body: jsonBody(map[string]any{"threeDSServerTransID": tx}), Want: Want{Status: 404}},
		Probe{Name: "an RReq for another merchant's transaction on /3ds/results", Path: "/3ds/results", Header: header("Authorization", "Bearer "+b, "Content-Type", "application/json"),
			Body: jsonBody(stacktest.RReqFor(map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": tx,
				"acsTransID": "00000000-0000-4000-8000-00000000a000", "dsTransID": "00000000-0000-4000-8000-00000000d000"}, "Y")), Want: Want{Status: 404}},
		Probe{Name: "an RReq for a transaction that sent no AReq", Path: "/3ds/results", Header: auth,
			Body: jsonBody(stacktest.RReqFor(map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": tx,
				"acsTransID": "00000000-0000-4000-8000-00000000a000", "dsTransID": "00000000-0000-4000-8000-00000000d000"}, "Y"))},
		Probe{Name: "notificationURL with a javascript scheme", Path: "/3ds/authenticate", Header: auth,
			Body: func() []byte {
				m := jp3dsAuthenticate(tx, panY)
				m["merchant"] = map[string]any{"notificationURL": "javascript:alert(1)"}
				return jsonBody(m)
			}(), Want: Want{Status: 400, Code: "203", Field: "notificationURL"}},
	)
	return ps
}

// juspay3dsFlows drive /3ds/version, /3ds/authenticate and /3ds/final;
// RReqs come as the DS sends them, to /ds/results.
type juspay3dsFlows struct{}

func (juspay3dsFlows) Challenge(t *testing.T, tg Target) *Challenge {
	t.Helper()
	tx := jp3dsVersion(t, tg, tg.Keys[0], panChallenge)
	r := tg.API.Call(t, "/3ds/authenticate", tg.Keys[0], jp3dsAuthenticate(tx, panChallenge))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m := r.JSON(t)
	require.Equal(t, "C", m["transStatus"], "%v", m)
	ares, _ := m["authenticationResponse"].(map[string]any)
	str := func(x map[string]any, k string) string { s, _ := x[k].(string); return s }
	return &Challenge{TxID: tx, ACSTransID: str(ares, "acsTransID"), DSTransID: str(ares, "dsTransID"), MessageVersion: str(ares, "messageVersion"),
		ACSURL: str(m, "acsURL"), CReq: str(m, "base64EncodedChallengeRequest"), ARes: ares}
}

// Result is /3ds/final: transStatus C while the challenge's result is
// pending; the RReq's interactionCounter (resultsRequest) is lifted to
// the top so the racing probe sees which RReq won.
func (juspay3dsFlows) Result(t *testing.T, tg Target, txID string) (string, string, map[string]any) {
	t.Helper()
	r := tg.API.Call(t, "/3ds/final", tg.Keys[0], map[string]any{"threeDSServerTransID": txID})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	m := r.JSON(t)
	ts, _ := m["transStatus"].(string)
	if rr, ok := m["resultsRequest"].(map[string]any); ok {
		if ic, ok := rr["interactionCounter"]; ok {
			m["interactionCounter"] = ic
		}
	}
	if ts == "C" {
		return "pending", ts, m
	}
	return "final", ts, m
}

func (juspay3dsFlows) Preauth(t *testing.T, tg Target) (string, string) {
	t.Helper()
	return jp3dsVersion(t, tg, tg.Keys[0], panY), panY
}

func (juspay3dsFlows) TryAuth(tg Target, txID, pan string) stacktest.Response {
	return tg.API.TryCall("/3ds/authenticate", tg.Keys[0], jp3dsAuthenticate(txID, pan))
}

func (juspay3dsFlows) TryRReq(tg Target, rreq map[string]any) stacktest.Response {
	return tg.API.TryPostRReq(rreq)
}

func (juspay3dsFlows) AReqsAtDS(t *testing.T, tg Target, txID string) int {
	return nativeFlows{}.AReqsAtDS(t, tg, txID)
}
