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

// Worldpay Try's magic values through the stack (SANDBOX_TEST_CARDS
// includes worldpay): v1/v2 magic cardholder names on Worldpay's test
// cards (the seed's own 4444333322221111) and the v3 card-number table
// (Cardinal's EMV 3DS test PANs).
func TestWorldpaySandboxMagicValues(t *testing.T) {
	wp := stk.Worldpay
	for _, tc := range []struct {
		name, pan, holder, outcome, eci string
	}{
		{"seed body verbatim", worldpaySeedPAN, "", "challenged", ""},
		{"frictionless identified", worldpaySeedPAN, "3ds2-frictionless-identified", "authenticated", "05"},
		{"legacy alias", "5555555555554444", "3DS_V2_FRICTIONLESS_IDENTIFIED", "authenticated", "02"},
		{"challenge identified", "343434343434343", "3ds2-challenge-identified", "challenged", ""},
		{"invalid signature", "4917610000000000003", "3ds1-invalid-signature", "signatureFailed", ""},
		{"unavailable", "4462030000000000", "3ds1-authentication-unavailable", "unavailable", ""},
		{"frictionless failed (by pattern)", "5454545454545454", "3ds2-frictionless-failed", "authenticationFailed", "00"},
		{"v3 Y", "4000000000002701", "Bob Smith", "authenticated", "05"},
		{"v3 N", "4000000000002925", "Bob Smith", "authenticationFailed", "07"},
		{"v3 A", "4000000000002719", "Bob Smith", "authenticated", "06"},
		{"v3 U", "4000000000002313", "Bob Smith", "unavailable", ""},
		{"v3 R", "4000000000002537", "Bob Smith", "authenticationFailed", "07"},
		{"v3 challenge", "4000000000002503", "Bob Smith", "challenged", ""},
		{"v3 error", "4000000000002644", "Bob Smith", "unavailable", ""},
		{"v3 Mastercard Y", "5200000000002235", "Bob Smith", "authenticated", "02"},
		{"v3 Amex Y", "340000000002708", "Bob Smith", "authenticated", "05"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := "e2e-wp-magic-" + strings.ReplaceAll(tc.name, " ", "-")
			ref = strings.NewReplacer("(", "", ")", "").Replace(ref)
			body := worldpayBody(t, tc.pan, ref)
			if tc.holder != "" {
				body = []byte(strings.Replace(string(body), `"cardHolderName": "Sherlock Holmes"`, `"cardHolderName": "`+tc.holder+`"`, 1))
			}
			r := worldpayCall(t, worldpay.PathAuthentication, body, wp.Username, wp.Password)
			require.Equal(t, http.StatusOK, r.Status, string(r.Body))
			b := r.JSON(t)
			require.Equal(t, tc.outcome, b["outcome"], b)
			if tc.eci != "" {
				require.Equal(t, tc.eci, b["authentication"].(map[string]any)["eci"], b)
			}
			id := worldpay.TransID("merchant-1", ref)
			a := sentAReq(t, id)
			require.Equal(t, "U", a["threeDSCompInd"], "no collection reference of ours: compInd U")
			require.Equal(t, "The Baskerville Animal Sanctuary", a["merchantName"], "merchant.overrideName is the merchantName")
			if tc.outcome == "signatureFailed" {
				v := worldpayCall(t, worldpay.PathVerification, []byte(`{"transactionReference":"`+ref+`","merchant":{"entity":"`+wp.Entity+
					`"},"challenge":{"reference":"`+id+`"}}`), wp.Username, wp.Password)
				require.Equal(t, http.StatusOK, v.Status, string(v.Body))
				require.Equal(t, "signatureFailed", v.JSON(t)["outcome"])
			}
		})
	}
	// No card number or cardholder name in any log line.
	out := logs.String()
	for _, s := range []string{worldpaySeedPAN, "5555555555554444", "343434343434343", "4917610000000000003", "4000000000002701",
		"340000000002708", "Sherlock Holmes", "3ds2-frictionless-identified", "3ds1-invalid-signature"} {
		require.NotContains(t, out, s)
	}
}

// merchant.entity is the caller's: another entity is 403 accessDenied, on
// each of the three calls, and no AReq goes out.
func TestWorldpayForeignEntity(t *testing.T) {
	wp := stk.Worldpay
	ref := "e2e-wp-entity"
	body := []byte(strings.Replace(string(worldpayBody(t, visa(dssim.ScenarioFrictionlessY), ref)), `"entity": "MindPalaceLtd"`, `"entity": "SomeoneElseLtd"`, 1))
	require.Contains(t, string(body), "SomeoneElseLtd")
	for path, b := range map[string][]byte{
		worldpay.PathAuthentication: body,
		worldpay.PathDeviceData: []byte(`{"transactionReference":"` + ref + `","merchant":{"entity":"SomeoneElseLtd"},"paymentInstrument":{"type":"card/front","cardNumber":"` +
			visa(dssim.ScenarioFrictionlessY) + `"}}`),
		worldpay.PathVerification: []byte(`{"transactionReference":"` + ref + `","merchant":{"entity":"SomeoneElseLtd"},"challenge":{"reference":"` +
			worldpay.TransID("merchant-1", ref) + `"}}`),
	} {
		r := worldpayCall(t, path, b, wp.Username, wp.Password)
		require.Equal(t, http.StatusForbidden, r.Status, path+": "+string(r.Body))
		require.JSONEq(t, `{"errorName":"accessDenied","message":"Access to the requested resource has been denied"}`, string(r.Body))
		require.NotEmpty(t, r.Header.Get(worldpay.CorrelationHeader))
	}
	require.Empty(t, messages(exchanges(t, worldpay.TransID("merchant-1", ref)), dssim.Received, "AReq"))
}
