package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/dssim"
)

// The browser calls of cardinal.js, made as the script makes them: a JSON
// body sent as text/plain from the merchant page's origin.
const shopOrigin = "http://127.0.0.1:8088"

func songbird(t *testing.T, path string, body map[string]any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, stk.URL+path, strings.NewReader(string(b)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	req.Header.Set("Origin", shopOrigin)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) open3ds-e2e")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, shopOrigin, resp.Header.Get("Access-Control-Allow-Origin"), "the page may read the answer")
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	return resp.StatusCode, m
}

// songbirdSetup is Cardinal.setup('init', {jwt}): the request JWT traded
// for a session.
func songbirdSetup(t *testing.T, objectify bool) (token, sessionID, jti string) {
	t.Helper()
	jwt, jti := cardinalJWT(t, objectify)
	status, got := songbird(t, "/cardinal/songbird/init", map[string]any{"jwt": jwt})
	require.Equal(t, http.StatusOK, status, "%v", got)
	require.Equal(t, []any{map[string]any{"module": "CCA", "loaded": true}}, got["modules"])
	sessionID = got["sessionId"].(string)
	require.True(t, strings.HasPrefix(sessionID, "0_"), sessionID)
	requireUUID(t, sessionID[2:], "sessionId")
	return got["sessionToken"].(string), sessionID, jti
}

func songbirdOrder(pan string) map[string]any {
	return map[string]any{
		"OrderDetails": map[string]any{"OrderNumber": "order-1", "Amount": "1500", "CurrencyCode": "840"},
		"Consumer": map[string]any{"Email1": "cardholder@example.com",
			"BillingAddress": map[string]any{"FirstName": "Test", "LastName": "Cardholder", "Address1": "1 Main Street", "City": "Springfield",
				"State": "CA", "PostalCode": "12345", "CountryCode": "US"},
			"Account": map[string]any{"AccountNumber": pan, "ExpirationMonth": 12, "ExpirationYear": 2030, "CardCode": "123", "NameOnAccount": "Test Cardholder"}},
	}
}

var songbirdBrowser = map[string]any{"ColorDepth": 24, "ScreenHeight": 900, "ScreenWidth": 1280, "TimeZone": -60, "Language": "en-US",
	"JavaEnabled": false, "JavascriptEnabled": true}

func songbirdStart(t *testing.T, token, pan string) (int, map[string]any) {
	t.Helper()
	return songbird(t, "/cardinal/songbird/start", map[string]any{"sessionToken": token, "order": songbirdOrder(pan),
		"browser": songbirdBrowser, "windowSize": "03"})
}

// requireDone checks a "done" answer: its JWT verifies as the merchant
// verifies it and carries the answer's Payload.
func requireDone(t *testing.T, got map[string]any, jti, sessionID string, objectify bool) *cruise.Response {
	t.Helper()
	require.Equal(t, "done", got["Status"], "%v", got)
	resp, err := cruise.VerifyResponse(got["JWT"].(string), []byte(stk.Cardinal.APIKey), jti, time.Now())
	require.NoError(t, err)
	require.Equal(t, stk.Cardinal.APIID, resp.Issuer)
	require.Equal(t, jti, resp.Audience)
	require.Equal(t, sessionID, resp.ConsumerSessionID)
	require.Equal(t, objectify, resp.Objectify)
	require.WithinDuration(t, time.Now(), resp.IssuedAt, time.Minute)
	require.True(t, resp.ExpiresAt.After(resp.IssuedAt))
	p, _ := json.Marshal(resp.Payload)
	a, _ := json.Marshal(got["Payload"])
	require.JSONEq(t, string(p), string(a), "payments.validated's data is the JWT's Payload")
	if cavv := resp.Payload.Payment.ExtendedData.CAVV; cavv != "" {
		seenCAVVs.Store(cavv, true)
	}
	return resp
}

func TestCardinalStandardFrictionless(t *testing.T) {
	for _, tc := range []struct {
		name, pan, status, action string
		cavv                      bool
	}{
		{"Y", visa(dssim.ScenarioFrictionlessY), "Y", "SUCCESS", true},
		{"N", visa(dssim.ScenarioFrictionlessN), "N", "FAILURE", false},
	} {
		for _, objectify := range []bool{true, false} {
			t.Run(tc.name, func(t *testing.T) {
				token, sid, jti := songbirdSetup(t, objectify)
				status, got := songbirdStart(t, token, tc.pan)
				require.Equal(t, http.StatusOK, status, "%v", got)
				jwt := requireDone(t, got, jti, sid, objectify)
				p := jwt.Payload
				require.Equal(t, tc.action, p.ActionCode)
				require.True(t, p.Validated)
				require.Equal(t, 0, p.ErrorNumber)
				require.Equal(t, tc.status, p.Payment.ExtendedData.PAResStatus)
				require.Equal(t, "Y", p.Payment.ExtendedData.Enrolled)
				require.Equal(t, tc.cavv, p.Payment.ExtendedData.CAVV != "")
				txID := p.Payment.ProcessorTransactionId
				requireUUID(t, txID, "ProcessorTransactionId")
				// The values are the validated ARes's, as /postauth reports them.
				res := postauth(t, txID, http.StatusOK)
				require.Equal(t, res["dsTransID"], p.Payment.ExtendedData.DSTransactionId)
				require.Equal(t, res["eci"], p.Payment.ExtendedData.ECIFlag)
				if tc.cavv {
					require.Equal(t, res["authenticationValue"], p.Payment.ExtendedData.CAVV)
				}
				a := sentAReq(t, txID)
				require.Equal(t, "1500", a["purchaseAmount"])
				require.Equal(t, "840", a["purchaseCurrency"])
				require.Equal(t, "02", a["deviceChannel"])
				require.Equal(t, "24", a["browserColorDepth"])
				require.Equal(t, "1280", a["browserScreenWidth"])
				require.Contains(t, a, "email")
				require.Contains(t, a, "cardExpiryDate")
				require.Contains(t, a, "billAddrCountry", "alpha-2 US mapped to the numeric code EMV wants (the simulator masks the value)")
				require.Equal(t, "U", a["threeDSCompInd"], "no bin.process: no 3DS Method")
			})
		}
	}
}

// A challenge through cardinal.js's calls: start answers the CReq, the
// cardholder answers the ACS, result answers the RReq's outcome as a JWT.
func TestCardinalStandardChallenge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		who    cardholder
		status string
		action string
	}{
		{"Y", enters("1234"), "Y", "SUCCESS"},
		{"N", enters("0000", "1111", "2222"), "N", "FAILURE"},
		{"cancel", cancels, "N", "FAILURE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token, sid, jti := songbirdSetup(t, true)
			status, got := songbirdStart(t, token, visa(dssim.ScenarioChallenge))
			require.Equal(t, http.StatusOK, status, "%v", got)
			require.Equal(t, "challenge", got["Status"], "%v", got)
			require.Equal(t, "03", got["WindowSize"])
			txID := got["TransactionId"].(string)
			// Before the challenge ends: pending.
			status, pending := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": txID})
			require.Equal(t, http.StatusConflict, status, "%v", pending)
			require.EqualValues(t, 1020, pending["ErrorNumber"])

			challenge(t, map[string]any{"transStatus": "C", "acsURL": got["AcsUrl"], "base64EncodedChallengeRequest": got["Payload"],
				"threeDSSessionData": got["ThreeDSSessionData"]}, tc.who)
			eventuallyFinal(t, txID, 30*time.Second)
			status, done := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": txID})
			require.Equal(t, http.StatusOK, status, "%v", done)
			p := requireDone(t, done, jti, sid, true).Payload
			require.Equal(t, tc.action, p.ActionCode)
			require.Equal(t, tc.status, p.Payment.ExtendedData.PAResStatus)
			require.Equal(t, txID, p.Payment.ProcessorTransactionId)
			// A cancelled flag from the browser changes nothing once the RReq is in.
			_, again := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": txID, "cancelled": true})
			require.Equal(t, tc.action, requireDone(t, again, jti, sid, true).Payload.ActionCode)
		})
	}
	// The cardholder closes the modal before the ACS answered: FAILURE, no CAVV.
	t.Run("modal closed", func(t *testing.T) {
		token, sid, jti := songbirdSetup(t, false)
		_, got := songbirdStart(t, token, visa(dssim.ScenarioChallenge))
		require.Equal(t, "challenge", got["Status"], "%v", got)
		_, done := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": got["TransactionId"], "cancelled": true})
		p := requireDone(t, done, jti, sid, false).Payload
		require.Equal(t, "FAILURE", p.ActionCode)
		require.Equal(t, "C", p.Payment.ExtendedData.PAResStatus)
		require.Empty(t, p.Payment.ExtendedData.CAVV)
	})
}

func TestCardinalStandardNotEnrolled(t *testing.T) {
	token, sid, jti := songbirdSetup(t, true)
	status, got := songbirdStart(t, token, notEnrolled)
	require.Equal(t, http.StatusOK, status, "%v", got)
	p := requireDone(t, got, jti, sid, true).Payload
	require.Equal(t, "NOACTION", p.ActionCode)
	require.Equal(t, "N", p.Payment.ExtendedData.Enrolled)
	require.Equal(t, 0, p.ErrorNumber)
}

// The DS never answers: a signed ERROR response (ErrorNumber 1000 + the
// EMV code 405).
func TestCardinalStandardDSTimeout(t *testing.T) {
	token, sid, jti := songbirdSetup(t, true)
	status, got := songbirdStart(t, token, visa(dssim.ScenarioDSTimeout))
	require.Equal(t, http.StatusOK, status, "%v", got)
	p := requireDone(t, got, jti, sid, true).Payload
	require.Equal(t, "ERROR", p.ActionCode)
	require.False(t, p.Validated)
	require.Equal(t, 1405, p.ErrorNumber)
}

// bin.process with the card number opens the transaction and hands out the
// ACS's 3DS Method; start then continues it (threeDSCompInd Y).
func TestCardinalStandardBinProcess(t *testing.T) {
	pan := visa(dssim.ScenarioMethodFrictionles)
	token, sid, jti := songbirdSetup(t, true)
	status, bin := songbird(t, "/cardinal/songbird/bin", map[string]any{"sessionToken": token, "bin": pan})
	require.Equal(t, http.StatusOK, status, "%v", bin)
	require.Equal(t, true, bin["Status"])
	runMethod(t, map[string]any{"threeDSMethodURL": bin["ThreeDSMethodURL"], "threeDSMethodData": bin["ThreeDSMethodData"]})
	_, got := songbirdStart(t, token, pan)
	p := requireDone(t, got, jti, sid, true).Payload
	require.Equal(t, "SUCCESS", p.ActionCode, "method completed: frictionless")
	require.Equal(t, "Y", sentAReq(t, p.Payment.ProcessorTransactionId)["threeDSCompInd"])

	// A BIN alone: Status true, no method; a malformed one is refused.
	_, short := songbird(t, "/cardinal/songbird/bin", map[string]any{"sessionToken": token, "bin": "400000"})
	require.Equal(t, map[string]any{"Status": true}, short)
	status, bad := songbird(t, "/cardinal/songbird/bin", map[string]any{"sessionToken": token, "bin": "4x"})
	require.Equal(t, http.StatusBadRequest, status)
	require.EqualValues(t, 1013, bad["ErrorNumber"])
}

// The session trade through the stack: a request JWT opens one session;
// forged or missing tokens, and another session's transactions, are refused.
func TestCardinalSessionRefusals(t *testing.T) {
	jwt, _ := cardinalJWT(t, true)
	status, _ := songbird(t, "/cardinal/songbird/init", map[string]any{"jwt": jwt})
	require.Equal(t, http.StatusOK, status)
	status, again := songbird(t, "/cardinal/songbird/init", map[string]any{"jwt": jwt})
	require.Equal(t, http.StatusUnauthorized, status)
	require.EqualValues(t, 1010, again["ErrorNumber"])
	require.Contains(t, again["ErrorDescription"], "jti")

	token, _, _ := songbirdSetup(t, true)
	for name, bad := range map[string]string{"none": "", "forged secret": token[:len(token)-4] + "AAAA", "garbage": "abc"} {
		status, got := songbirdStart(t, bad, visa(dssim.ScenarioFrictionlessY))
		require.Equal(t, http.StatusUnauthorized, status, name)
		require.EqualValues(t, 1011, got["ErrorNumber"], name)
	}
	other, _, _ := songbirdSetup(t, true)
	_, got := songbirdStart(t, other, visa(dssim.ScenarioChallenge))
	status, refused := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": got["TransactionId"]})
	require.Equal(t, http.StatusNotFound, status, "another session's transaction")
	require.EqualValues(t, 1030, refused["ErrorNumber"])
	status, _ = songbird(t, "/cardinal/songbird/continue", map[string]any{"sessionToken": token, "TransactionId": got["TransactionId"]})
	require.Equal(t, http.StatusNotFound, status)
}

// Hybrid with a browser session: the lookup names the session
// (DFReferenceId), so cardinal.js's continue may show its challenge, and
// result answers the response JWT of the session's request JWT.
func TestCardinalHybridContinue(t *testing.T) {
	token, sid, jti := songbirdSetup(t, true)
	tok, _ := cardinalJWT(t, true)
	body := lookupBody(visa(dssim.ScenarioChallenge))
	body["DFReferenceId"] = sid
	r := api.Call(t, "/cardinal/lookup", tok, body)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	txID := got["TransactionId"].(string)
	status, cont := songbird(t, "/cardinal/songbird/continue", map[string]any{"sessionToken": token, "TransactionId": txID})
	require.Equal(t, http.StatusOK, status, "%v", cont)
	require.Equal(t, got["ACSUrl"], cont["AcsUrl"])
	challenge(t, map[string]any{"transStatus": "C", "acsURL": cont["AcsUrl"], "base64EncodedChallengeRequest": got["Payload"],
		"threeDSSessionData": cont["ThreeDSSessionData"]}, enters("1234"))
	eventuallyFinal(t, txID, 30*time.Second)
	_, done := songbird(t, "/cardinal/songbird/result", map[string]any{"sessionToken": token, "TransactionId": txID})
	require.Equal(t, "SUCCESS", requireDone(t, done, jti, sid, true).Payload.ActionCode)
}
