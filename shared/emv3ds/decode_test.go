package emv3ds

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hyperswitchAReq is the flat /auth body Hyperswitch's threedsecureio
// connector sends: odd key casing, nulls for every absent key, numbers and
// strings mixed (client-contracts.md §3).
const hyperswitchAReq = `{"acsEndProtocolVersion":"2.2.0","threeDsserverTransId":"6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11","acctNumber":"4000000000001091",
 "notificationUrl":"https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/stripe","threeDscompInd":"Y",
 "acquirerBin":"444444","acquirerMerchantId":"ACQMID0001","cardExpiryDate":"3012","billAddrCountry":"840","billAddrState":"CA",
 "deviceChannel":"02","browserIp":"203.0.113.7","browserTz":300,"browserColorDepth":"24","browserScreenHeight":1080,"browserScreenWidth":"1920",
 "browserJavascriptEnabled":true,"browserJavaEnabled":false,"sdkAppId":null,"sdkEphemPubKey":null,"deviceRenderOptions":null,"mcc":"5411","messageType":"AReq",
 "messageVersion":"2.2.0","purchaseAmount":"15100","purchaseCurrency":"840","purchaseExponent":2,"purchaseDate":"20260625101530",
 "threeDsrequestorUrl":"https://shop.example.com","messageCategory":"01","threeDsrequestorAuthenticationInd":"01","transType":"01"}`

func TestDecodeHyperswitchAReq(t *testing.T) {
	a, err := DecodeAReq([]byte(hyperswitchAReq))
	require.NoError(t, err)
	require.Equal(t, "6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11", a.ThreeDSServerTransID)
	require.Equal(t, "203.0.113.7", a.BrowserIP)
	require.Equal(t, "300", a.BrowserTZ)
	require.Equal(t, "1080", a.BrowserScreenHeight)
	require.Equal(t, "2", a.PurchaseExponent)
	require.Equal(t, ThreeDSCompIndCompleted, a.ThreeDSCompInd)
	require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/stripe", a.NotificationURL)
	require.Equal(t, "444444", a.AcquirerBIN)
	require.Empty(t, a.SDKAppID)
	require.Nil(t, a.DeviceRenderOptions)
	out, err := json.Marshal(a)
	require.NoError(t, err)
	require.Contains(t, string(out), `"threeDSServerTransID":"6f1c2a4e`)
	require.Contains(t, string(out), `"browserTZ":"300"`)
	require.NotContains(t, string(out), "null")
	require.NotContains(t, string(out), `""`)
}

func TestDecodeLenient(t *testing.T) {
	t.Run("2.2.0 challengeInd scalar read into the array", func(t *testing.T) {
		a, err := DecodeAReq([]byte(`{"messageType":"AReq","messageVersion":"2.2.0","threeDSRequestorChallengeInd":"04","threeDSRequestorAuthenticationInfo":{"threeDSReqAuthMethod":"02"}}`))
		require.NoError(t, err)
		require.Equal(t, []ChallengeInd{"04"}, a.ThreeDSRequestorChallengeInd)
		require.Len(t, a.ThreeDSRequestorAuthenticationInfo, 1)
	})
	t.Run("2.2.0 whiteList fills trustList; written back by version", func(t *testing.T) {
		r, err := DecodeARes([]byte(`{"messageType":"ARes","messageVersion":"2.2.0","whiteListStatus":"Y","cardholderInfo":"hello"}`))
		require.NoError(t, err)
		require.Equal(t, "Y", r.TrustListStatus)
		require.Equal(t, "hello", r.CardholderInfo.Text)
		out, _ := json.Marshal(r)
		require.JSONEq(t, `{"messageType":"ARes","messageVersion":"2.2.0","whiteListStatus":"Y","cardholderInfo":"hello"}`, string(out))
		r.MessageVersion = Version231
		out, _ = json.Marshal(r)
		require.JSONEq(t, `{"messageType":"ARes","messageVersion":"2.3.1","trustListStatus":"Y","cardholderInfo":{"text":"hello"}}`, string(out))
	})
	t.Run("booleans as strings", func(t *testing.T) {
		a, err := DecodeAReq([]byte(`{"browserJavascriptEnabled":"false","browserJavaEnabled":"TRUE"}`))
		require.NoError(t, err)
		require.False(t, *a.BrowserJavascriptEnabled)
		require.True(t, *a.BrowserJavaEnabled)
	})
	t.Run("unknown fields ignored", func(t *testing.T) {
		_, err := DecodeAReq([]byte(`{"messageType":"AReq","somethingNew":{"x":[1,2,{"y":null}]},"ds":null}`))
		require.NoError(t, err)
	})
	t.Run("json.Unmarshal is lenient too", func(t *testing.T) {
		var a AReq
		require.NoError(t, json.Unmarshal([]byte(`{"purchaseExponent":2,"acctnumber":"4000000000001091"}`), &a))
		require.Equal(t, "2", a.PurchaseExponent)
		require.Equal(t, "4000000000001091", a.AcctNumber.Reveal())
	})
	t.Run("extension data passes through", func(t *testing.T) {
		in := `{"messageType":"RRes","messageExtension":[{"name":"n","id":"A1","criticalityIndicator":false,"data":{"n":1.50,"s":""}}]}`
		r, err := DecodeRRes([]byte(in))
		require.NoError(t, err)
		require.JSONEq(t, `{"n":1.50,"s":""}`, string(r.MessageExtension[0].Data))
	})
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		code  ErrorCode
		field string
	}{
		{"not JSON", `{"messageType":`, "101", "message"},
		{"array", `[{"messageType":"AReq"}]`, "101", "message"},
		{"two objects", `{"messageType":"AReq"}{}`, "101", "message"},
		{"duplicate element", `{"messageType":"AReq","acctNumber":"1","acctNumber":"2"}`, "204", "acctNumber"},
		{"duplicate in other case", `{"messageType":"AReq","threeDSServerTransID":"a","threeDsserverTransId":"b"}`, "204", "threeDSServerTransID"},
		{"duplicate nested", `{"messageType":"AReq","acctInfo":{"chAccDate":"20200101","chAccDate":"20200102"}}`, "204", "acctInfo.chAccDate"},
		{"critical extension", `{"messageType":"AReq","messageExtension":[{"name":"x","id":"A9","criticalityIndicator":true,"data":{}}]}`, "202", "messageExtension"},
		{"empty string", `{"messageType":"AReq","email":""}`, "203", "email"},
		{"wrong type", `{"messageType":"AReq","deviceRenderOptions":"01"}`, "203", "deviceRenderOptions"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeAReq([]byte(tc.in))
			require.Error(t, err)
			require.Equal(t, tc.code, CodeOf(err))
			require.Contains(t, asValidation(err).Detail(), tc.field)
		})
	}
	t.Run("non-critical unknown extension is fine", func(t *testing.T) {
		_, err := DecodeAReq([]byte(`{"messageExtension":[{"name":"x","id":"A9","criticalityIndicator":false,"data":{}}]}`))
		require.NoError(t, err)
	})
	t.Run("recognised critical extension is fine", func(t *testing.T) {
		RecognisedExtensions["A000000004-test"] = true
		defer delete(RecognisedExtensions, "A000000004-test")
		_, err := DecodeAReq([]byte(`{"messageExtension":[{"name":"x","id":"A000000004-test","criticalityIndicator":true,"data":{"a":1}}]}`))
		require.NoError(t, err)
	})
}

func TestParseDetectsType(t *testing.T) {
	for _, mt := range messageTypes {
		msg, err := Parse([]byte(`{"messageType":"` + string(mt) + `","messageVersion":"2.2.0"}`))
		require.NoError(t, err)
		require.Equal(t, mt, msg.Type())
		require.Equal(t, Version220, msg.Version())
	}
	_, err := Parse([]byte(`{"messageType":"pArq"}`))
	require.Equal(t, ErrorCodeMessageInvalid, CodeOf(err))
	require.ErrorIs(t, err, ErrInvalidMessage)
}

func TestBase64URL(t *testing.T) {
	raw := []byte{0xfb, 0xff, 0xfe, 0x01}
	enc := EncodeBase64URL(raw)
	require.Equal(t, "-__-AQ", enc)
	for _, in := range []string{"-__-AQ", "-__-AQ==", "+//+AQ==", "+//+AQ", " -__-AQ\n", " //+AQ"} {
		got, err := DecodeBase64URL(in)
		if in == " //+AQ" {
			require.Error(t, err) // a leading space is trimmed, leaving 5 characters
			continue
		}
		require.NoError(t, err, in)
		require.Equal(t, raw, got, in)
	}
	_, err := DecodeBase64URL("!!!")
	require.ErrorIs(t, err, ErrFormat)
}

func TestCReqAndCRes(t *testing.T) {
	c := NewCReq("6c57c18f-e55b-4333-a991-460b04ee0730", "b91b3717-9fab-456c-9379-a0986c9cd4de", Version220, ChallengeWindowSizeFullScreen)
	enc := c.Encode()
	require.NotContains(t, enc, "=")
	require.NotContains(t, enc, "+")
	back, err := ParseCReq(enc)
	require.NoError(t, err)
	require.NoError(t, back.Validate())
	require.Equal(t, c.ThreeDSServerTransID, back.ThreeDSServerTransID)

	cres := CRes{MessageType: MessageTypeCRes, MessageVersion: Version220, ThreeDSServerTransID: c.ThreeDSServerTransID, ACSTransID: c.ACSTransID, TransStatus: TransStatusAuthenticated}
	got, erro, err := ParseCRes(cres.Encode() + "==")
	require.NoError(t, err)
	require.Nil(t, erro)
	require.Equal(t, TransStatusAuthenticated, got.TransStatus)

	e := NewErro(invalidMessage("creq", "x"), ErrorComponentACS, &c)
	b, _ := json.Marshal(e)
	got, erro, err = ParseCRes(EncodeBase64URL(b))
	require.NoError(t, err)
	require.Nil(t, got)
	require.Equal(t, ErrorCodeMessageInvalid, erro.ErrorCode)

	_, _, err = ParseCRes("%%%")
	require.Equal(t, ErrorCodeMessageInvalid, CodeOf(err))
	_, _, err = ParseCRes(EncodeBase64URL([]byte(`{"messageType":"ARes"}`)))
	require.Equal(t, ErrorCodeMessageInvalid, CodeOf(err))
}

func TestThreeDSMethodData(t *testing.T) {
	d := NewThreeDSMethodData("6c57c18f-e55b-4333-a991-460b04ee0730", "https://3ds.example.com/method")
	back, err := ParseThreeDSMethodData(d.Encode())
	require.NoError(t, err)
	require.Equal(t, d, back)
	// Hyperswitch: standard base64 with padding, transaction ID only.
	std := "eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6IjZjNTdjMThmLWU1NWItNDMzMy1hOTkxLTQ2MGIwNGVlMDczMCJ9"
	back, err = ParseThreeDSMethodData(std)
	require.NoError(t, err)
	require.Equal(t, "6c57c18f-e55b-4333-a991-460b04ee0730", back.ThreeDSServerTransID)
	_, err = ParseThreeDSMethodData(EncodeBase64URL([]byte(`{"threeDSServerTransID":"nope"}`)))
	require.Equal(t, ErrorCodeInvalidFormat, CodeOf(err))
}

func TestNegotiateVersion(t *testing.T) {
	tests := []struct {
		dsS, dsE, acsS, acsE, req, want Version
		err                             bool
	}{
		{"2.1.0", "2.2.0", "2.1.0", "2.1.0", "", "2.1.0", false},
		{"2.1.0", "2.2.0", "2.1.0", "2.2.0", "", "2.2.0", false},
		{"2.1.0", "2.3.1", "2.1.0", "2.3.1", "", "2.3.1", false},
		{"2.1.0", "2.3.1", "2.1.0", "2.3.1", "2.2.0", "2.2.0", false},
		{"2.1.0", "2.2.0", "2.2.0", "2.2.0", "2.1.0", "2.2.0", false},
		{"2.1.0", "2.9.0", "2.1.0", "2.9.0", "", "2.3.1", false},
		{"2.2.0", "2.2.0", "2.1.0", "2.1.0", "", "", true},
	}
	for _, tc := range tests {
		got, err := NegotiateVersion(tc.dsS, tc.dsE, tc.acsS, tc.acsE, tc.req)
		if tc.err {
			require.ErrorIs(t, err, ErrUnsupportedVersion)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
}

func TestSchemeAndECI(t *testing.T) {
	for pan, want := range map[PAN]Scheme{
		"4000000000001091": SchemeVisa, "5200000000001096": SchemeMastercard, "2221000000000009": SchemeMastercard,
		"2201382000000039": SchemeMir, "378282246310005": SchemeAmex, "3530111333300000": SchemeJCB,
		"6200000000000005": SchemeUnionPay, "6011000990139424": SchemeDiscover, "36227206271667": SchemeDiscover,
		"9999000000000000": SchemeUnknown, "12": SchemeUnknown,
	} {
		require.Equal(t, want, SchemeForPAN(pan), pan.Last4())
	}
	eci, ok := ECIFor(SchemeVisa, TransStatusAuthenticated)
	require.True(t, ok)
	require.Equal(t, ECI("05"), eci)
	eci, _ = ECIFor(SchemeMastercard, TransStatusAttempted)
	require.Equal(t, ECI("01"), eci)
	eci, _ = ECIFor(SchemeMir, TransStatusNotAuthenticated)
	require.Equal(t, ECI("00"), eci)
	_, ok = ECIFor(SchemeVisa, TransStatusChallenge)
	require.False(t, ok)
	_, ok = ECIFor(SchemeUnknown, TransStatusAuthenticated)
	require.False(t, ok)
	require.Equal(t, "fully authenticated", DescribeECI(SchemeMastercard, "02"))
	require.Equal(t, "not authenticated", DescribeECI(SchemeVisa, "07"))
	require.Equal(t, "", DescribeECI(SchemeVisa, "99"))
	require.NotEmpty(t, TransStatusDecoupled.Description())
	require.True(t, IsFinal(TransStatusAttempted))
	require.False(t, IsFinal(TransStatusChallenge))
	require.True(t, LuhnValid("4000000000001091"))
	require.False(t, LuhnValid("4000000000001092"))
	require.False(t, LuhnValid(""))
}

func TestEnumsByVersion(t *testing.T) {
	require.False(t, TransStatusDecoupled.Valid(Version210))
	require.True(t, TransStatusDecoupled.Valid(Version220))
	require.False(t, TransStatusChallengeSPC.Valid(Version220))
	require.True(t, TransStatusChallengeSPC.Valid(Version231))
	require.False(t, TransStatusReason("22").Valid(Version210))
	require.True(t, TransStatusReason("30").Valid(Version231))
	require.True(t, TransStatusReason("88").Valid(Version210))
	require.False(t, ChallengeInd("05").Valid(Version210))
	require.True(t, ChallengeInd("14").Valid(Version231))
	require.False(t, AuthenticationType("04").Valid(Version210))
	require.False(t, ThreeRIInd("12").Valid(Version220))
	require.True(t, ThreeRIInd("19").Valid(Version231))
	require.False(t, ChallengeCancel("09").Valid(Version220))
	require.True(t, ChallengeWindowSize("05").Valid(Version210))
	require.False(t, DecReqInd("B").Valid(Version220))
	require.True(t, AuthenticationMethod("16").Valid(Version231))
	require.False(t, AuthenticationInd("07").Valid(Version220))
	require.True(t, ACSInfoInd("82").Valid(Version220))
	require.False(t, DeviceChannel("04").Valid(Version220))
	require.True(t, MessageCategory("80").Valid(Version220))
}

func TestNewErro(t *testing.T) {
	a, _ := DecodeAReq([]byte(`{"messageType":"AReq","messageVersion":"2.3.1","threeDSServerTransID":"5b9c3a47-2d0e-4e8f-9d7a-6f1e2c3b4a59","sdkTransID":"bad"}`))
	err := a.Validate()
	e := NewErro(err, ErrorComponentServer, a)
	require.Equal(t, ErrorCodeRequiredMissing, e.ErrorCode)
	require.Equal(t, Version231, e.MessageVersion)
	require.Equal(t, MessageTypeAReq, e.ErrorMessageType)
	require.Equal(t, "5b9c3a47-2d0e-4e8f-9d7a-6f1e2c3b4a59", e.ThreeDSServerTransID)
	require.Empty(t, e.SDKTransID, "a malformed ID is not echoed")
	require.LessOrEqual(t, len(e.ErrorDetail), 2048)
	require.NoError(t, e.Validate())

	a.MessageVersion = "2.9.0"
	e = NewErro(a.Validate(), ErrorComponentServer, a)
	require.Equal(t, ErrorCodeVersionNotSupported, e.ErrorCode)
	require.Equal(t, Version231, e.MessageVersion)
	require.Contains(t, e.ErrorDetail, "messageVersion")

	e = NewErro(errors.New("database down"), ErrorComponentServer, nil)
	require.Equal(t, ErrorCodeTransientFailure, e.ErrorCode)
	require.Equal(t, Version210, e.MessageVersion)
	require.NotContains(t, e.ErrorDescription, "database")

	var target *ErroError
	require.ErrorAs(t, error(e), &target)
	require.Contains(t, e.Error(), "403")
	require.Equal(t, ErrorCodeTransientFailure, CodeOf(e))
}

func TestNewRRes(t *testing.T) {
	r, err := DecodeRReq([]byte(`{"messageType":"RReq","messageVersion":"2.2.0","threeDSServerTransID":"6c57c18f-e55b-4333-a991-460b04ee0730","acsTransID":"b91b3717-9fab-456c-9379-a0986c9cd4de","dsTransID":"d3e8aae9-b188-4305-9f4b-4db0baae1a00"}`))
	require.NoError(t, err)
	res := NewRRes(r)
	require.NoError(t, res.Validate())
	require.Equal(t, ResultsStatusReceived, res.ResultsStatus)
	require.Equal(t, r.DSTransID, res.DSTransID)
	require.Equal(t, Version220, res.MessageVersion)
}

// TestLogsAreMasked: slog output of messages, PANs and authentication values
// carries no card data.
func TestLogsAreMasked(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	a, err := DecodeAReq([]byte(hyperswitchAReq))
	require.NoError(t, err)
	r := &ARes{MessageType: MessageTypeARes, AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", TransStatus: "Y"}
	log.Info("x", "areq", a, "areqValue", *a, "pan", a.AcctNumber, "ares", r, "cavv", r.AuthenticationValue)
	out := buf.String()
	require.NotContains(t, out, "4000000000001091")
	require.NotContains(t, out, "AAABBZEEBgAAAAAAAAQGAAAAAAA=")
	require.NotContains(t, out, "203.0.113.7")
	require.Contains(t, out, "****1091")
	require.Contains(t, out, "6f1c2a4e-9b8d-4c5e-a1f0-3d2b7c9e8a11")
	require.True(t, strings.Contains(PAN("4000000000001091").String(), "1091"))
	require.Equal(t, "400000", PAN("4000000000001091").BIN())
}

// TestNegotiateVersionIn: a deployment without 2.1.0 never speaks it, and a
// range whose ACS speaks only 2.1.0 then has no common version.
func TestNegotiateVersionIn(t *testing.T) {
	prod := []Version{Version220, Version231}
	got, err := NegotiateVersionIn(prod, "2.1.0", "2.3.1", "2.1.0", "2.3.1", "2.1.0")
	require.NoError(t, err)
	require.Equal(t, Version231, got, "a requested 2.1.0 is not honoured when disabled")
	got, err = NegotiateVersionIn(prod, "2.1.0", "2.2.0", "2.1.0", "2.2.0", "")
	require.NoError(t, err)
	require.Equal(t, Version220, got)
	_, err = NegotiateVersionIn(prod, "2.1.0", "2.2.0", "2.1.0", "2.1.0", "")
	require.ErrorIs(t, err, ErrUnsupportedVersion)
	got, err = NegotiateVersionIn(nil, "2.1.0", "2.2.0", "2.1.0", "2.1.0", "")
	require.NoError(t, err)
	require.Equal(t, Version210, got, "nil enables every supported version")
}
