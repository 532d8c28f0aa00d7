package browsertest

import (
	"context"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// A page on an origin the merchant did not allow cannot frame our pages:
// the browser blocks the method notification page (so threeDSCompInd is N
// after the timer) and the final challenge page (so the challenge never
// reports and times out), by the frame-ancestors of their CSP header.
//
// This test runs its own Chromium without site isolation: the ACS iframe
// of a [::1] page is cross-site, and only an in-process frame lets the test
// type the code into it. Origins, CSP and postMessage work the same.
func TestUnlistedOriginCannotFrameOurPages(t *testing.T) {
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromeOptions(
		chromedp.Flag("disable-site-isolation-trials", true), chromedp.Flag("disable-features", "IsolateOrigins,site-per-process"))...)
	t.Cleanup(cancelAlloc)
	b, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(cancelBrowser)
	require.NoError(t, chromedp.Run(b))
	ctx := tabIn(t, b)
	q := url.Values{"pan": {visa(dssim.ScenarioMethodChallenge)}, "methodTimeout": {"1500"}, "challengeTimeout": {"4000"}}
	do(t, ctx, chromedp.Navigate(foreign.URL+"/shop?"+q.Encode()))
	answer(t, ctx, frame, "1234", 3) // the ACS itself may be framed by anyone
	o := result(t, ctx)
	require.Empty(t, o.Error)
	require.Equal(t, "N", o.Method["threeDSCompInd"], "our notification page was not allowed to render in [::1]'s frame")
	require.Equal(t, true, o.Challenge["timedOut"], "our final page was not allowed to render either: %v", o.Challenge)
	require.Equal(t, "Y", o.Post["transStatus"], "the result is still there for the merchant's server")
}
