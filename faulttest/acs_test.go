package faulttest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// Scenario 12: the ACS answers Y without a CAVV. The merchant gets an Erro
// about the ARes (component S), the DS is told once, and the transaction is
// recorded failed.
func TestInvalidARes(t *testing.T) {
	pan := visa(dssim.ScenarioInvalidARes)
	txID := preauth(t, pan)
	r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
	e := stacktest.RequireErro(t, r, http.StatusBadGateway, "201", "S")
	require.Equal(t, "ARes", e["errorMessageType"])
	require.Equal(t, "authenticationValue", e["errorDetail"], "errorDetail names the missing element")
	require.Equal(t, 1, fakeDS.count(txID, "AReq"))
	require.Eventually(t, func() bool { return fakeDS.count(txID, "Erro") == 1 }, 5*time.Second, 50*time.Millisecond,
		"the DS is told once about the invalid ARes")
	e2 := stacktest.RequireErro(t, api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID}), http.StatusUnprocessableEntity, "201", "S")
	require.Equal(t, e["errorDetail"], e2["errorDetail"])
}

// RReqs with bad elements are answered with an Erro naming the element
// (never echoing its value) and change nothing: the challenge still ends
// with the real RReq.
func TestInvalidRReq(t *testing.T) {
	txID, ares := start(t, visa(dssim.ScenarioChallenge))
	require.Equal(t, "C", ares["transStatus"])

	tests := []struct {
		name, field string
		value       any // nil removes the element
		code        string
	}{
		{"transStatus missing", "transStatus", nil, "201"},
		{"transStatus unknown", "transStatus", "Q", "203"},
		{"authenticationValue not base64", "authenticationValue", "zz%%not-a-cavv%%zz", "203"},
		{"eci too long", "eci", "0505", "203"},
		{"messageCategory unknown", "messageCategory", "77", "203"},
		{"interactionCounter not numeric", "interactionCounter", "x1", "203"},
		{"acsTransID not a UUID", "acsTransID", "acs-trans-id-garbage", "203"},
		{"dsTransID missing", "dsTransID", nil, "201"},
		{"authenticationType not numeric", "authenticationType", "ab", "203"},
		{"transStatusReason not numeric", "transStatusReason", "x9", "203"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rreq := stacktest.RReqFor(ares, "Y")
			if tt.value == nil {
				delete(rreq, tt.field)
			} else {
				rreq[tt.field] = tt.value
			}
			r := api.PostRReq(t, rreq)
			e := stacktest.RequireRReqErro(t, r, tt.code)
			require.Contains(t, e["errorDetail"], tt.field, "errorDetail names the element: %s", r.Body)
			if s, ok := tt.value.(string); ok && len(s) > 3 {
				require.NotContains(t, string(r.Body), s, "the Erro never echoes the value")
			}
		})
	}
	t.Run("not JSON", func(t *testing.T) {
		r := api.PostRReq(t, []byte(`{"messageType":"RReq",`))
		require.GreaterOrEqual(t, r.Status, 400, "body: %s", r.Body)
		require.Less(t, r.Status, 500, "body: %s", r.Body)
		m := r.JSON(t)
		require.Equal(t, "Erro", m["messageType"])
		require.Equal(t, "101", m["errorCode"])
	})

	pending := postauth(t, txID, http.StatusOK)
	require.Equal(t, "pending", pending["status"], "no bad RReq changed the transaction: %v", pending)
	require.Equal(t, "C", pending["transStatus"])

	r := api.PostRReq(t, stacktest.RReqFor(ares, "Y"))
	require.Equal(t, http.StatusOK, r.Status, "the real RReq: %s", r.Body)
	require.Equal(t, "RRes", r.JSON(t)["messageType"])
	final := postauth(t, txID, http.StatusOK)
	require.Equal(t, "final", final["status"])
	require.Equal(t, "Y", final["transStatus"])
	require.Equal(t, stacktest.CAVV, final["authenticationValue"])
}

// An RReq or CRes carrying another transaction's IDs changes neither
// transaction; each still ends with its own RReq.
func TestCrossedTransactionIDs(t *testing.T) {
	pan := visa(dssim.ScenarioChallenge)
	txA, aresA := start(t, pan)
	txB, aresB := start(t, pan)

	crossed := stacktest.RReqFor(aresA, "Y")
	crossed["acsTransID"], crossed["dsTransID"] = aresB["acsTransID"], aresB["dsTransID"]
	e := stacktest.RequireRReqErro(t, api.PostRReq(t, crossed), "301")
	require.Equal(t, txA, e["threeDSServerTransID"])

	crossed = stacktest.RReqFor(aresB, "N")
	crossed["acsTransID"] = aresA["acsTransID"]
	stacktest.RequireRReqErro(t, api.PostRReq(t, crossed), "301")

	// B's CRes with A's threeDSSessionData.
	p := callback(t, aresA, cresFor(aresB, "Y"))
	require.Equal(t, http.StatusBadRequest, p.Status, p.HTML)
	require.NotContains(t, p.HTML, txB)

	for _, id := range []string{txA, txB} {
		res := postauth(t, id, http.StatusOK)
		require.Equal(t, "pending", res["status"], "%s: %v", id, res)
	}
	require.Equal(t, http.StatusOK, api.PostRReq(t, stacktest.RReqFor(aresA, "Y")).Status)
	require.Equal(t, http.StatusOK, api.PostRReq(t, stacktest.RReqFor(aresB, "N")).Status)
	a, b := postauth(t, txA, http.StatusOK), postauth(t, txB, http.StatusOK)
	require.Equal(t, "Y", a["transStatus"])
	require.Equal(t, "N", b["transStatus"])
	require.Equal(t, aresA["acsTransID"], a["acsTransID"])
	require.Equal(t, aresB["acsTransID"], b["acsTransID"])
	require.False(t, strings.Contains(b["eci"].(string), "05"), "B's result is its own N: %v", b)
}
