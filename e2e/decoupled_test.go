package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// Scenario 09 with decoupled requested: ARes D, postauth pending (D) until
// the simulator's delayed RReq, then the final Y.
func TestDecoupled(t *testing.T) {
	pan := visa(dssim.ScenarioDecoupled)
	txID, ares := start(t, pan, "threeDSRequestorDecReqInd", "Y", "threeDSRequestorDecMaxTime", "00010")
	require.Equal(t, "D", ares["transStatus"], "ARes: %v", ares)
	require.Equal(t, "Y", ares["acsDecConInd"])
	require.NotContains(t, ares, "authenticationValue")
	require.NotContains(t, ares, "base64EncodedChallengeRequest")
	areq := sentAReq(t, txID)
	require.Equal(t, "Y", areq["threeDSRequestorDecReqInd"])
	require.Equal(t, "00010", areq["threeDSRequestorDecMaxTime"])

	pending := postauth(t, txID, http.StatusOK)
	require.Equal(t, "pending", pending["status"], "before the RReq: %v", pending)
	require.Equal(t, "D", pending["transStatus"])
	require.NotContains(t, pending, "authenticationValue")

	res := eventuallyFinal(t, txID, 20*time.Second)
	requireResult(t, res, outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
	require.Equal(t, "RReq", res["resultSource"])
	require.Equal(t, ares["acsTransID"], res["acsTransID"])

	rres := messages(exchanges(t, txID), dssim.Received, "RRes")
	require.Len(t, rres, 1)
	require.Empty(t, rres[0].Note, "our RRes to the decoupled RReq is valid")
}

// Scenario 09 without decoupled requested is a challenge.
func TestDecoupledNotRequested(t *testing.T) {
	txID, ares := start(t, visa(dssim.ScenarioDecoupled))
	requireChallengeARes(t, ares, txID)
}
