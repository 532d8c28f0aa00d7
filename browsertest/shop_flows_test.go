package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

const frame = "#challenge iframe"

func TestShopFrictionless(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioFrictionlessY))))
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "U", o.Method["threeDSCompInd"], "no method URL: U without waiting")
	require.Equal(t, "Y", o.ARes)
	require.Equal(t, "Y", o.Post["transStatus"])
	require.Nil(t, o.Challenge)
}

func TestShopMethodFrictionless(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioMethodFrictionles))))
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "Y", o.Method["threeDSCompInd"], "our notification reached the page")
	require.Equal(t, "Y", o.ARes, "scenario 07 is frictionless once the method completed")
	require.Equal(t, "Y", o.Post["transStatus"])
	require.Subset(t, o.Events, []string{"method.started", "method.completed"})
}

func TestShopMethodThenChallenge(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioMethodChallenge))))
	answer(t, ctx, frame, "1234", 3)
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "Y", o.Method["threeDSCompInd"])
	require.Equal(t, "C", o.ARes)
	require.Equal(t, true, o.Challenge["resultReady"])
	require.Equal(t, "Y", o.Challenge["transStatus"], "the RReq confirmed it")
	require.Equal(t, "Y", o.Post["transStatus"])
	require.Equal(t, "RReq", o.Post["resultSource"])
	require.Subset(t, o.Events, []string{"method.started", "method.completed", "challenge.shown", "challenge.completed"})
}

func TestShopChallengeWrongCodes(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge))))
	wrongThrice(t, ctx, frame)
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "N", o.Challenge["transStatus"])
	require.Equal(t, "N", o.Post["transStatus"])
}

func TestShopChallengeCancel(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge))))
	answer(t, ctx, frame, "", 3)
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "N", o.Post["transStatus"])
	require.Equal(t, "01", o.Post["challengeCancel"], "the cardholder cancelled at the ACS")
}

// An ACS whose method page never notifies: threeDSCompInd N after the
// (shortened) timer, and the flow goes on (scenario 07 then challenges).
func TestShopSilentACS(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioMethodFrictionles), "silentACS", "1", "methodTimeout", "1500")))
	answer(t, ctx, frame, "1234", 3)
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "N", o.Method["threeDSCompInd"], "the timer, not a rejection")
	require.Contains(t, o.Events, "method.timedout")
	require.Equal(t, "C", o.ARes)
	require.Equal(t, "Y", o.Post["transStatus"])
}

// The merchant gives up on the challenge on screen: ThreeDS.cancel()
// removes the window and the promise resolves with cancelled.
func TestShopMerchantCancels(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge))))
	acsPage(t, ctx, frame, 3)
	do(t, ctx, chromedp.Evaluate(`ThreeDS.cancel()`, nil))
	o := result(t, ctx)
	require.Equal(t, true, o.Challenge["cancelled"], "%+v", o)
	require.Equal(t, false, o.Challenge["resultReady"])
	require.Equal(t, "", o.Challenge["transStatus"])
	require.Contains(t, o.Events, "challenge.cancelled")
	var frames int
	do(t, ctx, chromedp.Evaluate(`document.querySelectorAll("#challenge iframe").length`, &frames))
	require.Zero(t, frames, "the window is gone")
}
