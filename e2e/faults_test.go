package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// Scenario 10: the DS never answers. The server gives up at DS_TIMEOUT with
// 504 / Erro 405 (component S) and never resends the AReq.
func TestDSTimeout(t *testing.T) {
	pan := visa(dssim.ScenarioDSTimeout)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
	e := stacktest.RequireErro(t, r, http.StatusGatewayTimeout, "405", "S")
	require.Equal(t, txID, e["threeDSServerTransID"])
	require.Equal(t, "AReq", e["errorMessageType"])
	require.Contains(t, strings.ToLower(e["errorDescription"].(string)), "directory server")
	require.Contains(t, strings.ToLower(e["errorDetail"].(string)), "timeout", "errorDetail names the cause")

	require.Len(t, messages(exchanges(t, txID), dssim.Received, "AReq"), 1, "the AReq went out once")
	// Still one later: no retry behind the merchant's back.
	time.Sleep(500 * time.Millisecond)
	require.Len(t, messages(exchanges(t, txID), dssim.Received, "AReq"), 1, "the AReq is never resent")

	// postauth answers the Erro /auth answered, as a 422: reading a failed
	// transaction succeeded, and clients retry 5xx.
	again := api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
	e2 := stacktest.RequireErro(t, again, http.StatusUnprocessableEntity, "405", "S")
	for _, k := range []string{"errorDescription", "errorDetail", "threeDSServerTransID", "errorMessageType"} {
		require.Equal(t, e[k], e2[k], k)
	}
	// A second /auth for the failed transaction does not send another AReq.
	r = api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
	require.Equal(t, http.StatusConflict, r.Status, "body: %s", r.Body)
	require.Len(t, messages(exchanges(t, txID), dssim.Received, "AReq"), 1)
}

// Scenario 11: the DS answers Erro 305; the merchant gets it with the DS's
// component, and postauth afterwards answers the same error.
func TestDSErro(t *testing.T) {
	pan := mc(dssim.ScenarioDSErro)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
	require.GreaterOrEqual(t, r.Status, 400)
	require.Less(t, r.Status, 500, "the DS judged the request: not a server failure (Hyperswitch ignores 5xx bodies)")
	e := stacktest.RequireErro(t, r, r.Status, "305", "D")
	require.Equal(t, txID, e["threeDSServerTransID"])
	require.Equal(t, "acctNumber", e["errorDetail"])

	again := api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
	e2 := stacktest.RequireErro(t, again, http.StatusUnprocessableEntity, "305", "D")
	for _, k := range []string{"errorDescription", "errorDetail", "threeDSServerTransID", "messageVersion"} {
		require.Equal(t, e[k], e2[k], k)
	}
}

// Scenario 12: the ACS answers Y without a CAVV. The server rejects the ARes:
// Erro component S about the ARes to the merchant, and an Erro to the DS.
func TestInvalidARes(t *testing.T) {
	pan := visa(dssim.ScenarioInvalidARes)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
	require.GreaterOrEqual(t, r.Status, 400)
	// 201: a required element is missing (protocol doc §12).
	e := stacktest.RequireErro(t, r, r.Status, "201", "S")
	require.Equal(t, "ARes", e["errorMessageType"])
	require.Equal(t, txID, e["threeDSServerTransID"])
	require.Contains(t, e["errorDetail"], "authenticationValue", "errorDetail names the missing element")

	ex := exchanges(t, txID)
	sent := messages(ex, dssim.Received, "Erro")
	require.Len(t, sent, 1, "the DS was told about its invalid ARes")
	require.Contains(t, string(sent[0].Body), `"errorComponent":"S"`)
	require.Contains(t, string(sent[0].Body), `"errorMessageType":"ARes"`)

	again := api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
	e2 := stacktest.RequireErro(t, again, http.StatusUnprocessableEntity, "201", "S") // a failed transaction reads as 422, never 5xx
	for _, k := range []string{"errorDetail", "threeDSServerTransID", "errorMessageType"} {
		require.Equal(t, e[k], e2[k], "postauth answers the Erro /auth answered: %s", k)
	}
}

// Scenario 13: the card range supports 2.1.0 only. Preauth says so; an /auth
// asking for 2.2.0 still goes out as 2.1.0, without the 2.2.0-only
// browserJavascriptEnabled the client sent.
func TestVersion210(t *testing.T) {
	pan := visa(dssim.ScenarioVersion210)
	pre := preauth(t, pan)
	require.Equal(t, "2.1.0", pre["acsStartProtocolVersion"])
	require.Equal(t, "2.1.0", pre["acsEndProtocolVersion"])
	require.Equal(t, "2.1.0", pre["messageVersion"])
	txID := pre["threeDSServerTransID"].(string)

	ares := auth(t, stacktest.BrowserAReq(txID, pan).With("messageVersion", "2.2.0", "browserJavascriptEnabled", true))
	require.Equal(t, "Y", ares["transStatus"], "ARes: %v", ares)
	require.Equal(t, "2.1.0", ares["messageVersion"])

	areq := sentAReq(t, txID)
	require.Equal(t, "2.1.0", areq["messageVersion"])
	require.NotContains(t, areq, "browserJavascriptEnabled", "a 2.2.0 element is dropped from a 2.1.0 AReq")
	require.Equal(t, false, areq["browserJavaEnabled"])

	requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.1.0"})
}

// Scenario 14: a slow ACS (3 s) within the DS timeout still gives Y.
func TestSlowACS(t *testing.T) {
	pan := visa(dssim.ScenarioSlowACS)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	began := time.Now()
	ares := auth(t, stacktest.BrowserAReq(txID, pan))
	took := time.Since(began)
	require.Equal(t, "Y", ares["transStatus"], "ARes: %v", ares)
	// The simulator holds this ARes for 3 s: an earlier answer would mean the
	// scenario did not run.
	require.GreaterOrEqual(t, took, 3*time.Second)
	requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
}
