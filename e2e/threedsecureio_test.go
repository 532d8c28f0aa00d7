package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// autoSubmits follows the 3dsecure.io-style challenge page that submits
// itself (no code entry).
func autoSubmits(t *testing.T, p stacktest.Page) (string, url.Values) {
	require.NotContains(t, p.HTML, `id="otp"`, "the auto challenge page asks for no code")
	require.Contains(t, p.HTML, "onload=", "the page submits itself")
	return p.Form(t)
}

// 3dsecure.io's sandbox test cards (not Luhn-valid) through the local stack,
// which runs in sandbox mode (SANDBOX_TEST_CARDS=3dsecureio).
func TestThreeDSecureIOTestCards(t *testing.T) {
	t.Run("demo card 9000100811111111: 2.1.0, no method, N", func(t *testing.T) {
		pre := preauth(t, "9000100811111111")
		require.Empty(t, pre["threeDSMethodURL"])
		txID := pre["threeDSServerTransID"].(string)
		ares := auth(t, stacktest.BrowserAReq(txID, "9000100811111111"))
		require.Equal(t, "N", ares["transStatus"], "%v", ares)
		require.Equal(t, "2.1.0", ares["messageVersion"])
	})
	t.Run("4000100511112003: method, Y", func(t *testing.T) {
		pre := preauth(t, "4000100511112003")
		runMethod(t, pre)
		txID := pre["threeDSServerTransID"].(string)
		ares := auth(t, stacktest.BrowserAReq(txID, "4000100511112003").With("threeDSCompInd", "Y"))
		require.Equal(t, "Y", ares["transStatus"], "%v", ares)
	})
	t.Run("7000100911112070: challenge auto-pass → Y", func(t *testing.T) {
		txID, ares := start(t, "7000100911112070")
		challenge(t, ares, autoSubmits)
		require.Equal(t, "Y", postauth(t, txID, http.StatusOK)["transStatus"])
	})
	t.Run("3000101011111071: challenge auto-fail → N", func(t *testing.T) {
		txID, ares := start(t, "3000101011111071")
		challenge(t, ares, autoSubmits)
		require.Equal(t, "N", postauth(t, txID, http.StatusOK)["transStatus"])
	})
	t.Run("4000100111110063: DS timeout", func(t *testing.T) {
		pan := "4000100111110063"
		txID := preauth(t, pan)["threeDSServerTransID"].(string)
		r := api.Call(t, "/auth", key1, stacktest.BrowserAReq(txID, pan))
		stacktest.RequireErro(t, r, http.StatusGatewayTimeout, "405", "S")
	})
	t.Run("9000100111111111: not enrolled", func(t *testing.T) {
		r := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": "9000100111111111", "ds": nil})
		e := stacktest.RequireErro(t, r, http.StatusUnprocessableEntity, "305", "S")
		require.Equal(t, "acctNumber", e["errorDetail"])
	})
	t.Run("off the pattern, Luhn still applies", func(t *testing.T) {
		r := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": "9000100821111111", "ds": nil})
		stacktest.RequireErro(t, r, http.StatusBadRequest, "203", "S")
	})
}
