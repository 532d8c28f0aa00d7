package dssim

import (
	"strings"

	"github.com/open3ds/server/shared/emv3ds"
)

// Worldpay Access 3DS "Try" test values (developer.worldpay.com
// /products/3ds/v2/testing, docs.worldpay.com/access/products/3ds/…/testing):
// with the v1/v2 API the outcome is chosen by a magic cardholderName on one
// of Worldpay's test card numbers; any other name is Worldpay's default,
// 3ds2-challenge-identified. The v3 API chooses by card number: Cardinal's
// PANs (cardinal_cards.go). Honoured when Config.VendorTestCards names
// "worldpay" (sandbox only).

// WorldpayTestPANs are Worldpay's test card numbers (any outcome).
var WorldpayTestPANs = []struct {
	PAN    string
	Scheme emv3ds.Scheme
}{
	{"343434343434343", emv3ds.SchemeAmex},
	{"5555555555554444", emv3ds.SchemeMastercard}, {"5454545454545454", emv3ds.SchemeMastercard},
	{"2221000000000009", emv3ds.SchemeMastercard}, {"5163613613613613", emv3ds.SchemeMastercard},
	{"4444333322221111", emv3ds.SchemeVisa}, {"4911830000000", emv3ds.SchemeVisa}, {"4917610000000000", emv3ds.SchemeVisa},
	{"4462030000000000", emv3ds.SchemeVisa}, {"4917610000000000003", emv3ds.SchemeVisa}, {"4917300800000000", emv3ds.SchemeVisa},
	{"4484070000000000", emv3ds.SchemeVisa},
}

// WorldpayMagicName is one magic cardholderName and how the simulator
// plays it. Confirmed: the name is on Worldpay's testing page; otherwise it
// follows the page's naming pattern and is unconfirmed.
type WorldpayMagicName struct {
	Name      string
	Scenario  Scenario
	Outcome   string // the Worldpay outcome it leads to with us
	Confirmed bool
}

// WorldpayDefaultName is the scenario of any other cardholderName.
const WorldpayDefaultName = "3ds2-challenge-identified"

// WorldpayMagicNames are the names (compared case-insensitively; the
// legacy upper-case aliases such as 3DS_V2_FRICTIONLESS_IDENTIFIED too).
var WorldpayMagicNames = []WorldpayMagicName{
	{"3ds2-frictionless-identified", ScenarioFrictionlessY, "authenticated", true},
	{"3ds2-challenge-identified", ScenarioChallenge, "challenged → authenticated (OTP 1234)", true},
	{"3ds1-challenge-identified", ScenarioChallenge, "challenged → authenticated (played as 3DS2: no 3DS1 here)", true},
	{"3ds1-invalid-signature", ScenarioInvalidARes, "signatureFailed (an ARes without its authentication value)", true},
	{"3ds1-authentication-unavailable", ScenarioUnavailable, "unavailable", true},
	{"3ds2-frictionless-failed", ScenarioFrictionlessN, "authenticationFailed", false},
	{"3ds2-frictionless-unavailable", ScenarioUnavailable, "unavailable", false},
	{"3ds2-challenge-failed", ScenarioAutoFail, "challenged → authenticationFailed", false},
}

// worldpayName normalises a cardholderName: lower case, "_" as "-", and
// the legacy "3ds-v2-"/"3ds-v1-" spelling as "3ds2-"/"3ds1-".
func worldpayName(n string) string {
	n = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(n)), "_", "-")
	n = strings.Replace(n, "3ds-v2-", "3ds2-", 1)
	return strings.Replace(n, "3ds-v1-", "3ds1-", 1)
}

func worldpayScenario(name string) Scenario {
	n := worldpayName(name)
	for _, m := range WorldpayMagicNames {
		if m.Name == n {
			return m.Scenario
		}
	}
	return ScenarioChallenge
}

// vendorSets are the vendor test-card sets a Config enables.
func (c Config) vendorSet(name string) bool {
	for _, s := range c.VendorTestCards {
		if strings.EqualFold(strings.TrimSpace(s), name) {
			return true
		}
	}
	return false
}

// vendorRanges are the exact card ranges (start = end) of the enabled
// vendor test cards: 2.1.0 to acsEnd, with a 3DS Method.
func vendorRanges(c Config, acsEnd emv3ds.Version) []rangeDef {
	var out []rangeDef
	add := func(pan string, scheme emv3ds.Scheme) {
		out = append(out, rangeDef{scheme: scheme, start: pan, end: pan, method: true, acsStart: emv3ds.Version210, acsEnd: acsEnd,
			acsInfoInd: []emv3ds.ACSInfoInd{"01", "02"}, since: 2})
	}
	if c.vendorSet("worldpay") {
		for _, p := range WorldpayTestPANs {
			add(p.PAN, p.Scheme)
		}
	}
	if c.vendorSet("worldpay") || c.vendorSet("cardinal") {
		for _, p := range CardinalCards {
			add(p.PAN, p.Scheme)
		}
	}
	return out
}

// vendorScenario is the scheme and scenario of an enabled vendor test
// card; ok is false for any other PAN.
func (s *Simulator) vendorScenario(pan, cardholderName string) (schemeInfo, Scenario, bool) {
	scheme := func(want emv3ds.Scheme) schemeInfo {
		for _, sc := range schemes {
			if sc.scheme == want {
				return sc
			}
		}
		return schemes[0]
	}
	if s.cfg.vendorSet("worldpay") {
		for _, p := range WorldpayTestPANs {
			if p.PAN == pan {
				return scheme(p.Scheme), worldpayScenario(cardholderName), true
			}
		}
	}
	if s.cfg.vendorSet("worldpay") || s.cfg.vendorSet("cardinal") {
		if c, ok := cardinalCard(pan); ok {
			return scheme(c.Scheme), c.Scenario, true
		}
	}
	return schemeInfo{}, "", false
}
