package dssim

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

// Worldpay Try's cards: every one Luhn-valid, in a range only with the
// "worldpay" set, its scenario chosen by the magic cardholderName.
func TestWorldpayTestCards(t *testing.T) {
	on := &Simulator{cfg: Config{VendorTestCards: []string{"3dsecureio", " worldpay"}}}
	off := &Simulator{cfg: Config{}}
	for _, p := range WorldpayTestPANs {
		require.True(t, emv3ds.LuhnValid(p.PAN), p.PAN)
		sc, ss, ok := on.vendorScenario(p.PAN, "Bob Smith")
		require.True(t, ok, p.PAN)
		require.Equal(t, p.Scheme, sc.scheme, p.PAN)
		require.Equal(t, ScenarioChallenge, ss, "any other name is 3ds2-challenge-identified")
		_, _, ok = off.vendorScenario(p.PAN, "Bob Smith")
		require.False(t, ok, "not without the worldpay set")
	}
	for name, want := range map[string]Scenario{
		"3ds2-frictionless-identified":    ScenarioFrictionlessY,
		"3DS_V2_FRICTIONLESS_IDENTIFIED":  ScenarioFrictionlessY,
		"3DS_V1_CHALLENGE_IDENTIFIED":     ScenarioChallenge,
		"3ds1-invalid-signature":          ScenarioInvalidARes,
		"3ds1-authentication-unavailable": ScenarioUnavailable,
		"3ds2-frictionless-failed":        ScenarioFrictionlessN,
		"3ds2-challenge-failed":           ScenarioAutoFail,
		"Sherlock Holmes":                 ScenarioChallenge,
	} {
		_, ss, _ := on.vendorScenario("4444333322221111", name)
		require.Equal(t, want, ss, name)
	}
	defs := vendorRanges(on.cfg, emv3ds.Version220)
	require.Len(t, defs, len(WorldpayTestPANs)+len(CardinalCards))
	require.Empty(t, vendorRanges(off.cfg, emv3ds.Version220))
}

// Cardinal's PANs: Luhn-valid, outside the simulator's own ranges (so they
// change none of its cards), played with the "cardinal" or "worldpay" set.
func TestCardinalCards(t *testing.T) {
	own := newRangeTable(emv3ds.Version220)
	sim := &Simulator{cfg: Config{VendorTestCards: []string{"cardinal"}}}
	for _, c := range CardinalCards {
		require.True(t, emv3ds.LuhnValid(c.PAN), c.PAN)
		_, found := own.find(c.PAN)
		require.False(t, found, "%s is one of the simulator's own cards", c.PAN)
		sc, ss, ok := sim.vendorScenario(c.PAN, "")
		require.True(t, ok)
		require.Equal(t, c.Scheme, sc.scheme)
		require.Equal(t, c.Scenario, ss)
	}
	_, _, ok := sim.vendorScenario("4444333322221111", "")
	require.False(t, ok, "Worldpay's own cards need the worldpay set")
	// The 2.1.0 column is the simulator's own Visa cards.
	for pan, want := range map[string]Scenario{"4000000000001000": "00", "4000000000001018": "01", "4000000000001026": "02",
		"4000000000001034": "03", "4000000000001042": "04", "4000000000001091": "09"} {
		_, ss, ok := lookupPAN(pan)
		require.True(t, ok)
		require.Equal(t, want, ss, pan)
	}
}
