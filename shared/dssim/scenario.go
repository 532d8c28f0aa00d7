package dssim

import "github.com/open3ds/server/shared/emv3ds"

// Scenario is the two-digit test-card behaviour code: the two PAN digits
// before the Luhn check digit (architecture.md §6).
type Scenario string

// Scenarios (README.md has the full table).
const (
	ScenarioFrictionlessY     Scenario = "00" // ARes Y with CAVV
	ScenarioFrictionlessN     Scenario = "01" // ARes N, reason 01
	ScenarioAttempts          Scenario = "02" // ARes A with CAVV
	ScenarioUnavailable       Scenario = "03" // ARes U, reason 22 (ACS technical issue)
	ScenarioRejected          Scenario = "04" // ARes R, reason 11
	ScenarioChallenge         Scenario = "05" // ARes C; OTP 1234 → Y
	ScenarioMethodChallenge   Scenario = "06" // 3DS Method URL; challenge as 05
	ScenarioMethodFrictionles Scenario = "07" // 3DS Method URL; Y when threeDSCompInd=Y, else challenge
	ScenarioInformational     Scenario = "08" // I on challengeInd 05/06/07, else Y
	ScenarioDecoupled         Scenario = "09" // D when threeDSRequestorDecReqInd=Y, else challenge
	ScenarioDSTimeout         Scenario = "10" // the DS holds the AReq
	ScenarioDSErro            Scenario = "11" // Erro 305 from the DS
	ScenarioInvalidARes       Scenario = "12" // ARes Y without authenticationValue
	ScenarioVersion210        Scenario = "13" // card range ACS 2.1.0 only
	ScenarioSlowACS           Scenario = "14" // ARes Y after SlowACSDelay
	ScenarioDuplicateRReq     Scenario = "15" // challenge; the RReq is delivered twice
)

// scenarioInfo describes one scenario for the card-range table and docs.
type scenarioInfo struct {
	ss         Scenario
	name       string
	method     bool     // the ACS has a 3DS Method URL
	only210    bool     // the ACS supports 2.1.0 only
	acsInfoInd []string // PRes acsInfoInd (2.2.0+); nil means 01, 02
	behaviour  string   // one line for the test-card list
}

var scenarios = []scenarioInfo{
	{ss: "00", name: "frictionless-y", behaviour: "frictionless Y with authenticationValue"},
	{ss: "01", name: "frictionless-n", behaviour: "frictionless N, transStatusReason 01"},
	{ss: "02", name: "attempts", behaviour: "attempts A with authenticationValue"},
	{ss: "03", name: "unavailable", behaviour: "U, transStatusReason 22 (ACS technical issue)"},
	{ss: "04", name: "rejected", behaviour: "R, transStatusReason 11"},
	{ss: "05", name: "challenge", behaviour: "challenge C: OTP 1234 → Y, 3 wrong → N, cancel → N/challengeCancel 01"},
	{ss: "06", name: "method-challenge", method: true, behaviour: "3DS Method URL; challenge as 05"},
	{ss: "07", name: "method-frictionless", method: true, behaviour: "3DS Method URL; Y when threeDSCompInd=Y, else challenge"},
	{ss: "08", name: "informational", behaviour: "I when challengeInd is 05/06/07, else Y"},
	{ss: "09", name: "decoupled", acsInfoInd: []string{"01", "02", "03"}, behaviour: "D when threeDSRequestorDecReqInd=Y (RReq Y after DecoupledDelay), else challenge"},
	{ss: "10", name: "ds-timeout", behaviour: "the DS holds the AReq (HoldTimeout, 60 s), then Erro 402"},
	{ss: "11", name: "ds-erro", behaviour: "Erro 305, errorComponent D"},
	{ss: "12", name: "invalid-ares", behaviour: "ARes Y without authenticationValue"},
	{ss: "13", name: "version-210", only210: true, behaviour: "card range ACS 2.1.0 only; other versions → Erro 102"},
	{ss: "14", name: "slow-acs", behaviour: "ARes Y after SlowACSDelay (3 s)"},
	{ss: "15", name: "duplicate-rreq", behaviour: "challenge as 05; the RReq is delivered twice"},
}

func scenarioByCode(ss Scenario) (scenarioInfo, bool) {
	for _, s := range scenarios {
		if s.ss == ss {
			return s, true
		}
	}
	return scenarioInfo{}, false
}

// schemeInfo holds the per-scheme constants of the simulated DS and ACSs.
type schemeInfo struct {
	scheme emv3ds.Scheme
	// prefix is the PAN before the scenario digits; PANs are prefix + SS +
	// check digit.
	prefix           string
	eciY, eciA, eciI emv3ds.ECI
	dsRefNumber      string
	acsRefNumber     string
	acsOperatorID    string
	dsName           string
}

var schemes = []schemeInfo{
	{
		scheme: emv3ds.SchemeVisa, prefix: "4000000000001",
		eciY: "05", eciA: "06", eciI: "07",
		dsRefNumber: "3DS_LOA_DIS_DSSM_020200_00101", acsRefNumber: "3DS_LOA_ACS_DSSM_020200_00201",
		acsOperatorID: "DSSIM-ACS-VISA", dsName: "Visa Secure",
	},
	{
		scheme: emv3ds.SchemeMastercard, prefix: "5200000000001",
		eciY: "02", eciA: "01", eciI: "04",
		dsRefNumber: "3DS_LOA_DIS_DSSM_020200_00102", acsRefNumber: "3DS_LOA_ACS_DSSM_020200_00202",
		acsOperatorID: "DSSIM-ACS-MC", dsName: "Mastercard Identity Check",
	},
	{
		scheme: emv3ds.SchemeAmex, prefix: "340000000001",
		eciY: "05", eciA: "06", eciI: "07",
		dsRefNumber: "3DS_LOA_DIS_DSSM_020200_00103", acsRefNumber: "3DS_LOA_ACS_DSSM_020200_00203",
		acsOperatorID: "DSSIM-ACS-AMEX", dsName: "American Express SafeKey",
	},
}

// panLen is the length of a scheme's test PANs.
func (s schemeInfo) panLen() int { return len(s.prefix) + 3 }

// TestCard is one simulator test card.
type TestCard struct {
	Scheme    emv3ds.Scheme
	Scenario  Scenario
	PAN       string // a test PAN, not a real card
	Behaviour string
}

// TestCards lists every scenario's test card for every scheme, Visa first.
func TestCards() []TestCard {
	var out []TestCard
	for _, sc := range schemes {
		for _, s := range scenarios {
			out = append(out, TestCard{Scheme: sc.scheme, Scenario: s.ss, PAN: TestPAN(sc.scheme, s.ss), Behaviour: s.behaviour})
		}
	}
	return out
}

// TestPAN returns the test PAN of a scheme and scenario ("" for a scheme the
// simulator does not serve or a scenario that is not two digits).
func TestPAN(scheme emv3ds.Scheme, ss Scenario) string {
	for _, sc := range schemes {
		if sc.scheme == scheme && len(ss) == 2 {
			body := sc.prefix + string(ss)
			d, ok := emv3ds.LuhnCheckDigit(body)
			if !ok {
				return ""
			}
			return body + string(d)
		}
	}
	return ""
}

// lookupPAN finds the scheme and scenario of a PAN inside the simulator's
// ranges. ok is false for a PAN outside every range (not enrolled). PANs in
// a range whose scenario digits name no scenario (16–99) behave as 00.
func lookupPAN(pan string) (sc schemeInfo, ss Scenario, ok bool) {
	if sc, ss, ok := lookupV231(pan); ok { // 2.3.1 ranges (v231.go)
		return sc, ss, true
	}
	if inIORange(pan) {
		ss, ok := ioScenario(pan)
		if !ok {
			return schemeInfo{}, "", false
		}
		return ioScheme(pan), ss, true
	}
	for _, s := range schemes {
		if len(pan) != s.panLen() || pan[:len(s.prefix)] != s.prefix {
			continue
		}
		d := pan[len(s.prefix) : len(s.prefix)+2]
		if d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || pan[len(pan)-1] < '0' || pan[len(pan)-1] > '9' {
			return schemeInfo{}, "", false
		}
		if _, known := scenarioByCode(Scenario(d)); !known {
			d = string(ScenarioFrictionlessY)
		}
		return s, Scenario(d), true
	}
	return schemeInfo{}, "", false
}

func (s Scenario) String() string { return string(s) }
