package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// Juspay's 3DS Server API (docs/dialects.md §4, Netcetera-shaped) with the
// Bearer key: version → authenticate → (challenge) → final; /3ds/results
// takes an RReq for the merchant's own transaction only.
func TestJuspay3DS(t *testing.T) {
	t.Run("frictionless", func(t *testing.T) {
		pan := visa(dssim.ScenarioFrictionlessY)
		v := jpPost(t, "/3ds/version", key1, map[string]any{"cardNumber": pan}, http.StatusOK)
		tx := v["threeDSServerTransID"].(string)
		requireUUID(t, tx, "threeDSServerTransID")
		ranges := v["cardRanges"].([]any)
		require.Len(t, ranges, 1)
		cr := ranges[0].(map[string]any)
		require.Equal(t, "Visa", cr["schemeId"])
		require.Regexp(t, semverRE, cr["highestCommonSupportedVersion"])
		require.NotEmpty(t, cr["acsProtocolVersions"])

		a := jpAuth(t, tx, pan)
		require.Equal(t, "Y", a["transStatus"])
		require.NotContains(t, a, "errorDetails", "a success carries no errorDetails (Hyperswitch tries the error shape first)")
		require.Len(t, a["authenticationValue"], 28)
		require.IsType(t, map[string]any{}, a["authenticationResponse"])
		areq := sentAReq(t, tx)
		require.Equal(t, "15100", areq["purchaseAmount"])
		require.Equal(t, "-120", areq["browserTZ"])
		require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/adyen", areq["notificationURL"])

		f := jpPost(t, "/3ds/final", key1, map[string]any{"threeDSServerTransID": tx}, http.StatusOK)
		require.Equal(t, "Y", f["transStatus"])
		require.Equal(t, "05", f["eci"])
		require.Equal(t, a["authenticationValue"], f["authenticationValue"])
	})

	t.Run("challenge", func(t *testing.T) {
		pan := mc(dssim.ScenarioChallenge)
		tx := jpPost(t, "/3ds/version", key1, map[string]any{"cardNumber": pan}, http.StatusOK)["threeDSServerTransID"].(string)
		a := jpAuth(t, tx, pan)
		require.Equal(t, "C", a["transStatus"])
		require.Equal(t, "Y", a["acsChallengeMandated"])
		p := api.PostForm(t, a["acsURL"].(string), map[string][]string{"creq": {a["base64EncodedChallengeRequest"].(string)}})
		require.Equal(t, http.StatusOK, p.Status, p.HTML)
		action, fields := enters("1234")(t, p)
		api.PostForm(t, action, fields)
		f := jpPost(t, "/3ds/final", key1, map[string]any{"threeDSServerTransID": tx}, http.StatusOK)
		require.Equal(t, "Y", f["transStatus"])
		require.Equal(t, "02", f["eci"])
		rr := f["resultsRequest"].(map[string]any)
		require.Equal(t, "RReq", rr["messageType"])
		require.Equal(t, "01", f["resultsResponse"].(map[string]any)["resultsStatus"])
	})

	t.Run("results: an RReq for the merchant's own transaction", func(t *testing.T) {
		pan := visa(dssim.ScenarioChallenge)
		tx := jpPost(t, "/3ds/version", key1, map[string]any{"cardNumber": pan}, http.StatusOK)["threeDSServerTransID"].(string)
		a := jpAuth(t, tx, pan)
		require.Equal(t, "C", a["transStatus"])
		ares := a["authenticationResponse"].(map[string]any)
		rreq := stacktest.RReqFor(ares, "Y")
		// Another merchant cannot push a result into it.
		e := jpPost(t, "/3ds/results", key2, rreq, http.StatusNotFound)
		require.NotEmpty(t, e["error"])
		rres := jpPost(t, "/3ds/results", key1, rreq, http.StatusOK)
		require.Equal(t, "RRes", rres["messageType"])
		require.Equal(t, "01", rres["resultsStatus"])
		f := jpPost(t, "/3ds/final", key1, map[string]any{"threeDSServerTransID": tx}, http.StatusOK)
		require.Equal(t, "Y", f["transStatus"])
		// A second, different result never changes a final one.
		jpPost(t, "/3ds/results", key1, stacktest.RReqFor(ares, "N"), 0)
		require.Equal(t, "Y", jpPost(t, "/3ds/final", key1, map[string]any{"threeDSServerTransID": tx}, http.StatusOK)["transStatus"])
	})

	t.Run("errors", func(t *testing.T) {
		e := jpPost(t, "/3ds/version", "", map[string]any{"cardNumber": visa(dssim.ScenarioFrictionlessY)}, http.StatusUnauthorized)
		require.NotEmpty(t, e["error"])
		e = jpPost(t, "/3ds/version", key1, map[string]any{"cardNumber": nonLuhn}, http.StatusBadRequest)
		d := e["errorDetails"].(map[string]any)
		require.Equal(t, "203", d["errorCode"])
		require.NotEmpty(t, d["errorDescription"])
		require.Equal(t, "acctNumber", d["errorDetail"])
		require.NotContains(t, e["error"], nonLuhn)
		e = jpPost(t, "/3ds/final", key1, map[string]any{"threeDSServerTransID": "00000000-0000-4000-8000-0000000e0001"}, http.StatusNotFound)
		require.Equal(t, "301", e["errorDetails"].(map[string]any)["errorCode"])
	})
}

func jpAuth(t *testing.T, tx, pan string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "juspay3ds_authenticate.json"))
	require.NoError(t, err)
	s := strings.NewReplacer(`"TX"`, `"`+tx+`"`, `"PAN"`, `"`+pan+`"`, `"DATE"`, `"`+time.Now().UTC().Format("20060102150405")+`"`).Replace(string(raw))
	var body map[string]any
	require.NoError(t, json.Unmarshal([]byte(s), &body))
	return jpPost(t, "/3ds/authenticate", key1, body, http.StatusOK)
}

// jpPost posts with the Bearer key (none when key is ""); want 0 accepts any 4xx.
func jpPost(t *testing.T, path, key string, body any, want int) map[string]any {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, stk.URL+path, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	r := api.Do(t, req)
	if want == 0 {
		require.True(t, r.Status >= 400 && r.Status < 500, "%d %s", r.Status, r.Body)
	} else {
		require.Equal(t, want, r.Status, "%s: %s", path, r.Body)
	}
	return r.JSON(t)
}
