package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/testkit/stacktest"
)

// The 3DS Method as a browser runs it: preauth hands out the ACS's method URL
// and our method data; the ACS posts back to /callbacks/method; the AReq then
// says threeDSCompInd Y without the merchant sending it.
func TestThreeDSMethod(t *testing.T) {
	tests := []struct {
		name       string
		pan        string
		runMethod  bool
		wantCompIn string
		wantStatus string
	}{
		{"SS07 method completed: frictionless Y", visa(dssim.ScenarioMethodFrictionles), true, "Y", "Y"},
		{"SS07 mastercard method completed: frictionless Y", mc(dssim.ScenarioMethodFrictionles), true, "Y", "Y"},
		{"SS07 method not run: challenge", visa(dssim.ScenarioMethodFrictionles), false, "N", "C"},
		{"SS06 method completed: still a challenge", visa(dssim.ScenarioMethodChallenge), true, "Y", "C"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pre := preauth(t, tc.pan)
			txID := pre["threeDSServerTransID"].(string)
			require.Equal(t, stk.Sim.URL()+"/acs/method", pre["threeDSMethodURL"])
			md, err := emv3ds.ParseThreeDSMethodData(pre["threeDSMethodData"].(string))
			require.NoError(t, err, "threeDSMethodData is base64url JSON")
			require.Equal(t, txID, md.ThreeDSServerTransID)
			require.Equal(t, stk.URL+"/callbacks/method", md.ThreeDSMethodNotificationURL)

			if tc.runMethod {
				cb := runMethod(t, pre)
				require.Contains(t, cb.HTML, "3ds-method-complete")
				require.Contains(t, cb.HTML, txID, "the method page names the transaction to the parent window")
				require.Len(t, messages(exchanges(t, txID), dssim.Received, "ThreeDSMethod"), 1, "the ACS saw the method run")
			}
			// No threeDSCompInd from the merchant: the server knows.
			ares := auth(t, stacktest.BrowserAReq(txID, tc.pan))
			require.Equal(t, tc.wantStatus, ares["transStatus"], "ARes: %v", ares)
			require.Equal(t, tc.wantCompIn, sentAReq(t, txID)["threeDSCompInd"], "the AReq's threeDSCompInd")
			if tc.wantStatus == "Y" {
				requireResult(t, postauth(t, txID, http.StatusOK), outcome{status: "Y", eci: ares["eci"].(string), cavv: true, version: "2.2.0"})
			}
		})
	}
}

// A card whose ACS has no 3DS Method gets none, and the AReq says U.
func TestNoThreeDSMethod(t *testing.T) {
	pre := preauth(t, visa(dssim.ScenarioFrictionlessY))
	require.NotContains(t, pre, "threeDSMethodURL")
	require.NotContains(t, pre, "threeDSMethodData")
	txID := pre["threeDSServerTransID"].(string)
	auth(t, stacktest.BrowserAReq(txID, visa(dssim.ScenarioFrictionlessY)))
	require.Equal(t, "U", sentAReq(t, txID)["threeDSCompInd"])
}
