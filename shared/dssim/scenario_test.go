package dssim

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

func TestTestPANsMatchArchitectureTable(t *testing.T) {
	t.Parallel()
	want := map[emv3ds.Scheme]map[Scenario]string{
		emv3ds.SchemeVisa:       {"00": "4000000000001000", "05": "4000000000001059", "09": "4000000000001091", "13": "4000000000001133", "15": "4000000000001158"},
		emv3ds.SchemeMastercard: {"00": "5200000000001005", "05": "5200000000001054", "09": "5200000000001096", "13": "5200000000001138", "15": "5200000000001153"},
		emv3ds.SchemeAmex:       {"00": "340000000001007"},
	}
	for scheme, cards := range want {
		for ss, pan := range cards {
			require.Equal(t, pan, TestPAN(scheme, ss), "%s %s", scheme, ss)
			require.True(t, emv3ds.LuhnValid(pan))
			sc, got, ok := lookupPAN(pan)
			require.True(t, ok)
			require.Equal(t, scheme, sc.scheme)
			require.Equal(t, ss, got)
		}
	}
	require.Len(t, TestCards(), 3*16)
	require.Empty(t, TestPAN(emv3ds.SchemeVisa, "1x"), "not a scenario")
	require.Empty(t, TestPAN(emv3ds.SchemeVisa, "100"), "not a scenario")
	require.Empty(t, TestPAN(emv3ds.SchemeMir, "00"), "not a scheme the simulator serves")
	_, _, ok := lookupPAN("4111111111111111")
	require.False(t, ok)
}

func TestFrictionlessScenarios(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	type want struct {
		status emv3ds.TransStatus
		reason emv3ds.TransStatusReason
		cavv   bool
		eci    map[emv3ds.Scheme]emv3ds.ECI
	}
	eciY := map[emv3ds.Scheme]emv3ds.ECI{emv3ds.SchemeVisa: "05", emv3ds.SchemeMastercard: "02", emv3ds.SchemeAmex: "05"}
	eciA := map[emv3ds.Scheme]emv3ds.ECI{emv3ds.SchemeVisa: "06", emv3ds.SchemeMastercard: "01", emv3ds.SchemeAmex: "06"}
	none := map[emv3ds.Scheme]emv3ds.ECI{}
	cases := []struct {
		ss      Scenario
		version emv3ds.Version
		mod     func(map[string]any)
		want    want
	}{
		{"00", emv3ds.Version220, nil, want{"Y", "", true, eciY}},
		{"00", emv3ds.Version210, nil, want{"Y", "", true, eciY}},
		{"01", emv3ds.Version220, nil, want{"N", "01", false, none}},
		{"02", emv3ds.Version220, nil, want{"A", "", true, eciA}},
		{"03", emv3ds.Version220, nil, want{"U", "22", false, none}},
		{"04", emv3ds.Version220, nil, want{"R", "11", false, none}},
		{"07", emv3ds.Version220, func(m map[string]any) { m["threeDSCompInd"] = "Y" }, want{"Y", "", true, eciY}},
		{"08", emv3ds.Version220, nil, want{"Y", "", true, eciY}},
		{"08", emv3ds.Version220, func(m map[string]any) { m["threeDSRequestorChallengeInd"] = "05" }, want{"I", "", true, nil}},
		{"08", emv3ds.Version220, func(m map[string]any) { m["threeDSRequestorChallengeInd"] = "07" }, want{"I", "", true, nil}},
		{"12", emv3ds.Version220, nil, want{"Y", "", false, eciY}},
		{"13", emv3ds.Version210, nil, want{"Y", "", true, eciY}},
		{"14", emv3ds.Version220, nil, want{"Y", "", true, eciY}},
		{"42", emv3ds.Version220, nil, want{"Y", "", true, eciY}}, // unassigned digits behave as 00
	}
	for _, sc := range schemes {
		for _, c := range cases {
			t.Run(string(sc.scheme)+"/"+string(c.ss)+"/"+string(c.version), func(t *testing.T) {
				m := e.areq(t, "browser", TestPAN(sc.scheme, c.ss), c.version)
				if c.mod != nil {
					c.mod(m)
				}
				ares := e.authenticate(t, m)
				require.Equal(t, emv3ds.MessageTypeARes, ares.MessageType)
				require.Equal(t, c.version, ares.MessageVersion)
				require.Equal(t, m["threeDSServerTransID"], ares.ThreeDSServerTransID)
				require.Regexp(t, uuidV4, ares.ACSTransID)
				require.Regexp(t, uuidV4, ares.DSTransID)
				require.Equal(t, sc.dsRefNumber, ares.DSReferenceNumber)
				require.Equal(t, sc.acsRefNumber, ares.ACSReferenceNumber)
				require.Equal(t, c.want.status, ares.TransStatus)
				require.Equal(t, c.want.reason, ares.TransStatusReason)
				if c.want.cavv {
					requireCAVV(t, ares.AuthenticationValue)
				} else {
					require.Empty(t, ares.AuthenticationValue)
				}
				if c.want.eci != nil {
					require.Equal(t, c.want.eci[sc.scheme], ares.ECI)
				} else {
					require.Equal(t, sc.eciI, ares.ECI)
				}
				require.Empty(t, ares.ACSURL)

				ex := e.sim.Exchanges(ares.ThreeDSServerTransID)
				require.Len(t, ex, 2)
				require.Equal(t, Received, ex[0].Direction)
				require.Equal(t, "AReq", ex[0].MessageType)
				require.Equal(t, Sent, ex[1].Direction)
				require.Equal(t, "ARes", ex[1].MessageType)
				pan := m["acctNumber"].(string)
				require.NotContains(t, string(ex[0].Body), pan)
				require.Contains(t, string(ex[0].Body), `"****`+pan[len(pan)-4:]+`"`)
				require.NotContains(t, string(ex[0].Body), "Test Cardholder")
			})
		}
	}
}

func TestInformationalIn231WhenArrayContainsExemption(t *testing.T) {
	t.Parallel()
	e := start(t, func(c *Config) { c.ACSEndVersion = emv3ds.Version231 })
	m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "08"), emv3ds.Version231)
	m["threeDSRequestorChallengeInd"] = []string{"01", "06"}
	ares := e.authenticate(t, m)
	require.Equal(t, emv3ds.TransStatusInformational, ares.TransStatus)
	require.Equal(t, emv3ds.ECI("07"), ares.ECI)

	// 2.1.0 has no I: the same exemption value does not exist there.
	m = e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "08"), emv3ds.Version210)
	require.Equal(t, emv3ds.TransStatusAuthenticated, e.authenticate(t, m).TransStatus)
}

func TestDSErroScenarios(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	t.Run("11 Erro 305 from the DS", func(t *testing.T) {
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeMastercard, "11"), emv3ds.Version220)
		er := e.erro(t, m)
		require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, er.ErrorCode)
		require.Equal(t, emv3ds.ErrorComponentDS, er.ErrorComponent)
		require.Equal(t, m["threeDSServerTransID"], er.ThreeDSServerTransID)
		require.Regexp(t, uuidV4, er.DSTransID)
		require.Equal(t, emv3ds.Version220, er.MessageVersion)
	})
	t.Run("card outside every range", func(t *testing.T) {
		m := e.areq(t, "browser", "4111111111111111", emv3ds.Version220)
		er := e.erro(t, m)
		require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, er.ErrorCode)
		require.Equal(t, emv3ds.ErrorComponentDS, er.ErrorComponent)
		require.Contains(t, er.ErrorDetail, "acctNumber")
		require.NotContains(t, er.ErrorDescription+er.ErrorDetail, "4111111111111111")
	})
	t.Run("13 rejects versions above 2.1.0", func(t *testing.T) {
		for _, v := range []emv3ds.Version{emv3ds.Version220, emv3ds.Version231} {
			m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "13"), v)
			er := e.erro(t, m)
			require.Equal(t, emv3ds.ErrorCodeVersionNotSupported, er.ErrorCode, v)
			require.Contains(t, er.ErrorDetail, "messageVersion")
		}
	})
	t.Run("ACS range ends at 2.2.0 by default", func(t *testing.T) {
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "00"), emv3ds.Version231)
		require.Equal(t, emv3ds.ErrorCodeVersionNotSupported, e.erro(t, m).ErrorCode)
	})
	t.Run("AReq ID reused", func(t *testing.T) {
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "00"), emv3ds.Version220)
		e.authenticate(t, m)
		er := e.erro(t, m)
		require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, er.ErrorCode)
		require.Contains(t, er.ErrorDetail, "threeDSServerTransID")
	})
	t.Run("not JSON", func(t *testing.T) {
		resp, body := e.post(t, json.RawMessage(`"just a string"`), nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		er, err := emv3ds.DecodeErro(body)
		require.NoError(t, err)
		require.Equal(t, emv3ds.ErrorCodeMessageInvalid, er.ErrorCode)
	})
	t.Run("unknown messageType", func(t *testing.T) {
		er := e.erro(t, map[string]any{"messageType": "CRes", "messageVersion": "2.2.0"})
		require.Equal(t, emv3ds.ErrorCodeMessageInvalid, er.ErrorCode)
	})
}

func TestAReqIsValidatedStrictly(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	cases := []struct {
		name  string
		mod   func(map[string]any)
		code  emv3ds.ErrorCode
		field string
	}{
		{"missing threeDSServerURL", func(m map[string]any) { delete(m, "threeDSServerURL") }, emv3ds.ErrorCodeRequiredMissing, "threeDSServerURL"},
		{"missing notificationURL for browser", func(m map[string]any) { delete(m, "notificationURL") }, emv3ds.ErrorCodeRequiredMissing, "notificationURL"},
		{"bad purchaseDate", func(m map[string]any) { m["purchaseDate"] = "2026-01-02" }, emv3ds.ErrorCodeInvalidFormat, "purchaseDate"},
		{"empty string is invalid", func(m map[string]any) { m["merchantName"] = "" }, emv3ds.ErrorCodeInvalidFormat, "merchantName"},
		{"unsupported version", func(m map[string]any) { m["messageVersion"] = "2.0.9" }, emv3ds.ErrorCodeVersionNotSupported, "messageVersion"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "00"), emv3ds.Version220)
			c.mod(m)
			er := e.erro(t, m)
			require.Equal(t, c.code, er.ErrorCode, er.ErrorDetail)
			require.Equal(t, emv3ds.ErrorComponentDS, er.ErrorComponent)
			require.Contains(t, er.ErrorDetail, c.field)
			require.Equal(t, emv3ds.MessageTypeAReq, er.ErrorMessageType)
		})
	}
}

func TestThreeRIIsNeverChallenged(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	for _, ss := range []Scenario{"05", "06", "15"} {
		m := e.areq(t, "3ri", TestPAN(emv3ds.SchemeVisa, ss), emv3ds.Version220)
		ares := e.authenticate(t, m)
		require.Equal(t, emv3ds.TransStatusAuthenticated, ares.TransStatus, ss)
		requireCAVV(t, ares.AuthenticationValue)
	}
}

func TestDebugRouteAndServerTiming(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "00"), emv3ds.Version220)
	resp, _ := e.post(t, m, nil)
	require.Regexp(t, `^dssim;desc="simulator processing";dur=\d+\.\d{3}$`, resp.Header.Get("Server-Timing"))

	id := m["threeDSServerTransID"].(string)
	get, err := e.client.Get(e.sim.URL() + "/debug/transactions/" + id)
	require.NoError(t, err)
	defer get.Body.Close()
	require.Equal(t, http.StatusOK, get.StatusCode)
	var out struct {
		ID        string     `json:"threeDSServerTransID"`
		Exchanges []Exchange `json:"exchanges"`
	}
	require.NoError(t, json.NewDecoder(get.Body).Decode(&out))
	require.Equal(t, id, out.ID)
	require.Len(t, out.Exchanges, 2)
	require.Equal(t, "AReq", out.Exchanges[0].MessageType)
	require.False(t, strings.Contains(string(out.Exchanges[0].Body), m["acctNumber"].(string)))

	missing, err := e.client.Get(e.sim.URL() + "/debug/transactions/" + newUUID())
	require.NoError(t, err)
	missing.Body.Close()
	require.Equal(t, http.StatusNotFound, missing.StatusCode)
}
