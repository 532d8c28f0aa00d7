package dssim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/stretchr/testify/require"
)

func TestThreeDSecureIOScenarios(t *testing.T) {
	for _, c := range []struct {
		pan      string
		scheme   emv3ds.Scheme
		ss       Scenario
		enrolled bool
		acsStart emv3ds.Version
		acsEnd   emv3ds.Version
		method   bool
		silent   bool
	}{
		{"9000100811111111", emv3ds.SchemeVisa, ScenarioFrictionlessN, true, emv3ds.Version210, emv3ds.Version210, false, false},
		{"5000100411110203", emv3ds.SchemeMastercard, ScenarioFrictionlessY, true, emv3ds.Version210, emv3ds.Version231, true, true},
		{"4000100511112003", emv3ds.SchemeVisa, ScenarioFrictionlessY, true, emv3ds.Version220, emv3ds.Version231, true, false},
		{"6000100611111103", emv3ds.SchemeVisa, ScenarioFrictionlessY, true, emv3ds.Version210, emv3ds.Version210, false, false},
		{"3000100811111072", emv3ds.SchemeAmex, ScenarioChallenge, true, emv3ds.Version210, emv3ds.Version210, true, false},
		{"7000100911112070", emv3ds.SchemeVisa, ScenarioAutoPass, true, emv3ds.Version220, emv3ds.Version231, true, false},
		{"3000101011111071", emv3ds.SchemeAmex, ScenarioAutoFail, true, emv3ds.Version210, emv3ds.Version210, true, false},
		{"4000100111110063", emv3ds.SchemeVisa, ScenarioDSTimeout, true, emv3ds.Version210, emv3ds.Version231, true, false},
		{"4000100111110053", emv3ds.SchemeVisa, ScenarioUnavailable, true, emv3ds.Version210, emv3ds.Version231, true, false},
		{"4000100111110333", emv3ds.SchemeVisa, ScenarioRejected, true, emv3ds.Version210, emv3ds.Version231, true, false},
		{"4000100111110223", emv3ds.SchemeVisa, ScenarioAttempts, true, emv3ds.Version210, emv3ds.Version231, true, false},
		{"4000100111110443", emv3ds.SchemeVisa, ScenarioInformational, true, emv3ds.Version210, emv3ds.Version231, true, false},
		{NotEnrolledTestPAN, "", "", false, "", "", false, false},
		{"2000100811111111", "", "", false, "", "", false, false},                                                               // first digit outside 3–9
		{"8000100821111111", emv3ds.SchemeVisa, ScenarioFrictionlessN, true, emv3ds.Version210, emv3ds.Version231, true, false}, // broad range defaults
	} {
		sc, ss, ok := lookupPAN(c.pan)
		rng, found := newRangeTable(emv3ds.Version231).find(c.pan)
		if ok != c.enrolled || found != c.enrolled {
			t.Errorf("%s: lookup %v, range %v, want %v", c.pan, ok, found, c.enrolled)
			continue
		}
		if !c.enrolled {
			continue
		}
		if sc.scheme != c.scheme || ss != c.ss {
			t.Errorf("%s: scheme %s scenario %s, want %s %s", c.pan, sc.scheme, ss, c.scheme, c.ss)
		}
		if rng.silentMethod != c.silent {
			t.Errorf("%s: silent method %v, want %v", c.pan, rng.silentMethod, c.silent)
		}
		if rng.acsStart != c.acsStart || rng.acsEnd != c.acsEnd || rng.method != c.method {
			t.Errorf("%s: range %s–%s method %v, want %s–%s %v", c.pan, rng.acsStart, rng.acsEnd, rng.method, c.acsStart, c.acsEnd, c.method)
		}
	}
}

func TestValidateWithSkipsLuhnOnlyForTestPANs(t *testing.T) {
	if IsThreeDSecureIOTestPAN("4000000000001000") || IsThreeDSecureIOTestPAN("8000100821111111") {
		t.Fatal("a Luhn test PAN of the simulator is not a 3dsecure.io card")
	}
	for _, p := range ioExactPANs {
		if emv3ds.LuhnValid(p) {
			t.Errorf("%s passes Luhn; the test would prove nothing", p)
		}
	}
}

// The DS accepts the non-Luhn test PANs, and the auto-pass/auto-fail
// challenge pages submit themselves to Y and N.
func TestThreeDSecureIOThroughDS(t *testing.T) {
	t.Parallel()
	e := start(t, nil)

	ares := e.authenticate(t, e.areq(t, "browser", "9000100811111111", emv3ds.Version210))
	require.Equal(t, emv3ds.TransStatusNotAuthenticated, ares.TransStatus)

	ares = e.authenticate(t, e.areq(t, "browser", "4000100511112003", emv3ds.Version220))
	require.Equal(t, emv3ds.TransStatusAuthenticated, ares.TransStatus)

	er := e.erro(t, e.areq(t, "browser", "4000100511112003", emv3ds.Version210))
	require.Equal(t, emv3ds.ErrorCodeVersionNotSupported, er.ErrorCode, "2.2-only card range")

	er = e.erro(t, e.areq(t, "browser", NotEnrolledTestPAN, emv3ds.Version220))
	require.Equal(t, "acctNumber", er.ErrorDetail)

	for _, c := range []struct {
		pan    string
		v      emv3ds.Version
		status emv3ds.TransStatus
	}{
		{"7000100911112070", emv3ds.Version220, emv3ds.TransStatusAuthenticated},
		{"3000101011111071", emv3ds.Version210, emv3ds.TransStatusNotAuthenticated},
	} {
		ares := e.authenticate(t, e.areq(t, "browser", c.pan, c.v))
		require.Equal(t, emv3ds.TransStatusChallenge, ares.TransStatus, c.pan)
		page := e.startChallenge(t, ares, emv3ds.ChallengeWindowSize390x400, "s")
		require.NotContains(t, page, `name="otp" inputmode`, "no manual code entry")
		id, target, fields := form(t, page)
		require.Equal(t, "autopost", id)
		require.Equal(t, e.sim.URL()+"/acs/challenge/submit", target)
		status, next := e.postForm(t, target, fields)
		require.Equal(t, 200, status, next)
		r := e.fake.waitRReq(t)
		require.Equal(t, c.status, r.TransStatus, c.pan)
		cres, _ := e.followCRes(t, next)
		require.Equal(t, c.status, cres.TransStatus, c.pan)
	}
}

// A method-timeout card's 3DS Method URL records the run and answers a page
// that never posts to threeDSMethodNotificationURL; the ordinary URL does.
func TestThreeDSecureIOMethodTimeout(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	rng, ok := newRangeTable(emv3ds.Version231).find("5000100411110203")
	require.True(t, ok)
	cr := rng.cardRange(emv3ds.Version220, e.sim.URL()+methodPath)
	require.Equal(t, e.sim.URL()+methodPath+silentMethodSuffix, cr.ThreeDSMethodURL)

	for _, c := range []struct {
		url    string
		notify bool
	}{{cr.ThreeDSMethodURL, false}, {e.sim.URL() + methodPath, true}} {
		runID := newUUID()
		status, page := e.postForm(t, c.url, url.Values{"threeDSMethodData": {emv3ds.NewThreeDSMethodData(runID, e.fake.notifyURL()).Encode()}})
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, 1, e.sim.MethodRuns(runID), "the ACS saw the method either way")
		require.Equal(t, c.notify, strings.Contains(page, e.fake.notifyURL()), "%s notifies: %v", c.url, c.notify)
	}
}
