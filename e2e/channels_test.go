package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// appAReq is an app-channel (01) AReq as a merchant backend sends it with the
// 3DS SDK's data; browser members a sloppy client leaves in must be dropped.
func appAReq(txID, pan, sdkTransID string) stacktest.AReq {
	return stacktest.AReq{
		"threeDSServerTransID":              txID,
		"messageCategory":                   "01",
		"deviceChannel":                     "01",
		"threeDSRequestorAuthenticationInd": "01",
		"threeDSRequestorURL":               "https://shop.example.com",
		"purchaseAmount":                    "1999",
		"purchaseCurrency":                  "840",
		"purchaseExponent":                  "2",
		"acctNumber":                        pan,
		"cardExpiryDate":                    "2812",
		"sdkAppID":                          "e72dff66-6bc0-4fe4-9a3c-04bf686b9298",
		"sdkEncData":                        "eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMTI4Q0JDLUhTMjU2In0.c2RrZW5j.aXY.Y2lwaGVy.dGFn",
		"sdkEphemPubKey":                    map[string]any{"kty": "EC", "crv": "P-256", "x": "JweO7wFL47u57rNHiLfk6f21nUSHaez9243d9xaC-80", "y": "85hG-Ol2lz7bcegYJ9nCJ17ywwD2KSyXJLH_70A0HoM"},
		"sdkMaxTimeout":                     "05",
		"sdkReferenceNumber":                "3DS_LOA_SDK_PPFU_020100_00007",
		"sdkTransID":                        sdkTransID,
		"deviceRenderOptions":               map[string]any{"sdkInterface": "03", "sdkUiType": []string{"01", "02", "03", "04", "05"}},
		"browserUserAgent":                  "left in by the client", // not an app element: dropped
		"notificationURL":                   nil,
	}
}

// An app challenge: the ARes carries acsSignedContent (the ACS URL and key for
// the SDK) and acsRenderingType, no creq; the SDK's exchange with the ACS
// ends in an RReq, and postauth holds its result.
func TestAppChannelChallenge(t *testing.T) {
	pan := visa(dssim.ScenarioChallenge)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	sdkTransID := "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b"
	ares := auth(t, appAReq(txID, pan, sdkTransID))

	require.Equal(t, "C", ares["transStatus"], "ARes: %v", ares)
	require.Equal(t, sdkTransID, ares["sdkTransID"])
	require.NotContains(t, ares, "base64EncodedChallengeRequest", "the SDK builds its own CReq")
	require.NotContains(t, ares, "threeDSSessionData")
	rendering, ok := ares["acsRenderingType"].(map[string]any)
	require.True(t, ok, "acsRenderingType is an object: %v", ares["acsRenderingType"])
	require.NotEmpty(t, rendering["acsInterface"])
	jws, _ := ares["acsSignedContent"].(string)
	parts := strings.Split(jws, ".")
	require.Len(t, parts, 3, "acsSignedContent is a compact JWS")

	sent := sentAReq(t, txID)
	require.Equal(t, "01", sent["deviceChannel"])
	for _, gone := range []string{"browserUserAgent", "notificationURL", "threeDSCompInd"} {
		require.NotContains(t, sent, gone, "%s is not an app element", gone)
	}
	require.Equal(t, sdkTransID, sent["sdkTransID"])
	require.IsType(t, map[string]any{}, sent["sdkEphemPubKey"], "sdkEphemPubKey goes out as a JWK object")

	// The SDK reads the ACS URL from the signed content and runs the
	// challenge (plain JSON here: the simulator does not model the JWE leg).
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	require.NoError(t, err)
	var signed struct {
		ACSURL string `json:"acsURL"`
	}
	require.NoError(t, json.Unmarshal(payload, &signed))
	require.True(t, strings.HasPrefix(signed.ACSURL, stk.Sim.URL()), "acsURL %q", signed.ACSURL)
	creq := map[string]any{
		"messageType": "CReq", "messageVersion": ares["messageVersion"], "threeDSServerTransID": txID,
		"acsTransID": ares["acsTransID"], "sdkTransID": sdkTransID, "sdkCounterStoA": "000",
	}
	screen := sdkPost(t, signed.ACSURL, creq)
	require.Equal(t, "CRes", screen["messageType"], "first CRes: %v", screen)
	creq["sdkCounterStoA"], creq["challengeDataEntry"] = "001", "1234"
	final := sdkPost(t, signed.ACSURL, creq)
	require.Equal(t, "Y", final["transStatus"], "final CRes: %v", final)

	res := postauth(t, txID, http.StatusOK)
	require.Equal(t, "final", res["status"])
	requireResult(t, res, outcome{status: "Y", eci: "05", cavv: true, version: "2.2.0"})
	require.Equal(t, "RReq", res["resultSource"])
	require.Equal(t, sdkTransID, res["sdkTransID"])
}

// 3RI (merchant-initiated): no browser or SDK data, non-payment or payment,
// and never challenged — even on a card whose ACS challenges cardholders.
func TestThreeRI(t *testing.T) {
	tests := []struct {
		name     string
		pan      string
		category string
		version  string
	}{
		{"NPA recurring check", visa(dssim.ScenarioFrictionlessY), "02", "2.2.0"},
		{"PA recurring on a challenge card", visa(dssim.ScenarioChallenge), "01", "2.2.0"},
		{"NPA on a 2.1.0-only range", visa(dssim.ScenarioVersion210), "02", "2.1.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			txID := preauth(t, tc.pan)["threeDSServerTransID"].(string)
			body := stacktest.AReq{
				"threeDSServerTransID": txID,
				"deviceChannel":        "03",
				"messageCategory":      tc.category,
				"threeRIInd":           "01",
				"acctNumber":           tc.pan,
				"cardExpiryDate":       "2812",
				"threeDSRequestorURL":  "https://shop.example.com",
				"browserIP":            "192.0.2.10", // not a 3RI element: dropped
				"threeDSRequestorPriorAuthenticationInfo": map[string]any{
					"threeDSReqPriorRef":           "3fe92fe0-6902-4813-aa71-c86fbf4a96a3",
					"threeDSReqPriorAuthMethod":    "02",
					"threeDSReqPriorAuthTimestamp": time.Now().UTC().Add(-24 * time.Hour).Format("200601021504"),
				},
			}
			if tc.category == "01" {
				body = body.With("purchaseAmount", "1999", "purchaseCurrency", "840", "purchaseExponent", "2",
					"recurringExpiry", "20301231", "recurringFrequency", "30", "threeDSRequestorAuthenticationInd", "02")
			}
			ares := auth(t, body)
			require.Equal(t, "Y", ares["transStatus"], "3RI is never challenged: %v", ares)
			require.Equal(t, tc.version, ares["messageVersion"])

			sent := sentAReq(t, txID)
			require.Equal(t, "03", sent["deviceChannel"])
			require.Equal(t, "01", sent["threeRIInd"])
			require.NotContains(t, sent, "browserIP")
			require.NotContains(t, sent, "notificationURL")
			require.NotContains(t, sent, "threeDSCompInd")

			res := postauth(t, txID, http.StatusOK)
			require.Equal(t, "final", res["status"])
			require.Equal(t, "Y", res["transStatus"])
		})
	}
}

// sdkPost plays the 3DS SDK's POST of a CReq to the ACS and returns the answer.
func sdkPost(t *testing.T, url string, body map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	res, err := http.Post(url, "application/json", bytes.NewReader(raw))
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	var m map[string]any
	require.NoError(t, json.NewDecoder(res.Body).Decode(&m))
	return m
}
