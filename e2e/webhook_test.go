package e2e

import (
	"encoding/json"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/webhooksig"
	"github.com/open3ds/server/testkit/stacktest"
)

type webhookEvent struct {
	ID      string            `json:"id"`
	Type    string            `json:"type"`
	Created int64             `json:"created"`
	Data    map[string]string `json:"data"`
}

// waitWebhook waits for merchant one's webhook endpoint to receive the event
// of txID, checks its signature with the merchant's secret and returns it.
func waitWebhook(t *testing.T, txID string) (webhookEvent, stacktest.Delivery) {
	t.Helper()
	var got []stacktest.Delivery
	require.Eventually(t, func() bool {
		got = hooks.ForTx(txID)
		return len(got) > 0
	}, 30*time.Second, 100*time.Millisecond, "no webhook for %s", txID)
	d := got[0]
	require.NoError(t, webhooksig.Verify([]byte(webhookSecret), d.Header.Get(webhooksig.Header), d.Body, time.Now(), webhooksig.DefaultTolerance),
		"Threeds-Signature verifies with the merchant's secret")
	require.ErrorIs(t, webhooksig.Verify([]byte("another secret"), d.Header.Get(webhooksig.Header), d.Body, time.Now(), webhooksig.DefaultTolerance),
		webhooksig.ErrMismatch, "and only with it")
	require.Contains(t, d.Header.Get("Content-Type"), "application/json")
	var ev webhookEvent
	require.NoError(t, json.Unmarshal(d.Body, &ev))
	require.Equal(t, ev.ID, d.Header.Get("Threeds-Event-Id"))
	for _, again := range got {
		var e webhookEvent
		require.NoError(t, json.Unmarshal(again.Body, &e))
		require.Equal(t, ev.ID, e.ID, "a redelivered event keeps its id")
	}
	return ev, d
}

var eventIDRE = regexp.MustCompile(`^evt_[0-9a-f]{24}$`)

// A final result reaches the merchant's webhook, signed, with the data
// authorisation needs.
func TestWebhook(t *testing.T) {
	t.Run("frictionless", func(t *testing.T) {
		txID, ares := start(t, visa(dssim.ScenarioFrictionlessY))
		res := postauth(t, txID, http.StatusOK)
		ev, _ := waitWebhook(t, txID)
		require.Regexp(t, eventIDRE, ev.ID)
		require.Equal(t, "authentication.completed", ev.Type)
		require.InDelta(t, time.Now().Unix(), ev.Created, 120)
		require.Equal(t, map[string]string{
			"threeDSServerTransID": txID,
			"transStatus":          "Y",
			"eci":                  "05",
			"authenticationValue":  res["authenticationValue"].(string),
			"dsTransID":            ares["dsTransID"].(string),
			"acsTransID":           ares["acsTransID"].(string),
			"messageVersion":       "2.2.0",
			"resultSource":         "ARes",
			"scheme":               "visa",
		}, ev.Data)
	})

	t.Run("challenge cancelled", func(t *testing.T) {
		txID, ares := start(t, mc(dssim.ScenarioChallenge))
		challenge(t, ares, cancels)
		ev, _ := waitWebhook(t, txID)
		require.Equal(t, "N", ev.Data["transStatus"])
		require.Equal(t, "01", ev.Data["transStatusReason"])
		require.Equal(t, "01", ev.Data["challengeCancel"])
		require.Equal(t, "RReq", ev.Data["resultSource"])
		require.Equal(t, "mastercard", ev.Data["scheme"])
		require.NotContains(t, ev.Data, "authenticationValue")
	})

	t.Run("decoupled", func(t *testing.T) {
		txID, _ := start(t, visa(dssim.ScenarioDecoupled), "threeDSRequestorDecReqInd", "Y", "threeDSRequestorDecMaxTime", "00010")
		ev, _ := waitWebhook(t, txID)
		require.Equal(t, "Y", ev.Data["transStatus"])
		require.Len(t, ev.Data["authenticationValue"], 28)
	})

	t.Run("another merchant's result is not sent here", func(t *testing.T) {
		pan := visa(dssim.ScenarioFrictionlessY)
		r := api.Call(t, "/preauth", key2, map[string]any{"acctNumber": pan})
		require.Equal(t, http.StatusOK, r.Status)
		txID := r.JSON(t)["threeDSServerTransID"].(string)
		r = api.Call(t, "/auth", key2, stacktest.BrowserAReq(txID, pan))
		require.Equal(t, http.StatusOK, r.Status)
		// Merchant two's endpoint (the stack's sink) gets it...
		require.Eventually(t, func() bool {
			for _, w := range stk.Webhooks() {
				var ev webhookEvent
				if json.Unmarshal(w.Body, &ev) == nil && ev.Data["threeDSServerTransID"] == txID {
					return w.Signature == "valid"
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond)
		// ...and merchant one's never does.
		require.Empty(t, hooks.ForTx(txID))
	})
}
