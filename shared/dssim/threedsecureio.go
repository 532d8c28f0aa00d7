package dssim

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/open3ds/server/shared/emv3ds"
)

// 3dsecure.io sandbox test cards (clearhaus/3DSv2-api-documentation,
// sandbox.rst): 16 digits, a first digit, "00010", a two-digit test number,
// "1111", then d1 d2 d3 d4. d1 is the version range (0 = 2.1 and 2.2, 1 =
// 2.1 only, 2 = 2.2 only), d2 the 3DS Method (0 present, 1 missing, 2
// timeout), d3 the ARes (0 Y, 1 N, 2 A, 3 R, 4 I, 5 U, 6 DS timeout, 7 C)
// and, for C, d4 the challenge (0 auto-pass Y, 1 auto-fail N, 2 manual).
// These PANs do not pass Luhn.

// Scenarios only 3dsecure.io-style cards reach: a challenge page that
// submits itself.
const (
	ScenarioAutoPass Scenario = "T0" // challenge page auto-submits → Y
	ScenarioAutoFail Scenario = "T1" // challenge page auto-submits → N
)

// NotEnrolledTestPAN is 3dsecure.io's "card not enrolled" test card: it lies
// in no card range.
const NotEnrolledTestPAN = "9000100111111111"

// IsThreeDSecureIOTestPAN reports whether pan has the 3dsecure.io sandbox
// test-card pattern (first digit 3–9, "00010", two digits, "1111", four
// digits).
func IsThreeDSecureIOTestPAN(pan string) bool {
	if len(pan) != 16 || pan[0] < '3' || pan[0] > '9' || pan[1:6] != "00010" || pan[8:12] != "1111" {
		return false
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return false
		}
	}
	return true
}

// inIORange reports whether pan lies in the broad 3dsecure.io ranges
// d000100000000000–d000109999999999 (d 3–9).
func inIORange(pan string) bool {
	if len(pan) != 16 || pan[0] < '3' || pan[0] > '9' || pan[1:6] != "00010" {
		return false
	}
	for i := 0; i < len(pan); i++ {
		if pan[i] < '0' || pan[i] > '9' {
			return false
		}
	}
	return true
}

// ioScheme is the scheme of a 3dsecure.io test card by its first digit: 4
// Visa, 5 Mastercard, 3 Amex, others Visa.
func ioScheme(pan string) schemeInfo {
	want := emv3ds.SchemeVisa
	switch pan[0] {
	case '5':
		want = emv3ds.SchemeMastercard
	case '3':
		want = emv3ds.SchemeAmex
	}
	for _, s := range schemes {
		if s.scheme == want {
			return s
		}
	}
	return schemes[0]
}

// ioScenario maps a 3dsecure.io test PAN's d3 d4 to a scenario; ok is false
// for a PAN outside the pattern or the not-enrolled card.
func ioScenario(pan string) (Scenario, bool) {
	if !inIORange(pan) || pan == NotEnrolledTestPAN {
		return "", false
	}
	switch pan[14] {
	case '0':
		return ScenarioFrictionlessY, true
	case '1':
		return ScenarioFrictionlessN, true
	case '2':
		return ScenarioAttempts, true
	case '3':
		return ScenarioRejected, true
	case '4':
		return ScenarioInformational, true
	case '5':
		return ScenarioUnavailable, true
	case '6':
		return ScenarioDSTimeout, true
	case '7':
		switch pan[15] {
		case '0':
			return ScenarioAutoPass, true
		case '1':
			return ScenarioAutoFail, true
		}
		return ScenarioChallenge, true
	}
	return ScenarioFrictionlessY, true // d3 8 and 9 are undocumented
}

// silentMethodSuffix is appended to the 3DS Method URL of a range whose
// method page records the run but never posts the notification (d2 = 2).
const silentMethodSuffix = "/silent"

// ioExactPANs are the documented example PANs (and the demo client's
// default card) that get an exact card range with their d1/d2 attributes.
var ioExactPANs = []string{
	"5000100411110203", "4000100511112003", "6000100611111103", "3000100811111072",
	"7000100911112070", "3000101011111071", "9000100811111111",
}

// ioRanges are the card ranges of the 3dsecure.io test cards: per first
// digit 3–9 the broad range d000100000000000–d000109999999999 with the
// defaults (2.1.0 to acsEnd, 3DS Method present), split around the exact
// ranges (start = end) of the example PANs, which carry their d1/d2
// attributes, and around the not-enrolled card (a gap). A PRes must not
// carry overlapping ranges, so the pieces never overlap.
func ioRanges(acsEnd emv3ds.Version) []rangeDef {
	ind := []emv3ds.ACSInfoInd{"01", "02"}
	base := func(pan string) rangeDef {
		return rangeDef{scheme: ioScheme(pan).scheme, method: true, acsStart: emv3ds.Version210, acsEnd: acsEnd, acsInfoInd: ind, since: 1}
	}
	pad := func(n uint64) string { return fmt.Sprintf("%016d", n) }
	var out []rangeDef
	for c := uint64(3); c <= 9; c++ {
		lo, hi := c*1e15+1e11, c*1e15+1e11+1e10-1 // d00010 0000000000 … d00010 9999999999
		var holes []uint64
		for _, p := range append(append([]string(nil), ioExactPANs...), NotEnrolledTestPAN) {
			n, _ := strconv.ParseUint(p, 10, 64)
			if n >= lo && n <= hi {
				holes = append(holes, n)
			}
		}
		sort.Slice(holes, func(i, j int) bool { return holes[i] < holes[j] })
		next := lo
		for _, h := range holes {
			if h > next {
				d := base(pad(lo))
				d.start, d.end = pad(next), pad(h-1)
				out = append(out, d)
			}
			next = h + 1
			p := pad(h)
			if p == NotEnrolledTestPAN {
				continue
			}
			d := base(p)
			d.start, d.end = p, p
			switch p[12] {
			case '1':
				d.acsEnd = emv3ds.Version210
			case '2':
				d.acsStart = emv3ds.Version220
			}
			d.method = p[13] != '1'
			d.silentMethod = p[13] == '2'
			out = append(out, d)
		}
		if next <= hi {
			d := base(pad(lo))
			d.start, d.end = pad(next), pad(hi)
			out = append(out, d)
		}
	}
	return out
}
