package worldpay_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/emv3ds"
)

// form posts a hosted page's form as the browser does.
func (h *harness) form(t *testing.T, path string, v url.Values) (int, string, map[string]string) {
	t.Helper()
	ev := event(path, v.Encode(), false)
	ev.Headers["Content-Type"] = "application/x-www-form-urlencoded"
	ev.Headers["Accept"] = "text/html"
	resp, err := h.router.Handle(context.Background(), ev)
	require.NoError(t, err)
	return resp.StatusCode, resp.Body, resp.Headers
}

var sessionIDRE = regexp.MustCompile(`data-session-id="([^"]*)"`)

const ddcBody = `{"transactionReference":"Memory265-13/08/1876","merchant":{"entity":"MindPalaceLtd"},"paymentInstrument":{"type":"card/front","cardNumber":"4444333322221111"}}`

// The DDC page verifies the JWT and its Bin, runs the ACS's method (CSP
// allows its origin), and the collection step's SessionId carries the
// browser's values into the AReq.
func TestDDCPageToAReq(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, ddc, _ := h.post(t, worldpay.PathDeviceData, ddcBody)
	require.Equal(t, 200, status, ddc)
	dc := ddc["deviceDataCollection"].(map[string]any)
	jwt := dc["jwt"].(string)

	status, page, headers := h.form(t, worldpay.DDCPath, url.Values{"Bin": {dc["bin"].(string)}, "JWT": {jwt}})
	require.Equal(t, 200, status, page)
	require.Contains(t, page, `https://acs.example.com/method`)
	require.Contains(t, headers["Content-Security-Policy"], "frame-src 'self' https://acs.example.com")
	require.Contains(t, headers["Content-Security-Policy"], "frame-ancestors 'self' https://shop.example.com")
	require.Contains(t, page, `action="ddc/collect"`)

	for name, v := range map[string]url.Values{
		"challenge jwt": {"Bin": {dc["bin"].(string)}, "JWT": {h.challengeJWT(t)}},
		"no jwt":        {"Bin": {dc["bin"].(string)}},
	} {
		status, page, headers := h.form(t, worldpay.DDCPath, v)
		require.Equal(t, 400, status, name)
		require.Contains(t, page, `Status: false`, name)
		require.Contains(t, headers["Content-Security-Policy"], "frame-ancestors *", "the merchant's frame must hear Status false")
	}
	status, page, _ = h.form(t, worldpay.DDCPath, url.Values{"Bin": {"41111111"}, "JWT": {jwt}})
	require.Equal(t, 400, status)
	require.Contains(t, page, "Bin is not the BIN")
	require.Contains(t, page, `Status: false`)

	h.clock.Advance(worldpay.JWTTTL - 1)
	status, done, _ := h.form(t, worldpay.CollectPath, url.Values{"Bin": {dc["bin"].(string)}, "JWT": {jwt},
		"browserColorDepth": {"24"}, "browserScreenHeight": {"900"}, "browserScreenWidth": {"1280"}, "browserTZ": {"-60"},
		"browserJavaEnabled": {"false"}, "browserLanguage": {"fr-FR"}, "threeDSCompInd": {"Y"}})
	require.Equal(t, 200, status, done)
	require.Contains(t, done, `MessageType: "profile.completed"`)
	m := sessionIDRE.FindStringSubmatch(done)
	require.Len(t, m, 2)
	ref := m[1]
	require.True(t, strings.HasPrefix(ref, "0_"))
	require.LessOrEqual(t, len(ref), 128)

	h.clock.Advance(2)
	status, expired, _ := h.form(t, worldpay.CollectPath, url.Values{"Bin": {dc["bin"].(string)}, "JWT": {jwt}})
	require.Equal(t, 400, status)
	require.Contains(t, expired, "expired")

	body := strings.Replace(seed(t, "authentication-card-front.json"), "0_3XXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXX6b5", ref, 1)
	status, b, _ := h.post(t, worldpay.PathAuthentication, body)
	require.Equal(t, 200, status, b)
	require.Len(t, h.dir.areqs, 2, "the challenge JWT's authentication, then this one")
	a := h.dir.areqs[1]
	require.Equal(t, "24", a.BrowserColorDepth)
	require.Equal(t, "900", a.BrowserScreenHeight)
	require.Equal(t, "1280", a.BrowserScreenWidth)
	require.Equal(t, "-60", a.BrowserTZ)
	require.Equal(t, "fr-FR", a.BrowserLanguage, "the collected language wins over deviceData's")
	require.True(t, *a.BrowserJavascriptEnabled)
	// The method was started but the ACS never notified us: N.
	require.Equal(t, emv3ds.ThreeDSCompInd("N"), a.ThreeDSCompInd)
	require.Equal(t, "The Baskerville Animal Sanctuary", a.MerchantName, "merchant.overrideName is the AReq's merchantName")
}

// Without a collection reference of ours (the seed's example value, or
// one issued for another reference) the AReq carries deviceData's values
// and threeDSCompInd U.
func TestDDCForeignReference(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	other := h.signer.CollectionReference(worldpay.TransID("merchant-a", "another-order"), worldpay.Collected{ColorDepth: "24", Language: "de-DE"})
	for _, ref := range []string{"0_3XXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXX6b5", other, other[:len(other)-2] + "AA"} {
		h := newHarness(t)
		body := strings.Replace(seed(t, "authentication-card-front.json"), "0_3XXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXX6b5", ref, 1)
		status, b, _ := h.post(t, worldpay.PathAuthentication, body)
		require.Equal(t, 200, status, b)
		a := h.dir.areqs[0]
		require.Equal(t, emv3ds.ThreeDSCompInd("U"), a.ThreeDSCompInd)
		require.Equal(t, "en-GB", a.BrowserLanguage)
		require.Empty(t, a.BrowserColorDepth)
	}
	_ = h
}

// The challenge page: our JWT only (altered or expired → a clear error
// page), MD at most 1024 characters and echoed, the return form posting
// TransactionId and MD to returnUrl, CSP allowing the ACS and returnUrl.
func TestChallengePage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, b, _ := h.post(t, worldpay.PathAuthentication, withPAN(seed(t, "authentication-card-front.json"), "4444333322221012"))
	require.Equal(t, 200, status, b)
	ch := b["challenge"].(map[string]any)
	jwt := ch["jwt"].(string)

	status, page, headers := h.form(t, worldpay.ChallengePath, url.Values{"JWT": {jwt}, "MD": {"order=42&x=<y>"}})
	require.Equal(t, 200, status, page)
	require.Contains(t, page, `action="http://payment.example.com"`)
	require.Contains(t, page, `name="TransactionId" value="`+ch["reference"].(string)+`"`)
	require.Contains(t, page, `name="MD" value="order=42&amp;x=&lt;y&gt;"`)
	require.Contains(t, page, "https://acs.example.com/challenge")
	csp := headers["Content-Security-Policy"]
	require.Contains(t, csp, "frame-src 'self' https://acs.example.com")
	require.Contains(t, csp, "form-action 'self' https://acs.example.com http://payment.example.com")

	parts := strings.Split(jwt, ".")
	altered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	for name, v := range map[string]url.Values{
		"altered":  {"JWT": {altered}},
		"missing":  {"MD": {"x"}},
		"ddc jwt":  {"JWT": {h.ddcJWT(t)}},
		"long MD":  {"JWT": {jwt}, "MD": {strings.Repeat("m", 1025)}},
		"none alg": {"JWT": {"eyJhbGciOiJub25lIn0." + parts[1] + "."}},
	} {
		status, page, _ := h.form(t, worldpay.ChallengePath, v)
		require.Equal(t, 400, status, name)
		require.Contains(t, page, `id="error"`, name)
	}
	h.clock.Advance(worldpay.JWTTTL + 1)
	status, page, _ = h.form(t, worldpay.ChallengePath, url.Values{"JWT": {jwt}})
	require.Equal(t, 400, status)
	require.Contains(t, page, "expired")
}

func (h *harness) challengeJWT(t *testing.T) string {
	t.Helper()
	_, b, _ := h.post(t, worldpay.PathAuthentication, withPAN(strings.Replace(seed(t, "authentication-card-front.json"), "Memory265-13/08/1876", "ch-only", 1), "4444333322221012"))
	return b["challenge"].(map[string]any)["jwt"].(string)
}

func (h *harness) ddcJWT(t *testing.T) string {
	t.Helper()
	_, ddc, _ := h.post(t, worldpay.PathDeviceData, strings.Replace(ddcBody, "Memory265-13/08/1876", "ddc-only", 1))
	return ddc["deviceDataCollection"].(map[string]any)["jwt"].(string)
}

// Validation names, media types and Accept: Worldpay's error names.
func TestErrorNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	_, b, _ := h.post(t, worldpay.PathAuthentication, withPAN(seed(t, "authentication-card-front.json"), "4444333322221112"))
	require.Equal(t, "panFailedLuhnCheck", b["validationErrors"].([]any)[0].(map[string]any)["errorName"])
	_, b, _ = h.post(t, worldpay.PathAuthentication, withPAN(seed(t, "authentication-card-front.json"), "44443333x2221112"))
	require.Equal(t, "fieldHasInvalidValue", b["validationErrors"].([]any)[0].(map[string]any)["errorName"])
	for _, tc := range []struct {
		header, value string
		status        int
		name          string
	}{
		{"Content-Type", "text/plain", 415, "unsupportedContentType"},
		{"Accept", "text/html", 406, "unsupportedAcceptHeader"},
	} {
		ev := event(worldpay.PathAuthentication, seed(t, "authentication-card-front.json"), true)
		ev.Headers[tc.header] = tc.value
		resp, err := h.router.Handle(context.Background(), ev)
		require.NoError(t, err)
		require.Equal(t, tc.status, resp.StatusCode, resp.Body)
		require.Contains(t, resp.Body, `"errorName":"`+tc.name+`"`)
		require.NotEmpty(t, resp.Headers[worldpay.CorrelationHeader])
	}
	ev := event(worldpay.PathAuthentication, "", true)
	ev.HTTPMethod = "GET"
	resp, err := h.router.Handle(context.Background(), ev)
	require.NoError(t, err)
	require.Equal(t, 405, resp.StatusCode)
	require.Contains(t, resp.Body, `"errorName":"methodNotAllowed"`)
}

// An ARes that fails our checks (here a Y without its authentication
// value) is signatureFailed at authentication, again on a replay, and at
// verification (from the stored failure).
func TestSignatureFailed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := withPAN(seed(t, "authentication-card-front.json"), "4444333322221079")
	_, b, _ := h.post(t, worldpay.PathAuthentication, body)
	require.Equal(t, "signatureFailed", b["outcome"], b)
	_, again, _ := h.post(t, worldpay.PathAuthentication, body)
	require.Equal(t, "signatureFailed", again["outcome"], again)
	require.Len(t, h.dir.areqs, 1)
	id := worldpay.TransID("merchant-a", "Memory265-13/08/1876")
	_, v, _ := h.post(t, worldpay.PathVerification, `{"transactionReference":"Memory265-13/08/1876","merchant":{"entity":"MindPalaceLtd"},"challenge":{"reference":"`+id+`"}}`)
	require.Equal(t, "signatureFailed", v["outcome"], v)
	require.Nil(t, v["authentication"])
}
