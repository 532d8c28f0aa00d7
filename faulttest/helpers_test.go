package faulttest

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/testkit/stacktest"
)

func visa(ss dssim.Scenario) string { return dssim.TestPAN(emv3ds.SchemeVisa, ss) }

// preauth opens a transaction for pan as merchant one.
func preauth(t *testing.T, pan string) string {
	t.Helper()
	return api.Preauth(t, key1, map[string]any{"acctNumber": pan})["threeDSServerTransID"].(string)
}

// start runs preauth and /auth for pan and requires an ARes.
func start(t *testing.T, pan string) (string, map[string]any) {
	t.Helper()
	txID := preauth(t, pan)
	return txID, api.Auth(t, key1, stacktest.BrowserAReq(txID, pan))
}

func postauth(t *testing.T, txID string, want int) map[string]any {
	t.Helper()
	return api.Postauth(t, key1, txID, want)
}

// --- the cardholder's browser ----------------------------------------------

// cresFor is the final CRes an ACS page would post back (base64url JSON).
func cresFor(ares map[string]any, status string) string {
	b, _ := json.Marshal(map[string]any{
		"messageType":            "CRes",
		"messageVersion":         ares["messageVersion"],
		"threeDSServerTransID":   ares["threeDSServerTransID"],
		"acsTransID":             ares["acsTransID"],
		"transStatus":            status,
		"challengeCompletionInd": "Y",
	})
	return base64.RawURLEncoding.EncodeToString(b)
}

// callback posts the cres and the ARes's threeDSSessionData to our
// challenge callback.
func callback(t *testing.T, ares map[string]any, cres string) stacktest.Page {
	t.Helper()
	sd, _ := ares["threeDSSessionData"].(string)
	require.NotEmpty(t, sd, "ARes C carries threeDSSessionData: %v", ares)
	return api.PostForm(t, stk.URL+"/callbacks/challenge", url.Values{"cres": {cres}, "threeDSSessionData": {sd}})
}

// shown is what the callback page p tells the merchant page.
func shown(t *testing.T, p stacktest.Page) (transStatus string, resultReady bool) {
	t.Helper()
	m := regexp.MustCompile(`id="status"[^>]*data-trans-status="([^"]*)"`).FindStringSubmatch(p.HTML)
	require.NotNil(t, m, "no #status in page:\n%s", p.HTML)
	r := regexp.MustCompile(`resultReady:\s*(true|false)`).FindStringSubmatch(p.HTML)
	require.NotNil(t, r, "no resultReady in page:\n%s", p.HTML)
	return html.UnescapeString(m[1]), r[1] == "true"
}
