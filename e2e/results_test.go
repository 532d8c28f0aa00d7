package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// A forged late RReq cannot change a final result.
func TestForgedRReq(t *testing.T) {
	t.Run("late N after a challenge result Y", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		challenge(t, ares, enters("1234"))
		before := postauth(t, txID, http.StatusOK)
		require.Equal(t, "Y", before["transStatus"])

		r := api.PostRReq(t, stacktest.RReqFor(ares, "N"))
		e := stacktest.RequireRReqErro(t, r, "305")
		require.Equal(t, txID, e["threeDSServerTransID"])

		after := postauth(t, txID, http.StatusOK)
		require.Equal(t, before, after, "the result is unchanged")
	})

	t.Run("N for a frictionless Y that expects no RReq", func(t *testing.T) {
		txID, ares := start(t, mc(dssim.ScenarioFrictionlessY))
		stacktest.RequireRReqErro(t, api.PostRReq(t, stacktest.RReqFor(ares, "N")), "305")
		requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "02", cavv: true, version: "2.2.0"})
	})

	t.Run("N with another acsTransID while the challenge runs", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		forged := stacktest.RReqFor(ares, "N")
		forged["acsTransID"] = "11111111-2222-4333-8444-555555555555"
		r := api.PostRReq(t, forged)
		require.Equal(t, "Erro", r.JSON(t)["messageType"], "body: %s", r.Body)
		pending := postauth(t, txID, http.StatusOK)
		require.Equal(t, "pending", pending["status"])
		// The real challenge still completes.
		challenge(t, ares, enters("1234"))
		requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
	})

	t.Run("unknown threeDSServerTransID", func(t *testing.T) {
		r := api.PostRReq(t, stacktest.RReqFor(map[string]any{
			"messageVersion": "2.2.0", "threeDSServerTransID": "9d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
			"acsTransID": "2d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a", "dsTransID": "3d8c7b6a-5f4e-4d3c-9b2a-1f0e9d8c7b6a",
		}, "N"))
		stacktest.RequireRReqErro(t, r, "301")
		require.Equal(t, http.StatusNotFound, r.Status)
	})

	t.Run("not an RReq", func(t *testing.T) {
		r := api.PostRReq(t, map[string]any{"messageType": "RReq"})
		m := r.JSON(t)
		require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
		require.Contains(t, []any{"201", "101"}, m["errorCode"])
	})
}
