package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// Frictionless outcomes per scheme: the /auth answer is the ARes, postauth the
// stored result with the scheme's ECI (forwarded when the ACS sent one, the
// scheme's "not authenticated" ECI computed for N/U/R; protocol doc §11).
func TestFrictionless(t *testing.T) {
	tests := []struct {
		name string
		pan  string
		kv   []any // extra AReq members
		want outcome
	}{
		{"visa Y", visa(dssim.ScenarioFrictionlessY), nil, outcome{status: "Y", eci: "05", cavv: true}},
		{"visa N", visa(dssim.ScenarioFrictionlessN), nil, outcome{status: "N", reason: "01", eci: "07"}},
		{"visa A", visa(dssim.ScenarioAttempts), nil, outcome{status: "A", eci: "06", cavv: true}},
		{"visa U", visa(dssim.ScenarioUnavailable), nil, outcome{status: "U", reason: "22", eci: "07"}},
		{"visa R", visa(dssim.ScenarioRejected), nil, outcome{status: "R", reason: "11", eci: "07"}},
		{"mastercard Y", mc(dssim.ScenarioFrictionlessY), nil, outcome{status: "Y", eci: "02", cavv: true}},
		{"mastercard N", mc(dssim.ScenarioFrictionlessN), nil, outcome{status: "N", reason: "01", eci: "00"}},
		{"mastercard A", mc(dssim.ScenarioAttempts), nil, outcome{status: "A", eci: "01", cavv: true}},
		{"mastercard U", mc(dssim.ScenarioUnavailable), nil, outcome{status: "U", reason: "22", eci: "00"}},
		{"mastercard R", mc(dssim.ScenarioRejected), nil, outcome{status: "R", reason: "11", eci: "00"}},
		{"amex Y", amexY, nil, outcome{status: "Y", eci: "05", cavv: true}},
		{"visa I on challengeInd 05 (TRA)", visa(dssim.ScenarioInformational), []any{"threeDSRequestorChallengeInd", "05"}, outcome{status: "I", eci: "07", cavv: true}},
		{"visa I on challengeInd 06 (data only)", visa(dssim.ScenarioInformational), []any{"threeDSRequestorChallengeInd", "06"}, outcome{status: "I", eci: "07", cavv: true}},
		{"visa I on challengeInd 07 (SCA done)", visa(dssim.ScenarioInformational), []any{"threeDSRequestorChallengeInd", "07"}, outcome{status: "I", eci: "07", cavv: true}},
		{"mastercard I on challengeInd 06", mc(dssim.ScenarioInformational), []any{"threeDSRequestorChallengeInd", "06"}, outcome{status: "I", eci: "04", cavv: true}},
		{"visa SS08 without exemption is Y", visa(dssim.ScenarioInformational), nil, outcome{status: "Y", eci: "05", cavv: true}},
		{"visa SS08 with challengeInd 01 is Y", visa(dssim.ScenarioInformational), []any{"threeDSRequestorChallengeInd", "01"}, outcome{status: "Y", eci: "05", cavv: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.want.version = "2.2.0"
			txID, ares := start(t, tc.pan, tc.kv...)
			require.Equal(t, txID, ares["threeDSServerTransID"])
			require.Equal(t, tc.want.status, ares["transStatus"], "ARes: %v", ares)
			require.NotContains(t, ares, "base64EncodedChallengeRequest", "no creq without a challenge")
			require.NotContains(t, ares, "acsURL")

			res := postauth(t, txID, http.StatusOK)
			require.Equal(t, "final", res["status"])
			requireResult(t, res, tc.want)
			// The postauth result is the ARes's: same IDs, same CAVV.
			require.Equal(t, ares["dsTransID"], res["dsTransID"])
			require.Equal(t, ares["acsTransID"], res["acsTransID"])
			if tc.want.cavv {
				require.Equal(t, ares["authenticationValue"], res["authenticationValue"])
			}
			require.Equal(t, "2.2.0", sentAReq(t, txID)["messageVersion"])
		})
	}
}
