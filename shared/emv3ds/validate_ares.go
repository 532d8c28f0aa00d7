package emv3ds

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// AResContext is what the AReq said, for the ARes cross-checks. The zero
// value of each field means "unknown": the checks that need it are skipped,
// so an ARes can be validated on its own.
type AResContext struct {
	MessageVersion       Version
	MessageCategory      MessageCategory
	DeviceChannel        DeviceChannel
	ThreeDSServerTransID string
	SDKTransID           string
	ChallengeInds        []ChallengeInd
	DecReqInd            DecReqInd
}

// AResContextFor is the context an AReq gives its ARes.
func AResContextFor(a *AReq) AResContext {
	return AResContext{
		MessageVersion:       a.MessageVersion,
		MessageCategory:      a.MessageCategory,
		DeviceChannel:        a.DeviceChannel,
		ThreeDSServerTransID: a.ThreeDSServerTransID,
		SDKTransID:           a.SDKTransID,
		ChallengeInds:        a.ThreeDSRequestorChallengeInd,
		DecReqInd:            a.ThreeDSRequestorDecReqInd,
	}
}

// informationalInds are the challenge indicators that allow an ARes I.
var informationalInds = []string{"05", "06", "07", "08", "10", "11"}

// Validate checks an ARes on its own and against what the AReq said (ctx),
// returning every failure as a *ValidationError (nil when valid).
func (m *ARes) Validate(ctx AResContext) error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeARes)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	ver := m.MessageVersion
	if ctx.MessageVersion != "" && ctx.MessageVersion != ver {
		v.format("messageVersion", "must equal the AReq's messageVersion")
	}
	v.transIDs(m.ThreeDSServerTransID, ctx.ThreeDSServerTransID, m.ACSTransID, m.DSTransID)
	ch := ctx.DeviceChannel
	if ch == "" {
		ch = m.inferChannel()
	}
	app := ch == DeviceChannelApp
	v.uuid("sdkTransID", m.SDKTransID, app)
	if ctx.SDKTransID != "" && m.SDKTransID != "" && m.SDKTransID != ctx.SDKTransID {
		v.add("sdkTransID", "must equal the AReq's sdkTransID", ErrorCodeTransIDNotRecognised, ErrTransIDMismatch)
	}
	v.ascii("acsReferenceNumber", m.ACSReferenceNumber, 1, 32, true)
	v.ascii("acsOperatorID", m.ACSOperatorID, 1, 32, false)
	v.ascii("dsReferenceNumber", m.DSReferenceNumber, 1, 32, true)

	st := m.TransStatus
	npa := ctx.MessageCategory != "" && ctx.MessageCategory != MessageCategoryPayment
	// Without the AReq the category is unknown: judge as a payment, the
	// category of nearly every ARes, so Y/A without a CAVV is rejected.
	pa := !npa
	if v.require("transStatus", string(st), !npa) && !st.Valid(ver) {
		v.format("transStatus", "not an allowed value for the version")
	}
	v.outcome(ver, st, m.TransStatusReason, m.AuthenticationValue, m.ECI, !npa, pa)

	switch st {
	case TransStatusChallenge:
		if ctx.DeviceChannel == DeviceChannel3RI {
			v.notAllowed("transStatus", "C is not allowed for 3RI")
		}
		if hasInd(ctx.ChallengeInds, "06") {
			v.notAllowed("transStatus", "C is not allowed when only data share was requested (challengeInd 06)")
		}
		switch ch {
		case DeviceChannelBrowser:
			v.requireIf("acsURL", m.ACSURL != "", true, "for a browser challenge")
		case DeviceChannelApp:
			v.requireIf("acsSignedContent", m.ACSSignedContent != "", true, "for an app challenge")
			v.requireIf("acsRenderingType", m.ACSRenderingType != nil, true, "for an app challenge")
		}
		v.requireIf("acsChallengeMandated", m.ACSChallengeMandated != "", true, "when transStatus is C")
		if !ver.AtLeast(Version231) {
			v.requireIf("authenticationType", m.AuthenticationType != "", true, "when transStatus is C")
		}
	case TransStatusDecoupled:
		if ctx.DecReqInd != "" && !ctx.DecReqInd.Requested() || ctx.DeviceChannel != "" && ctx.DecReqInd == "" {
			v.notAllowed("transStatus", "D only when the AReq requested decoupled authentication")
		}
		v.requireIf("acsChallengeMandated", m.ACSChallengeMandated != "", true, "when transStatus is D")
		if v.require("acsDecConInd", m.ACSDecConInd, true) && m.ACSDecConInd != "Y" {
			v.notAllowed("acsDecConInd", "must be Y when transStatus is D")
		}
		if !ver.AtLeast(Version231) {
			if v.require("authenticationType", string(m.AuthenticationType), true) && m.AuthenticationType != AuthenticationTypeDecoupled {
				v.notAllowed("authenticationType", "must be 04 when transStatus is D")
			}
		}
	case TransStatusInformational:
		if len(ctx.ChallengeInds) > 0 && !hasInd(ctx.ChallengeInds, informationalInds...) {
			v.notAllowed("transStatus", "I only when the AReq's challengeInd asked for no challenge (05, 06, 07 …)")
		}
	}
	if m.ACSDecConInd == "Y" {
		v.requireIf("cardholderInfo", m.CardholderInfo != nil, true, "when acsDecConInd is Y")
	}

	v.url("acsURL", m.ACSURL, 2048, false)
	v.yn("acsChallengeMandated", m.ACSChallengeMandated, false)
	if ver.AtLeast(Version220) {
		v.yn("acsDecConInd", m.ACSDecConInd, false)
	}
	if m.ACSSignedContent != "" && !isJWS(m.ACSSignedContent) {
		v.format("acsSignedContent", "JWS compact serialisation")
	}
	v.renderingType(m.ACSRenderingType, ver)
	v.authMethod(ver, m.AuthenticationType, m.AuthenticationMethod)
	v.cardholderInfo(m.CardholderInfo)
	if ver.AtLeast(Version220) {
		v.enum(trustName(ver, "Status"), m.TrustListStatus, false, "Y", "N", "E", "P", "R", "U")
		v.code2(trustName(ver, "StatusSource"), m.TrustListStatusSource, false, 1, 3, true)
	}
	if ver.AtLeast(Version231) {
		v.text("transStatusReasonInfo", m.TransStatusReasonInfo, 1, 256, false)
		// §2: 05 TRA, 08 trust list, 10 low value, 11 secure corporate,
		// 79 no exemption applied; nothing else is defined.
		v.enum("transChallengeExemption", m.TransChallengeExemption, false, "05", "08", "10", "11", "79")
		v.yn("threeDSRequestorAppURLInd", m.ThreeDSRequestorAppURLInd, false)
	}
	v.extensions(m.MessageExtension)
	return v.err()
}

// inferChannel is the device channel of an ARes judged without its AReq
// (threedsctl validate, a DS's answer logged on its own). §6: sdkTransID is
// "R when APP" and only an app ARes carries it, so an ARes with sdkTransID
// is an app ARes; an ARes with acsSignedContent and no acsURL is one too
// (its missing sdkTransID is then reported). A challenge without either is a
// browser challenge (3RI is never challenged, §5.6). Anything else stays
// unknown and the channel rules are skipped.
func (m *ARes) inferChannel() DeviceChannel {
	switch {
	case m.SDKTransID != "" || m.ACSSignedContent != "" && m.ACSURL == "":
		return DeviceChannelApp
	case m.TransStatus == TransStatusChallenge:
		return DeviceChannelBrowser
	}
	return ""
}

func trustName(ver Version, suffix string) string {
	if ver.AtLeast(Version231) {
		return "trustList" + suffix
	}
	return "whiteList" + suffix
}

func hasInd(inds []ChallengeInd, want ...string) bool {
	for _, c := range inds {
		if in(string(c), want...) {
			return true
		}
	}
	return false
}

// transIDs checks the three IDs every answer carries; a threeDSServerTransID
// that differs from the request's is 301.
func (v *validator) transIDs(server, expected, acs, ds string) {
	v.uuid("threeDSServerTransID", server, true)
	if expected != "" && server != "" && server != expected {
		v.add("threeDSServerTransID", "must equal the request's threeDSServerTransID", ErrorCodeTransIDNotRecognised, ErrTransIDMismatch)
	}
	v.uuid("acsTransID", acs, true)
	v.uuid("dsTransID", ds, true)
}

// outcome applies the rules shared by ARes and RReq: a reason for N, U and R,
// an authentication value for Y and A on a payment, and their formats.
func (v *validator) outcome(ver Version, st TransStatus, reason TransStatusReason, av AuthenticationValue, eci ECI, reasonRule, cavvRule bool) {
	needReason := reasonRule && in(string(st), "N", "U", "R")
	if v.require("transStatusReason", string(reason), needReason) && !reason.Valid(ver) {
		v.format("transStatusReason", "not an allowed value for the version")
	}
	needCAVV := cavvRule && in(string(st), "Y", "A")
	if v.require("authenticationValue", string(av), needCAVV) && !validCAVV(ver, string(av)) {
		if ver.AtLeast(Version231) {
			v.format("authenticationValue", "base64, at most 4000 characters")
		} else {
			v.format("authenticationValue", "28 characters of base64")
		}
	}
	if eci != "" && !validECI(string(eci)) {
		v.format("eci", "2 characters")
	}
}

func validECI(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

// validCAVV: 28 characters of standard base64 (a 20-byte value) up to 2.2.0;
// 2.3.1 allows longer values (≤4000), base64 or base64url.
func validCAVV(ver Version, s string) bool {
	if ver.AtLeast(Version231) {
		if len(s) > 4000 {
			return false
		}
		_, err := DecodeBase64URL(s)
		return err == nil
	}
	if len(s) != 28 {
		return false
	}
	_, err := base64.StdEncoding.DecodeString(s)
	return err == nil
}

func isJWS(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return false
	}
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			c := p[i]
			if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-' || c == '_' || c == '=') {
				return false
			}
		}
	}
	return true
}

func (v *validator) renderingType(r *ACSRenderingType, ver Version) {
	if r == nil {
		return
	}
	hi := 5
	if ver.AtLeast(Version220) {
		hi = 7
	}
	v.code2("acsRenderingType.acsInterface", r.ACSInterface, true, 1, 2, false)
	v.code2("acsRenderingType.acsUiTemplate", r.ACSUITemplate, true, 1, hi, false)
}

func (v *validator) authMethod(ver Version, t AuthenticationType, ms []AuthenticationMethod) {
	if t != "" && !t.Valid(ver) {
		v.format("authenticationType", "not an allowed value for the version")
	}
	for i, m := range ms {
		if !m.Valid(ver) {
			v.format("authenticationMethod["+strconv.Itoa(i)+"]", "not an allowed value")
		}
	}
}

func (v *validator) cardholderInfo(c *CardholderInfo) {
	if c == nil {
		return
	}
	if c.Text == "" {
		if !v.st.isEmpty("cardholderInfo.text") && (len(c.IssuerImage) == 0 && len(c.PaymentSystemImage) == 0) {
			v.missing("cardholderInfo.text", "required in cardholderInfo")
		}
		return
	}
	field := "cardholderInfo"
	if v.v.AtLeast(Version231) {
		field = "cardholderInfo.text"
	}
	v.text(field, c.Text, 1, 128, true)
}
