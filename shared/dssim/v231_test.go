package dssim

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

// areq231 is a 2.3.1 AReq for a 2.3.1 range with the acquirer country.
func (e *env) areq231(t *testing.T, kind string, ss Scenario, kv ...any) map[string]any {
	t.Helper()
	m := e.areq(t, kind, V231TestPAN(emv3ds.SchemeVisa, ss), emv3ds.Version231)
	m["acquirerCountryCode"], m["acquirerCountryCodeSource"] = "840", "01"
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(m, kv[i].(string))
			continue
		}
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestV231PResRanges(t *testing.T) {
	e := start(t, nil)
	get := func(v emv3ds.Version) *emv3ds.PRes {
		_, body := e.post(t, map[string]any{
			"messageType": "PReq", "messageVersion": string(v), "threeDSServerTransID": newUUID(),
			"threeDSServerRefNumber": "3DS_LOA_SER_OPEN_020200_00001",
		}, nil)
		pres, err := emv3ds.DecodePRes(body)
		require.NoError(t, err, string(body))
		require.NoError(t, pres.Validate(), string(body))
		return pres
	}
	pan := V231TestPAN(emv3ds.SchemeVisa, ScenarioMethodFrictionles)
	find := func(p *emv3ds.PRes) emv3ds.CardRangeData {
		for _, c := range p.CardRangeData {
			if len(c.StartRange) == len(pan) && c.StartRange <= pan && pan <= c.EndRange {
				return c
			}
		}
		t.Fatal("no range")
		return emv3ds.CardRangeData{}
	}
	c := find(get(emv3ds.Version231))
	require.Len(t, c.ACSProtocolVersions, 2)
	require.Equal(t, emv3ds.Version220, c.ACSProtocolVersions[0].Version)
	require.Equal(t, e.sim.URL()+"/acs/method", c.ACSProtocolVersions[0].ThreeDSMethodURL)
	require.Equal(t, emv3ds.Version231, c.ACSProtocolVersions[1].Version)
	require.Equal(t, e.sim.URL()+"/acs/method/v231", c.ACSProtocolVersions[1].ThreeDSMethodURL)
	require.Equal(t, []emv3ds.ACSInfoInd{"01", "02", "03", "04"}, c.ACSProtocolVersions[1].ACSInfoInd)
	require.Equal(t, []emv3ds.Version{emv3ds.Version210, emv3ds.Version220, emv3ds.Version231}, c.DSProtocolVersions)

	old := find(get(emv3ds.Version220))
	require.Equal(t, emv3ds.Version220, old.ACSStartProtocolVersion)
	require.Equal(t, emv3ds.Version231, old.ACSEndProtocolVersion)
	require.Equal(t, e.sim.URL()+"/acs/method", old.ThreeDSMethodURL)
}

func TestV231AcquirerCountryRequired(t *testing.T) {
	e := start(t, nil)
	er := e.erro(t, e.areq231(t, "browser", ScenarioFrictionlessY, "acquirerCountryCode", nil))
	require.Equal(t, emv3ds.ErrorCodeRequiredMissing, er.ErrorCode)
	require.Equal(t, "acquirerCountryCode", er.ErrorDetail)
	ares := e.authenticate(t, e.areq231(t, "browser", ScenarioFrictionlessY))
	require.Equal(t, emv3ds.TransStatusAuthenticated, ares.TransStatus)
	// A 2.2.0 AReq on the same range has no such element.
	m := e.areq(t, "browser", V231TestPAN(emv3ds.SchemeVisa, ScenarioFrictionlessY), emv3ds.Version220)
	require.Equal(t, emv3ds.Version220, e.authenticate(t, m).MessageVersion)
}

// threeDSMethodId names an earlier run of the 3DS Method; the ACS honours it
// for MethodReuseWindow and only for a run it saw.
func TestV231MethodIDReuse(t *testing.T) {
	e := start(t, nil)
	first := e.areq231(t, "browser", ScenarioMethodFrictionles, "threeDSCompInd", "Y")
	firstID := first["threeDSServerTransID"].(string)
	// threeDSCompInd Y without a run is not believed on a 2.3.1 range.
	require.Equal(t, emv3ds.TransStatusChallenge, e.authenticate(t, first).TransStatus)

	runID := newUUID()
	status, _ := e.postForm(t, e.sim.URL()+"/acs/method/v231", url.Values{"threeDSMethodData": {emv3ds.NewThreeDSMethodData(runID, e.fake.notifyURL()).Encode()}})
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 1, e.sim.MethodRuns(runID))

	second := e.areq231(t, "browser", ScenarioMethodFrictionles, "threeDSCompInd", "Y", "threeDSMethodId", runID)
	require.Equal(t, emv3ds.TransStatusAuthenticated, e.authenticate(t, second).TransStatus)
	unknown := e.areq231(t, "browser", ScenarioMethodFrictionles, "threeDSCompInd", "Y", "threeDSMethodId", firstID)
	require.Equal(t, emv3ds.TransStatusChallenge, e.authenticate(t, unknown).TransStatus, "no method ran under that ID")
	require.Equal(t, 1, e.sim.MethodRuns(runID), "the reuse ran no method")
}

func TestV231DecoupledFallback(t *testing.T) {
	e := start(t, nil)
	// F on a browser: challenge first, with the fallback button.
	m := e.areq231(t, "browser", ScenarioDecoupled, "threeDSRequestorDecReqInd", "F", "threeDSRequestorDecMaxTime", "00010")
	ares := e.authenticate(t, m)
	require.Equal(t, emv3ds.TransStatusChallenge, ares.TransStatus)
	page := e.startChallenge(t, ares, "05", "")
	require.Contains(t, page, `value="fallback"`)
	_, _ = e.followCRes(t, e.submit(t, page, "fallback", ""))
	rreq := e.fake.waitRReq(t)
	require.Equal(t, emv3ds.TransStatusNotAuthenticated, rreq.TransStatus)
	require.Equal(t, emv3ds.TransStatusReason("29"), rreq.TransStatusReason)

	// F where no challenge is possible (3RI): decoupled at once.
	m = e.areq231(t, "3ri", ScenarioDecoupled, "threeDSRequestorDecReqInd", "F", "threeDSRequestorDecMaxTime", "00010", "threeRIInd", "19",
		"threeDSRequestorPriorAuthenticationInfo", []map[string]string{{"threeDSReqPriorRef": ares.ACSTransID, "threeDSReqPriorAuthMethod": "02"}})
	d := e.authenticate(t, m)
	require.Equal(t, emv3ds.TransStatusDecoupled, d.TransStatus)
	require.Equal(t, []emv3ds.AuthenticationMethod{emv3ds.AuthenticationMethodDecoupled}, d.AuthenticationMethod)
	rreq = e.fake.waitRReq(t)
	require.Equal(t, emv3ds.TransStatusAuthenticated, rreq.TransStatus)

	// Without F or B there is no fallback button (2.2.0 behaviour).
	ares = e.authenticate(t, e.areq231(t, "browser", ScenarioChallenge))
	require.NotContains(t, e.startChallenge(t, ares, "05", ""), `value="fallback"`)
}

func TestV231TrustList(t *testing.T) {
	e := start(t, nil)
	ares := e.authenticate(t, e.areq231(t, "browser", ScenarioFrictionlessY, "trustListStatus", "Y", "trustListStatusSource", "01"))
	require.Equal(t, "Y", ares.TrustListStatus)
	require.Equal(t, "03", ares.TrustListStatusSource)
	require.Equal(t, "08", ares.TransChallengeExemption)

	ares = e.authenticate(t, e.areq231(t, "browser", ScenarioChallenge, "threeDSRequestorChallengeInd", []string{"03", "09"}))
	_, _ = e.followCRes(t, e.submit(t, e.startChallenge(t, ares, "05", ""), "submit", "1234"))
	rreq := e.fake.waitRReq(t)
	require.Equal(t, emv3ds.TransStatusAuthenticated, rreq.TransStatus)
	require.Equal(t, "Y", rreq.TrustListStatus)
	require.Equal(t, "03", rreq.TrustListStatusSource)
	require.Equal(t, []emv3ds.AuthenticationMethod{emv3ds.AuthenticationMethodSMSOTP}, rreq.AuthenticationMethod)
}
