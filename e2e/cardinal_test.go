package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/dssim"
)

// cardinalJWT is a request JWT of merchant-1's seeded Cardinal credentials,
// made as a Cardinal merchant's server makes it.
func cardinalJWT(t *testing.T, objectify bool) (token, jti string) {
	t.Helper()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	jti = "jti-" + hex.EncodeToString(b)
	c := stk.Cardinal
	token, err := cruise.NewRequest(cruise.RequestInput{JTI: jti, APIID: c.APIID, OrgUnitID: c.OrgUnitID, ReferenceID: "ref-" + jti,
		IssuedAt: time.Now(), Objectify: objectify,
		Payload: cruise.RequestPayload{OrderDetails: cruise.OrderDetails{OrderNumber: "order-" + jti, Amount: "1500", CurrencyCode: "840"}}},
		[]byte(c.APIKey))
	require.NoError(t, err)
	return token, jti
}

// lookupBody is a cmpi_lookup in JSON with the cardholder's browser.
func lookupBody(pan string) map[string]any {
	return map[string]any{
		"OrderNumber": "order-1", "Amount": "1500", "CurrencyCode": "840", "CardNumber": pan,
		"CardExpMonth": "12", "CardExpYear": "2030", "Email": "cardholder@example.com",
		"BillingFirstName": "Test", "BillingLastName": "Cardholder", "BillingAddress1": "1 Main Street",
		"BillingCity": "Springfield", "BillingState": "CA", "BillingPostalCode": "12345", "BillingCountryCode": "840",
		"IPAddress": "192.0.2.10", "UserAgent": "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e", "BrowserHeader": "text/html",
		"BrowserLanguage": "en-US", "BrowserColorDepth": "24", "BrowserScreenHeight": "1080", "BrowserScreenWidth": "1920",
		"BrowserTimeZone": "-60", "BrowserJavaEnabled": "false", "BrowserJavascriptEnabled": "true",
	}
}

func cardinalLookup(t *testing.T, pan string, want int) map[string]any {
	t.Helper()
	tok, _ := cardinalJWT(t, true)
	r := api.Call(t, "/cardinal/lookup", tok, lookupBody(pan))
	require.Equal(t, want, r.Status, "%s", r.Body)
	return r.JSON(t)
}

// cardinalAuthenticate calls /cardinal/authenticate and verifies the
// response JWT as the merchant does (cruise.VerifyResponse), checking it
// carries the same values as the answer.
func cardinalAuthenticate(t *testing.T, txID string, objectify bool) (map[string]any, *cruise.Response) {
	t.Helper()
	tok, jti := cardinalJWT(t, objectify)
	r := api.Call(t, "/cardinal/authenticate", tok, map[string]any{"TransactionId": txID})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	resp, err := cruise.VerifyResponse(got["JWT"].(string), []byte(stk.Cardinal.APIKey), jti, time.Now())
	require.NoError(t, err)
	require.Equal(t, stk.Cardinal.APIID, resp.Issuer)
	require.Equal(t, jti, resp.Audience)
	require.NotEqual(t, jti, resp.JTI)
	require.Equal(t, objectify, resp.Objectify)
	require.Equal(t, "CCA", resp.Payload.Payment.Type)
	require.Equal(t, got["ActionCode"], resp.Payload.ActionCode)
	if cavv, ok := got["Cavv"].(string); ok {
		seenCAVVs.Store(cavv, true)
		require.Equal(t, cavv, resp.Payload.Payment.ExtendedData.CAVV)
	}
	return got, resp
}

func TestCardinalHybridFrictionless(t *testing.T) {
	for _, tc := range []struct {
		name, pan, status, action, eci string
		cavv                           bool
	}{
		{"Y", visa(dssim.ScenarioFrictionlessY), "Y", "SUCCESS", "05", true},
		{"A", visa(dssim.ScenarioAttempts), "A", "SUCCESS", "06", true},
		{"N", visa(dssim.ScenarioFrictionlessN), "N", "FAILURE", "07", false},
		{"U", visa(dssim.ScenarioUnavailable), "U", "NOACTION", "07", false},
		{"R", visa(dssim.ScenarioRejected), "R", "FAILURE", "07", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cardinalLookup(t, tc.pan, http.StatusOK)
			require.Equal(t, "0", got["ErrorNo"])
			require.Equal(t, "Y", got["Enrolled"])
			require.Equal(t, tc.status, got["PAResStatus"])
			require.Equal(t, "2.2.0", got["ThreeDSVersion"])
			require.NotEmpty(t, got["DSTransactionId"])
			require.NotContains(t, got, "ACSUrl")
			txID := got["TransactionId"].(string)
			requireUUID(t, txID, "TransactionId")
			for _, objectify := range []bool{true, false} {
				res, jwt := cardinalAuthenticate(t, txID, objectify)
				require.Equal(t, tc.action, res["ActionCode"])
				x := jwt.Payload.Payment.ExtendedData
				require.Equal(t, tc.status, x.PAResStatus)
				require.Equal(t, tc.eci, x.ECIFlag)
				require.Equal(t, "Y", x.Enrolled)
				require.Equal(t, got["DSTransactionId"], x.DSTransactionId)
				require.Equal(t, tc.cavv, x.CAVV != "")
				if tc.cavv {
					require.Equal(t, got["Cavv"], x.CAVV, "the CAVV of the validated ARes")
				}
				require.True(t, jwt.Payload.Validated)
				require.Equal(t, 0, jwt.Payload.ErrorNumber)
			}
		})
	}
}

func TestCardinalHybridChallenge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		who    cardholder
		status string
		action string
	}{
		{"Y", enters("1234"), "Y", "SUCCESS"},
		{"cancel", cancels, "N", "FAILURE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := cardinalLookup(t, visa(dssim.ScenarioChallenge), http.StatusOK)
			require.Equal(t, "C", got["PAResStatus"])
			require.NotEmpty(t, got["ACSUrl"])
			require.NotEmpty(t, got["Payload"])
			txID := got["TransactionId"].(string)
			// Before the challenge ends there is no result yet.
			tok, _ := cardinalJWT(t, true)
			r := api.Call(t, "/cardinal/authenticate", tok, map[string]any{"TransactionId": txID})
			require.Equal(t, http.StatusConflict, r.Status, "%s", r.Body)

			challenge(t, map[string]any{"transStatus": "C", "acsURL": got["ACSUrl"], "base64EncodedChallengeRequest": got["Payload"],
				"threeDSSessionData": got["ThreeDSSessionData"]}, tc.who)
			eventuallyFinal(t, txID, 30*time.Second)
			res, jwt := cardinalAuthenticate(t, txID, false)
			require.Equal(t, tc.action, res["ActionCode"])
			require.Equal(t, tc.status, jwt.Payload.Payment.ExtendedData.PAResStatus)
		})
	}
}

func TestCardinalHybridNotEnrolled(t *testing.T) {
	got := cardinalLookup(t, notEnrolled, http.StatusOK)
	require.Equal(t, "N", got["Enrolled"])
	require.Equal(t, "NOACTION", got["ActionCode"])
	require.NotContains(t, got, "TransactionId")
}

// A DS that never answers: the lookup is the gateway-timeout error in the
// dialect's shape (ErrorNo 405, the EMV code).
func TestCardinalHybridDSTimeout(t *testing.T) {
	tok, _ := cardinalJWT(t, true)
	r := api.Call(t, "/cardinal/lookup", tok, lookupBody(visa(dssim.ScenarioDSTimeout)))
	require.Equal(t, http.StatusGatewayTimeout, r.Status, "%s", r.Body)
	require.Equal(t, "405", r.JSON(t)["ErrorNo"])
}

// Forged, replayed and foreign JWTs are refused with 401 naming the claim.
func TestCardinalJWTRefused(t *testing.T) {
	tok, _ := cardinalJWT(t, true)
	r := api.Call(t, "/cardinal/lookup", tok, lookupBody(visa(dssim.ScenarioFrictionlessY)))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = api.Call(t, "/cardinal/lookup", tok, lookupBody(visa(dssim.ScenarioFrictionlessY)))
	require.Equal(t, http.StatusUnauthorized, r.Status, "a replayed jti: %s", r.Body)
	require.Contains(t, r.JSON(t)["ErrorDesc"], "jti")

	c := stk.Cardinal
	forged, err := cruise.NewRequest(cruise.RequestInput{JTI: "forged-1", APIID: c.APIID, OrgUnitID: c.OrgUnitID, ReferenceID: "r",
		IssuedAt: time.Now(), Objectify: true}, []byte("not-the-merchants-api-key-0123456789"))
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	for name, bad := range map[string]string{
		"wrong key": forged, "none": parts[0][:0] + "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + ".",
		"no JWT": "", "garbage": "abc.def.ghi",
	} {
		r := api.Call(t, "/cardinal/lookup", bad, lookupBody(visa(dssim.ScenarioFrictionlessY)))
		require.Equal(t, http.StatusUnauthorized, r.Status, "%s: %s", name, r.Body)
		require.Equal(t, "1010", r.JSON(t)["ErrorNo"], name)
		require.NotContains(t, string(r.Body), c.APIKey)
	}
	// The native API key is no Cardinal credential, and the reverse.
	r = api.Call(t, "/cardinal/authenticate", key1, map[string]any{"TransactionId": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"})
	require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
	tok, _ = cardinalJWT(t, true)
	r = api.Call(t, "/postauth", tok, map[string]any{"threeDSServerTransID": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"})
	require.Equal(t, http.StatusUnauthorized, r.Status, "%s", r.Body)
}
