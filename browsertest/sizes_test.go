package browsertest

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/dssim"
)

type box struct {
	Width, Height, Container float64
	Size                     string
}

func frameBox(t *testing.T, ctx context.Context) box {
	t.Helper()
	var b box
	do(t, ctx, chromedp.Evaluate(`(function(){var f=document.querySelector("#challenge iframe");var r=f.getBoundingClientRect();`+
		`return {Width:r.width,Height:r.height,Container:document.querySelector("#challenge").clientWidth,Size:f.getAttribute("data-window-size")};})()`, &b))
	return b
}

// Each EMV window size renders the challenge at its size, and the ACS
// receives that size in the CReq.
func TestShopWindowSizes(t *testing.T) {
	for _, ws := range browser.WindowSizes {
		t.Run(ws.Code, func(t *testing.T) {
			ctx := tab(t)
			do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge), "windowSize", ws.Code)))
			opts := acsPage(t, ctx, frame, 3)
			var acsSize string
			var ok bool
			do(t, ctx, chromedp.AttributeValue("#acs", "data-challenge-window-size", &acsSize, &ok, opts...))
			require.Equal(t, ws.Code, acsSize, "the CReq carried the size")
			b := frameBox(t, ctx)
			require.Equal(t, ws.Code, b.Size)
			if ws.Width > 0 {
				require.Equal(t, float64(ws.Width), b.Width)
				require.Equal(t, float64(ws.Height), b.Height)
			} else {
				require.Equal(t, b.Container, b.Width, "05 fills the container")
				require.Greater(t, b.Height, 400.0)
			}
		})
	}
}

// windowSize "auto" on a 360 px phone viewport picks 01.
func TestShopAutoWindowSizeOnPhone(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge), "windowSize", "auto")))
	opts := acsPage(t, ctx, frame, 3)
	var acsSize string
	var ok bool
	do(t, ctx, chromedp.AttributeValue("#acs", "data-challenge-window-size", &acsSize, &ok, opts...))
	require.Equal(t, "01", acsSize)
	b := frameBox(t, ctx)
	require.Equal(t, "01", b.Size)
	require.Equal(t, 250.0, b.Width)
	require.Equal(t, 400.0, b.Height)
}

// A checkout inside another site's iframe uses redirect mode: the whole
// page goes to the ACS and comes back to the return URL.
func TestShopRedirectFromFramedCheckout(t *testing.T) {
	ctx := tab(t)
	inner := shopURL(visa(dssim.ScenarioChallenge), "mode", "redirect")
	do(t, ctx, chromedp.Navigate(framer+"/frame?src="+url.QueryEscape(inner)))
	answer(t, ctx, "", "1234", 3) // the ACS page is now the top page
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, true, o.Back["resultReady"])
	require.Equal(t, "Y", o.Back["transStatus"])
	require.Equal(t, "Y", o.Post["transStatus"])
	var loc string
	do(t, ctx, chromedp.Location(&loc))
	require.True(t, strings.HasPrefix(loc, shop.URL+"/shop/return?threeDSServerTransID="), loc)
}

// A javascript: return URL is refused by the API, and by threeds.js.
func TestJavascriptReturnURLRefused(t *testing.T) {
	ctx := tab(t)
	do(t, ctx, chromedp.Navigate(shopURL(visa(dssim.ScenarioChallenge), "mode", "redirect", "returnURL", "javascript:alert(document.domain)")))
	o := result(t, ctx)
	require.Contains(t, o.Error, "auth HTTP 400 203 returnURL")
	var msg string
	do(t, ctx, chromedp.Evaluate(`ThreeDS.challenge({mode: "redirect", returnURL: "javascript:alert(1)", acsURL: "`+stk.Sim.URL()+`/acs/challenge",`+
		` creq: btoa(JSON.stringify({threeDSServerTransID: "x"}))}).then(function(){return "resolved"}, function(e){return e.message})`, &msg,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	require.Equal(t, "threeds: returnURL must be an http(s) URL", msg)
	var loc string
	do(t, ctx, chromedp.Location(&loc))
	require.True(t, strings.HasPrefix(loc, shop.URL+"/shop?"), "no navigation happened: %s", loc)
}
