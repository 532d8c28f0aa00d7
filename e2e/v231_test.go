package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/testkit/stacktest"
)

// EMV 3DS 2.3.1 beyond the message shapes, on the simulator's 2.3.1 card
// ranges (dssim/v231.go: an ACS of 2.2.0 and 2.3.1 with a 3DS Method URL per
// version, a DS that requires the acquirer country). Rules checked against
// clearhaus/3DSv2-api-documentation (source/differences_v220_v231.rst,
// source/preauth.rst, source/_static/areq_231.html, ares_231.html,
// rreq_231.html).

func v231(ss dssim.Scenario) string { return dssim.V231TestPAN(emv3ds.SchemeVisa, ss) }

// The PReq goes out in 2.3.1, so the card range carries acsProtocolVersions
// with a method URL per version: preauth negotiates 2.3.1 and hands out the
// 2.3.1 URL; the AReq carries the acquirer country from the profile.
func TestV231RangeVersionsAndMethodURL(t *testing.T) {
	pan := v231(dssim.ScenarioMethodFrictionles)
	pre := preauth(t, pan)
	require.Equal(t, "2.3.1", pre["messageVersion"], "preauth: %v", pre)
	require.Equal(t, stk.Sim.URL()+"/acs/method/v231", pre["threeDSMethodURL"], "the URL the range lists for 2.3.1")
	require.Equal(t, []any{"01", "02", "03", "04"}, pre["acsInfoInd"], "the 2.3.1 entry's acsInfoInd")
	require.Equal(t, "2.2.0", pre["acsStartProtocolVersion"])
	require.Equal(t, "2.3.1", pre["acsEndProtocolVersion"])

	// A 2.2.0 request on the same range gets the 2.2.0 URL.
	old := api.Preauth(t, key1, map[string]any{"acctNumber": pan, "messageVersion": "2.2.0"})
	require.Equal(t, "2.2.0", old["messageVersion"])
	require.Equal(t, stk.Sim.URL()+"/acs/method", old["threeDSMethodURL"])

	// The main ranges keep their 2.2.0 ACS and their one URL.
	main := preauth(t, visa(dssim.ScenarioMethodFrictionles))
	require.Equal(t, "2.2.0", main["messageVersion"])
	require.Equal(t, stk.Sim.URL()+"/acs/method", main["threeDSMethodURL"])

	txID := pre["threeDSServerTransID"].(string)
	runMethod(t, pre)
	require.Equal(t, 1, stk.Sim.MethodRuns(txID))
	ares := auth(t, stacktest.BrowserAReq(txID, pan))
	require.Equal(t, "Y", ares["transStatus"], "ARes: %v", ares)
	require.Equal(t, "2.3.1", ares["messageVersion"])
	sent := sentAReq(t, txID)
	require.Equal(t, "2.3.1", sent["messageVersion"])
	require.Equal(t, "Y", sent["threeDSCompInd"])
	require.Equal(t, "840", sent["acquirerCountryCode"], "from the merchant profile")
	require.Equal(t, "01", sent["acquirerCountryCodeSource"], "set by the 3DS Server")
	require.Contains(t, messages(exchanges(t, txID), dssim.Received, "ThreeDSMethod")[0].Endpoint, "/acs/method/v231")
}

// The merchant's own acquirerCountryCode is validated and, for a merchant
// that may override its profile, sent as given.
func TestV231AcquirerCountryCode(t *testing.T) {
	txID, _ := start(t, v231(dssim.ScenarioFrictionlessY), "acquirerCountryCode", "276", "acquirerCountryCodeSource", "02")
	sent := sentAReq(t, txID)
	require.Equal(t, "276", sent["acquirerCountryCode"])
	require.Equal(t, "02", sent["acquirerCountryCodeSource"])

	id := preauth(t, v231(dssim.ScenarioFrictionlessY))["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(id, v231(dssim.ScenarioFrictionlessY)).With("acquirerCountryCode", "27"))
	e := stacktest.RequireErro(t, r, http.StatusBadRequest, "203", "S")
	require.Contains(t, e["errorDetail"], "acquirerCountryCode")
	require.Empty(t, messages(exchanges(t, id), dssim.Received, "AReq"), "nothing sent to the DS")
}

// Req 441: a second authentication in the same browser within 10 minutes
// names the first one's 3DS Method by threeDSMethodId instead of running the
// method again; the ACS counts one run.
func TestV231MethodReuse(t *testing.T) {
	pan := v231(dssim.ScenarioMethodFrictionles)
	first := preauth(t, pan)
	firstID := first["threeDSServerTransID"].(string)
	runMethod(t, first)
	require.Equal(t, "Y", auth(t, stacktest.BrowserAReq(firstID, pan))["transStatus"])

	secondID := preauth(t, pan)["threeDSServerTransID"].(string)
	ares := auth(t, stacktest.BrowserAReq(secondID, pan).With("threeDSMethodId", firstID))
	require.Equal(t, "Y", ares["transStatus"], "the ACS used the earlier method result: %v", ares)
	sent := sentAReq(t, secondID)
	require.Equal(t, firstID, sent["threeDSMethodId"])
	require.Equal(t, "Y", sent["threeDSCompInd"])
	require.Equal(t, 1, stk.Sim.MethodRuns(firstID), "one method run in all")
	require.Zero(t, stk.Sim.MethodRuns(secondID), "no method run for the second authentication")
	require.Empty(t, messages(exchanges(t, secondID), dssim.Received, "ThreeDSMethod"))

	// Through preauth: no method is handed out and the AReq names the run.
	pre := api.Preauth(t, key1, map[string]any{"acctNumber": pan, "threeDSMethodId": firstID})
	require.NotContains(t, pre, "threeDSMethodURL", "no method to run: %v", pre)
	require.NotContains(t, pre, "threeDSMethodData")
	require.Equal(t, firstID, pre["threeDSMethodId"])
	viaPre := pre["threeDSServerTransID"].(string)
	require.Equal(t, "Y", auth(t, stacktest.BrowserAReq(viaPre, pan))["transStatus"])
	require.Equal(t, firstID, sentAReq(t, viaPre)["threeDSMethodId"])
	require.Equal(t, "Y", sentAReq(t, viaPre)["threeDSCompInd"])
	require.Equal(t, 1, stk.Sim.MethodRuns(firstID), "still one method run in all")

	// Without the ID and without a run, the same card is challenged.
	thirdID := preauth(t, pan)["threeDSServerTransID"].(string)
	require.Equal(t, "C", auth(t, stacktest.BrowserAReq(thirdID, pan))["transStatus"])
	require.Equal(t, "N", sentAReq(t, thirdID)["threeDSCompInd"])

	refused := []struct {
		name string
		id   func(own string) string
	}{
		{"its own ID", func(own string) string { return own }},
		{"a transaction whose method never ran", func(string) string { return thirdID }},
		{"a method at another ACS's URL", func(string) string {
			other := preauth(t, visa(dssim.ScenarioMethodFrictionles))
			runMethod(t, other)
			return other["threeDSServerTransID"].(string)
		}},
		{"an unknown transaction", func(string) string { return "8a880dc0-d2d2-4067-bcb1-b08d1690b26e" }},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			own := preauth(t, pan)["threeDSServerTransID"].(string)
			r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(own, pan).With("threeDSMethodId", tc.id(own)))
			require.GreaterOrEqual(t, r.Status, 400, string(r.Body))
			require.Less(t, r.Status, 500, string(r.Body))
			m := r.JSON(t)
			require.Equal(t, "Erro", m["messageType"])
			require.Contains(t, m["errorDetail"], "threeDSMethodId")
			require.Empty(t, messages(exchanges(t, own), dssim.Received, "AReq"), "nothing sent to the DS")
		})
	}
	r := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": pan, "threeDSMethodId": thirdID})
	require.GreaterOrEqual(t, r.Status, 400, string(r.Body))
	require.Less(t, r.Status, 500, string(r.Body))
	require.Contains(t, r.JSON(t)["errorDetail"], "threeDSMethodId")

	// Another merchant cannot name merchant one's method run.
	own := api.Preauth(t, key2, map[string]any{"acctNumber": pan})["threeDSServerTransID"].(string)
	r = api.Call(t, "/auth", key2, stacktest.BrowserAReq(own, pan).With("threeDSMethodId", firstID))
	require.GreaterOrEqual(t, r.Status, 400, string(r.Body))
	require.Less(t, r.Status, 500, string(r.Body))
}

// threeDSRequestorChallengeInd is an array in 2.3.1: the API takes an array
// (or a single value) and the AReq carries an array; a third value is
// refused naming the element.
func TestV231ChallengeIndArray(t *testing.T) {
	pan := v231(dssim.ScenarioChallenge)
	txID, ares := start(t, pan, "threeDSRequestorChallengeInd", []string{"03", "09"})
	require.Equal(t, "C", ares["transStatus"])
	require.Equal(t, []any{"03", "09"}, sentAReq(t, txID)["threeDSRequestorChallengeInd"])

	txID, _ = start(t, pan, "threeDSRequestorChallengeInd", "04")
	require.Equal(t, []any{"04"}, sentAReq(t, txID)["threeDSRequestorChallengeInd"], "a single value becomes an array of one")

	// The same request on a 2.2.0 range sends the scalar.
	txID, _ = start(t, visa(dssim.ScenarioChallenge), "threeDSRequestorChallengeInd", []string{"04"})
	require.Equal(t, "04", sentAReq(t, txID)["threeDSRequestorChallengeInd"])

	id := preauth(t, pan)["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(id, pan).With("threeDSRequestorChallengeInd", []string{"01", "03", "09"}))
	e := stacktest.RequireErro(t, r, http.StatusBadRequest, "203", "S")
	require.Contains(t, e["errorDetail"], "threeDSRequestorChallengeInd")
}

// authenticationMethod (an array in 2.3.1) and the trust list reach the
// merchant: the challenge's RReq says how the cardholder was authenticated
// and that the merchant is now trust-listed (challengeInd 09, trust-list
// prompt); a frictionless trust-listed ARes carries the ACS's status and
// exemption 08.
func TestV231AuthenticationMethodAndTrustList(t *testing.T) {
	txID, ares := start(t, v231(dssim.ScenarioChallenge), "threeDSRequestorChallengeInd", []string{"09"})
	require.Equal(t, []any{"02"}, ares["authenticationMethod"], "the ARes C's")
	cb := challenge(t, ares, enters("1234"))
	require.Equal(t, "Y", cb.Attr(t, "status", "data-trans-status"))
	res := postauth(t, txID, http.StatusOK)
	requireResult(t, res, outcome{status: "Y", eci: "05", cavv: true, version: "2.3.1"})
	require.Equal(t, []any{"02"}, res["authenticationMethod"], "the RReq's authenticationMethod: %v", res)
	require.Equal(t, "Y", res["trustListStatus"])
	require.Equal(t, "03", res["trustListStatusSource"])
	require.NotContains(t, res, "authenticationType", "2.3.1 has no authenticationType")
	require.NotContains(t, res, "whiteListStatus")
	require.Eventually(t, func() bool {
		for _, d := range hooks.ForTx(txID) {
			var ev struct {
				Data map[string]any `json:"data"`
			}
			if json.Unmarshal(d.Body, &ev) == nil && len(ev.Data) > 0 {
				require.Equal(t, []any{"02"}, ev.Data["authenticationMethod"], "the webhook carries it too")
				return true
			}
		}
		return false
	}, 20*time.Second, 200*time.Millisecond)

	txID, ares = start(t, v231(dssim.ScenarioFrictionlessY), "trustListStatus", "Y", "trustListStatusSource", "01")
	require.Equal(t, "Y", ares["transStatus"])
	sent := sentAReq(t, txID)
	require.Equal(t, "Y", sent["trustListStatus"], "sent under its 2.3.1 name")
	require.NotContains(t, sent, "whiteListStatus")
	res = postauth(t, txID, http.StatusOK)
	require.Equal(t, "Y", res["trustListStatus"])
	require.Equal(t, "03", res["trustListStatusSource"])
	require.Equal(t, "08", res["transChallengeExemption"])

	// 2.2.0: the same request goes out as whiteListStatus.
	txID, _ = start(t, visa(dssim.ScenarioFrictionlessY), "trustListStatus", "Y", "trustListStatusSource", "01")
	sent = sentAReq(t, txID)
	require.Equal(t, "Y", sent["whiteListStatus"])
	require.NotContains(t, sent, "trustListStatus")
}

// Decoupled fallback (threeDSRequestorDecReqInd F: decoupled only as the
// fallback of a challenge). The browser challenge that the cardholder
// cannot complete ends in N with transStatusReason 29 ("fall back to
// decoupled"), surfaced as decoupledFallback; the merchant then
// authenticates again, merchant-initiated with threeRIInd 19 (decoupled
// fallback) and the first acsTransID as prior authentication: no challenge is
// possible there, so the ACS answers D and its RReq brings the result.
func TestV231DecoupledFallback(t *testing.T) {
	pan := v231(dssim.ScenarioDecoupled)
	txID, ares := start(t, pan, "threeDSRequestorDecReqInd", "F", "threeDSRequestorDecMaxTime", "00010")
	require.Equal(t, "C", ares["transStatus"], "F: a challenge first: %v", ares)
	sent := sentAReq(t, txID)
	require.Equal(t, "F", sent["threeDSRequestorDecReqInd"])
	cb := challenge(t, ares, func(t *testing.T, p stacktest.Page) (string, url.Values) {
		require.Contains(t, p.HTML, `value="fallback"`, "the ACS offers the decoupled fallback")
		action, fields := p.Form(t)
		fields.Set("action", "fallback")
		return action, fields
	})
	require.Equal(t, "N", cb.Attr(t, "status", "data-trans-status"))
	res := postauth(t, txID, http.StatusOK)
	requireResult(t, res, outcome{status: "N", reason: "29", eci: "07", version: "2.3.1"})
	require.Equal(t, true, res["decoupledFallback"], "postauth: %v", res)

	again := preauth(t, pan)["threeDSServerTransID"].(string)
	d := auth(t, stacktest.AReq{
		"threeDSServerTransID": again, "deviceChannel": "03", "messageCategory": "02", "threeRIInd": "19",
		"acctNumber": pan, "cardExpiryDate": "2812", "threeDSRequestorURL": "https://shop.example.com",
		"threeDSRequestorDecReqInd": "F", "threeDSRequestorDecMaxTime": "00010",
		"threeDSRequestorPriorAuthenticationInfo": []map[string]any{{
			"threeDSReqPriorRef": ares["acsTransID"], "threeDSReqPriorAuthMethod": "02",
			"threeDSReqPriorAuthTimestamp": time.Now().UTC().Format("200601021504"),
		}},
	})
	require.Equal(t, "D", d["transStatus"], "ARes: %v", d)
	require.Equal(t, "Y", d["acsDecConInd"])
	require.Equal(t, []any{"12"}, d["authenticationMethod"], "12: decoupled")
	final := eventuallyFinal(t, again, 20*time.Second)
	require.Equal(t, "Y", final["transStatus"])
	require.Equal(t, "RReq", final["resultSource"])
	require.Equal(t, []any{"12"}, final["authenticationMethod"])
	require.NotContains(t, final, "decoupledFallback")

	// B on a browser: decoupled at once, as Y.
	_, ares = start(t, pan, "threeDSRequestorDecReqInd", "B", "threeDSRequestorDecMaxTime", "00010")
	require.Equal(t, "D", ares["transStatus"])
	// F is not a 2.2.0 value.
	id := preauth(t, visa(dssim.ScenarioDecoupled))["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(id, visa(dssim.ScenarioDecoupled)).With("threeDSRequestorDecReqInd", "F", "threeDSRequestorDecMaxTime", "00010"))
	e := stacktest.RequireErro(t, r, http.StatusBadRequest, "203", "S")
	require.Contains(t, e["errorDetail"], "threeDSRequestorDecReqInd")
}

// An ACS that posts the final CRes without threeDSSessionData: the callback
// finds the transaction by the CRes's IDs (only one in its challenge with
// that acsTransID), and the page shows the RReq's result.
func TestV231CResWithoutSessionData(t *testing.T) {
	txID, ares := start(t, v231(dssim.ScenarioChallenge))
	acsURL := ares["acsURL"].(string)
	creq := ares["base64EncodedChallengeRequest"].(string)
	p := api.PostForm(t, acsURL, url.Values{"creq": {creq}}) // no threeDSSessionData
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	action, fields := enters("1234")(t, p)
	p = api.PostForm(t, action, fields)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	back, fields := p.Form(t)
	require.Equal(t, stk.URL+"/callbacks/challenge", back)
	require.Empty(t, fields.Get("threeDSSessionData"), "the ACS posts none")

	// A CRes naming the transaction with another acsTransID is refused.
	forged := emv3ds.CRes{MessageType: emv3ds.MessageTypeCRes, MessageVersion: emv3ds.Version231,
		ThreeDSServerTransID: txID, ACSTransID: "8a880dc0-d2d2-4067-bcb1-b08d1690b26e", TransStatus: "Y"}
	bad := api.PostForm(t, back, url.Values{"cres": {forged.Encode()}})
	require.Equal(t, http.StatusBadRequest, bad.Status, bad.HTML)
	require.NotContains(t, bad.HTML, `data-trans-status="Y"`)

	cb := api.PostForm(t, back, fields)
	require.Equal(t, http.StatusOK, cb.Status, cb.HTML)
	require.Equal(t, txID, cb.Attr(t, "status", "data-trans-id"))
	require.Equal(t, "Y", cb.Attr(t, "status", "data-trans-status"), "the RReq's result")
	requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.3.1"})

	// A frictionless transaction was never in a challenge.
	fID, _ := start(t, v231(dssim.ScenarioFrictionlessY))
	nope := emv3ds.CRes{MessageType: emv3ds.MessageTypeCRes, MessageVersion: emv3ds.Version231,
		ThreeDSServerTransID: fID, ACSTransID: sentAReqACS(t, fID), TransStatus: "Y"}
	require.Equal(t, http.StatusBadRequest, api.PostForm(t, back, url.Values{"cres": {nope.Encode()}}).Status)
}

// sentAReqACS is the acsTransID of the ARes the simulator answered for txID.
func sentAReqACS(t *testing.T, txID string) string {
	t.Helper()
	list := messages(exchanges(t, txID), dssim.Sent, "ARes")
	require.Len(t, list, 1)
	var m map[string]any
	require.NoError(t, json.Unmarshal(list[0].Body, &m))
	return m["acsTransID"].(string)
}
