package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// postRReq posts an RReq to our results endpoint as a DS would.
func postRReq(t *testing.T, rreq map[string]any) resp {
	t.Helper()
	b, err := json.Marshal(rreq)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stk.URL+"/ds/results", jsonReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	return send(t, req)
}

// rreqFor is a well-formed RReq N for the transaction of ares.
func rreqFor(ares map[string]any) map[string]any {
	return map[string]any{
		"messageType":          "RReq",
		"messageVersion":       ares["messageVersion"],
		"messageCategory":      "01",
		"threeDSServerTransID": ares["threeDSServerTransID"],
		"acsTransID":           ares["acsTransID"],
		"dsTransID":            ares["dsTransID"],
		"transStatus":          "N",
		"transStatusReason":    "01",
		"authenticationType":   "02",
		"interactionCounter":   "01",
	}
}

func requireRReqErro(t *testing.T, r resp, code string) map[string]any {
	t.Helper()
	require.GreaterOrEqual(t, r.Status, 400, "body: %s", r.Body)
	require.Less(t, r.Status, 500, "body: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, "S", m["errorComponent"])
	require.Equal(t, "RReq", m["errorMessageType"])
	return m
}

// A forged late RReq cannot change a final result.
func TestForgedRReq(t *testing.T) {
	t.Run("late N after a challenge result Y", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		challenge(t, ares, enters("1234"))
		before := postauth(t, txID, http.StatusOK)
		require.Equal(t, "Y", before["transStatus"])

		r := postRReq(t, rreqFor(ares))
		e := requireRReqErro(t, r, "305")
		require.Equal(t, txID, e["threeDSServerTransID"])

		after := postauth(t, txID, http.StatusOK)
		require.Equal(t, before, after, "the result is unchanged")
	})

	t.Run("N for a frictionless Y that expects no RReq", func(t *testing.T) {
		txID, ares := start(t, mc(dssim.ScenarioFrictionlessY))
		requireRReqErro(t, postRReq(t, rreqFor(ares)), "305")
		requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "02", cavv: true, version: "2.2.0"})
	})

	t.Run("N with another acsTransID while the challenge runs", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		forged := rreqFor(ares)
		forged["acsTransID"] = "11111111-2222-4333-8444-555555555555"
		r := postRReq(t, forged)
		require.Equal(t, "Erro", r.JSON(t)["messageType"], "body: %s", r.Body)
		pending := postauth(t, txID, http.StatusOK)
		require.Equal(t, "pending", pending["status"])
		// The real challenge still completes.
		challenge(t, ares, enters("1234"))
		requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
	})

	t.Run("unknown threeDSServerTransID", func(t *testing.T) {
		r := postRReq(t, rreqFor(map[string]any{
			"messageVersion": "2.2.0", "threeDSServerTransID": "9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
			"acsTransID": "2d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a", "dsTransID": "3d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
		}))
		requireRReqErro(t, r, "301")
		require.Equal(t, http.StatusNotFound, r.Status)
	})

	t.Run("not an RReq", func(t *testing.T) {
		r := postRReq(t, map[string]any{"messageType": "RReq"})
		m := r.JSON(t)
		require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
		require.Contains(t, []any{"201", "101"}, m["errorCode"])
	})
}
