package dssim

import "github.com/open3ds/server/shared/emv3ds"

// Cardinal Commerce's EMV 3DS test PANs ("EMV 3DS Test Cases",
// cardinaldocs.atlassian.net pageId 903577725; the same PANs are listed by
// NMI, Cielo and Cybersource), which Worldpay's v3 3DS testing page also
// uses: the card number alone picks the outcome. Honoured when
// Config.VendorTestCards names "cardinal" or "worldpay" (sandbox only).

// CardinalCard is one of Cardinal's test PANs as the simulator plays it.
type CardinalCard struct {
	PAN      string
	Scheme   emv3ds.Scheme
	Scenario Scenario
	// Expect is Cardinal's documented result, Source says how sure we are.
	Expect, Source string
}

// CardinalCards are the PANs with their own card range (the 2.2.0 column).
// The 2.1.0 column (4000000000001000 Y, …1018 N, …1026 A, …1034 U, …1042 R,
// …1091 challenge Y) are the simulator's own Visa scenario cards 00–04 and
// 09 and already behave so; …1109 and …1117 (challenge N, challenge U) are
// its scenarios 10 and 11 (DS timeout, DS Erro) and keep that behaviour.
var CardinalCards = []CardinalCard{
	{"4000000000002701", emv3ds.SchemeVisa, ScenarioFrictionlessY, "frictionless Y (authenticated)", "confirmed"},
	{"4000000000002925", emv3ds.SchemeVisa, ScenarioFrictionlessN, "frictionless N (authenticationFailed)", "confirmed"},
	{"4000000000002719", emv3ds.SchemeVisa, ScenarioAttempts, "attempts A (authenticated, ECI 06)", "confirmed"},
	{"4000000000002313", emv3ds.SchemeVisa, ScenarioUnavailable, "U (unavailable)", "confirmed"},
	{"4000000000002537", emv3ds.SchemeVisa, ScenarioRejected, "R (authenticationFailed)", "confirmed"},
	{"4000000000002503", emv3ds.SchemeVisa, ScenarioChallenge, "challenge → Y (OTP 1234 here)", "confirmed"},
	{"4000000000002370", emv3ds.SchemeVisa, ScenarioAutoFail, "challenge → N (the challenge page fails by itself here)", "confirmed"},
	{"4000000000002644", emv3ds.SchemeVisa, ScenarioDSErro, "error on authentication (a DS Erro here)", "confirmed"},
	{"5200000000002235", emv3ds.SchemeMastercard, ScenarioFrictionlessY, "frictionless Y (authenticated)", "confirmed"},
	{"340000000002708", emv3ds.SchemeAmex, ScenarioFrictionlessY, "frictionless Y (authenticated)", "confirmed"},
	{"340000000002237", emv3ds.SchemeAmex, ScenarioAutoFail, "challenge → N", "confirmed"},
}

// Not played (no simulator behaviour matches): Visa 4000000000002420 and
// Amex 340000000002484 (challenge → U), Mastercard's challenge-failed card
// (its last digit is not known), JCB 3338000000000296 (the simulator has
// no JCB directory).

func cardinalCard(pan string) (CardinalCard, bool) {
	for _, c := range CardinalCards {
		if c.PAN == pan {
			return c, true
		}
	}
	return CardinalCard{}, false
}
