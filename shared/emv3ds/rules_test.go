package emv3ds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// loadMap reads a testdata/valid message as a generic map to mutate.
func loadMap(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "valid", name))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// setPath sets (or, with del, removes) a dotted path in a generic message.
func setPath(m map[string]any, path string, val any, del bool) {
	parts := strings.Split(path, ".")
	cur := m
	for _, p := range parts[:len(parts)-1] {
		next, ok := cur[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[p] = next
		}
		cur = next
	}
	if del {
		delete(cur, parts[len(parts)-1])
	} else {
		cur[parts[len(parts)-1]] = val
	}
}

// check runs a message through Parse and the validation with the context
// given (nil = standalone) and returns the error.
func check(data []byte, actx *AResContext, rctx *RReqContext) error {
	msg, err := Parse(data)
	if msg == nil {
		return err
	}
	switch m := msg.(type) {
	case *ARes:
		c := AResContext{}
		if actx != nil {
			c = *actx
		}
		return m.Validate(c)
	case *RReq:
		c := RReqContext{}
		if rctx != nil {
			c = *rctx
		}
		return m.Validate(c)
	}
	return Validate(msg)
}

func TestValidMessagesPass(t *testing.T) {
	files, err := filepath.Glob("testdata/valid/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, check(b, nil, nil))
		})
	}
}

const brw220 = "areq_brw_220_nojs.json"
const brw231 = "areq_brw_231.json"
const app220 = "areq_app_220.json"
const ri220 = "areq_3ri_220_pa.json"
const aresC = "ares_C_app_231.json"
const aresD = "ares_D_220.json"
const rreqY = "rreq_Y_231.json"
const pres231 = "pres_231.json"
const erro231 = "erro_231.json"

// TestRules breaks every rule once, starting from a valid message, and checks
// the Erro code and that the offending element is named.
func TestRules(t *testing.T) {
	appCtx := &AResContext{MessageVersion: Version231, MessageCategory: MessageCategoryPayment, DeviceChannel: DeviceChannelApp,
		ThreeDSServerTransID: "5b9c3a47-2d0e-4e8f-9d7a-6f1e2c3b4a59", SDKTransID: "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b"}
	brwCtx := &AResContext{MessageVersion: Version231, MessageCategory: MessageCategoryPayment, DeviceChannel: DeviceChannelBrowser}
	riCtx := &AResContext{MessageVersion: Version231, DeviceChannel: DeviceChannel3RI}
	dataOnlyCtx := &AResContext{MessageVersion: Version231, DeviceChannel: DeviceChannelApp, ChallengeInds: []ChallengeInd{"06"}}
	decCtx := &AResContext{MessageVersion: Version220, DeviceChannel: DeviceChannelApp, DecReqInd: DecReqIndYes}
	noDecCtx := &AResContext{MessageVersion: Version220, DeviceChannel: DeviceChannelApp, DecReqInd: DecReqIndNo}
	prefCtx := &AResContext{MessageVersion: Version231, DeviceChannel: DeviceChannelBrowser, ChallengeInds: []ChallengeInd{"01"}}
	npaCtx := &AResContext{MessageCategory: MessageCategoryNonPayment}

	tests := []struct {
		name  string
		base  string
		set   map[string]any
		del   []string
		actx  *AResContext
		rctx  *RReqContext
		code  ErrorCode
		field string
	}{
		// Header.
		{name: "messageType missing", base: brw220, del: []string{"messageType"}, code: "101", field: "messageType"},
		{name: "messageType unknown", base: brw220, set: map[string]any{"messageType": "XReq"}, code: "101", field: "messageType"},
		{name: "messageVersion unsupported", base: brw220, set: map[string]any{"messageVersion": "2.4.0"}, code: "102", field: "messageVersion"},
		{name: "messageVersion not semver", base: brw220, set: map[string]any{"messageVersion": "2.2"}, code: "102", field: "messageVersion"},
		{name: "messageVersion missing", base: brw220, del: []string{"messageVersion"}, code: "201", field: "messageVersion"},
		{name: "messageCategory missing", base: brw220, del: []string{"messageCategory"}, code: "201", field: "messageCategory"},
		{name: "messageCategory invalid", base: brw220, set: map[string]any{"messageCategory": "03"}, code: "203", field: "messageCategory"},
		{name: "deviceChannel invalid", base: brw220, set: map[string]any{"deviceChannel": "04"}, code: "203", field: "deviceChannel"},
		{name: "deviceChannel missing", base: brw220, del: []string{"deviceChannel"}, code: "201", field: "deviceChannel"},
		{name: "threeDSServerTransID not UUID", base: brw220, set: map[string]any{"threeDSServerTransID": "8a880dc0d2d24067bcb1b08d1690b26e"}, code: "203", field: "threeDSServerTransID"},
		{name: "threeDSServerTransID missing", base: brw220, del: []string{"threeDSServerTransID"}, code: "201", field: "threeDSServerTransID"},
		{name: "threeDSServerRefNumber too long", base: brw220, set: map[string]any{"threeDSServerRefNumber": strings.Repeat("A", 33)}, code: "203", field: "threeDSServerRefNumber"},
		{name: "threeDSServerURL not URL", base: brw220, set: map[string]any{"threeDSServerURL": "not a url"}, code: "203", field: "threeDSServerURL"},
		{name: "threeDSServerURL missing for browser", base: brw220, del: []string{"threeDSServerURL"}, code: "201", field: "threeDSServerURL"},
		{name: "threeDSRequestorID non-ASCII", base: brw220, set: map[string]any{"threeDSRequestorID": "Идентификатор"}, code: "203", field: "threeDSRequestorID"},
		{name: "threeDSRequestorName too long", base: brw220, set: map[string]any{"threeDSRequestorName": strings.Repeat("n", 41)}, code: "203", field: "threeDSRequestorName"},
		{name: "threeDSRequestorURL missing", base: brw220, del: []string{"threeDSRequestorURL"}, code: "201", field: "threeDSRequestorURL"},
		{name: "empty string is present and invalid", base: brw220, set: map[string]any{"merchantName": ""}, code: "203", field: "merchantName"},
		{name: "wrong JSON type", base: brw220, set: map[string]any{"acctNumber": map[string]any{"a": "b"}}, code: "203", field: "acctNumber"},
		// Browser channel.
		{name: "threeDSCompInd missing for browser", base: brw220, del: []string{"threeDSCompInd"}, code: "201", field: "threeDSCompInd"},
		{name: "threeDSCompInd invalid", base: brw220, set: map[string]any{"threeDSCompInd": "X"}, code: "203", field: "threeDSCompInd"},
		{name: "notificationURL missing for browser", base: brw220, del: []string{"notificationURL"}, code: "201", field: "notificationURL"},
		{name: "notificationURL longer than 256", base: brw220, set: map[string]any{"notificationURL": "https://x.example/" + strings.Repeat("a", 250)}, code: "203", field: "notificationURL"},
		{name: "browserJavascriptEnabled missing in 2.2.0", base: brw220, del: []string{"browserJavascriptEnabled"}, code: "201", field: "browserJavascriptEnabled"},
		{name: "JS enabled needs colour depth", base: brw220, set: map[string]any{"browserJavascriptEnabled": true, "browserJavaEnabled": false, "browserScreenHeight": "1", "browserScreenWidth": "1", "browserTZ": "0"}, code: "201", field: "browserColorDepth"},
		{name: "JS enabled needs Java flag", base: brw220, set: map[string]any{"browserJavascriptEnabled": true, "browserColorDepth": "24", "browserScreenHeight": "1", "browserScreenWidth": "1", "browserTZ": "0"}, code: "201", field: "browserJavaEnabled"},
		{name: "2.1.0 browser needs screen size", base: brw220, set: map[string]any{"messageVersion": "2.1.0", "browserJavaEnabled": false, "browserColorDepth": "24", "browserTZ": "0", "browserScreenWidth": "1"}, code: "201", field: "browserScreenHeight"},
		{name: "browserLanguage missing in 2.2.0", base: brw220, del: []string{"browserLanguage"}, code: "201", field: "browserLanguage"},
		{name: "browserLanguage too long", base: brw220, set: map[string]any{"browserLanguage": "en-US-x-abc"}, code: "203", field: "browserLanguage"},
		{name: "browserAcceptHeader missing", base: brw220, del: []string{"browserAcceptHeader"}, code: "201", field: "browserAcceptHeader"},
		{name: "browserUserAgent missing", base: brw220, del: []string{"browserUserAgent"}, code: "201", field: "browserUserAgent"},
		{name: "browserIP invalid", base: brw220, set: map[string]any{"browserIP": "300.1.1.1"}, code: "203", field: "browserIP"},
		{name: "browserColorDepth not allowed", base: brw231, set: map[string]any{"browserColorDepth": "23"}, code: "203", field: "browserColorDepth"},
		{name: "browserTZ format", base: brw231, set: map[string]any{"browserTZ": "+-12"}, code: "203", field: "browserTZ"},
		{name: "browserScreenWidth too many digits", base: brw231, set: map[string]any{"browserScreenWidth": "1234567"}, code: "203", field: "browserScreenWidth"},
		{name: "acceptLanguage element empty", base: brw231, set: map[string]any{"acceptLanguage": []any{"en", ""}}, code: "203", field: "acceptLanguage"},
		// Requestor indicators.
		{name: "authenticationInd missing for browser", base: brw220, del: []string{"threeDSRequestorAuthenticationInd"}, code: "201", field: "threeDSRequestorAuthenticationInd"},
		{name: "authenticationInd 07 before 2.3.1", base: brw220, set: map[string]any{"threeDSRequestorAuthenticationInd": "07"}, code: "203", field: "threeDSRequestorAuthenticationInd"},
		{name: "challengeInd 05 in 2.1.0", base: brw220, set: map[string]any{"messageVersion": "2.1.0", "browserJavaEnabled": false, "browserColorDepth": "24", "browserTZ": "0", "browserScreenWidth": "1", "browserScreenHeight": "1", "threeDSRequestorChallengeInd": "05"}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "challengeInd 10 in 2.2.0", base: brw220, set: map[string]any{"threeDSRequestorChallengeInd": "10"}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "challengeInd two values in 2.2.0", base: brw220, set: map[string]any{"threeDSRequestorChallengeInd": []any{"01", "03"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "challengeInd three values in 2.3.1", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"01", "03", "04"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "authInfo timestamp", base: brw231, set: map[string]any{"threeDSRequestorAuthenticationInfo": []any{map[string]any{"threeDSReqAuthTimestamp": "2026062510"}}}, code: "203", field: "threeDSReqAuthTimestamp"},
		{name: "priorAuthInfo method", base: ri220, set: map[string]any{"threeDSRequestorPriorAuthenticationInfo": map[string]any{"threeDSReqPriorAuthMethod": "05"}}, code: "203", field: "threeDSReqPriorAuthMethod"},
		{name: "decReqInd F before 2.3.1", base: app220, set: map[string]any{"threeDSRequestorDecReqInd": "F"}, code: "203", field: "threeDSRequestorDecReqInd"},
		{name: "decMaxTime above 10080", base: app220, set: map[string]any{"threeDSRequestorDecMaxTime": "10081"}, code: "203", field: "threeDSRequestorDecMaxTime"},
		{name: "whiteListStatus value", base: brw220, set: map[string]any{"whiteListStatus": "X"}, code: "203", field: "whiteListStatus"},
		{name: "trustListStatus value", base: brw231, set: map[string]any{"trustListStatus": "X"}, code: "203", field: "trustListStatus"},
		// Card and cardholder.
		{name: "acctNumber missing", base: brw220, del: []string{"acctNumber"}, code: "201", field: "acctNumber"},
		{name: "acctNumber too short", base: brw220, set: map[string]any{"acctNumber": "400000000000"}, code: "203", field: "acctNumber"},
		{name: "acctNumber too long", base: brw220, set: map[string]any{"acctNumber": "40000000000010910000"}, code: "203", field: "acctNumber"},
		{name: "acctNumber fails Luhn", base: brw220, set: map[string]any{"acctNumber": "4000000000001092"}, code: "203", field: "acctNumber"},
		{name: "acctNumber not digits", base: brw220, set: map[string]any{"acctNumber": "4000-0000-0000-1091"}, code: "203", field: "acctNumber"},
		{name: "cardExpiryDate month 13", base: brw220, set: map[string]any{"cardExpiryDate": "3013"}, code: "203", field: "cardExpiryDate"},
		{name: "cardExpiryDate YYYYMM", base: brw220, set: map[string]any{"cardExpiryDate": "203012"}, code: "203", field: "cardExpiryDate"},
		{name: "acctType invalid", base: brw220, set: map[string]any{"acctType": "04"}, code: "203", field: "acctType"},
		{name: "cardholderName too short", base: brw220, set: map[string]any{"cardholderName": "J"}, code: "203", field: "cardholderName"},
		{name: "email invalid", base: brw220, set: map[string]any{"email": "jane.example.com"}, code: "203", field: "email"},
		{name: "phone subscriber not digits", base: brw231, set: map[string]any{"mobilePhone": map[string]any{"cc": "49", "subscriber": "151-123"}}, code: "203", field: "mobilePhone.subscriber"},
		{name: "phone cc too long", base: brw231, set: map[string]any{"mobilePhone": map[string]any{"cc": "4949", "subscriber": "151"}}, code: "203", field: "mobilePhone.cc"},
		{name: "billAddrCountry needed with state", base: brw220, del: []string{"billAddrCountry"}, code: "201", field: "billAddrCountry"},
		{name: "billAddrCountry not a country", base: brw220, set: map[string]any{"billAddrCountry": "999"}, code: "304", field: "billAddrCountry"},
		{name: "billAddrCountry alpha", base: brw220, set: map[string]any{"billAddrCountry": "USA"}, code: "203", field: "billAddrCountry"},
		{name: "billAddrState too long", base: brw220, set: map[string]any{"billAddrState": "ILLI"}, code: "203", field: "billAddrState"},
		{name: "billAddrPostCode too long", base: brw220, set: map[string]any{"billAddrPostCode": strings.Repeat("1", 17)}, code: "203", field: "billAddrPostCode"},
		{name: "billAddrLine1 too long", base: brw220, set: map[string]any{"billAddrLine1": strings.Repeat("a", 51)}, code: "203", field: "billAddrLine1"},
		{name: "shipAddrCountry needed with state", base: brw220, set: map[string]any{"shipAddrState": "IL"}, code: "201", field: "shipAddrCountry"},
		{name: "addrMatch value", base: brw220, set: map[string]any{"addrMatch": "X"}, code: "203", field: "addrMatch"},
		{name: "acctInfo date", base: brw220, set: map[string]any{"acctInfo": map[string]any{"chAccDate": "20261301"}}, code: "203", field: "acctInfo.chAccDate"},
		{name: "acctInfo indicator", base: brw220, set: map[string]any{"acctInfo": map[string]any{"chAccAgeInd": "06"}}, code: "203", field: "acctInfo.chAccAgeInd"},
		{name: "risk indicator currency", base: brw220, set: map[string]any{"merchantRiskIndicator": map[string]any{"giftCardCurr": "000"}}, code: "304", field: "merchantRiskIndicator.giftCardCurr"},
		{name: "risk indicator ship", base: brw220, set: map[string]any{"merchantRiskIndicator": map[string]any{"shipIndicator": "08"}}, code: "203", field: "merchantRiskIndicator.shipIndicator"},
		{name: "payTokenInd false", base: brw220, set: map[string]any{"payTokenInd": false}, code: "203", field: "payTokenInd"},
		// Merchant and purchase.
		{name: "acquirerBIN missing for payment", base: brw220, del: []string{"acquirerBIN"}, code: "201", field: "acquirerBIN"},
		{name: "acquirerBIN too long", base: brw220, set: map[string]any{"acquirerBIN": "123456789012"}, code: "203", field: "acquirerBIN"},
		{name: "acquirerMerchantID missing", base: brw220, del: []string{"acquirerMerchantID"}, code: "201", field: "acquirerMerchantID"},
		{name: "mcc missing", base: brw220, del: []string{"mcc"}, code: "201", field: "mcc"},
		{name: "mcc 3 digits", base: brw220, set: map[string]any{"mcc": "541"}, code: "203", field: "mcc"},
		{name: "mcc 0000", base: brw220, set: map[string]any{"mcc": "0000"}, code: "306", field: "mcc"},
		{name: "merchantCountryCode 901", base: brw220, set: map[string]any{"merchantCountryCode": "901"}, code: "304", field: "merchantCountryCode"},
		{name: "merchantCountryCode missing", base: brw220, del: []string{"merchantCountryCode"}, code: "201", field: "merchantCountryCode"},
		{name: "merchantName missing", base: brw220, del: []string{"merchantName"}, code: "201", field: "merchantName"},
		{name: "purchaseAmount punctuation", base: brw220, set: map[string]any{"purchaseAmount": "151.00"}, code: "203", field: "purchaseAmount"},
		{name: "purchaseAmount missing", base: brw220, del: []string{"purchaseAmount"}, code: "201", field: "purchaseAmount"},
		{name: "purchaseCurrency 0840", base: brw220, set: map[string]any{"purchaseCurrency": "0840"}, code: "203", field: "purchaseCurrency"},
		{name: "purchaseCurrency precious metal", base: brw220, set: map[string]any{"purchaseCurrency": "959"}, code: "304", field: "purchaseCurrency"},
		{name: "purchaseCurrency 999", base: brw220, set: map[string]any{"purchaseCurrency": "999"}, code: "304", field: "purchaseCurrency"},
		{name: "purchaseExponent wrong for currency", base: brw220, set: map[string]any{"purchaseExponent": "3"}, code: "203", field: "purchaseExponent"},
		{name: "purchaseExponent two digits", base: brw220, set: map[string]any{"purchaseExponent": "02"}, code: "203", field: "purchaseExponent"},
		{name: "purchaseDate format", base: brw220, set: map[string]any{"purchaseDate": "2026-06-25 10:15"}, code: "203", field: "purchaseDate"},
		{name: "purchaseDate impossible", base: brw220, set: map[string]any{"purchaseDate": "20260231101530"}, code: "203", field: "purchaseDate"},
		{name: "purchaseDate missing", base: brw220, del: []string{"purchaseDate"}, code: "201", field: "purchaseDate"},
		{name: "transType invalid", base: brw220, set: map[string]any{"transType": "02"}, code: "203", field: "transType"},
		{name: "recurring needs expiry", base: app220, del: []string{"recurringExpiry"}, code: "201", field: "recurringExpiry"},
		{name: "recurring needs frequency", base: app220, del: []string{"recurringFrequency"}, code: "201", field: "recurringFrequency"},
		{name: "instalment needs instalData", base: app220, set: map[string]any{"threeDSRequestorAuthenticationInd": "03"}, code: "201", field: "purchaseInstalData"},
		{name: "instalData 1", base: app220, set: map[string]any{"threeDSRequestorAuthenticationInd": "03", "purchaseInstalData": "1"}, code: "203", field: "purchaseInstalData"},
		// App channel.
		{name: "sdkAppID missing", base: app220, del: []string{"sdkAppID"}, code: "201", field: "sdkAppID"},
		{name: "sdkTransID not UUID", base: app220, set: map[string]any{"sdkTransID": "x"}, code: "203", field: "sdkTransID"},
		{name: "sdkEncData missing", base: app220, del: []string{"sdkEncData"}, code: "201", field: "sdkEncData"},
		{name: "sdkEphemPubKey as string", base: app220, set: map[string]any{"sdkEphemPubKey": `{"kty":"EC"}`}, code: "203", field: "sdkEphemPubKey"},
		{name: "sdkEphemPubKey missing", base: app220, del: []string{"sdkEphemPubKey"}, code: "201", field: "sdkEphemPubKey"},
		{name: "sdkMaxTimeout below 05", base: app220, set: map[string]any{"sdkMaxTimeout": "04"}, code: "203", field: "sdkMaxTimeout"},
		{name: "sdkReferenceNumber missing", base: app220, del: []string{"sdkReferenceNumber"}, code: "201", field: "sdkReferenceNumber"},
		{name: "deviceRenderOptions missing", base: app220, del: []string{"deviceRenderOptions"}, code: "201", field: "deviceRenderOptions"},
		{name: "sdkInterface invalid", base: app220, set: map[string]any{"deviceRenderOptions": map[string]any{"sdkInterface": "04", "sdkUiType": []any{"01"}}}, code: "203", field: "deviceRenderOptions.sdkInterface"},
		{name: "sdkUiType invalid", base: app220, set: map[string]any{"deviceRenderOptions": map[string]any{"sdkInterface": "01", "sdkUiType": []any{"08"}}}, code: "203", field: "deviceRenderOptions.sdkUiType"},
		// 3RI.
		{name: "threeRIInd missing", base: ri220, del: []string{"threeRIInd"}, code: "201", field: "threeRIInd"},
		{name: "threeRIInd 12 in 2.2.0", base: ri220, set: map[string]any{"threeRIInd": "12"}, code: "203", field: "threeRIInd"},
		{name: "3RI payment in 2.1.0", base: ri220, set: map[string]any{"messageVersion": "2.1.0"}, code: "203", field: "messageCategory"},
		// Extensions and duplicates.
		{name: "critical extension", base: brw220, set: map[string]any{"messageExtension": []any{map[string]any{"name": "x", "id": "A000000003-x", "criticalityIndicator": true, "data": map[string]any{"a": 1}}}}, code: "202", field: "messageExtension"},
		{name: "extension without data", base: brw220, set: map[string]any{"messageExtension": []any{map[string]any{"name": "x", "id": "A000000003-x", "criticalityIndicator": false}}}, code: "201", field: "messageExtension[0].data"},
		{name: "too many extensions", base: brw220, set: map[string]any{"messageExtension": func() []any {
			var out []any
			for i := 0; i < 11; i++ {
				out = append(out, map[string]any{"name": "x", "id": "A1", "criticalityIndicator": false, "data": "d"})
			}
			return out
		}()}, code: "203", field: "messageExtension"},

		// ARes.
		{name: "ARes valid with app context", base: aresC, actx: appCtx},
		{name: "ARes C for 3RI", base: aresC, actx: riCtx, code: "203", field: "transStatus"},
		{name: "ARes C for data share only", base: aresC, actx: dataOnlyCtx, code: "203", field: "transStatus"},
		{name: "ARes C browser needs acsURL", base: aresC, actx: brwCtx, code: "201", field: "acsURL"},
		{name: "ARes C app needs acsSignedContent", base: aresC, actx: appCtx, del: []string{"acsSignedContent"}, code: "201", field: "acsSignedContent"},
		{name: "ARes C app needs acsRenderingType", base: aresC, actx: appCtx, del: []string{"acsRenderingType"}, code: "201", field: "acsRenderingType"},
		{name: "ARes C needs acsChallengeMandated", base: aresC, del: []string{"acsChallengeMandated"}, code: "201", field: "acsChallengeMandated"},
		{name: "ARes C standalone with sdkTransID is an app challenge", base: aresC, del: []string{"acsSignedContent"}, code: "201", field: "acsSignedContent"},
		{name: "ARes C standalone without SDK elements is a browser challenge", base: aresC, del: []string{"acsSignedContent", "sdkTransID", "acsRenderingType"}, code: "201", field: "acsURL"},
		{name: "ARes C 2.2.0 needs authenticationType", base: aresD, set: map[string]any{"transStatus": "C", "acsURL": "https://acs.example/c"}, del: []string{"authenticationType", "acsDecConInd", "cardholderInfo"}, code: "201", field: "authenticationType"},
		{name: "ARes acsSignedContent not JWS", base: aresC, set: map[string]any{"acsSignedContent": "abc"}, code: "203", field: "acsSignedContent"},
		{name: "ARes acsURL invalid", base: aresC, set: map[string]any{"acsURL": "ftp://acs.example"}, code: "203", field: "acsURL"},
		{name: "ARes Y payment needs authenticationValue", base: aresC, actx: appCtx, set: map[string]any{"transStatus": "Y", "eci": "02"}, code: "201", field: "authenticationValue"},
		{name: "ARes A payment needs authenticationValue", base: aresC, actx: appCtx, set: map[string]any{"transStatus": "A"}, code: "201", field: "authenticationValue"},
		{name: "ARes Y non-payment without authenticationValue is fine", base: aresC, actx: npaCtx, set: map[string]any{"transStatus": "Y"}},
		{name: "ARes authenticationValue 27 chars in 2.2.0", base: aresD, set: map[string]any{"transStatus": "Y", "authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAA"}, del: []string{"acsDecConInd", "cardholderInfo", "authenticationType", "acsChallengeMandated"}, code: "203", field: "authenticationValue"},
		{name: "ARes N needs reason", base: aresC, set: map[string]any{"transStatus": "N"}, code: "201", field: "transStatusReason"},
		{name: "ARes U needs reason", base: aresC, set: map[string]any{"transStatus": "U"}, code: "201", field: "transStatusReason"},
		{name: "ARes R needs reason", base: aresC, set: map[string]any{"transStatus": "R"}, code: "201", field: "transStatusReason"},
		{name: "ARes reason 27 in 2.2.0", base: aresD, set: map[string]any{"transStatus": "N", "transStatusReason": "27"}, code: "203", field: "transStatusReason"},
		{name: "ARes reason 85 is DS-specific", base: aresC, set: map[string]any{"transStatus": "N", "transStatusReason": "85"}},
		{name: "ARes transStatus missing", base: aresC, del: []string{"transStatus"}, code: "201", field: "transStatus"},
		{name: "ARes transStatus S in 2.2.0", base: aresD, set: map[string]any{"transStatus": "S"}, code: "203", field: "transStatus"},
		{name: "ARes transStatus D in 2.1.0", base: aresD, set: map[string]any{"messageVersion": "2.1.0"}, code: "203", field: "transStatus"},
		{name: "ARes eci 3 chars", base: aresC, set: map[string]any{"eci": "005"}, code: "203", field: "eci"},
		{name: "ARes version differs from AReq", base: aresC, actx: &AResContext{MessageVersion: Version220}, code: "203", field: "messageVersion"},
		{name: "ARes unknown threeDSServerTransID", base: aresC, actx: &AResContext{ThreeDSServerTransID: "00000000-0000-4000-8000-000000000000"}, code: "301", field: "threeDSServerTransID"},
		{name: "ARes app needs sdkTransID", base: aresC, actx: appCtx, del: []string{"sdkTransID"}, code: "201", field: "sdkTransID"},
		{name: "ARes acsTransID missing", base: aresC, del: []string{"acsTransID"}, code: "201", field: "acsTransID"},
		{name: "ARes dsTransID not UUID", base: aresC, set: map[string]any{"dsTransID": "123"}, code: "203", field: "dsTransID"},
		{name: "ARes acsReferenceNumber missing", base: aresC, del: []string{"acsReferenceNumber"}, code: "201", field: "acsReferenceNumber"},
		{name: "ARes dsReferenceNumber missing", base: aresC, del: []string{"dsReferenceNumber"}, code: "201", field: "dsReferenceNumber"},
		{name: "ARes D valid when decoupled requested", base: aresD, actx: decCtx},
		{name: "ARes D not requested", base: aresD, actx: noDecCtx, code: "203", field: "transStatus"},
		{name: "ARes D needs acsDecConInd Y", base: aresD, set: map[string]any{"acsDecConInd": "N"}, code: "203", field: "acsDecConInd"},
		{name: "ARes D needs authenticationType 04", base: aresD, set: map[string]any{"authenticationType": "02"}, code: "203", field: "authenticationType"},
		{name: "ARes D needs acsChallengeMandated", base: aresD, del: []string{"acsChallengeMandated"}, code: "201", field: "acsChallengeMandated"},
		{name: "ARes acsDecConInd Y needs cardholderInfo", base: aresD, del: []string{"cardholderInfo"}, code: "201", field: "cardholderInfo"},
		{name: "ARes cardholderInfo too long", base: aresD, set: map[string]any{"cardholderInfo": strings.Repeat("x", 129)}, code: "203", field: "cardholderInfo"},
		{name: "ARes I without exemption request", base: aresC, actx: prefCtx, set: map[string]any{"transStatus": "I"}, code: "203", field: "transStatus"},
		{name: "ARes I with data share request", base: aresC, actx: dataOnlyCtx, set: map[string]any{"transStatus": "I"}},
		{name: "ARes authenticationMethod invalid", base: aresC, set: map[string]any{"authenticationMethod": []any{"17"}}, code: "203", field: "authenticationMethod"},
		{name: "ARes acsRenderingType template", base: aresC, set: map[string]any{"acsRenderingType": map[string]any{"acsInterface": "01", "acsUiTemplate": "09"}}, code: "203", field: "acsRenderingType.acsUiTemplate"},
		{name: "ARes trustListStatusSource", base: aresC, set: map[string]any{"trustListStatusSource": "04"}, code: "203", field: "trustListStatusSource"},

		// RReq.
		{name: "RReq Y payment needs authenticationValue", base: rreqY, del: []string{"authenticationValue"}, code: "201", field: "authenticationValue"},
		{name: "RReq A payment needs authenticationValue", base: rreqY, set: map[string]any{"transStatus": "A"}, del: []string{"authenticationValue"}, code: "201", field: "authenticationValue"},
		{name: "RReq Y non-payment needs no authenticationValue", base: rreqY, set: map[string]any{"messageCategory": "02"}, del: []string{"authenticationValue"}},
		{name: "RReq N needs reason", base: rreqY, set: map[string]any{"transStatus": "N"}, code: "201", field: "transStatusReason"},
		{name: "RReq C not allowed", base: rreqY, set: map[string]any{"transStatus": "C"}, code: "203", field: "transStatus"},
		{name: "RReq messageCategory missing", base: rreqY, del: []string{"messageCategory"}, code: "201", field: "messageCategory"},
		{name: "RReq transStatus missing for payment", base: rreqY, del: []string{"transStatus"}, code: "201", field: "transStatus"},
		{name: "RReq interactionCounter missing", base: rreqY, del: []string{"interactionCounter"}, code: "201", field: "interactionCounter"},
		{name: "RReq interactionCounter not needed when decoupled", base: rreqY, set: map[string]any{"authenticationMethod": []any{"12"}}, del: []string{"interactionCounter"}},
		{name: "RReq interactionCounter 3 digits", base: rreqY, set: map[string]any{"interactionCounter": "001"}, code: "203", field: "interactionCounter"},
		{name: "RReq challengeCancel invalid", base: rreqY, set: map[string]any{"challengeCancel": "11"}, code: "203", field: "challengeCancel"},
		{name: "RReq reason 14 needs cancel 04/05", base: rreqY, set: map[string]any{"transStatus": "N", "transStatusReason": "14", "challengeCancel": "01"}, del: []string{"authenticationValue"}, code: "203", field: "challengeCancel"},
		{name: "RReq version differs", base: rreqY, rctx: &RReqContext{MessageVersion: Version220}, code: "203", field: "messageVersion"},
		{name: "RReq category differs", base: rreqY, rctx: &RReqContext{MessageCategory: MessageCategoryNonPayment}, code: "203", field: "messageCategory"},
		{name: "RReq unknown transaction", base: rreqY, rctx: &RReqContext{ThreeDSServerTransID: "00000000-0000-4000-8000-000000000000"}, code: "301", field: "threeDSServerTransID"},
		{name: "RReq app needs acsRenderingType", base: rreqY, rctx: &RReqContext{DeviceChannel: DeviceChannelApp}, set: map[string]any{"sdkTransID": "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b"}, code: "201", field: "acsRenderingType"},

		// PRes.
		{name: "PRes 2.3.1 needs dsProtocolVersions", base: pres231, del: []string{"dsProtocolVersions"}, code: "201", field: "dsProtocolVersions"},
		{name: "PRes range lengths differ", base: pres231, set: map[string]any{"cardRangeData": []any{map[string]any{"startRange": "4000000000001000", "endRange": "400000000000199", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0"}}}}}, code: "203", field: "cardRangeData[0].endRange"},
		{name: "PRes range reversed", base: pres231, set: map[string]any{"cardRangeData": []any{map[string]any{"startRange": "4000000000002000", "endRange": "4000000000001999", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0"}}}}}, code: "203", field: "cardRangeData[0].endRange"},
		{name: "PRes ranges overlap", base: pres231, set: map[string]any{"cardRangeData": []any{
			map[string]any{"startRange": "4000000000001000", "endRange": "4000000000001999", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0"}}},
			map[string]any{"startRange": "4000000000001500", "endRange": "4000000000002999", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0"}}}}}, code: "205", field: "cardRangeData[1].startRange"},
		{name: "PRes actionInd", base: pres231, set: map[string]any{"cardRangeData": []any{map[string]any{"startRange": "4000000000001000", "endRange": "4000000000001999", "actionInd": "X", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0"}}}}}, code: "203", field: "actionInd"},
		{name: "PRes acsInfoInd", base: pres231, set: map[string]any{"cardRangeData": []any{map[string]any{"startRange": "4000000000001000", "endRange": "4000000000001999", "acsProtocolVersions": []any{map[string]any{"version": "2.2.0", "acsInfoInd": []any{"05"}}}}}}, code: "203", field: "acsInfoInd"},
		{name: "PRes 2.2.0 range needs acs versions", base: pres231, set: map[string]any{"messageVersion": "2.2.0", "dsStartProtocolVersion": "2.1.0", "dsEndProtocolVersion": "2.2.0", "cardRangeData": []any{map[string]any{"startRange": "4000000000001000", "endRange": "4000000000001999"}}}, code: "201", field: "acsStartProtocolVersion"},
		{name: "PRes 2.2.0 ds versions reversed", base: pres231, set: map[string]any{"messageVersion": "2.2.0", "dsStartProtocolVersion": "2.2.0", "dsEndProtocolVersion": "2.1.0", "cardRangeData": []any{map[string]any{"startRange": "4000000000001000", "endRange": "4000000000001999", "acsStartProtocolVersion": "2.1.0", "acsEndProtocolVersion": "2.2.0"}}}, code: "203", field: "dsEndProtocolVersion"},
		{name: "PRes dsTransID missing", base: pres231, del: []string{"dsTransID"}, code: "201", field: "dsTransID"},

		// Erro.
		{name: "Erro errorCode missing", base: erro231, del: []string{"errorCode"}, code: "201", field: "errorCode"},
		{name: "Erro errorCode format", base: erro231, set: map[string]any{"errorCode": "20"}, code: "203", field: "errorCode"},
		{name: "AReq decoupled requested without max time", base: "areq_brw_220_nojs.json", set: map[string]any{"threeDSRequestorDecReqInd": "Y"}, code: "201", field: "threeDSRequestorDecMaxTime"},
		{name: "RReq challengeCancel 02 is reserved", base: "rreq_Y_231.json", set: map[string]any{"challengeCancel": "02"}, code: "203", field: "challengeCancel"},
		{name: "ARes app challenge alone needs acsRenderingType", base: "ares_C_app_231.json", del: []string{"acsRenderingType"}, code: "201", field: "acsRenderingType"},
		{name: "Erro errorCode not a protocol code", base: erro231, set: map[string]any{"errorCode": "999"}, code: "203", field: "errorCode"},
		{name: "Erro errorCode 205 before 2.3.1", base: erro231, set: map[string]any{"messageVersion": "2.2.0", "errorCode": "205"}, code: "203", field: "errorCode"},
		{name: "Erro errorComponent", base: erro231, set: map[string]any{"errorComponent": "X"}, code: "203", field: "errorComponent"},
		{name: "Erro errorMessageType required in 2.3.1", base: erro231, del: []string{"errorMessageType"}, code: "201", field: "errorMessageType"},
		{name: "Erro errorDescription missing", base: erro231, del: []string{"errorDescription"}, code: "201", field: "errorDescription"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := loadMap(t, tc.base)
			for _, d := range tc.del {
				setPath(m, d, nil, true)
			}
			for k, val := range tc.set {
				setPath(m, k, val, false)
			}
			data, err := json.Marshal(m)
			require.NoError(t, err)
			err = check(data, tc.actx, tc.rctx)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, tc.code, CodeOf(err), "errors: %v", err)
			ve := asValidation(err)
			require.NotNil(t, ve)
			require.Contains(t, ve.Detail(), tc.field)
			erro := NewErro(err, ErrorComponentServer, nil)
			require.Equal(t, tc.code, erro.ErrorCode)
			require.Contains(t, erro.ErrorDetail, tc.field)
		})
	}
}

// TestErrorsNeverCarryValues: the error text and Erro name fields, never the
// values that broke them.
func TestErrorsNeverCarryValues(t *testing.T) {
	m := loadMap(t, brw220)
	m["acctNumber"] = "4000000000001092"
	m["cardholderName"] = "X"
	m["email"] = "secret-value-email"
	data, _ := json.Marshal(m)
	err := check(data, nil, nil)
	require.Error(t, err)
	for _, s := range []string{"4000000000001092", "secret-value-email"} {
		require.NotContains(t, err.Error(), s)
		erro := NewErro(err, ErrorComponentServer, nil)
		b, _ := json.Marshal(erro)
		require.NotContains(t, string(b), s)
	}
}

// TestValidationReportsEveryFailure: one call lists all failures.
func TestValidationReportsEveryFailure(t *testing.T) {
	m := loadMap(t, brw220)
	delete(m, "acquirerBIN")
	m["purchaseDate"] = "2026"
	m["mcc"] = "ab"
	data, _ := json.Marshal(m)
	err := check(data, nil, nil)
	ve := asValidation(err)
	require.NotNil(t, ve)
	require.Equal(t, ErrorCodeRequiredMissing, ve.Code())
	require.True(t, strings.HasPrefix(ve.Detail(), "acquirerBIN"))
	for _, f := range []string{"acquirerBIN", "purchaseDate", "mcc"} {
		require.Contains(t, ve.Detail(), f)
	}
	require.ErrorIs(t, err, ErrMissing)
	require.ErrorIs(t, err, ErrFormat)
}
