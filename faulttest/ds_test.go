package faulttest

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// A DS that is slow, unreachable, answers garbage or fails TLS: /auth answers
// 502/504 with an Erro of component S whose errorDetail names the cause, the
// transaction is recorded failed (postauth answers the same Erro, a second
// /auth is refused), and the AReq reached the DS at most once.
func TestDirectoryServerFaults(t *testing.T) {
	tests := []struct {
		name         string
		mode         dsMode
		fault, delay string
		status       int
		code, detail string // detail "": any, but present
		areqs        int    // AReqs the DS received
		erroToDS     bool   // the server tells the DS its ARes was unusable
	}{
		// The answer comes well after dsTimeout (3 s): equal delays raced it.
		{name: "answers after the DS timeout", mode: dsForward, delay: "5s",
			status: http.StatusGatewayTimeout, code: "405", detail: "Connection timeout", areqs: 1},
		{name: "accepts and never answers", mode: dsHang,
			status: http.StatusGatewayTimeout, code: "405", detail: "Connection timeout", areqs: 1},
		{name: "refuses connections", mode: dsRefuse,
			status: http.StatusBadGateway, code: "405", detail: "Connection refused", areqs: 0},
		{name: "certificate from an unknown CA", mode: dsBadTLS,
			status: http.StatusBadGateway, code: "405", detail: "TLS handshake failed", areqs: 0},
		{name: "answers garbage", mode: dsForward, fault: "garbage",
			status: http.StatusBadGateway, code: "101", areqs: 1, erroToDS: true},
		{name: "answers a truncated ARes", mode: dsForward, fault: "truncated",
			status: http.StatusBadGateway, code: "101", areqs: 1, erroToDS: true},
	}
	pan := visa(dssim.ScenarioFrictionlessY)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txID := preauth(t, pan)
			fakeDS.set(t, tt.mode, tt.fault, tt.delay)
			r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
			e := stacktest.RequireErro(t, r, tt.status, tt.code, "S")
			if tt.detail != "" {
				require.Equal(t, tt.detail, e["errorDetail"], "errorDetail names the cause: %s", r.Body)
			}
			require.NotEmpty(t, e["errorDetail"], "body: %s", r.Body)
			require.Equal(t, txID, e["threeDSServerTransID"])
			if tt.code == "405" {
				require.Equal(t, "Unable to contact Directory Server", e["errorDescription"])
				require.Equal(t, "AReq", e["errorMessageType"])
			} else {
				require.Equal(t, "ARes", e["errorMessageType"], "the Erro is about the DS's answer")
			}
			fakeDS.set(t, dsForward, "", "") // mended: nothing later may go out again

			// postauth answers the Erro /auth answered, never a 5xx: 422.
			again := api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID})
			e2 := stacktest.RequireErro(t, again, http.StatusUnprocessableEntity, tt.code, "S")
			for _, k := range []string{"errorDescription", "errorDetail", "threeDSServerTransID", "errorMessageType"} {
				require.Equal(t, e[k], e2[k], "postauth repeats the Erro: %s", k)
			}
			// The transaction is over: a second /auth sends nothing.
			r = api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
			require.Equal(t, http.StatusConflict, r.Status, "body: %s", r.Body)
			require.Equal(t, "Erro", r.JSON(t)["messageType"])

			require.Equal(t, tt.areqs, fakeDS.count(txID, "AReq"), "AReqs the DS received")
			if tt.erroToDS {
				require.Eventually(t, func() bool { return fakeDS.count(txID, "Erro") == 1 }, 5*time.Second, 50*time.Millisecond,
					"the DS is told once that its ARes was unusable")
			} else {
				require.Zero(t, fakeDS.count(txID, "Erro"), "no Erro to the DS for a failure of the connection")
			}
		})
	}

	// The late answer of a slow DS changes nothing: the simulator answers
	// 3 s after the AReq, the server gave up at 2 s.
	t.Run("a late ARes is ignored", func(t *testing.T) {
		txID := preauth(t, pan)
		fakeDS.set(t, dsForward, "", "5s")
		r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
		stacktest.RequireErro(t, r, http.StatusGatewayTimeout, "405", "S")
		require.Eventually(t, func() bool {
			for _, ex := range stk.Sim.Exchanges(txID) {
				if ex.Direction == dssim.Sent && ex.MessageType == "ARes" {
					return true
				}
			}
			return false
		}, 10*time.Second, 100*time.Millisecond, "the simulator answered the ARes late")
		stacktest.RequireErro(t, api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": txID}), http.StatusUnprocessableEntity, "405", "S")
		require.Equal(t, 1, fakeDS.count(txID, "AReq"))
	})

	// Slow within the DS timeout is merely slow.
	t.Run("slow within the DS timeout", func(t *testing.T) {
		txID := preauth(t, pan)
		fakeDS.set(t, dsForward, "", "1s")
		r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
		require.Equal(t, http.StatusOK, r.Status, "body: %s", r.Body)
		require.Equal(t, "Y", r.JSON(t)["transStatus"])
		require.Equal(t, "final", postauth(t, txID, http.StatusOK)["status"])
		require.Equal(t, 1, fakeDS.count(txID, "AReq"))
	})

	// The DS mended: the next transaction succeeds.
	t.Run("recovers", func(t *testing.T) {
		_, ares := start(t, pan)
		require.Equal(t, "Y", ares["transStatus"])
	})
}
