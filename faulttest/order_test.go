package faulttest

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// The CRes arrives before the RReq; the CRes and the RReq arrive twice; a
// different RReq follows the final one. The result is always the first
// RReq's and never the CRes's.
func TestOutOfOrderAndDuplicates(t *testing.T) {
	txID, ares := start(t, visa(dssim.ScenarioChallenge))
	require.Equal(t, "C", ares["transStatus"])
	cres := cresFor(ares, "Y") // the browser claims Y; the RReq will say N

	// CRes first: the callback waits briefly for the RReq, then shows the
	// result is not ready.
	p := callback(t, ares, cres)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	_, ready := shown(t, p)
	require.False(t, ready, "no RReq yet: the page says the result is not ready")
	pending := postauth(t, txID, http.StatusOK)
	require.Equal(t, "pending", pending["status"], "the CRes alone gives no result: %v", pending)
	require.Equal(t, "C", pending["transStatus"])

	// The late RReq still makes the result final.
	rreq := stacktest.RReqFor(ares, "N")
	first := api.PostRReq(t, rreq)
	require.Equal(t, http.StatusOK, first.Status, "body: %s", first.Body)
	rres := first.JSON(t)
	require.Equal(t, "RRes", rres["messageType"])
	require.Equal(t, "01", rres["resultsStatus"])
	final := postauth(t, txID, http.StatusOK)
	require.Equal(t, "final", final["status"])
	require.Equal(t, "N", final["transStatus"], "the RReq's status, not the CRes's")
	require.Equal(t, "RReq", final["resultSource"])

	// The same CRes again (a browser resubmitting): the page now has the result.
	p = callback(t, ares, cres)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	status, ready := shown(t, p)
	require.True(t, ready)
	require.Equal(t, "N", status)

	// The same RReq again: the same RRes, nothing changes.
	again := api.PostRReq(t, rreq)
	require.Equal(t, http.StatusOK, again.Status, "body: %s", again.Body)
	require.JSONEq(t, string(first.Body), string(again.Body), "a repeated RReq gets the stored RRes")
	require.Equal(t, final, postauth(t, txID, http.StatusOK))

	// A different RReq after the final one: Erro, result unchanged.
	e := stacktest.RequireRReqErro(t, api.PostRReq(t, stacktest.RReqFor(ares, "Y")), "305")
	require.Equal(t, txID, e["threeDSServerTransID"])
	require.Equal(t, final, postauth(t, txID, http.StatusOK))

	// One webhook event, whatever repeated.
	require.Eventually(t, func() bool { return len(hooks.ForTx(txID)) > 0 }, 30*time.Second, 100*time.Millisecond)
	for _, d := range hooks.ForTx(txID) {
		require.Equal(t, hooks.ForTx(txID)[0].EventID, d.EventID)
	}
}

// Repeats racing each other: the same RReq posted at once several times
// gets the same RRes every time; different RReqs at once: one wins, the
// others get an Erro, and the result is the winner's.
func TestConcurrentRReqs(t *testing.T) {
	const n = 4
	post := func(t *testing.T, bodies []map[string]any) []stacktest.Response {
		out := make([]stacktest.Response, len(bodies))
		var wg sync.WaitGroup
		for i, b := range bodies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i] = api.TryPostRReq(b)
			}()
		}
		wg.Wait()
		return out
	}

	t.Run("the same RReq", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		rreq := stacktest.RReqFor(ares, "Y")
		answers := post(t, []map[string]any{rreq, rreq, rreq, rreq})
		for i, r := range answers {
			require.Equal(t, http.StatusOK, r.Status, "answer %d: %s", i, r.Body)
			require.JSONEq(t, string(answers[0].Body), string(r.Body), "answer %d", i)
		}
		require.Equal(t, "Y", postauth(t, txID, http.StatusOK)["transStatus"])
	})

	t.Run("different RReqs", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioChallenge))
		bodies := make([]map[string]any, n)
		for i := range bodies {
			bodies[i] = stacktest.RReqFor(ares, []string{"Y", "N", "U", "R"}[i])
		}
		answers := post(t, bodies)
		winner := ""
		for i, r := range answers {
			require.Less(t, r.Status, 500, "answer %d is never a server failure: %s", i, r.Body)
			m := r.JSON(t)
			if r.Status == http.StatusOK {
				require.Equal(t, "RRes", m["messageType"])
				require.Empty(t, winner, "only one RReq makes the result")
				winner = bodies[i]["transStatus"].(string)
				continue
			}
			require.Equal(t, "Erro", m["messageType"], "answer %d: %s", i, r.Body)
		}
		require.NotEmpty(t, winner, "one RReq makes the result")
		require.Equal(t, winner, postauth(t, txID, http.StatusOK)["transStatus"])
	})
}
