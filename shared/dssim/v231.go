package dssim

import (
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// 2.3.1 card ranges: per scheme (Visa and Mastercard) one range whose ACS
// speaks 2.2.0 and 2.3.1 (whatever Config.ACSEndVersion says for the other
// ranges), so the 2.3.1 behaviours below can be tested next to the 2.1.0 and
// 2.2.0 ones. The two PAN digits before the check digit are the scenario, as
// on the main ranges (V231TestPAN).
//
// What a 2.3.1 ACS and DS do here that the other ranges do not (checked
// against clearhaus/3DSv2-api-documentation: source/differences_v220_v231.rst,
// source/preauth.rst and the matrices source/_static/areq_231.html,
// ares_231.html, rreq_231.html):
//
//   - The PRes lists the range's acsProtocolVersions, each with its own
//     threeDSMethodURL (2.2.0: /acs/method, 2.3.1: /acs/method/v231) and
//     acsInfoInd (01–04: decoupled and trust list supported).
//   - The DS requires acquirerCountryCode and acquirerCountryCodeSource in a
//     2.3.1 AReq (areq_231.html: both "Required", ^[0-9]{3}$ / ^[0-9]{2}$).
//   - threeDSMethodId (areq_231.html: "the 3DS Server Transaction ID used
//     during the previous execution of the 3DS Method", uuid, BRW) stands in
//     for a 3DS Method run: the ACS accepts it for a method it ran under that
//     ID less than MethodReuseWindow ago (Req 441), and only then treats the
//     AReq as threeDSCompInd Y.
//   - Decoupled fallback (threeDSRequestorDecReqInd F or B, areq_231.html):
//     scenario 09 answers D for Y and B as before; for F (decoupled only as a
//     fallback) it challenges, and where no challenge is possible (3RI) it
//     falls back to D at once. Its challenge page has a "use my banking app
//     instead" button: the RReq is then N with transStatusReason 29
//     ("authentication attempted but not completed by the cardholder; fall
//     back to decoupled authentication", rreq_231.html), which tells the
//     requestor to authenticate again as decoupled.
//   - Trust list (trustListStatus/Source replace whiteListStatus/Source): an
//     AReq that says trustListStatus Y gets the ACS's trustListStatus Y, source
//     03 (ACS) and, frictionless, transChallengeExemption 08 (trust list); a
//     challenge requested with challengeInd 09 (trust-list prompt) that the
//     cardholder passes sets trustListStatus Y, source 03 in the RReq.
//   - authenticationMethod (an array in 2.3.1) in the ARes C/D and the RReq.

// MethodReuseWindow is how long a 3DS Method result can be named by a later
// AReq's threeDSMethodId (EMV 3DS 2.3.1 Req 441: 10 minutes).
const MethodReuseWindow = 10 * time.Minute

// v231MethodPath is the 3DS Method URL the 2.3.1 ranges list for 2.3.1.
const v231MethodPath = "/acs/method/v231"

// v231Prefixes are the 2.3.1 ranges' PAN prefixes (13 digits; PAN = prefix +
// scenario + Luhn digit).
var v231Prefixes = map[emv3ds.Scheme]string{
	emv3ds.SchemeVisa:       "4000000002310",
	emv3ds.SchemeMastercard: "5200000002310",
}

// V231TestPAN returns the test PAN of a scenario on the scheme's 2.3.1 range
// ("" for a scheme without one).
func V231TestPAN(scheme emv3ds.Scheme, ss Scenario) string {
	p, ok := v231Prefixes[scheme]
	if !ok || len(ss) != 2 {
		return ""
	}
	d, ok := emv3ds.LuhnCheckDigit(p + string(ss))
	if !ok {
		return ""
	}
	return p + string(ss) + string(d)
}

// v231Ranges are the 2.3.1 card ranges.
func v231Ranges() []rangeDef {
	var out []rangeDef
	for _, sc := range schemes {
		p, ok := v231Prefixes[sc.scheme]
		if !ok {
			continue
		}
		out = append(out, rangeDef{
			scheme: sc.scheme, start: p + "000", end: p + "999", method: true,
			acsStart: emv3ds.Version220, acsEnd: emv3ds.Version231,
			acsInfoInd: []emv3ds.ACSInfoInd{"01", "02", "03", "04"}, since: 1, v231: true,
		})
	}
	return out
}

// lookupV231 is lookupPAN for the 2.3.1 ranges.
func lookupV231(pan string) (schemeInfo, Scenario, bool) {
	for _, sc := range schemes {
		p, ok := v231Prefixes[sc.scheme]
		if !ok || len(pan) != len(p)+3 || pan[:len(p)] != p {
			continue
		}
		d := pan[len(p) : len(p)+2]
		if d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' {
			return schemeInfo{}, "", false
		}
		if _, known := scenarioByCode(Scenario(d)); !known {
			d = string(ScenarioFrictionlessY)
		}
		return sc, Scenario(d), true
	}
	return schemeInfo{}, "", false
}

// v231MethodURL is the 3DS Method URL a 2.3.1 range lists for version v.
func v231MethodURL(methodBase string, v emv3ds.Version) string {
	if v == emv3ds.Version231 {
		return methodBase + v231MethodPath[len(methodPath):]
	}
	return methodBase
}

// checkAReq231 is the DS's 2.3.1 rule for the 2.3.1 ranges: the acquirer
// country elements are required (areq_231.html).
func checkAReq231(a *emv3ds.AReq) error {
	if a.MessageVersion != emv3ds.Version231 {
		return nil
	}
	var fs []emv3ds.FieldError
	for _, f := range []struct{ name, v string }{{"acquirerCountryCode", a.AcquirerCountryCode}, {"acquirerCountryCodeSource", a.AcquirerCountryCodeSource}} {
		if f.v == "" {
			fs = append(fs, emv3ds.FieldError{Field: f.name, Rule: "required in 2.3.1", Code: emv3ds.ErrorCodeRequiredMissing, Err: emv3ds.ErrMissing})
		}
	}
	if len(fs) == 0 {
		return nil
	}
	return &emv3ds.ValidationError{Fields: fs}
}

// methodDone reports whether the ACS may treat the AReq as after a completed
// 3DS Method: on the 2.3.1 ranges the method must have run under this
// transaction's ID at the version's URL, or threeDSMethodId must name a run
// of the last MethodReuseWindow; elsewhere threeDSCompInd Y is trusted.
func (s *Simulator) methodDone(a *emv3ds.AReq, rng rangeDef) bool {
	if a.ThreeDSCompInd != emv3ds.ThreeDSCompIndCompleted {
		return false
	}
	if !rng.v231 {
		return true
	}
	if a.ThreeDSMethodID != "" {
		return s.methods.ranWithin(a.ThreeDSMethodID, MethodReuseWindow)
	}
	return s.methods.ranWithin(a.ThreeDSServerTransID, MethodReuseWindow)
}

// MethodRuns counts the 3DS Method runs the ACS saw under an ID in this
// process.
func (s *Simulator) MethodRuns(threeDSServerTransID string) int {
	s.methods.mu.Lock()
	defer s.methods.mu.Unlock()
	return s.methods.runs[threeDSServerTransID]
}

// trustList231 fills the ACS's trust-list answer of a 2.3.1 range.
func trustList231(a *emv3ds.AReq, ares *emv3ds.ARes) {
	if a.TrustListStatus != "Y" {
		return
	}
	ares.TrustListStatus, ares.TrustListStatusSource = "Y", "03"
	if ares.TransStatus == emv3ds.TransStatusAuthenticated {
		ares.TransChallengeExemption = "08"
	}
}

// fallbackAllowed reports whether the challenge may end in the 2.3.1
// decoupled fallback: the AReq said F or B.
func (t *txn) fallbackAllowed() bool {
	return t.version.AtLeast(emv3ds.Version231) && (t.decReqInd == emv3ds.DecReqIndFallback || t.decReqInd == emv3ds.DecReqIndBoth)
}
