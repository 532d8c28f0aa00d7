package hostile

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/testkit/stacktest"
)

// Native is the native dialect (3dsecure.io EMV-JSON with Bearer or APIKey
// credentials): its routes as probe rows, and its flows.
func Native() Dialect {
	return Dialect{Name: "native", Probes: nativeProbes, ErrorOf: erroOf, Flows: nativeFlows{}}
}

// erroOf reads an EMV Erro body.
func erroOf(body []byte) (code, detail string, ok bool) {
	var e struct {
		MessageType string `json:"messageType"`
		ErrorCode   string `json:"errorCode"`
		ErrorDetail string `json:"errorDetail"`
	}
	if json.Unmarshal(body, &e) != nil || e.MessageType != "Erro" {
		return "", "", false
	}
	return e.ErrorCode, e.ErrorDetail, true
}

var (
	panY         = dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioFrictionlessY)
	panChallenge = dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioChallenge)
)

// A card number used as a member name: it must never come back.
const panAsName = "5555555555554444"

// dupMember appends a member to a JSON object body (a duplicated key when
// the name, in any case, is already there).
func dupMember(body []byte, name string, value any) []byte {
	v, _ := json.Marshal(value)
	n, _ := json.Marshal(name)
	out := append([]byte{}, body[:len(body)-1]...)
	return append(append(append(append(out, ','), n...), ':'), append(v, '}')...)
}

func nativeProbes(t *testing.T, tg Target) []Probe {
	a, b := tg.Keys[0], tg.Keys[1]
	const unknownKey = "o3ds_hostileProbeUnknownKey00000000000000000000"
	ctJSON := "application/json"
	form := "application/x-www-form-urlencoded"
	unknownTx := map[string]any{"threeDSServerTransID": "00000000-0000-4000-8000-0000000e0000"}

	// A transaction for the /auth rows; every row is refused before the
	// AReq, so it stays open for all of them.
	tx := tg.API.Preauth(t, a, map[string]any{"acctNumber": panY})["threeDSServerTransID"].(string)
	areq := jsonBody(stacktest.BrowserAReq(tx, panY))

	var ps []Probe
	// 1. Header games: credential headers that disagree are 401, every time.
	unknownAReq := jsonBody(stacktest.BrowserAReq("00000000-0000-4000-8000-0000000e0000", panY)) // 404 once authorized
	for _, r := range []struct {
		path string
		body []byte
	}{{"/preauth", jsonBody(map[string]any{"acctNumber": panY})}, {"/auth", unknownAReq}, {"/postauth", jsonBody(unknownTx)}} {
		games := []struct {
			name string
			h    http.Header
			want Want
		}{
			{"Bearer of one merchant, APIKey of another", header("Authorization", "Bearer "+a, "APIKey", b), Want{Status: 401, Times: 30}},
			{"APIKey repeated with two keys", header("APIKey", a, "APIKey", b), Want{Status: 401, Times: 30}},
			{"a valid and an unknown key", header("Authorization", "Bearer "+a, "apikey", unknownKey), Want{Status: 401, Times: 30}},
			{"Authorization repeated", header("Authorization", "Bearer "+b, "Authorization", "Bearer "+a), Want{Status: 401, Times: 10}},
			{"Basic beside an APIKey", header("Authorization", "Basic bWVyY2hhbnQ6cGFzcw==", "APIKey", a), Want{Status: 401}},
			{"rejected key logged as a fingerprint, never a prefix", header("Authorization", "Bearer "+unknownKey), Want{Status: 401, Never: []string{unknownKey[:11]}}},
			{"control: the same key twice", header("Authorization", "Bearer "+a, "APIKey", a), Want{NotStatus: 401, Times: 5}},
		}
		for _, g := range games {
			g.h.Set("Content-Type", ctJSON)
			ps = append(ps, Probe{Name: "header games " + r.path + ": " + g.name, Path: r.path, Header: g.h, Body: r.body, Want: g.want})
		}
	}

	// 2. Identifier lengths: a 4xx naming the field before any store
	// access, never a 5xx, never the value echoed.
	auth := header("Authorization", "Bearer "+a, "Content-Type", ctJSON)
	for _, n := range IDLengths {
		id := longID(n)
		sz := strconv.Itoa(n)
		bad := Want{Status: 400, Code: "203", Field: "threeDSServerTransID", Never: []string{id}}
		ps = append(ps,
			Probe{Name: "identifier of " + sz + " bytes: /auth", Path: "/auth", Header: auth, Body: jsonBody(stacktest.BrowserAReq(id, panY)), Want: bad},
			Probe{Name: "identifier of " + sz + " bytes: /postauth", Path: "/postauth", Header: auth, Body: jsonBody(map[string]any{"threeDSServerTransID": id}), Want: bad},
			Probe{Name: "identifier of " + sz + " bytes: /ds/results", Path: "/ds/results", Header: header("Content-Type", stacktest.RReqContentType),
				Body: jsonBody(stacktest.RReqFor(map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": id,
					"acsTransID": "00000000-0000-4000-8000-00000000a000", "dsTransID": "00000000-0000-4000-8000-00000000d000"}, "Y")), Want: bad},
			Probe{Name: "identifier of " + sz + " bytes: /callbacks/method", Path: "/callbacks/method", Header: header("Content-Type", form),
				Body: []byte(url.Values{"threeDSMethodData": {base64.RawURLEncoding.EncodeToString(jsonBody(map[string]any{"threeDSServerTransID": id}))}}.Encode()),
				Want: Want{Status: 400, Never: []string{id}}},
			Probe{Name: "identifier of " + sz + " bytes: /callbacks/challenge threeDSSessionData", Path: "/callbacks/challenge", Header: header("Content-Type", form),
				Body: []byte(url.Values{"cres": {"e30"}, "threeDSSessionData": {id}}.Encode()), Want: Want{Status: 400, Never: []string{id}}},
		)
		if n > 255 {
			key := Want{Status: 400, Code: "203", Field: "Idempotency-Key", Never: []string{id}}
			for _, r := range []struct {
				path string
				body []byte
			}{{"/preauth", jsonBody(map[string]any{"acctNumber": panY})}, {"/auth", areq}} {
				ps = append(ps, Probe{Name: "Idempotency-Key of " + sz + " bytes: " + r.path, Path: r.path,
					Header: header("Authorization", "Bearer "+a, "Content-Type", ctJSON, "Idempotency-Key", id), Body: r.body, Want: key})
			}
		}
	}

	// 3. Duplicated keys: Erro 204 naming the element, on every JSON body.
	ps = append(ps,
		Probe{Name: "duplicate acctNumber on /preauth", Path: "/preauth", Header: auth,
			Body: dupMember(jsonBody(map[string]any{"acctNumber": panY}), "ACCTNUMBER", "4111111111111111"), Want: Want{Status: 400, Code: "204", Field: "acctNumber"}},
		Probe{Name: "duplicate threeDSServerTransID on /postauth", Path: "/postauth", Header: auth,
			Body: dupMember(jsonBody(map[string]any{"threeDSServerTransID": tx}), "threeDsserverTransId", "00000000-0000-4000-8000-0000000e0000"), Want: Want{Status: 400, Code: "204", Field: "threeDSServerTransID"}},
		Probe{Name: "duplicate acctNumber on /auth", Path: "/auth", Header: auth,
			Body: dupMember(areq, "acctnumber", "4111111111111111"), Want: Want{Status: 400, Code: "204", Field: "acctNumber"}},
		Probe{Name: "duplicate returnURL on /auth", Path: "/auth", Header: auth,
			Body: dupMember(jsonBody(stacktest.BrowserAReq(tx, panY).With("returnURL", "https://shop.example.com/r")), "RETURNURL", "https://evil.example/r"),
			Want: Want{Status: 400, Code: "204", Field: "returnURL"}},
	)

	// 4. Echo checks: no client text in errorDetail, the answer or the log.
	badText := func(body []byte) []byte { return dupMember(body, panAsName, "caf\u0001") }
	unknown := Want{Status: 400, Code: "203", Field: "unknown element", Never: []string{panAsName}}
	ps = append(ps,
		Probe{Name: "member named after a card on /preauth", Path: "/preauth", Header: auth, Body: badText(jsonBody(map[string]any{"acctNumber": panY})), Want: unknown},
		Probe{Name: "member named after a card on /auth", Path: "/auth", Header: auth, Body: badText(areq), Want: unknown},
		Probe{Name: "member named after a card on /postauth", Path: "/postauth", Header: auth, Body: badText(jsonBody(unknownTx)), Want: unknown},
		Probe{Name: "malformed threeDSServerTransID not echoed", Path: "/postauth", Header: auth,
			Body: jsonBody(map[string]any{"threeDSServerTransID": "x-hostile-probe-1\"><img src=x onerror=alert(1)>"}),
			Want: Want{Status: 400, Code: "203", Field: "threeDSServerTransID", Never: []string{"x-hostile-probe-1", "onerror"}}},
	)

	// 5. returnURL parsed strictly.
	for name, u := range map[string]string{
		"port out of range": "https://evil.example:99999/", "quote in the host": `https://evil"example.com/`,
		"javascript scheme": "javascript:alert(1)", "user information": "https://user@shop.example.com/",
	} {
		ps = append(ps, Probe{Name: "returnURL with " + name, Path: "/auth", Header: auth,
			Body: jsonBody(stacktest.BrowserAReq(tx, panY).With("returnURL", u)), Want: Want{Status: 400, Code: "203", Field: "returnURL"}})
	}
	return ps
}

// nativeFlows drives the native API, the simulator's ACS pages and the
// results route.
type nativeFlows struct{}

func (nativeFlows) Challenge(t *testing.T, tg Target) *Challenge {
	t.Helper()
	tx := tg.API.Preauth(t, tg.Keys[0], map[string]any{"acctNumber": panChallenge})["threeDSServerTransID"].(string)
	ares := tg.API.Auth(t, tg.Keys[0], stacktest.BrowserAReq(tx, panChallenge).With("returnURL", "https://shop.example.com/checkout/return"))
	require.Equal(t, "C", ares["transStatus"], "ARes: %v", ares)
	str := func(k string) string { s, _ := ares[k].(string); return s }
	return &Challenge{TxID: tx, ACSTransID: str("acsTransID"), DSTransID: str("dsTransID"), MessageVersion: str("messageVersion"),
		Session: str("threeDSSessionData"), ACSURL: str("acsURL"), CReq: str("base64EncodedChallengeRequest"), ARes: ares}
}

func (nativeFlows) FinalCRes(t *testing.T, tg Target, c *Challenge, otp string) string {
	t.Helper()
	p := tg.API.PostForm(t, c.ACSURL, url.Values{"creq": {c.CReq}, "threeDSSessionData": {c.Session}})
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	for range 5 {
		action, fields := p.Form(t)
		if action == tg.API.URL+"/callbacks/challenge" {
			require.NotEmpty(t, fields.Get("cres"))
			return fields.Get("cres")
		}
		fields.Set("otp", otp)
		fields.Set("action", "submit")
		p = tg.API.PostForm(t, action, fields)
		require.Equal(t, http.StatusOK, p.Status, p.HTML)
	}
	t.Fatalf("the ACS never ended the challenge")
	return ""
}

func (nativeFlows) PostCRes(t *testing.T, tg Target, cres, session string) stacktest.Page {
	t.Helper()
	return tg.API.PostForm(t, tg.API.URL+"/callbacks/challenge", url.Values{"cres": {cres}, "threeDSSessionData": {session}})
}

func (nativeFlows) Result(t *testing.T, tg Target, txID string) (string, string, map[string]any) {
	t.Helper()
	m := tg.API.Postauth(t, tg.Keys[0], txID, http.StatusOK)
	s, _ := m["status"].(string)
	ts, _ := m["transStatus"].(string)
	return s, ts, m
}

func (nativeFlows) Preauth(t *testing.T, tg Target) (string, string) {
	t.Helper()
	return tg.API.Preauth(t, tg.Keys[0], map[string]any{"acctNumber": panY})["threeDSServerTransID"].(string), panY
}

func (nativeFlows) TryAuth(tg Target, txID, pan string) stacktest.Response {
	return tg.API.TryCall("/auth", tg.Keys[0], stacktest.BrowserAReq(txID, pan))
}

func (nativeFlows) TryRReq(tg Target, rreq map[string]any) stacktest.Response {
	return tg.API.TryPostRReq(rreq)
}

func (nativeFlows) AReqsAtDS(t *testing.T, tg Target, txID string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, tg.SimURL+"/debug/transactions/"+txID, nil)
	require.NoError(t, err)
	r := tg.API.Do(t, req)
	if r.Status == http.StatusNotFound {
		return 0
	}
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var doc struct {
		Exchanges []dssim.Exchange `json:"exchanges"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	n := 0
	for _, e := range doc.Exchanges {
		if e.Direction == dssim.Received && e.MessageType == "AReq" {
			n++
		}
	}
	return n
}
