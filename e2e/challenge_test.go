package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// Browser challenges through the simulator's HTML pages and back to our
// /callbacks/challenge. The result comes from the RReq, which the ACS sends
// before it posts the final CRes: the callback page and postauth show it.
func TestChallenge(t *testing.T) {
	tests := []struct {
		name string
		pan  string
		who  cardholder
		want outcome
	}{
		{"visa pass", visa(dssim.ScenarioChallenge), enters("1234"), outcome{status: "Y", eci: "05", cavv: true}},
		{"mastercard pass", mc(dssim.ScenarioChallenge), enters("1234"), outcome{status: "Y", eci: "02", cavv: true}},
		{"visa fail after three wrong codes", visa(dssim.ScenarioChallenge), enters("0000", "1111", "2222"), outcome{status: "N", reason: "01", eci: "07"}},
		{"mastercard fail after three wrong codes", mc(dssim.ScenarioChallenge), enters("0000", "1111", "2222"), outcome{status: "N", reason: "01", eci: "00"}},
		{"visa wrong code then right", visa(dssim.ScenarioChallenge), enters("9999", "1234"), outcome{status: "Y", eci: "05", cavv: true}},
		{"visa cancel", visa(dssim.ScenarioChallenge), cancels, outcome{status: "N", reason: "01", cancel: "01", eci: "07"}},
		{"SS06 challenges like 05", visa(dssim.ScenarioMethodChallenge), enters("1234"), outcome{status: "Y", eci: "05", cavv: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.version = "2.2.0"
			txID, ares := start(t, tc.pan)
			requireChallengeARes(t, ares, txID)

			pending := postauth(t, txID, http.StatusOK)
			require.Equal(t, "pending", pending["status"], "before the RReq: %v", pending)
			require.Equal(t, "C", pending["transStatus"])

			cb := challenge(t, ares, tc.who)
			require.Equal(t, txID, cb.Attr(t, "status", "data-trans-id"))
			require.Equal(t, tc.want.status, cb.Attr(t, "status", "data-trans-status"), "the callback page shows the RReq's result")
			require.NotContains(t, cb.HTML, `id="return"`, "no return form without a returnURL")

			res := postauth(t, txID, http.StatusOK)
			require.Equal(t, "final", res["status"])
			requireResult(t, res, tc.want)
			require.Equal(t, ares["acsTransID"], res["acsTransID"])
			require.Equal(t, ares["dsTransID"], res["dsTransID"])

			// The simulator got exactly one RRes 01 for its RReq.
			ex := exchanges(t, txID)
			require.Len(t, messages(ex, dssim.Sent, "RReq"), 1)
			rres := messages(ex, dssim.Received, "RRes")
			require.Len(t, rres, 1)
			require.Empty(t, rres[0].Note, "the RRes is valid")
			require.Equal(t, http.StatusOK, rres[0].Status)
		})
	}
}

func requireChallengeARes(t *testing.T, ares map[string]any, txID string) {
	t.Helper()
	require.Equal(t, "C", ares["transStatus"], "ARes: %v", ares)
	require.Equal(t, txID, ares["threeDSServerTransID"])
	requireUUID(t, ares["acsTransID"], "acsTransID")
	requireUUID(t, ares["dsTransID"], "dsTransID")
	require.NotEmpty(t, ares["acsURL"])
	require.NotEmpty(t, ares["base64EncodedChallengeRequest"])
	require.NotEmpty(t, ares["threeDSSessionData"])
	require.NotContains(t, ares, "authenticationValue")
}

// With a returnURL in /auth, the callback page sends the top window back to
// the merchant with the transaction ID and status (never card data).
func TestChallengeReturnURL(t *testing.T) {
	const returnURL = "https://shop.example.com/checkout/3ds-return?order=42"
	txID, ares := start(t, visa(dssim.ScenarioChallenge), "returnURL", returnURL)
	cb := challenge(t, ares, enters("1234"))

	action, fields := cb.Form(t)
	require.Equal(t, returnURL, action)
	require.Equal(t, url.Values{"threeDSServerTransID": {txID}, "transStatus": {"Y"}, "resultReady": {"true"}}, fields)
	require.Equal(t, "_top", cb.Attr(t, "return", "target"))
	require.Equal(t, "Y", cb.Attr(t, "status", "data-trans-status"))
	require.Contains(t, cb.HTML, `"https://shop.example.com"`, "postMessage is restricted to the merchant's origin")

	res := postauth(t, txID, http.StatusOK)
	requireResult(t, res, outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
}

// Scenario 15: the ACS delivers the RReq twice; both get the same RRes and
// the result stays Y.
func TestDuplicateRReq(t *testing.T) {
	txID, ares := start(t, visa(dssim.ScenarioDuplicateRReq))
	cb := challenge(t, ares, enters("1234"))
	require.Equal(t, "Y", cb.Attr(t, "status", "data-trans-status"))

	ex := exchanges(t, txID)
	require.Len(t, messages(ex, dssim.Sent, "RReq"), 2, "the simulator sends the RReq twice")
	rres := messages(ex, dssim.Received, "RRes")
	require.Len(t, rres, 2, "both RReqs are answered with an RRes (never an Erro)")
	require.JSONEq(t, string(rres[0].Body), string(rres[1].Body), "the repeat gets the same RRes")
	for _, r := range rres {
		require.Empty(t, r.Note)
		require.Equal(t, http.StatusOK, r.Status)
	}
	require.Empty(t, messages(ex, dssim.Received, "Erro"))

	res := postauth(t, txID, http.StatusOK)
	requireResult(t, res, outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
}

// Our challenge callback is authenticated by what it carries: a forged or
// mismatched post gets an error page and changes nothing; the real one is
// accepted afterwards.
func TestChallengeCallbackForged(t *testing.T) {
	txID, ares := start(t, visa(dssim.ScenarioChallenge))
	_, other := start(t, visa(dssim.ScenarioChallenge))
	back, fields := challengeToReturn(t, ares, enters("1234"))

	tampered := url.Values{"cres": {fields.Get("cres")}, "threeDSSessionData": {fields.Get("threeDSSessionData") + "x"}}
	p := api.PostForm(t, back, tampered)
	require.Equal(t, http.StatusBadRequest, p.Status, "a session data we did not sign: %s", p.HTML)
	require.Contains(t, p.HTML, "could not be verified")

	swapped := url.Values{"cres": {fields.Get("cres")}, "threeDSSessionData": {other["threeDSSessionData"].(string)}}
	p = api.PostForm(t, back, swapped)
	require.Equal(t, http.StatusBadRequest, p.Status, "a CRes of another transaction: %s", p.HTML)

	p = api.PostForm(t, back, url.Values{"threeDSSessionData": {fields.Get("threeDSSessionData")}})
	require.Equal(t, http.StatusBadRequest, p.Status, "no cres: %s", p.HTML)

	p = api.PostForm(t, back, fields)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	require.Equal(t, "Y", p.Attr(t, "status", "data-trans-status"))
	requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
	pending := postauth(t, other["threeDSServerTransID"].(string), http.StatusOK)
	require.Equal(t, "pending", pending["status"], "the other transaction is untouched")
}
