package emv3ds

import (
	"sort"
	"strconv"
)

// RReqContext is what the 3DS Server knows about the transaction an RReq
// answers. Zero fields are unknown and their cross-checks are skipped.
type RReqContext struct {
	MessageVersion       Version
	MessageCategory      MessageCategory
	DeviceChannel        DeviceChannel
	ThreeDSServerTransID string
	Decoupled            bool // the ARes was D: interactionCounter is not required
}

// Validate checks an RReq on its own (it carries messageCategory, so the
// payment rules always apply) and against ctx.
func (m *RReq) Validate(ctx RReqContext) error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeRReq)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	ver := m.MessageVersion
	if ctx.MessageVersion != "" && ctx.MessageVersion != ver {
		v.format("messageVersion", "must equal the AReq's messageVersion")
	}
	v.transIDs(m.ThreeDSServerTransID, ctx.ThreeDSServerTransID, m.ACSTransID, m.DSTransID)
	v.uuid("sdkTransID", m.SDKTransID, ctx.DeviceChannel == DeviceChannelApp)
	cat := m.MessageCategory
	if v.require("messageCategory", string(cat), true) && !cat.Valid(ver) {
		v.format("messageCategory", "not an allowed value")
	}
	if ctx.MessageCategory != "" && cat != "" && cat != ctx.MessageCategory {
		v.format("messageCategory", "must equal the AReq's messageCategory")
	}
	pa := cat == MessageCategoryPayment
	st := m.TransStatus
	if v.require("transStatus", string(st), pa) && !in(string(st), "Y", "N", "U", "A", "R") {
		v.format("transStatus", "Y, N, U, A or R in an RReq")
	}
	v.outcome(ver, st, m.TransStatusReason, m.AuthenticationValue, m.ECI, cat != MessageCategoryNonPayment, pa)
	v.authMethod(ver, m.AuthenticationType, m.AuthenticationMethod)

	decoupled := ctx.Decoupled || m.AuthenticationType == AuthenticationTypeDecoupled ||
		hasMethod(m.AuthenticationMethod, AuthenticationMethodDecoupled) || m.ChallengeCancel == ChallengeCancelDecoupledExpiry
	v.digits("interactionCounter", m.InteractionCounter, 2, 2, !decoupled)
	if m.ChallengeCancel != "" && !m.ChallengeCancel.Valid(ver) {
		v.format("challengeCancel", "not an allowed value for the version")
	}
	if m.TransStatusReason == TransStatusReasonACSTimeout && m.ChallengeCancel != "" &&
		!in(string(m.ChallengeCancel), "04", "05") {
		v.notAllowed("challengeCancel", "must be 04 or 05 when transStatusReason is 14")
	}
	// Without the context, sdkTransID (R for APP only, §8.4) marks an app RReq.
	appCh := ctx.DeviceChannel == DeviceChannelApp || ctx.DeviceChannel == "" && m.SDKTransID != ""
	if appCh && !decoupled {
		v.requireIf("acsRenderingType", m.ACSRenderingType != nil, true, "for an app challenge")
	}
	v.renderingType(m.ACSRenderingType, ver)
	v.cardholderInfo(m.CardholderInfo)
	if ver.AtLeast(Version220) {
		v.enum(trustName(ver, "Status"), m.TrustListStatus, false, "Y", "N", "E", "P", "R", "U")
		v.code2(trustName(ver, "StatusSource"), m.TrustListStatusSource, false, 1, 3, true)
	}
	if ver.AtLeast(Version231) {
		v.text("transStatusReasonInfo", m.TransStatusReasonInfo, 1, 256, false)
		v.text("challengeErrorReporting", m.ChallengeErrorReporting, 1, 2048, false)
	}
	v.extensions(m.MessageExtension)
	return v.err()
}

func hasMethod(ms []AuthenticationMethod, want AuthenticationMethod) bool {
	for _, m := range ms {
		if m == want {
			return true
		}
	}
	return false
}

// Validate checks an RRes.
func (m *RRes) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeRRes)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	v.transIDs(m.ThreeDSServerTransID, "", m.ACSTransID, m.DSTransID)
	v.uuid("sdkTransID", m.SDKTransID, false)
	if v.require("resultsStatus", string(m.ResultsStatus), true) && !m.ResultsStatus.Valid(m.MessageVersion) {
		v.format("resultsStatus", "not an allowed value")
	}
	v.extensions(m.MessageExtension)
	return v.err()
}

// Validate checks a PReq.
func (m *PReq) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypePReq)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	v.uuid("threeDSServerTransID", m.ThreeDSServerTransID, true)
	v.ascii("threeDSServerRefNumber", m.ThreeDSServerRefNumber, 1, 32, true)
	v.ascii("threeDSServerOperatorID", m.ThreeDSServerOperatorID, 1, 32, false)
	v.ascii("serialNum", m.SerialNum, 1, 20, false)
	v.extensions(m.MessageExtension)
	return v.err()
}

// Validate checks a PRes: IDs, protocol versions in the shape of its version,
// and every card range (13–19 digits, same length, start ≤ end, versions in
// order, method URL, acsInfoInd). Ranges added or modified must not overlap
// (205 in 2.3.1, 203 before).
func (m *PRes) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypePRes)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	ver := m.MessageVersion
	v.uuid("threeDSServerTransID", m.ThreeDSServerTransID, true)
	v.uuid("dsTransID", m.DSTransID, true)
	v.ascii("serialNum", m.SerialNum, 1, 20, false)
	if ver.AtLeast(Version231) {
		v.requireIf("dsProtocolVersions", len(m.DSProtocolVersions) > 0 || m.DSStartProtocolVersion != "", true, "in 2.3.1")
		for i, pv := range m.DSProtocolVersions {
			v.semver("dsProtocolVersions["+strconv.Itoa(i)+"]", pv, true)
		}
	} else {
		v.versionRange("ds", m.DSStartProtocolVersion, m.DSEndProtocolVersion, true)
	}
	type span struct {
		start, end string
		i          int
	}
	var spans []span
	for i, c := range m.CardRangeData {
		p := "cardRangeData[" + strconv.Itoa(i) + "]."
		v.digits(p+"startRange", c.StartRange, 13, 19, true)
		v.digits(p+"endRange", c.EndRange, 13, 19, true)
		okRange := isDigits(c.StartRange) && isDigits(c.EndRange)
		if okRange && len(c.StartRange) != len(c.EndRange) {
			v.format(p+"endRange", "same length as startRange")
			okRange = false
		}
		if okRange && c.StartRange > c.EndRange {
			v.format(p+"endRange", "not below startRange")
			okRange = false
		}
		if c.ActionInd != "" && !c.ActionInd.Valid(ver) {
			v.format(p+"actionInd", "A, D or M")
		}
		del := c.Action() == ActionIndDelete
		if ver.AtLeast(Version231) && len(c.ACSProtocolVersions) > 0 || len(c.ACSProtocolVersions) > 0 {
			for j, a := range c.ACSProtocolVersions {
				q := p + "acsProtocolVersions[" + strconv.Itoa(j) + "]."
				v.semver(q+"version", a.Version, true)
				v.url(q+"threeDSMethodURL", a.ThreeDSMethodURL, 256, false)
				v.acsInfo(q+"acsInfoInd", a.ACSInfoInd)
			}
		} else if ver.AtLeast(Version231) {
			v.requireIf(p+"acsProtocolVersions", c.ACSStartProtocolVersion != "", !del, "in 2.3.1")
			v.versionRange(p+"acs", c.ACSStartProtocolVersion, c.ACSEndProtocolVersion, false)
		} else {
			v.versionRange(p+"acs", c.ACSStartProtocolVersion, c.ACSEndProtocolVersion, !del)
		}
		v.versionRange(p+"ds", c.DSStartProtocolVersion, c.DSEndProtocolVersion, false)
		v.url(p+"threeDSMethodURL", c.ThreeDSMethodURL, 256, false)
		v.acsInfo(p+"acsInfoInd", c.ACSInfoInd)
		if okRange && !del {
			spans = append(spans, span{c.StartRange, c.EndRange, i})
		}
	}
	sort.Slice(spans, func(a, b int) bool {
		if len(spans[a].start) != len(spans[b].start) {
			return len(spans[a].start) < len(spans[b].start)
		}
		return spans[a].start < spans[b].start
	})
	code := ErrorCodeInvalidFormat
	if ver.AtLeast(Version231) {
		code = ErrorCodeCardRangeOverlap
	}
	for k := 1; k < len(spans); k++ {
		a, b := spans[k-1], spans[k]
		if len(a.start) == len(b.start) && b.start <= a.end {
			v.add("cardRangeData["+strconv.Itoa(b.i)+"].startRange", "overlaps another card range", code, ErrFormat)
		}
	}
	v.extensions(m.MessageExtension)
	return v.err()
}

func (v *validator) semver(field string, val Version, required bool) {
	if v.require(field, string(val), required) {
		if _, ok := val.parts(); !ok {
			v.format(field, "a version x.y.z")
		}
	}
}

// versionRange checks <prefix>StartProtocolVersion/<prefix>EndProtocolVersion.
func (v *validator) versionRange(prefix string, start, end Version, required bool) {
	v.semver(prefix+"StartProtocolVersion", start, required)
	v.semver(prefix+"EndProtocolVersion", end, required)
	_, sok := start.parts()
	_, eok := end.parts()
	if sok && eok && start.Compare(end) > 0 {
		v.format(prefix+"EndProtocolVersion", "not below the start version")
	}
}

func (v *validator) acsInfo(field string, inds []ACSInfoInd) {
	for _, a := range inds {
		if !a.Valid(v.v) {
			v.format(field, "not an allowed value")
			return
		}
	}
}

// Validate checks a CReq: a browser CReq needs challengeWindowSize; an app
// CReq (with sdkTransID) needs sdkCounterStoA.
func (m *CReq) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeCReq)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	v.uuid("threeDSServerTransID", m.ThreeDSServerTransID, true)
	v.uuid("acsTransID", m.ACSTransID, true)
	app := m.SDKTransID != ""
	v.uuid("sdkTransID", m.SDKTransID, false)
	if v.require("challengeWindowSize", string(m.ChallengeWindowSize), !app) && !m.ChallengeWindowSize.Valid(m.MessageVersion) {
		v.format("challengeWindowSize", "01–05")
	}
	v.digits("sdkCounterStoA", m.SDKCounterStoA, 3, 3, app)
	if m.ChallengeCancel != "" && !ChallengeCancel(m.ChallengeCancel).Valid(m.MessageVersion) {
		v.format("challengeCancel", "not an allowed value for the version")
	}
	v.text("challengeDataEntry", m.ChallengeDataEntry, 1, 45, false)
	v.text("challengeHTMLDataEntry", m.ChallengeHTMLDataEntry, 1, 256, false)
	v.enum("challengeNoEntry", m.ChallengeNoEntry, false, "Y")
	v.yn("resendChallenge", m.ResendChallenge, false)
	v.yn("whitelistingDataEntry", m.WhitelistingDataEntry, false)
	v.extensions(m.MessageExtension)
	return v.err()
}

// Validate checks a CRes: the browser's final CRes needs transStatus Y or N;
// an app CRes needs it only when challengeCompletionInd is Y.
func (m *CRes) Validate() error {
	v := newValidator(m.MessageVersion, m.decoded)
	v.msgType(m.MessageType, MessageTypeCRes)
	if !v.version(m.MessageVersion) {
		return v.err()
	}
	v.uuid("threeDSServerTransID", m.ThreeDSServerTransID, true)
	v.uuid("acsTransID", m.ACSTransID, true)
	v.uuid("sdkTransID", m.SDKTransID, false)
	app := m.SDKTransID != ""
	v.yn("challengeCompletionInd", m.ChallengeCompletionInd, app)
	final := !app || m.ChallengeCompletionInd == "Y"
	if v.require("transStatus", string(m.TransStatus), final) && !in(string(m.TransStatus), "Y", "N") {
		v.format("transStatus", "Y or N in a CRes")
	}
	if app {
		v.digits("acsCounterAtoS", m.ACSCounterAtoS, 3, 3, true)
	}
	v.extensions(m.MessageExtension)
	return v.err()
}

// Validate checks an Erro. threeDSServerTransID is optional: an Erro about a
// PReq, or from a component that never learnt it, has none.
func (e *Erro) Validate() error {
	v := newValidator(e.MessageVersion, e.decoded)
	v.msgType(e.MessageType, MessageTypeErro)
	if !v.version(e.MessageVersion) {
		return v.err()
	}
	v.uuid("threeDSServerTransID", e.ThreeDSServerTransID, false)
	v.uuid("acsTransID", e.ACSTransID, false)
	v.uuid("dsTransID", e.DSTransID, false)
	v.uuid("sdkTransID", e.SDKTransID, false)
	if v.require("errorCode", string(e.ErrorCode), true) && !e.ErrorCode.Valid(e.MessageVersion) {
		v.format("errorCode", "an error code of the version (101–405)")
	}
	if v.require("errorComponent", string(e.ErrorComponent), true) && !e.ErrorComponent.Valid(e.MessageVersion) {
		v.format("errorComponent", "C, S, D or A")
	}
	v.text("errorDescription", e.ErrorDescription, 1, 2048, true)
	v.text("errorDetail", e.ErrorDetail, 1, 2048, true)
	if v.require("errorMessageType", string(e.ErrorMessageType), e.MessageVersion.AtLeast(Version231)) && !e.ErrorMessageType.Valid() {
		v.format("errorMessageType", "a message type")
	}
	v.extensions(e.MessageExtension)
	return v.err()
}
