package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/testkit/stacktest"
)

// A missing or wrong API key is 401 with a JSON body, on every merchant route.
func TestAPIKeyRequired(t *testing.T) {
	for _, path := range []string{"/preauth", "/auth", "/postauth"} {
		for _, tc := range []struct {
			name    string
			headers []string
		}{
			{"no key", nil},
			{"wrong bearer key", []string{"Authorization", "Bearer o3ds_notAKeyOfAnyMerchant00000000000000000000000"}},
			{"wrong APIKey header", []string{"APIKey", "o3ds_notAKeyOfAnyMerchant00000000000000000000000"}},
			{"empty bearer", []string{"Authorization", "Bearer "}},
			{"basic scheme", []string{"Authorization", "Basic " + apiKey1}},
		} {
			t.Run(path+" "+tc.name, func(t *testing.T) {
				r := api.Call(t, path, "", map[string]any{"acctNumber": visa(dssim.ScenarioFrictionlessY)}, tc.headers...)
				require.Equal(t, http.StatusUnauthorized, r.Status, "body: %s", r.Body)
				require.Contains(t, r.Header.Get("Content-Type"), "json")
				m := r.JSON(t)
				require.Equal(t, "unauthorized", m["error"], "body: %s", r.Body)
				require.NotEmpty(t, m["message"])
				// The same body is an EMV Erro (Hyperswitch reads errorCode from every 4xx).
				e := stacktest.RequireErro(t, r, http.StatusUnauthorized, "303", "S")
				require.Equal(t, "Authorization", e["errorDetail"])
				require.NotEmpty(t, e["errorDescription"])
				require.NotContains(t, string(r.Body), "notAKeyOfAnyMerchant", "the key is not echoed")
			})
		}
	}
	// The other accepted forms of a valid key.
	r := api.Call(t, "/preauth", "", map[string]any{"acctNumber": visa(dssim.ScenarioFrictionlessY)}, "APIKey", key1)
	require.Equal(t, http.StatusOK, r.Status, "APIKey header: %s", r.Body)
	r = api.Call(t, "/preauth", "", map[string]any{"acctNumber": visa(dssim.ScenarioFrictionlessY)}, "authorization", "bearer "+key2)
	require.Equal(t, http.StatusOK, r.Status, "lower-case bearer: %s", r.Body)
}

// A key of merchant two never reaches merchant one's transactions.
func TestTenantIsolation(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	txID, ares := start(t, pan)
	require.Equal(t, "Y", ares["transStatus"])

	r := api.Call(t, "/postauth", key2, map[string]any{"threeDSServerTransID": txID})
	e := stacktest.RequireErro(t, r, http.StatusNotFound, "301", "S")
	require.NotContains(t, string(r.Body), ares["dsTransID"].(string), "nothing of the transaction leaks")
	require.Equal(t, "threeDSServerTransID", e["errorDetail"])

	// Merchant two cannot send the AReq of merchant one's preauth either.
	other := preauth(t, pan)["threeDSServerTransID"].(string)
	r = api.Call(t, "/auth", key2, stacktest.BrowserAReq(other, pan))
	stacktest.RequireErro(t, r, http.StatusNotFound, "301", "S")
	require.Nil(t, exchanges(t, other), "no AReq went out for merchant two")
	// Merchant one still can.
	require.Equal(t, "Y", auth(t, stacktest.BrowserAReq(other, pan))["transStatus"])
}

// Bad input is a 400 Erro naming the element, never its value.
func TestBadInput(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	tests := []struct {
		name   string
		path   string
		body   any
		code   string
		detail string // the element errorDetail names
		secret string // a value that must not be echoed
	}{
		{"preauth without acctNumber", "/preauth", map[string]any{"ds": nil}, "201", "acctNumber", ""},
		{"preauth with null acctNumber", "/preauth", map[string]any{"acctNumber": nil}, "201", "acctNumber", ""},
		{"preauth with non-Luhn PAN", "/preauth", map[string]any{"acctNumber": nonLuhn}, "203", "acctNumber", nonLuhn},
		{"preauth with letters in the PAN", "/preauth", map[string]any{"acctNumber": "4000abcd00001000"}, "203", "acctNumber", "4000abcd00001000"},
		{"preauth with a number as PAN", "/preauth", []byte(`{"acctNumber":4000000000001000}`), "203", "acctNumber", ""},
		{"auth with a bad purchaseCurrency", "/auth", stacktest.BrowserAReq(txID, pan).With("purchaseCurrency", "US$"), "203", "purchaseCurrency", "US$"},
		{"auth with a control character in merchantName", "/auth", stacktest.BrowserAReq(txID, pan).With("merchantName", "Café\u0001Zürich"), "203", "merchantName", "Café"}, // UTF-8 is fine (apigw.JSONBody); control characters are not
		{"auth with a non-Luhn PAN", "/auth", stacktest.BrowserAReq(txID, nonLuhn), "203", "acctNumber", nonLuhn},
		{"auth without acctNumber", "/auth", stacktest.BrowserAReq(txID, pan).With("acctNumber", nil), "201", "acctNumber", ""},
		{"auth with a bad browserColorDepth", "/auth", stacktest.BrowserAReq(txID, pan).With("browserColorDepth", "7"), "203", "browserColorDepth", ""},
		{"postauth without threeDSServerTransID", "/postauth", map[string]any{}, "201", "threeDSServerTransID", ""},
		{"body not JSON", "/preauth", []byte(`acctNumber=` + pan), "", "body", pan},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := api.Call(t, tc.path, key1, tc.body)
			require.Equal(t, http.StatusBadRequest, r.Status, "body: %s", r.Body)
			m := r.JSON(t)
			require.Equal(t, "Erro", m["messageType"])
			require.Equal(t, "S", m["errorComponent"])
			if tc.code != "" {
				require.Equal(t, tc.code, m["errorCode"], "body: %s", r.Body)
			}
			require.Contains(t, m["errorDetail"], tc.detail, "errorDetail names the element")
			if tc.secret != "" {
				require.NotContains(t, string(r.Body), tc.secret, "the value is never echoed")
			}
		})
	}
	// None of these sent an AReq, and the transaction is still usable.
	require.Nil(t, exchanges(t, txID))
	require.Equal(t, "Y", auth(t, stacktest.BrowserAReq(txID, pan))["transStatus"])
}

// A card outside every range is not enrolled: no transaction, no AReq.
func TestNotEnrolled(t *testing.T) {
	r := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": notEnrolled, "ds": nil})
	e := stacktest.RequireErro(t, r, http.StatusUnprocessableEntity, "305", "S")
	require.Equal(t, "acctNumber", e["errorDetail"])
	require.Contains(t, strings.ToLower(e["errorDescription"].(string)), "not enrolled")
	require.NotContains(t, string(r.Body), notEnrolled)

	// The same answer when the merchant skips preauth.
	r = api.Call(t, "/auth", key1, stacktest.BrowserAReq("", notEnrolled).With("threeDSServerTransID", nil))
	e = stacktest.RequireErro(t, r, http.StatusUnprocessableEntity, "305", "S")
	require.Equal(t, "acctNumber", e["errorDetail"])
}

// An unknown transaction is 404 on postauth and auth.
func TestUnknownTransaction(t *testing.T) {
	const unknown = "0b7c8d9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e"
	stacktest.RequireErro(t, api.Call(t, "/postauth", key1, map[string]any{"threeDSServerTransID": unknown}), http.StatusNotFound, "301", "S")
	stacktest.RequireErro(t, api.Call(t, "/auth", key1, stacktest.BrowserAReq(unknown, visa(dssim.ScenarioFrictionlessY))), http.StatusNotFound, "301", "S")
}

// Idempotency-Key: the same key and body replay the stored answer without a
// second AReq; the same key with another body is 409.
func TestIdempotencyKey(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	txID := preauth(t, pan)["threeDSServerTransID"].(string)
	body := stacktest.BrowserAReq(txID, pan)
	const key = "order-4711-auth-attempt-1"

	first := api.Call(t, "/auth", key1, body, "Idempotency-Key", key)
	require.Equal(t, http.StatusOK, first.Status, "body: %s", first.Body)
	second := api.Call(t, "/auth", key1, body, "Idempotency-Key", key)
	require.Equal(t, http.StatusOK, second.Status, "body: %s", second.Body)
	require.JSONEq(t, string(first.Body), string(second.Body), "the stored answer, CAVV and all")
	require.Equal(t, "true", second.Header.Get("Idempotent-Replayed"))
	require.Len(t, messages(exchanges(t, txID), dssim.Received, "AReq"), 1, "the DS saw one AReq")

	other := api.Call(t, "/auth", key1, body.With("purchaseAmount", "2999"), "Idempotency-Key", key)
	e := stacktest.RequireErro(t, other, http.StatusConflict, "305", "S")
	require.Equal(t, "Idempotency-Key", e["errorDetail"])
	require.Len(t, messages(exchanges(t, txID), dssim.Received, "AReq"), 1)

	// Keys are per merchant: merchant two's same key is its own (and its
	// request for merchant one's transaction is a 404, not the replay).
	r := api.Call(t, "/auth", key2, body, "Idempotency-Key", key)
	stacktest.RequireErro(t, r, http.StatusNotFound, "301", "S")

	// On preauth too: the replay is the same transaction, not a new one.
	p1 := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": pan}, "Idempotency-Key", "preauth-"+key)
	p2 := api.Call(t, "/preauth", key1, map[string]any{"acctNumber": pan}, "Idempotency-Key", "preauth-"+key)
	require.Equal(t, http.StatusOK, p1.Status)
	require.True(t, bytes.Equal(p1.Body, p2.Body), "same threeDSServerTransID: %s vs %s", p1.Body, p2.Body)
}

// What API Gateway answers itself on the merchant API is an Erro too: an
// unknown route (REST APIs say 403 Missing Authentication Token; the template
// makes it 404) and a body over the functions' limit.
func TestGatewayAnswersAreErro(t *testing.T) {
	r := api.Call(t, "/no-such-route", key1, map[string]any{"acctNumber": visa(dssim.ScenarioFrictionlessY)})
	e := stacktest.RequireErro(t, r, http.StatusNotFound, "101", "S")
	require.Equal(t, "not_found", e["error"])
	require.NotEmpty(t, e["errorDetail"])

	big := map[string]any{"acctNumber": visa(dssim.ScenarioFrictionlessY), "pad": strings.Repeat("x", 130<<10)}
	stacktest.RequireErro(t, api.Call(t, "/preauth", key1, big), http.StatusRequestEntityTooLarge, "101", "S")
}
