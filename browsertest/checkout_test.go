package browsertest

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// pay fills the demo checkout and presses Pay.
func pay(t *testing.T, ctx context.Context, pan string) {
	t.Helper()
	do(t, ctx, chromedp.Navigate(stk.URL+"/_local/checkout"), chromedp.WaitVisible("#pay", chromedp.ByQuery),
		chromedp.SetValue("#pan", pan, chromedp.ByQuery), chromedp.Click(`#pay button[type="submit"]`, chromedp.ByQuery))
}

// checkoutResult waits for the demo checkout's result and returns its
// transStatus and transaction ID.
func checkoutResult(t *testing.T, ctx context.Context) (status, id string) {
	t.Helper()
	var ok bool
	var errText string
	do(t, ctx, chromedp.WaitVisible(`body[data-done="true"]`, chromedp.ByQuery),
		chromedp.AttributeValue("#result", "data-error", &errText, &ok, chromedp.ByQuery))
	require.False(t, ok, "checkout error: %s", errText)
	do(t, ctx, chromedp.AttributeValue("#result", "data-trans-status", &status, &ok, chromedp.ByQuery),
		chromedp.AttributeValue("#result", "data-trans-id", &id, &ok, chromedp.ByQuery))
	return status, id
}

var checkoutIDs = map[string]string{} // scenario → transaction, for the console test

func TestCheckoutFrictionless(t *testing.T) {
	ctx := tab(t)
	pay(t, ctx, visa(dssim.ScenarioFrictionlessY))
	status, id := checkoutResult(t, ctx)
	require.Equal(t, "Y", status)
	checkoutIDs["00"] = id
	var timeline string
	do(t, ctx, chromedp.Text("#timeline", &timeline, chromedp.ByQuery))
	for _, step := range []string{"preauth", "3DS Method", "threeDSCompInd U", "auth", "transStatus Y", "postauth"} {
		require.Contains(t, timeline, step)
	}
	require.NotContains(t, timeline, visa(dssim.ScenarioFrictionlessY), "the timeline never shows the card number")
}

func TestCheckoutMethodAndChallenge(t *testing.T) {
	ctx := tab(t)
	pay(t, ctx, visa(dssim.ScenarioMethodChallenge))
	answer(t, ctx, "#challenge iframe", "1234", 3)
	status, id := checkoutResult(t, ctx)
	require.Equal(t, "Y", status)
	checkoutIDs["06"] = id
	var timeline, result string
	do(t, ctx, chromedp.Text("#timeline", &timeline, chromedp.ByQuery), chromedp.Text("#result", &result, chromedp.ByQuery))
	for _, step := range []string{"event method.completed", "threeDSCompInd Y", "transStatus C", "event challenge.shown", "event challenge.completed", "resultReady true"} {
		require.Contains(t, timeline, step)
	}
	require.Contains(t, result, "ECI 05")
	require.Regexp(t, `CAVV \*\*\*\*.{4}`, result, "the CAVV is masked")
	if os.Getenv("BROWSERTEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "checkout")
	}
}

// The console lists the run's transactions and shows one's timeline.
func TestConsole(t *testing.T) {
	if checkoutIDs["06"] == "" {
		TestCheckoutMethodAndChallenge(t)
	}
	id := checkoutIDs["06"]
	ctx := tab(t)
	var table, html string
	do(t, ctx, chromedp.Navigate(stk.URL+"/_local/console"), chromedp.WaitVisible("#transactions", chromedp.ByQuery),
		chromedp.Text("#transactions", &table, chromedp.ByQuery), chromedp.OuterHTML("html", &html, chromedp.ByQuery))
	require.Contains(t, table, id)
	require.Contains(t, table, "400000******1067", "the card is masked as in the logs")
	require.NotContains(t, html, visa(dssim.ScenarioMethodChallenge))
	var rows int
	do(t, ctx, chromedp.Evaluate(`document.querySelectorAll("#transactions tbody tr[data-trans-id]").length`, &rows))
	require.GreaterOrEqual(t, rows, len(checkoutIDs), "every checkout transaction is listed")
	if os.Getenv("BROWSERTEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "console")
	}

	// The webhook is delivered asynchronously (stream → function → sink).
	var what []string
	require.Eventually(t, func() bool {
		what = nil
		err := chromedp.Run(ctx, chromedp.Navigate(stk.URL+"/_local/console/tx/"+id), chromedp.WaitVisible("#events", chromedp.ByQuery),
			chromedp.Evaluate(`Array.from(document.querySelectorAll("#events tbody tr")).map(function(r){return r.getAttribute("data-what")})`, &what))
		return err == nil && strings.Contains(strings.Join(what, ","), "received by the sink")
	}, 30*time.Second, 500*time.Millisecond, "timeline: %v", what)
	// No "delivery" row: a delivery record is written only when an attempt
	// fails (issue 18); the sink's row is the delivery.
	for _, m := range []string{"preauth", "ThreeDSMethod", "AReq", "ARes", "CReq", "ChallengePage", "CRes", "RReq", "RRes", "result", "received by the sink"} {
		require.Contains(t, what, m)
	}
	var page, events string
	do(t, ctx, chromedp.OuterHTML("html", &page, chromedp.ByQuery), chromedp.Text("#events", &events, chromedp.ByQuery))
	require.Contains(t, events, "signature valid")
	require.Contains(t, page, `"authenticationValue": "****`, "bodies show the CAVV masked")
	require.NotContains(t, page, visa(dssim.ScenarioMethodChallenge))
	if os.Getenv("BROWSERTEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "timeline")
	}
}
