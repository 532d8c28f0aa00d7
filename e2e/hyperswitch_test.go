package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// Hyperswitch's threedsecureio connector, byte for byte (client-contracts.md
// §3): `apikey` header in lower case, mangled camelCase keys, every /auth key
// sent with null for absent values, browser numbers as strings, its own
// notificationURL and its own CReq. The response keys it parses must exist
// with these exact names (serde is case-sensitive).
func TestHyperswitchThreedsecureio(t *testing.T) {
	t.Run("frictionless Y", func(t *testing.T) {
		pan := visa(dssim.ScenarioFrictionlessY)
		pre := hsPreauth(t, pan)
		txID := pre["threeDSServerTransID"].(string)
		ares := hsAuth(t, pre, pan, "U")
		require.Equal(t, "Y", ares["transStatus"])
		require.Len(t, ares["authenticationValue"], 28)

		areq := sentAReq(t, txID)
		require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/threedsecureio", areq["notificationURL"], "the client's notificationUrl is honoured")
		require.Equal(t, "ACQMID0001", areq["acquirerMerchantID"], "the request overrides the profile")
		require.Equal(t, "444444", areq["acquirerBIN"])
		require.Equal(t, "300", areq["browserTZ"])
		require.Equal(t, "24", areq["browserColorDepth"])
		require.Equal(t, "Hyperswitch Demo Store", areq["merchantName"])

		res := hsPostauth(t, txID)
		require.Equal(t, "Y", res["transStatus"])
		require.Equal(t, ares["authenticationValue"], res["authenticationValue"])
		require.Equal(t, "05", res["eci"])
	})

	t.Run("challenge with the client's own CReq and notificationURL", func(t *testing.T) {
		pan := mc(dssim.ScenarioChallenge)
		pre := hsPreauth(t, pan)
		txID := pre["threeDSServerTransID"].(string)
		ares := hsAuth(t, pre, pan, "U")
		require.Equal(t, "C", ares["transStatus"])
		acsURL := ares["acsURL"].(string)
		u, err := url.Parse(acsURL)
		require.NoError(t, err)
		require.True(t, u.IsAbs(), "acsURL must be a valid absolute URL")

		// Hyperswitch builds the CReq itself: base64 without padding.
		creq, _ := json.Marshal(map[string]string{
			"threeDSServerTransID": txID, "acsTransID": ares["acsTransID"].(string),
			"messageVersion": ares["messageVersion"].(string), "messageType": "CReq", "challengeWindowSize": "01",
		})
		p := api.PostForm(t, acsURL, url.Values{"creq": {base64.RawStdEncoding.EncodeToString(creq)}})
		require.Equal(t, http.StatusOK, p.Status, p.HTML)
		action, fields := enters("1234")(t, p)
		p = api.PostForm(t, action, fields)
		back, _ := p.Form(t)
		require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/threedsecureio", back,
			"the ACS returns the browser to Hyperswitch, which then pulls the result")

		res := hsPostauth(t, txID)
		require.Equal(t, "Y", res["transStatus"], "postauth holds the RReq's result: %v", res)
		require.Len(t, res["authenticationValue"], 28)
		require.Equal(t, "02", res["eci"])
	})

	t.Run("error shape", func(t *testing.T) {
		r := hsPost(t, "/preauth", []byte(`{"acctNumber":"`+nonLuhn+`","ds":null}`))
		require.Equal(t, http.StatusBadRequest, r.Status)
		m := r.JSON(t)
		require.Equal(t, "203", m["errorCode"], "errorCode is required in Hyperswitch's error shape")
		require.NotEmpty(t, m["errorDescription"])
		require.Equal(t, "acctNumber", m["errorDetail"])
	})
}

// hsPost sends exactly what the connector sends.
func hsPost(t *testing.T, path string, body []byte) stacktest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, stk.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header["apikey"] = []string{key1} // lower case on the wire, as Hyperswitch writes it
	req.Header["Content-Type"] = []string{"application/json; charset=utf-8"}
	req.Header["Via"] = []string{"HyperSwitch"}
	return api.Do(t, req)
}

func hsPreauth(t *testing.T, pan string) map[string]any {
	t.Helper()
	r := hsPost(t, "/preauth", []byte(`{"acctNumber":"`+pan+`","ds":null}`))
	require.Equal(t, http.StatusOK, r.Status, "preauth: %s", r.Body)
	m := r.JSON(t)
	for _, k := range []string{"dsStartProtocolVersion", "dsEndProtocolVersion", "acsStartProtocolVersion", "acsEndProtocolVersion"} {
		require.Regexp(t, semverRE, m[k], "%s must be a full semver string", k)
	}
	requireUUID(t, m["threeDSServerTransID"], "threeDSServerTransID")
	require.Contains(t, []any{"visa", "mastercard", "amex"}, m["scheme"])
	return m
}

// hsAuth sends testdata/hyperswitch_auth.json with this transaction's values.
func hsAuth(t *testing.T, pre map[string]any, pan, compInd string) map[string]any {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "hyperswitch_auth.json"))
	require.NoError(t, err)
	var body map[string]any
	require.NoError(t, json.Unmarshal(raw, &body))
	for _, k := range []string{"dsStartProtocolVersion", "dsEndProtocolVersion", "acsStartProtocolVersion", "acsEndProtocolVersion"} {
		body[k] = pre[k]
	}
	body["messageVersion"] = pre["acsEndProtocolVersion"] // what Hyperswitch does
	body["threeDsserverTransId"] = pre["threeDSServerTransID"]
	body["acctNumber"] = pan
	body["threeDscompInd"] = compInd
	body["purchaseDate"] = time.Now().UTC().Format("20060102150405")
	// Every key Hyperswitch sends is present, with null for absent values.
	require.Len(t, body, 49)
	require.Contains(t, body, "sdkAppId")
	require.Nil(t, body["sdkAppId"])
	b, err := json.Marshal(body)
	require.NoError(t, err)
	require.True(t, strings.Contains(string(b), `"browserScreenHeight":"`), "screen sizes go as strings")

	r := hsPost(t, "/auth", b)
	require.Equal(t, http.StatusOK, r.Status, "auth: %s", r.Body)
	m := r.JSON(t)
	for _, k := range []string{"acsReferenceNumber", "acsTransID", "dsReferenceNumber", "dsTransID", "messageVersion", "threeDSServerTransID", "transStatus"} {
		require.NotEmpty(t, m[k], "Hyperswitch requires %q in the /auth answer: %v", k, m)
	}
	require.Contains(t, []any{"Y", "N", "U", "A", "R", "C"}, m["transStatus"], "Hyperswitch parses only Y N U A R C")
	require.Regexp(t, semverRE, m["messageVersion"])
	require.Equal(t, "ARes", m["messageType"])
	return m
}

func hsPostauth(t *testing.T, txID string) map[string]any {
	t.Helper()
	r := hsPost(t, "/postauth", []byte(`{"threeDsServerTransId":"`+txID+`"}`))
	require.Equal(t, http.StatusOK, r.Status, "postauth: %s", r.Body)
	return r.JSON(t)
}
