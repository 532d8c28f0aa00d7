package e2e

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

const worldpaySeedPAN = "4444333322221111"

// worldpayCall posts body to a Worldpay path with merchant-1's seeded Basic
// credentials and the HAL media type.
func worldpayCall(t *testing.T, path string, body []byte, user, pass string) stacktest.Response {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	return api.Call(t, path, "", body, "Authorization", "Basic "+basic, "Content-Type", worldpay.MediaType, "Accept", worldpay.MediaType)
}

// worldpayBody is the seed's authentication body, byte for byte but for the
// card number (a simulator scenario) and the transactionReference (one per
// test: the stack is shared).
func worldpayBody(t *testing.T, pan, ref string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/worldpay-authentication-card-front.json")
	require.NoError(t, err)
	s := strings.Replace(string(raw), worldpaySeedPAN, pan, 1)
	return []byte(strings.Replace(s, "Memory265-13/08/1876", ref, 1))
}

func TestWorldpayOutcomes(t *testing.T) {
	wp := stk.Worldpay
	require.NotEmpty(t, wp.Username, "make run seeds merchant-1's Worldpay credentials")
	for _, tc := range []struct {
		name, pan, outcome, eci string
		cavv                    bool
	}{
		{"authenticated", visa(dssim.ScenarioFrictionlessY), "authenticated", "05", true},
		{"authenticationFailed", visa(dssim.ScenarioFrictionlessN), "authenticationFailed", "07", false},
		{"notEnrolled", "4111111111111111", "notEnrolled", "06", false},
		{"unavailable", visa(dssim.ScenarioUnavailable), "unavailable", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := "e2e-wp-" + tc.name
			r := worldpayCall(t, worldpay.PathAuthentication, worldpayBody(t, tc.pan, ref), wp.Username, wp.Password)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			require.Equal(t, worldpay.MediaType, r.Header.Get("Content-Type"))
			corr := r.Header.Get(worldpay.CorrelationHeader)
			require.Regexp(t, `^[0-9a-f-]{36}$`, corr)
			b := r.JSON(t)
			require.Equal(t, tc.outcome, b["outcome"], b)
			require.Equal(t, ref, b["transactionReference"])
			if tc.eci != "" {
				a := b["authentication"].(map[string]any)
				require.Equal(t, tc.eci, a["eci"])
				require.Equal(t, tc.cavv, a["authenticationValue"] != nil, a)
			}
			require.Contains(t, logs.String(), corr, "the correlation ID is in the request's log lines")

			// Again: the stored result, no second AReq.
			again := worldpayCall(t, worldpay.PathAuthentication, worldpayBody(t, tc.pan, ref), wp.Username, wp.Password)
			require.Equal(t, http.StatusOK, again.Status)
			require.Equal(t, b, again.JSON(t))
			if tc.outcome != "notEnrolled" {
				require.Len(t, messages(exchanges(t, worldpay.TransID("merchant-1", ref)), dssim.Received, "AReq"), 1)
			}
		})
	}
}

func TestWorldpayChallengeVerification(t *testing.T) {
	wp := stk.Worldpay
	ref := "e2e-wp-challenge"
	pan := visa(dssim.ScenarioChallenge)
	ddc := worldpayCall(t, worldpay.PathDeviceData, []byte(`{"transactionReference":"`+ref+`","merchant":{"entity":"`+wp.Entity+
		`"},"paymentInstrument":{"type":"card/front","cardNumber":"`+pan+`"}}`), wp.Username, wp.Password)
	require.Equal(t, http.StatusOK, ddc.Status, string(ddc.Body))
	require.Equal(t, "initialized", ddc.JSON(t)["outcome"])

	r := worldpayCall(t, worldpay.PathAuthentication, worldpayBody(t, pan, ref), wp.Username, wp.Password)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	b := r.JSON(t)
	require.Equal(t, "challenged", b["outcome"], b)
	ch := b["challenge"].(map[string]any)
	id := worldpay.TransID("merchant-1", ref)
	require.Equal(t, id, ch["reference"])

	verify := []byte(`{"transactionReference":"` + ref + `","merchant":{"entity":"` + wp.Entity + `"},"challenge":{"reference":"` + id + `"}}`)
	pending := worldpayCall(t, worldpay.PathVerification, verify, wp.Username, wp.Password)
	require.Equal(t, http.StatusOK, pending.Status, string(pending.Body))
	require.Equal(t, "challengePending", pending.JSON(t)["outcome"])

	// The browser: what our challenge page does with the JWT's payload.
	parts := strings.Split(ch["jwt"].(string), ".")
	require.Len(t, parts, 3)
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var claims worldpay.Claims
	require.NoError(t, json.Unmarshal(raw, &claims))
	require.Equal(t, ch["payload"], claims.Payload.Payload)
	cb := challenge(t, map[string]any{"transStatus": "C", "acsURL": claims.Payload.ACSUrl,
		"base64EncodedChallengeRequest": claims.Payload.Payload, "threeDSSessionData": claims.Payload.SessionData}, enters("1234"))
	require.Equal(t, "Y", cb.Attr(t, "status", "data-trans-status"))

	v := worldpayCall(t, worldpay.PathVerification, verify, wp.Username, wp.Password)
	require.Equal(t, http.StatusOK, v.Status, string(v.Body))
	vb := v.JSON(t)
	require.Equal(t, "authenticated", vb["outcome"], vb)
	a := vb["authentication"].(map[string]any)
	require.Equal(t, "05", a["eci"])
	require.NotEmpty(t, a["authenticationValue"])
	require.Equal(t, "2.2.0", a["version"])
	require.Regexp(t, `^[0-9a-f-]{36}$`, a["transactionId"])

	// The webhook: the product's signed event, for Worldpay merchants too.
	require.Eventually(t, func() bool { return len(hooks.ForTx(id)) > 0 }, 30*time.Second, 100*time.Millisecond)
	d := hooks.ForTx(id)[0]
	require.Equal(t, http.StatusNoContent, d.Answered)
	require.NotEmpty(t, d.Header.Get("Threeds-Signature"))
	require.Contains(t, string(d.Body), `"transStatus":"Y"`)
}

func TestWorldpayUnauthorized(t *testing.T) {
	r := worldpayCall(t, worldpay.PathAuthentication, worldpayBody(t, visa(dssim.ScenarioFrictionlessY), "e2e-wp-401"), stk.Worldpay.Username, "wrong")
	require.Equal(t, http.StatusUnauthorized, r.Status, string(r.Body))
	require.JSONEq(t, `{"errorName":"accessDenied","message":"Access to the requested resource has been denied"}`, string(r.Body))
	require.NotEmpty(t, r.Header.Get(worldpay.CorrelationHeader))
	// A native API key does not open the Worldpay routes.
	k := api.Call(t, worldpay.PathAuthentication, key1, worldpayBody(t, visa(dssim.ScenarioFrictionlessY), "e2e-wp-401b"))
	require.Equal(t, http.StatusUnauthorized, k.Status)
}
