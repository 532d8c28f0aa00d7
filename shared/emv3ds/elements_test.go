package emv3ds_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

// full is an AReq with every version- or channel-bound element set.
func full(ch emv3ds.DeviceChannel) emv3ds.AReq {
	yes := true
	raw := json.RawMessage(`{"x":1}`)
	return emv3ds.AReq{
		DeviceChannel: ch, MessageCategory: emv3ds.MessageCategoryPayment, PurchaseAmount: "100",
		BrowserAcceptHeader: "text/html", BrowserIP: "203.0.113.7", BrowserLanguage: "en", BrowserColorDepth: "24",
		BrowserScreenHeight: "1", BrowserScreenWidth: "1", BrowserTZ: "0", BrowserUserAgent: "UA",
		BrowserJavaEnabled: &yes, BrowserJavascriptEnabled: &yes, AcceptLanguage: []string{"en"},
		NotificationURL: "https://n.example", ThreeDSCompInd: "Y",
		SDKAppID: "a", SDKEncData: "e", SDKMaxTimeout: "05", SDKReferenceNumber: "r", SDKTransID: "t",
		SDKEphemPubKey: raw, DeviceRenderOptions: &emv3ds.DeviceRenderOptions{SDKInterface: "01"},
		SDKType: "01", SDKServerSignedContent: "s", SDKSignatureTimestamp: "1", AppIP: "203.0.113.8",
		DefaultSDKType: raw, SplitSDKType: raw,
		ThreeDSReqAuthMethodInd: "01", ThreeDSRequestorDecMaxTime: "10", ThreeDSRequestorDecReqInd: "Y",
		PayTokenSource: "01", TrustListStatus: "Y", TrustListStatusSource: "01",
		ThreeDSRequestorSpcSupport: "Y", ThreeDSMethodID: "m", SpcIncompInd: "01", AcquirerCountryCode: "840",
		AcquirerCountryCodeSource: "01", CardSecurityCode: "123", DeviceBindingStatus: "11", DeviceBindingStatusSource: "01",
		DeviceID: "d", UserID: "u", RecurringAmount: "1", RecurringCurrency: "978", RecurringDate: "20300101", RecurringExponent: "2",
		RecurringInd: &emv3ds.RecurringInd{AmountInd: "01"}, SellerInfo: raw, MultiTransaction: raw, TaxID: "x", PayeeOrigin: "https://p.example",
		ThreeDSRequestorChallengeInd: []emv3ds.ChallengeInd{"01", "04"},
	}
}

// The rules as the domain hard-coded them before the table: DropUndefined
// must do exactly this.
func reference(a *emv3ds.AReq, v emv3ds.Version) {
	clearBrowser := func() {
		a.BrowserAcceptHeader, a.BrowserIP, a.BrowserLanguage, a.BrowserColorDepth = "", "", "", ""
		a.BrowserScreenHeight, a.BrowserScreenWidth, a.BrowserTZ, a.BrowserUserAgent = "", "", "", ""
		a.BrowserJavaEnabled, a.BrowserJavascriptEnabled = nil, nil
		a.AcceptLanguage = nil
		a.NotificationURL = ""
		a.ThreeDSCompInd = ""
		a.ThreeDSMethodID = "" // BRW only (clearhaus areq_231.html)
	}
	clearApp := func() {
		a.SDKAppID, a.SDKEncData, a.SDKMaxTimeout, a.SDKReferenceNumber, a.SDKTransID = "", "", "", "", ""
		a.SDKEphemPubKey = nil
		a.DeviceRenderOptions = nil
		a.SDKType, a.SDKServerSignedContent, a.SDKSignatureTimestamp, a.AppIP = "", "", "", ""
		a.DefaultSDKType, a.SplitSDKType = nil, nil
	}
	switch a.DeviceChannel {
	case emv3ds.DeviceChannelBrowser:
		clearApp()
	case emv3ds.DeviceChannelApp:
		clearBrowser()
	case emv3ds.DeviceChannel3RI:
		clearBrowser()
		clearApp()
	}
	if v.AtLeast(emv3ds.Version231) {
		a.ThreeDSReqAuthMethodInd = ""
		return
	}
	a.ThreeDSRequestorSpcSupport, a.ThreeDSMethodID, a.SpcIncompInd = "", "", ""
	a.AcquirerCountryCode, a.AcquirerCountryCodeSource = "", ""
	a.AcceptLanguage = nil
	a.CardSecurityCode = ""
	a.DeviceBindingStatus, a.DeviceBindingStatusSource, a.DeviceID, a.UserID = "", "", "", ""
	a.RecurringAmount, a.RecurringCurrency, a.RecurringDate, a.RecurringExponent = "", "", "", ""
	a.RecurringInd = nil
	a.SDKType, a.SDKServerSignedContent, a.SDKSignatureTimestamp, a.AppIP = "", "", "", ""
	a.DefaultSDKType, a.SplitSDKType, a.SellerInfo, a.MultiTransaction = nil, nil, nil, nil
	a.TaxID, a.PayeeOrigin = "", ""
	if len(a.ThreeDSRequestorChallengeInd) > 1 {
		a.ThreeDSRequestorChallengeInd = a.ThreeDSRequestorChallengeInd[:1]
	}
	if v.AtLeast(emv3ds.Version220) {
		return
	}
	a.BrowserJavascriptEnabled = nil
	a.ThreeDSRequestorDecMaxTime, a.ThreeDSRequestorDecReqInd = "", ""
	a.PayTokenSource = ""
	a.TrustListStatus, a.TrustListStatusSource = "", ""
	a.ThreeDSReqAuthMethodInd = ""
}

func TestDropUndefinedMatchesTheRules(t *testing.T) {
	t.Parallel()
	for _, v := range emv3ds.SupportedVersions {
		for _, ch := range []emv3ds.DeviceChannel{emv3ds.DeviceChannelApp, emv3ds.DeviceChannelBrowser, emv3ds.DeviceChannel3RI, "09"} {
			t.Run(string(v)+"/"+string(ch), func(t *testing.T) {
				t.Parallel()
				got, want := full(ch), full(ch)
				got.DropUndefined(v)
				reference(&want, v)
				gj, err := json.Marshal(got)
				require.NoError(t, err)
				wj, err := json.Marshal(want)
				require.NoError(t, err)
				require.JSONEq(t, string(wj), string(gj))
			})
		}
	}
}

func TestAReqElementRuleDefined(t *testing.T) {
	t.Parallel()
	rule := func(name string) emv3ds.AReqElementRule {
		for _, r := range emv3ds.AReqElementRules {
			if r.Element == name {
				return r
			}
		}
		t.Fatalf("no rule for %s", name)
		return emv3ds.AReqElementRule{}
	}
	tests := []struct {
		element string
		v       emv3ds.Version
		ch      emv3ds.DeviceChannel
		want    bool
	}{
		{"browserJavascriptEnabled", emv3ds.Version210, emv3ds.DeviceChannelBrowser, false},
		{"browserJavascriptEnabled", emv3ds.Version220, emv3ds.DeviceChannelBrowser, true},
		{"browserJavascriptEnabled", emv3ds.Version220, emv3ds.DeviceChannelApp, false},
		{"threeDSReqAuthMethodInd", emv3ds.Version210, emv3ds.DeviceChannelBrowser, false},
		{"threeDSReqAuthMethodInd", emv3ds.Version220, emv3ds.DeviceChannel3RI, true},
		{"threeDSReqAuthMethodInd", emv3ds.Version231, emv3ds.DeviceChannelBrowser, false},
		{"sdkType", emv3ds.Version231, emv3ds.DeviceChannelApp, true},
		{"sdkType", emv3ds.Version220, emv3ds.DeviceChannelApp, false},
		{"cardSecurityCode", emv3ds.Version231, emv3ds.DeviceChannel3RI, true},
		{"notificationURL", emv3ds.Version210, emv3ds.DeviceChannel3RI, false},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, rule(tc.element).Defined(tc.v, tc.ch), "%s in %s/%s", tc.element, tc.v, tc.ch)
	}
}

// Every rule names a real AReq element (its JSON name), once.
func TestAReqElementRulesNameElements(t *testing.T) {
	t.Parallel()
	a := full(emv3ds.DeviceChannelBrowser)
	a.MessageVersion = emv3ds.Version231 // 2.3.1 names (trustListStatus, not 2.2.0's whiteListStatus)
	raw, err := json.Marshal(a)
	require.NoError(t, err)
	var present map[string]any
	require.NoError(t, json.Unmarshal(raw, &present))
	seen := map[string]bool{}
	for _, r := range emv3ds.AReqElementRules {
		require.Contains(t, present, r.Element)
		require.False(t, seen[r.Element], "%s listed twice", r.Element)
		seen[r.Element] = true
	}
}

func BenchmarkDropUndefined(b *testing.B) {
	src := full(emv3ds.DeviceChannelBrowser)
	b.ReportAllocs()
	for b.Loop() {
		a := new(emv3ds.AReq)
		*a = src
		a.DropUndefined(emv3ds.Version220)
		sink = a
	}
}

// The rules as they were hard-coded, for comparison.
func BenchmarkDropUndefinedReference(b *testing.B) {
	src := full(emv3ds.DeviceChannelBrowser)
	b.ReportAllocs()
	for b.Loop() {
		a := new(emv3ds.AReq)
		*a = src
		reference(a, emv3ds.Version220)
		sink = a
	}
}

// sink keeps the benchmarks' AReqs on the heap alike (a real AReq is).
var sink *emv3ds.AReq
