package emv3ds

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// The rule families of ../shared/docs/emv3ds-protocol.md: every enumerated
// element per version (§2, §5, §6, §7), the version-specific formats (§1,
// §5.1) and the channel a standalone response is judged as (§6, §8.4). Each
// family is one table; a row either passes or names its code and element.

type familyCase struct {
	name  string
	base  string
	shape map[string]any // turns the base into the version under test
	set   map[string]any
	del   []string
	code  ErrorCode // "" = valid
	field string
}

// as210 turns the 2.2.0 browser AReq into a 2.1.0 one (every browser
// element required, no JS flag).
var as210 = map[string]any{"messageVersion": "2.1.0", "browserJavaEnabled": false, "browserColorDepth": "24",
	"browserTZ": "0", "browserScreenWidth": "1", "browserScreenHeight": "1"}

// as220js is the 2.2.0 browser AReq with JavaScript enabled.
var as220js = map[string]any{"browserJavascriptEnabled": true, "browserJavaEnabled": false, "browserColorDepth": "24",
	"browserTZ": "0", "browserScreenWidth": "1", "browserScreenHeight": "1"}

func runFamily(t *testing.T, cases []familyCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := loadMap(t, tc.base)
			for _, d := range tc.del {
				setPath(m, d, nil, true)
			}
			for k, val := range tc.shape {
				setPath(m, k, val, false)
			}
			for k, val := range tc.set {
				setPath(m, k, val, false)
			}
			data, err := json.Marshal(m)
			require.NoError(t, err)
			err = check(data, nil, nil)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			require.Equal(t, tc.code, CodeOf(err), "errors: %v", err)
			ve := asValidation(err)
			require.NotNil(t, ve)
			require.Contains(t, ve.Detail(), tc.field)
		})
	}
}

// TestFamilyEnumerations: each enumerated element with a value at the edge
// of its set in each version, including the values 2.3.1 adds or widens.
func TestFamilyEnumerations(t *testing.T) {
	var cases []familyCase
	// browserColorDepth: 1, 4, 8, 15, 16, 24, 32, 48 in every version (§5.4).
	for _, ver := range []struct {
		name  string
		base  string
		shape map[string]any
	}{{"2.1.0", brw220, as210}, {"2.2.0", brw220, as220js}, {"2.3.1", brw231, nil}} {
		for _, d := range []string{"1", "4", "8", "15", "16", "24", "32", "48"} {
			cases = append(cases, familyCase{name: ver.name + " colour depth " + d, base: ver.base, shape: ver.shape, set: map[string]any{"browserColorDepth": d}})
		}
		for _, d := range []string{"30", "2", "64", "0", "024"} {
			cases = append(cases, familyCase{name: ver.name + " colour depth " + d, base: ver.base, shape: ver.shape, set: map[string]any{"browserColorDepth": d}, code: "203", field: "browserColorDepth"})
		}
	}
	cases = append(cases, []familyCase{
		// AReq indicators.
		{name: "2.2.0 colour depth 30 without JS", base: brw220, set: map[string]any{"browserColorDepth": "30"}, code: "203", field: "browserColorDepth"},
		{name: "2.1.0 challengeInd 04", base: brw220, shape: as210, set: map[string]any{"threeDSRequestorChallengeInd": "04"}},
		{name: "2.2.0 challengeInd 09", base: brw220, set: map[string]any{"threeDSRequestorChallengeInd": "09"}},
		{name: "2.3.1 challengeInd 14", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"14"}}},
		{name: "2.3.1 challengeInd 15", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"15"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "2.3.1 authenticationInd 10", base: brw231, set: map[string]any{"threeDSRequestorAuthenticationInd": "10"}},
		{name: "2.3.1 authenticationInd 11", base: brw231, set: map[string]any{"threeDSRequestorAuthenticationInd": "11"}, code: "203", field: "threeDSRequestorAuthenticationInd"},
		{name: "2.1.0 authMethod 06", base: brw220, shape: as210, set: map[string]any{"threeDSRequestorAuthenticationInfo": map[string]any{"threeDSReqAuthMethod": "06"}}},
		{name: "2.1.0 authMethod 07", base: brw220, shape: as210, set: map[string]any{"threeDSRequestorAuthenticationInfo": map[string]any{"threeDSReqAuthMethod": "07"}}, code: "203", field: "threeDSReqAuthMethod"},
		{name: "2.2.0 authMethod 08", base: brw220, set: map[string]any{"threeDSRequestorAuthenticationInfo": map[string]any{"threeDSReqAuthMethod": "08"}}},
		{name: "2.2.0 authMethod 09", base: brw220, set: map[string]any{"threeDSRequestorAuthenticationInfo": map[string]any{"threeDSReqAuthMethod": "09"}}, code: "203", field: "threeDSReqAuthMethod"},
		{name: "2.3.1 authMethod 09", base: brw231, set: map[string]any{"threeDSRequestorAuthenticationInfo": []any{map[string]any{"threeDSReqAuthMethod": "09"}}}, code: "203", field: "threeDSReqAuthMethod"},
		{name: "2.2.0 authMethod DS 85", base: brw220, set: map[string]any{"threeDSRequestorAuthenticationInfo": map[string]any{"threeDSReqAuthMethod": "85"}}},
		{name: "2.2.0 shipIndicator 07", base: brw220, set: map[string]any{"merchantRiskIndicator": map[string]any{"shipIndicator": "07"}}},
		{name: "2.2.0 shipIndicator 09", base: brw220, set: map[string]any{"merchantRiskIndicator": map[string]any{"shipIndicator": "09"}}, code: "203", field: "merchantRiskIndicator.shipIndicator"},
		{name: "2.3.1 shipIndicator 09", base: brw231, set: map[string]any{"merchantRiskIndicator": map[string]any{"shipIndicator": "09"}}},
		{name: "2.3.1 shipIndicator 10", base: brw231, set: map[string]any{"merchantRiskIndicator": map[string]any{"shipIndicator": "10"}}, code: "203", field: "merchantRiskIndicator.shipIndicator"},
		{name: "2.3.1 decReqInd B", base: brw231, set: map[string]any{"threeDSRequestorDecReqInd": "B", "threeDSRequestorDecMaxTime": "00060"}},
		{name: "2.3.1 decReqInd X", base: brw231, set: map[string]any{"threeDSRequestorDecReqInd": "X"}, code: "203", field: "threeDSRequestorDecReqInd"},
		{name: "2.2.0 threeRIInd 11", base: ri220, set: map[string]any{"threeRIInd": "11"}},
		{name: "2.2.0 threeRIInd 12", base: ri220, set: map[string]any{"threeRIInd": "12"}, code: "203", field: "threeRIInd"},
		{name: "2.3.1 threeRIInd 19", base: ri220, set: map[string]any{"messageVersion": "2.3.1", "threeRIInd": "19"}},
		{name: "2.3.1 threeRIInd 20", base: ri220, set: map[string]any{"messageVersion": "2.3.1", "threeRIInd": "20"}, code: "203", field: "threeRIInd"},
		{name: "transType 28", base: brw220, set: map[string]any{"transType": "28"}},
		{name: "transType 02", base: brw220, set: map[string]any{"transType": "02"}, code: "203", field: "transType"},
		{name: "acctType DS 80", base: brw220, set: map[string]any{"acctType": "80"}},
		{name: "payTokenInd true needs payTokenSource", base: brw220, set: map[string]any{"payTokenInd": true}, code: "201", field: "payTokenSource"},
		{name: "payTokenSource 03", base: brw220, set: map[string]any{"payTokenInd": true, "payTokenSource": "03"}, code: "203", field: "payTokenSource"},
		{name: "2.3.1 spcIncompInd 04", base: brw231, set: map[string]any{"spcIncompInd": "04"}, code: "203", field: "spcIncompInd"},
		{name: "2.3.1 trustListStatusSource 04", base: brw231, set: map[string]any{"trustListStatusSource": "04"}, code: "203", field: "trustListStatusSource"},
		{name: "2.2.0 sdkUiType 07", base: app220, set: map[string]any{"deviceRenderOptions": map[string]any{"sdkInterface": "03", "sdkUiType": []any{"07"}}}},
		{name: "2.2.0 sdkUiType 08", base: app220, set: map[string]any{"deviceRenderOptions": map[string]any{"sdkInterface": "03", "sdkUiType": []any{"08"}}}, code: "203", field: "deviceRenderOptions.sdkUiType"},
		{name: "sdkInterface 04", base: app220, set: map[string]any{"deviceRenderOptions": map[string]any{"sdkInterface": "04", "sdkUiType": []any{"01"}}}, code: "203", field: "deviceRenderOptions.sdkInterface"},

		// ARes.
		{name: "2.3.1 ARes transStatus S", base: aresC, set: map[string]any{"transStatus": "S"}},
		{name: "2.2.0 ARes transStatus S", base: aresD, set: map[string]any{"transStatus": "S"}, code: "203", field: "transStatus"},
		{name: "2.2.0 ARes transStatusReason 26", base: aresD, set: map[string]any{"transStatus": "N", "transStatusReason": "26"}},
		{name: "2.2.0 ARes transStatusReason 27", base: aresD, set: map[string]any{"transStatus": "N", "transStatusReason": "27"}, code: "203", field: "transStatusReason"},
		{name: "2.3.1 ARes transStatusReason 30", base: aresC, set: map[string]any{"transStatus": "N", "transStatusReason": "30"}},
		{name: "2.3.1 ARes transStatusReason 31", base: aresC, set: map[string]any{"transStatus": "N", "transStatusReason": "31"}, code: "203", field: "transStatusReason"},
		{name: "2.2.0 ARes authenticationType 05", base: aresD, set: map[string]any{"authenticationType": "05"}, code: "203", field: "authenticationType"},
		{name: "2.3.1 ARes authenticationMethod 16", base: aresC, set: map[string]any{"authenticationMethod": []any{"16"}}},
		{name: "2.3.1 ARes authenticationMethod 17", base: aresC, set: map[string]any{"authenticationMethod": []any{"17"}}, code: "203", field: "authenticationMethod"},
		{name: "2.3.1 ARes transChallengeExemption 79", base: aresC, set: map[string]any{"transChallengeExemption": "79"}},
		{name: "2.3.1 ARes transChallengeExemption 10", base: aresC, set: map[string]any{"transChallengeExemption": "10"}},
		{name: "2.3.1 ARes transChallengeExemption 06", base: aresC, set: map[string]any{"transChallengeExemption": "06"}, code: "203", field: "transChallengeExemption"},
		{name: "2.3.1 ARes transChallengeExemption 01", base: aresC, set: map[string]any{"transChallengeExemption": "01"}, code: "203", field: "transChallengeExemption"},
		{name: "2.3.1 ARes acsUiTemplate 07", base: aresC, set: map[string]any{"acsRenderingType": map[string]any{"acsInterface": "02", "acsUiTemplate": "07"}}},
		{name: "2.3.1 ARes acsUiTemplate 08", base: aresC, set: map[string]any{"acsRenderingType": map[string]any{"acsInterface": "02", "acsUiTemplate": "08"}}, code: "203", field: "acsRenderingType.acsUiTemplate"},
		{name: "ARes acsInterface 03", base: aresC, set: map[string]any{"acsRenderingType": map[string]any{"acsInterface": "03", "acsUiTemplate": "01"}}, code: "203", field: "acsRenderingType.acsInterface"},
		{name: "2.3.1 ARes trustListStatus P", base: aresC, set: map[string]any{"trustListStatus": "P"}},
		{name: "2.3.1 ARes trustListStatus X", base: aresC, set: map[string]any{"trustListStatus": "X"}, code: "203", field: "trustListStatus"},
		{name: "ARes acsChallengeMandated X", base: aresC, set: map[string]any{"acsChallengeMandated": "X"}, code: "203", field: "acsChallengeMandated"},
		{name: "2.2.0 ARes acsDecConInd X", base: aresD, set: map[string]any{"acsDecConInd": "X"}, code: "203", field: "acsDecConInd"},

		// RReq.
		{name: "2.3.1 RReq challengeCancel 10", base: rreqY, set: map[string]any{"challengeCancel": "10"}},
		{name: "2.2.0 RReq challengeCancel 09", base: rreqY, set: map[string]any{"messageVersion": "2.2.0", "authenticationMethod": nil, "authenticationType": "02", "challengeCancel": "09"}, code: "203", field: "challengeCancel"},
		{name: "RReq transStatus C", base: rreqY, set: map[string]any{"transStatus": "C"}, code: "203", field: "transStatus"},
		{name: "RReq messageCategory 03", base: rreqY, set: map[string]any{"messageCategory": "03"}, code: "203", field: "messageCategory"},

		// Erro.
		{name: "2.3.1 Erro 207", base: erro231, set: map[string]any{"errorCode": "207"}},
		{name: "Erro errorMessageType unknown", base: erro231, set: map[string]any{"errorMessageType": "XRes"}, code: "203", field: "errorMessageType"},
	}...)
	runFamily(t, cases)
}

// TestFamilyVersionFormats: the formats that change with the version.
func TestFamilyVersionFormats(t *testing.T) {
	runFamily(t, []familyCase{
		// https from 2.3.1 (§5.1).
		{name: "2.3.1 notificationURL over http", base: brw231, set: map[string]any{"notificationURL": "http://3ds.example.com/cres"}, code: "203", field: "notificationURL"},
		{name: "2.3.1 notificationURL upper-case HTTPS", base: brw231, set: map[string]any{"notificationURL": "HTTPS://3ds.example.com/cres"}},
		{name: "2.3.1 threeDSRequestorURL over http", base: brw231, set: map[string]any{"threeDSRequestorURL": "http://shop.example.com"}, code: "203", field: "threeDSRequestorURL"},
		{name: "2.3.1 notificationURL on loopback over http", base: brw231, set: map[string]any{"notificationURL": "http://127.0.0.1:8080/cres"}},
		{name: "2.3.1 notificationURL ftp", base: brw231, set: map[string]any{"notificationURL": "ftp://3ds.example.com/cres"}, code: "203", field: "notificationURL"},
		{name: "2.2.0 notificationURL over http", base: brw220, set: map[string]any{"notificationURL": "http://3ds.example.com/cres"}},
		{name: "2.2.0 threeDSRequestorURL over http", base: brw220, set: map[string]any{"threeDSRequestorURL": "http://shop.example.com"}},
		{name: "2.1.0 notificationURL over http", base: brw220, shape: as210, set: map[string]any{"notificationURL": "http://3ds.example.com/cres"}},
		// Lengths and shapes that change with the version (§1, §2, §5.4).
		{name: "2.2.0 browserLanguage of 9", base: brw220, set: map[string]any{"browserLanguage": "de-DE-x-a"}, code: "203", field: "browserLanguage"},
		{name: "2.3.1 browserLanguage of 9", base: brw231, set: map[string]any{"browserLanguage": "de-DE-x-a"}},
		{name: "2.2.0 CAVV of 32", base: aresD, set: map[string]any{"transStatus": "Y", "authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAAAAAAA"}, code: "203", field: "authenticationValue"},
		{name: "2.3.1 CAVV of 32", base: rreqY, set: map[string]any{"authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAAAAAAA"}},
		{name: "2.2.0 eleven extensions", base: brw220, set: map[string]any{"messageExtension": extensions(11)}, code: "203", field: "messageExtension"},
		{name: "2.3.1 eleven extensions", base: brw231, set: map[string]any{"messageExtension": extensions(11)}},
		{name: "2.3.1 sixteen extensions", base: brw231, set: map[string]any{"messageExtension": extensions(16)}, code: "203", field: "messageExtension"},
		{name: "2.2.0 challengeInd array of two", base: brw220, set: map[string]any{"threeDSRequestorChallengeInd": []any{"01", "02"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "2.3.1 four authInfo entries", base: brw231, set: map[string]any{"threeDSRequestorAuthenticationInfo": []any{authInfo, authInfo, authInfo, authInfo}}, code: "203", field: "threeDSRequestorAuthenticationInfo"},
		{name: "2.1.0 3RI payment", base: ri220, set: map[string]any{"messageVersion": "2.1.0", "threeRIInd": "01"}, code: "203", field: "messageCategory"},
		// 2.3.1 elements (clearhaus/3DSv2-api-documentation areq_231.html).
		{name: "2.3.1 threeDSMethodId a UUID", base: brw231, set: map[string]any{"threeDSMethodId": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"}},
		{name: "2.3.1 threeDSMethodId not a UUID", base: brw231, set: map[string]any{"threeDSMethodId": "method-run-1"}, code: "203", field: "threeDSMethodId"},
		{name: "2.3.1 challengeInd array of two", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"03", "09"}}},
		{name: "2.3.1 challengeInd array of three", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"01", "03", "09"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "2.3.1 challengeInd 15 not yet defined", base: brw231, set: map[string]any{"threeDSRequestorChallengeInd": []any{"15"}}, code: "203", field: "threeDSRequestorChallengeInd"},
		{name: "2.3.1 decReqInd F", base: brw231, set: map[string]any{"threeDSRequestorDecReqInd": "F", "threeDSRequestorDecMaxTime": "00030"}},
		{name: "2.3.1 decReqInd B without max time", base: brw231, set: map[string]any{"threeDSRequestorDecReqInd": "B"}, code: "201", field: "threeDSRequestorDecMaxTime"},
		{name: "2.2.0 decReqInd F", base: brw220, set: map[string]any{"threeDSRequestorDecReqInd": "F", "threeDSRequestorDecMaxTime": "00030"}, code: "203", field: "threeDSRequestorDecReqInd"},
		{name: "2.3.1 acquirerCountryCode 4 digits", base: brw231, set: map[string]any{"acquirerCountryCode": "2760"}, code: "203", field: "acquirerCountryCode"},
		{name: "2.3.1 trustListStatus P in an AReq", base: brw231, set: map[string]any{"trustListStatus": "P"}, code: "203", field: "trustListStatus"},
		{name: "2.2.0 Erro 205", base: erro231, set: map[string]any{"messageVersion": "2.2.0", "errorCode": "205"}, code: "203", field: "errorCode"},
	})
}

var authInfo = map[string]any{"threeDSReqAuthMethod": "02", "threeDSReqAuthTimestamp": "202606251010"}

func extensions(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"name": "ext", "id": "A000000004-ext", "criticalityIndicator": false, "data": map[string]any{"k": "v"}}
	}
	return out
}

// TestFamilyStandaloneChannel: a response judged without its AReq takes its
// channel from its own elements (§6: sdkTransID and acsSignedContent only in
// an app ARes; §8.4: sdkTransID only in an app RReq).
func TestFamilyStandaloneChannel(t *testing.T) {
	noSDK := []string{"sdkTransID", "acsSignedContent", "acsRenderingType"}
	runFamily(t, []familyCase{
		{name: "app C complete", base: aresC},
		{name: "app C with sdkTransID names acsSignedContent", base: aresC, del: []string{"acsSignedContent"}, code: "201", field: "acsSignedContent"},
		{name: "app C with sdkTransID and acsURL still needs acsSignedContent", base: aresC, del: []string{"acsSignedContent"}, set: map[string]any{"acsURL": "https://acs.example.com/creq"}, code: "201", field: "acsSignedContent"},
		{name: "app C with sdkTransID needs acsRenderingType", base: aresC, del: []string{"acsRenderingType"}, code: "201", field: "acsRenderingType"},
		{name: "app C signed content without sdkTransID", base: aresC, del: []string{"sdkTransID"}, code: "201", field: "sdkTransID"},
		{name: "browser C complete", base: aresC, del: noSDK, set: map[string]any{"acsURL": "https://acs.example.com/creq"}},
		{name: "browser C names acsURL", base: aresC, del: noSDK, code: "201", field: "acsURL"},
		{name: "app D with sdkTransID", base: aresD},
		{name: "app frictionless Y needs no challenge elements", base: aresC, del: []string{"acsSignedContent", "acsRenderingType"}, set: map[string]any{"transStatus": "Y", "authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "eci": "05"}},
		{name: "RReq with sdkTransID is an app RReq", base: rreqY, set: map[string]any{"sdkTransID": "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b"}, code: "201", field: "acsRenderingType"},
		{name: "RReq app complete", base: rreqY, set: map[string]any{"sdkTransID": "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b", "acsRenderingType": map[string]any{"acsInterface": "01", "acsUiTemplate": "01"}}},
		{name: "RReq app decoupled needs no rendering type", base: rreqY, set: map[string]any{"sdkTransID": "92dcfff6-a888-478a-9c09-cd4e8a5c4c6b", "authenticationMethod": []any{"12"}}},
		{name: "RReq browser", base: rreqY},
	})
}
