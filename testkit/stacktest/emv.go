package stacktest

import (
	"maps"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// AReq is an /auth body in EMV names.
type AReq map[string]any

// BrowserAReq is a complete browser AReq body for a transaction and PAN,
// cardholder and billing data included.
func BrowserAReq(txID, pan string) AReq {
	return AReq{
		"threeDSServerTransID":              txID,
		"messageCategory":                   "01",
		"deviceChannel":                     "02",
		"threeDSRequestorAuthenticationInd": "01",
		"threeDSRequestorURL":               "https://shop.example.com",
		"purchaseAmount":                    "1999",
		"purchaseCurrency":                  "840",
		"purchaseExponent":                  "2",
		"purchaseDate":                      time.Now().UTC().Format("20060102150405"),
		"transType":                         "01",
		"acctNumber":                        pan,
		"cardExpiryDate":                    "2812",
		"cardholderName":                    "Test Cardholder",
		"email":                             "cardholder@example.com",
		"billAddrCity":                      "Springfield",
		"billAddrCountry":                   "840",
		"billAddrLine1":                     "1 Main Street",
		"billAddrPostCode":                  "12345",
		"billAddrState":                     "CA",
		"browserAcceptHeader":               "text/html,application/xhtml+xml",
		"browserIP":                         "192.0.2.10",
		"browserJavaEnabled":                false,
		"browserJavascriptEnabled":          true,
		"browserLanguage":                   "en-US",
		"browserColorDepth":                 "24",
		"browserScreenHeight":               "1080",
		"browserScreenWidth":                "1920",
		"browserTZ":                         "-60",
		"browserUserAgent":                  "Mozilla/5.0 (X11; Linux x86_64) open3ds-stacktest",
	}
}

// With returns a copy with the members given as name, value pairs set; a
// nil value deletes the member.
func (a AReq) With(kv ...any) AReq {
	out := maps.Clone(a)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(out, k)
			continue
		}
		out[k] = kv[i+1]
	}
	return out
}

// CAVV is a well-formed 28-character authentication value (20 bytes).
const CAVV = "AAABBBCCCDDDEEEFFFGGGHHHIII="

// RReqFor is a well-formed RReq with transStatus status for the transaction
// of an ARes: Y carries an ECI and CAVV, N a transStatusReason.
func RReqFor(ares map[string]any, status string) map[string]any {
	m := map[string]any{
		"messageType":          "RReq",
		"messageVersion":       ares["messageVersion"],
		"messageCategory":      "01",
		"threeDSServerTransID": ares["threeDSServerTransID"],
		"acsTransID":           ares["acsTransID"],
		"dsTransID":            ares["dsTransID"],
		"transStatus":          status,
		"authenticationType":   "02",
		"interactionCounter":   "01",
	}
	switch status {
	case "Y":
		m["eci"], m["authenticationValue"] = "05", CAVV
	case "N":
		m["transStatusReason"] = "01"
	}
	return m
}

var semverRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

// RequireErro checks an Erro answer's status, code and component, and that
// it has a description and a version; it returns the Erro.
func RequireErro(t testing.TB, r Response, status int, code, component string) map[string]any {
	t.Helper()
	require.Equal(t, status, r.Status, "body: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, component, m["errorComponent"], "body: %s", r.Body)
	require.NotEmpty(t, m["errorDescription"], "body: %s", r.Body)
	require.Regexp(t, semverRE, m["messageVersion"], "body: %s", r.Body)
	return m
}

// RequireRReqErro checks the answer to an RReq the server rejected: a 4xx
// Erro from the 3DS Server about the RReq with the given code.
func RequireRReqErro(t testing.TB, r Response, code string) map[string]any {
	t.Helper()
	require.GreaterOrEqual(t, r.Status, 400, "body: %s", r.Body)
	require.Less(t, r.Status, 500, "an RReq the server rejects is the DS's mistake, not a server failure: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "Erro", m["messageType"], "body: %s", r.Body)
	require.Equal(t, code, m["errorCode"], "body: %s", r.Body)
	require.Equal(t, "S", m["errorComponent"], "body: %s", r.Body)
	require.Equal(t, "RReq", m["errorMessageType"], "body: %s", r.Body)
	return m
}
