package browsertest

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

func hostedShop(pan string) string {
	return shop.URL + "/hosted-shop?" + url.Values{"pan": {pan}}.Encode()
}

// A merchant page with no script of ours frames the hosted method page and
// then the hosted challenge page (each frames the ACS in turn).
func TestHostedPagesMethodThenChallenge(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(hostedShop(visa(dssim.ScenarioMethodChallenge))))
	answerIn(t, ctx, []string{"#challenge iframe", "iframe"}, "1234", 3)
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "Y", o.Method["threeDSCompInd"], "the hosted method page ran the method and heard our notification")
	require.Equal(t, true, o.Challenge["resultReady"])
	require.Equal(t, "Y", o.Challenge["transStatus"])
	require.Equal(t, "Y", o.Post["transStatus"])
}

func TestHostedMethodWithoutMethodURL(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(hostedShop(visa(dssim.ScenarioFrictionlessY))))
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "U", o.Method["threeDSCompInd"])
	require.Nil(t, o.Challenge)
	require.Equal(t, "Y", o.Post["transStatus"])
}
