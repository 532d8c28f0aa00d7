package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// Every browser scenario of the simulator through the page that uses only
// threeds.js (00, 05, 06 and 07 have their own tests above).
func TestShopEveryScenario(t *testing.T) {
	tests := []struct {
		ss        dssim.Scenario
		challenge bool   // answer 1234
		status    string // postauth transStatus
		err       string // the page's error instead
	}{
		{ss: dssim.ScenarioFrictionlessN, status: "N"},
		{ss: dssim.ScenarioAttempts, status: "A"},
		{ss: dssim.ScenarioUnavailable, status: "U"},
		{ss: dssim.ScenarioRejected, status: "R"},
		{ss: dssim.ScenarioInformational, status: "Y"},
		{ss: dssim.ScenarioDecoupled, challenge: true, status: "Y"},
		{ss: dssim.ScenarioDSTimeout, err: "auth HTTP 504 405"},
		{ss: dssim.ScenarioDSErro, err: "auth HTTP 422 305"},
		{ss: dssim.ScenarioInvalidARes, err: "auth HTTP 502"},
		{ss: dssim.ScenarioVersion210, status: "Y"},
		{ss: dssim.ScenarioSlowACS, status: "Y"},
		{ss: dssim.ScenarioDuplicateRReq, challenge: true, status: "Y"},
	}
	for _, tc := range tests {
		t.Run(string(tc.ss), func(t *testing.T) {
			ctx := tab(t)
			do(t, ctx, chromedp.Navigate(shopURL(visa(tc.ss))))
			if tc.challenge {
				answer(t, ctx, frame, "1234", 3)
			}
			o := result(t, ctx)
			if tc.err != "" {
				require.Contains(t, o.Error, tc.err)
				return
			}
			require.Empty(t, o.Error)
			require.Equal(t, tc.status, o.Post["transStatus"], "%+v", o)
			if tc.challenge {
				require.Equal(t, true, o.Challenge["resultReady"])
				require.Equal(t, tc.status, o.Challenge["transStatus"])
			} else {
				require.Nil(t, o.Challenge)
			}
		})
	}
}
