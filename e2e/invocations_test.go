package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

// One Lambda invocation per merchant request, counted by the local gateway
// itself: the flow functions check the credential (apigw.CredentialGuard),
// no authorizer runs, and a refused key is answered by the function it was
// sent to. A frictionless flow is preauth + auth + postauth (+ the webhook
// from the stream): 4 invocations, 7 with the former authorizer.
func TestOneInvocationPerMerchantRequest(t *testing.T) {
	delta := func(before map[string]int64) map[string]int64 {
		out := map[string]int64{}
		for fn, v := range stk.GatewayInvocations() {
			// ChallengeCallbackFunction may still receive a late RReq of an
			// earlier test (decoupled results): not this flow's.
			if d := v - before[fn]; d != 0 && fn != "ChallengeCallbackFunction" {
				out[fn] = d
			}
		}
		return out
	}
	authzBefore := stk.AuthorizerStats()
	before := stk.GatewayInvocations()
	txID, ares := start(t, visa(dssim.ScenarioFrictionlessY))
	require.Equal(t, "Y", ares["transStatus"])
	postauth(t, txID, http.StatusOK)
	require.Equal(t, map[string]int64{"PreauthFunction": 1, "AuthFunction": 1, "PostauthFunction": 1}, delta(before))

	before = stk.GatewayInvocations()
	r := api.Call(t, "/auth", "", map[string]any{"threeDSServerTransID": txID}, "APIKey", "o3ds_notAKeyOfAnyMerchant00000000000000000000000")
	require.Equal(t, http.StatusUnauthorized, r.Status, "body: %s", r.Body)
	require.Equal(t, map[string]int64{"AuthFunction": 1}, delta(before), "the refusal is the function's own answer")

	require.Equal(t, authzBefore, stk.AuthorizerStats(), "no authorizer ran")
	require.NotContains(t, stk.GatewayInvocations(), "AuthorizerFunction")
}
