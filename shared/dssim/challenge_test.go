package dssim

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

func TestBrowserChallenge(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	type step struct{ action, otp string }
	cases := []struct {
		name     string
		ss       Scenario
		steps    []step
		status   emv3ds.TransStatus
		cancel   emv3ds.ChallengeCancel
		reason   emv3ds.TransStatusReason
		counter  string
		rreqs    int
		mod      func(map[string]any)
		mandated string
	}{
		{name: "05 right code", ss: "05", steps: []step{{"submit", "1234"}}, status: "Y", counter: "01", rreqs: 1, mandated: "Y"},
		{name: "05 wrong then right", ss: "05", steps: []step{{"submit", "0000"}, {"submit", "1234"}}, status: "Y", counter: "02", rreqs: 1, mandated: "Y"},
		{name: "05 three wrong codes", ss: "05", steps: []step{{"submit", "1"}, {"submit", "2"}, {"submit", "3"}}, status: "N", reason: "01", counter: "03", rreqs: 1, mandated: "Y"},
		{name: "05 cancel", ss: "05", steps: []step{{"cancel", ""}}, status: "N", reason: "01", cancel: "01", counter: "01", rreqs: 1, mandated: "Y"},
		{name: "06 challenge as 05", ss: "06", steps: []step{{"submit", "1234"}}, status: "Y", counter: "01", rreqs: 1, mandated: "N"},
		{name: "07 without the method", ss: "07", steps: []step{{"submit", "1234"}}, status: "Y", counter: "01", rreqs: 1, mandated: "N",
			mod: func(m map[string]any) { m["threeDSCompInd"] = "N" }},
		{name: "09 without decoupled request", ss: "09", steps: []step{{"submit", "1234"}}, status: "Y", counter: "01", rreqs: 1, mandated: "N"},
		{name: "15 RReq delivered twice", ss: "15", steps: []step{{"submit", "1234"}}, status: "Y", counter: "01", rreqs: 2, mandated: "N"},
	}
	for _, sc := range schemes {
		for _, c := range cases {
			t.Run(string(sc.scheme)+"/"+c.name, func(t *testing.T) {
				m := e.areq(t, "browser", TestPAN(sc.scheme, c.ss), emv3ds.Version220)
				if c.mod != nil {
					c.mod(m)
				}
				ares := e.authenticate(t, m)
				require.Equal(t, emv3ds.TransStatusChallenge, ares.TransStatus)
				require.Equal(t, e.sim.URL()+"/acs/challenge", ares.ACSURL)
				require.Equal(t, c.mandated, ares.ACSChallengeMandated)
				require.Equal(t, emv3ds.AuthenticationTypeDynamic, ares.AuthenticationType)

				session := base64.RawURLEncoding.EncodeToString([]byte("merchant-state-" + ares.ThreeDSServerTransID))
				page := e.startChallenge(t, ares, emv3ds.ChallengeWindowSize390x400, session)
				require.Contains(t, page, `data-challenge-window-size="02"`)
				require.Contains(t, page, "width:390px;height:400px")
				require.Contains(t, page, `name="otp"`)
				require.Contains(t, page, `value="cancel"`)
				require.Contains(t, page, "19.99")
				for i, s := range c.steps {
					page = e.submit(t, page, s.action, s.otp)
					if i < len(c.steps)-1 {
						require.Contains(t, page, "The code is not correct")
						require.Empty(t, e.fake.received(), "no RReq before the challenge ends")
					}
				}
				var rreqs []*emv3ds.RReq
				for range c.rreqs {
					rreqs = append(rreqs, e.fake.waitRReq(t))
				}
				r := rreqs[0]
				require.Equal(t, ares.ThreeDSServerTransID, r.ThreeDSServerTransID)
				require.Equal(t, ares.ACSTransID, r.ACSTransID)
				require.Equal(t, ares.DSTransID, r.DSTransID)
				require.Equal(t, emv3ds.Version220, r.MessageVersion)
				require.Equal(t, emv3ds.MessageCategoryPayment, r.MessageCategory)
				require.Equal(t, c.status, r.TransStatus)
				require.Equal(t, c.reason, r.TransStatusReason)
				require.Equal(t, c.cancel, r.ChallengeCancel)
				require.Equal(t, c.counter, r.InteractionCounter)
				if c.status == emv3ds.TransStatusAuthenticated {
					requireCAVV(t, r.AuthenticationValue)
					require.Equal(t, sc.eciY, r.ECI)
				} else {
					require.Empty(t, r.AuthenticationValue)
				}
				if c.rreqs == 2 {
					raw := func(i int) string { e.fake.mu.Lock(); defer e.fake.mu.Unlock(); return string(e.fake.raw[i]) }
					require.Equal(t, raw(len(e.fake.raw)-2), raw(len(e.fake.raw)-1), "the duplicate RReq has the same content")
				}

				cres, gotSession := e.followCRes(t, page)
				require.Equal(t, session, gotSession)
				require.Equal(t, c.status, cres.TransStatus)
				require.Equal(t, ares.ACSTransID, cres.ACSTransID)
				require.Equal(t, ares.ThreeDSServerTransID, cres.ThreeDSServerTransID)
				require.NoError(t, cres.Validate())

				// Exchanges: the whole story, RRes checks included.
				var kinds []string
				for _, x := range e.sim.Exchanges(ares.ThreeDSServerTransID) {
					kinds = append(kinds, string(x.Direction)+" "+x.MessageType)
					if x.MessageType == "RRes" {
						require.Empty(t, x.Note, "the RRes passed the checks")
					}
				}
				require.Contains(t, kinds, "received CReq")
				require.Contains(t, kinds, "sent RReq")
				require.Contains(t, kinds, "received RRes")
				require.Equal(t, "sent CRes", kinds[len(kinds)-1])
				n := 0
				for _, k := range kinds {
					if k == "sent RReq" {
						n++
					}
				}
				require.Equal(t, c.rreqs, n)
				e.fake.mu.Lock()
				e.fake.rreqs = nil
				e.fake.mu.Unlock()
			})
		}
	}
}

func TestChallengeIn231And210(t *testing.T) {
	t.Parallel()
	e := start(t, func(c *Config) { c.ACSEndVersion = emv3ds.Version231 })
	for _, v := range []emv3ds.Version{emv3ds.Version210, emv3ds.Version231} {
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeMastercard, "05"), v)
		ares := e.authenticate(t, m)
		if v == emv3ds.Version231 {
			require.Equal(t, []emv3ds.AuthenticationMethod{"02"}, ares.AuthenticationMethod)
			require.Empty(t, ares.AuthenticationType)
		}
		page := e.startChallenge(t, ares, emv3ds.ChallengeWindowSizeFullScreen, "")
		require.Contains(t, page, "width:100%;height:100%")
		page = e.submit(t, page, "submit", "1234")
		r := e.fake.waitRReq(t)
		require.Equal(t, v, r.MessageVersion)
		require.Equal(t, emv3ds.ECI("02"), r.ECI)
		cres, session := e.followCRes(t, page)
		require.Empty(t, session)
		require.Equal(t, v, cres.MessageVersion)
	}
}

func TestChallengeRejectsBadCReq(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	newC := func() *emv3ds.ARes {
		return e.authenticate(t, e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "05"), emv3ds.Version220))
	}
	t.Run("missing creq", func(t *testing.T) {
		status, page := e.postForm(t, e.sim.URL()+"/acs/challenge", url.Values{})
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, page, "creq is missing")
	})
	t.Run("unknown acsTransID", func(t *testing.T) {
		c := emv3ds.NewCReq(newUUID(), newUUID(), emv3ds.Version220, "05")
		status, _ := e.postForm(t, e.sim.URL()+"/acs/challenge", url.Values{"creq": {c.Encode()}})
		require.Equal(t, http.StatusBadRequest, status)
	})
	t.Run("wrong version posts an Erro to notificationURL", func(t *testing.T) {
		ares := newC()
		c := emv3ds.NewCReq(ares.ThreeDSServerTransID, ares.ACSTransID, emv3ds.Version210, "05")
		status, page := e.postForm(t, ares.ACSURL, url.Values{"creq": {c.Encode()}, "threeDSSessionData": {"abc"}})
		require.Equal(t, http.StatusOK, status)
		_, target, fields := form(t, page)
		require.Equal(t, e.fake.notifyURL(), target)
		require.Equal(t, "abc", fields.Get("threeDSSessionData"))
		cres, erro, err := emv3ds.ParseCRes(fields.Get("cres"))
		require.NoError(t, err)
		require.Nil(t, cres)
		require.Equal(t, emv3ds.ErrorComponentACS, erro.ErrorComponent)
		require.Contains(t, erro.ErrorDetail, "messageVersion")
	})
	t.Run("second CReq for the same challenge", func(t *testing.T) {
		ares := newC()
		e.startChallenge(t, ares, "05", "")
		c := emv3ds.NewCReq(ares.ThreeDSServerTransID, ares.ACSTransID, ares.MessageVersion, "05")
		status, _ := e.postForm(t, ares.ACSURL, url.Values{"creq": {c.Encode()}})
		require.Equal(t, http.StatusConflict, status)
	})
	t.Run("padded creq is accepted", func(t *testing.T) {
		ares := newC()
		c := emv3ds.NewCReq(ares.ThreeDSServerTransID, ares.ACSTransID, ares.MessageVersion, "01")
		b, _ := json.Marshal(c)
		status, page := e.postForm(t, ares.ACSURL, url.Values{"creq": {base64.URLEncoding.EncodeToString(b)}})
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, page, "width:250px;height:400px")
	})
}

func TestMethodPageAndPRes(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	// The PRes names the method URL for the ranges of 06 and 07 only.
	preq := map[string]any{"messageType": "PReq", "messageVersion": "2.2.0", "threeDSServerRefNumber": "3DS_LOA_SER_OPEN_020200_00001", "threeDSServerTransID": newUUID()}
	_, body := e.post(t, preq, nil)
	pres, err := emv3ds.DecodePRes(body)
	require.NoError(t, err)
	require.NoError(t, pres.Validate())
	methodURL := ""
	for _, cr := range pres.CardRangeData {
		if inIORange(cr.StartRange) {
			continue // 3dsecure.io test cards: threedsecureio_test.go
		}
		if _, _, ok := lookupV231(cr.StartRange); ok {
			continue // 2.3.1 ranges: v231_test.go
		}
		in := func(ss Scenario) bool {
			for _, sc := range schemes {
				p := TestPAN(sc.scheme, ss)
				if len(p) == len(cr.StartRange) && p >= cr.StartRange && p <= cr.EndRange {
					return true
				}
			}
			return false
		}
		if in("06") || in("07") {
			require.Equal(t, e.sim.URL()+"/acs/method", cr.ThreeDSMethodURL)
			methodURL = cr.ThreeDSMethodURL
		} else {
			require.Empty(t, cr.ThreeDSMethodURL, cr.StartRange)
		}
	}

	m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "07"), emv3ds.Version220)
	id := m["threeDSServerTransID"].(string)
	require.False(t, e.sim.MethodCompleted(id))
	data := emv3ds.NewThreeDSMethodData(id, e.fake.srv.URL+"/method-notify")
	status, page := e.postForm(t, methodURL, url.Values{"threeDSMethodData": {data.Encode()}})
	require.Equal(t, http.StatusOK, status)
	require.True(t, e.sim.MethodCompleted(id))
	formID, target, fields := form(t, page)
	require.Equal(t, "autopost", formID)
	require.Equal(t, e.fake.srv.URL+"/method-notify", target)
	back, err := emv3ds.ParseThreeDSMethodData(fields.Get("threeDSMethodData"))
	require.NoError(t, err)
	require.Equal(t, id, back.ThreeDSServerTransID)
	require.Empty(t, back.ThreeDSMethodNotificationURL)

	m["threeDSCompInd"] = "Y"
	require.Equal(t, emv3ds.TransStatusAuthenticated, e.authenticate(t, m).TransStatus)
	kinds := []string{}
	for _, x := range e.sim.Exchanges(id) {
		kinds = append(kinds, string(x.Direction)+" "+x.MessageType)
	}
	require.Equal(t, []string{"received ThreeDSMethod", "sent ThreeDSMethod", "received AReq", "sent ARes"}, kinds)

	status, _ = e.postForm(t, methodURL, url.Values{"threeDSMethodData": {"!!!"}})
	require.Equal(t, http.StatusBadRequest, status)
}

func TestPReqSerialNumbers(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	preq := func(v emv3ds.Version, serial string) map[string]any {
		m := map[string]any{"messageType": "PReq", "messageVersion": string(v), "threeDSServerRefNumber": "3DS_LOA_SER_OPEN_020200_00001", "threeDSServerTransID": newUUID()}
		if serial != "" {
			m["serialNum"] = serial
		}
		return m
	}
	get := func(m map[string]any) *emv3ds.PRes {
		_, body := e.post(t, m, nil)
		pres, err := emv3ds.DecodePRes(body)
		require.NoError(t, err)
		require.Equal(t, emv3ds.MessageTypePRes, pres.MessageType, string(body))
		require.NoError(t, pres.Validate())
		require.Equal(t, m["threeDSServerTransID"], pres.ThreeDSServerTransID)
		return pres
	}
	full := get(preq(emv3ds.Version220, ""))
	require.Equal(t, "2", full.SerialNum)
	require.Equal(t, emv3ds.Version210, full.DSStartProtocolVersion)
	require.Equal(t, emv3ds.Version231, full.DSEndProtocolVersion)
	require.Len(t, full.CardRangeData, 21+22+2) // 7 ranges per scheme, 22 of 3dsecure.io test cards, 2 of 2.3.1
	require.Equal(t, len(full.CardRangeData), len(e.sim.CardRanges()))
	for _, cr := range full.CardRangeData {
		require.Equal(t, emv3ds.ActionIndAdd, cr.ActionInd)
		require.NotEmpty(t, cr.ACSInfoInd)
		if cr.StartRange <= TestPAN(emv3ds.SchemeVisa, "13") && TestPAN(emv3ds.SchemeVisa, "13") <= cr.EndRange {
			require.Equal(t, emv3ds.Version210, cr.ACSEndProtocolVersion)
			require.Equal(t, emv3ds.Version231, cr.DSEndProtocolVersion)
		}
	}
	require.Empty(t, get(preq(emv3ds.Version220, "2")).CardRangeData)
	changes := get(preq(emv3ds.Version220, "1")).CardRangeData
	require.Len(t, changes, 7)
	for _, cr := range changes {
		require.True(t, strings.HasPrefix(cr.StartRange, "34"), cr.StartRange)
	}
	er := e.erro(t, preq(emv3ds.Version220, "99"))
	require.Equal(t, emv3ds.ErrorCodeSerialNumberInvalid, er.ErrorCode)

	v231 := get(preq(emv3ds.Version231, ""))
	require.Equal(t, []emv3ds.Version{"2.1.0", "2.2.0", "2.3.1"}, v231.DSProtocolVersions)
	require.Empty(t, v231.CardRangeData[0].ACSStartProtocolVersion)
	require.Equal(t, emv3ds.Version210, v231.CardRangeData[0].ACSProtocolVersions[0].Version)
	v210 := get(preq(emv3ds.Version210, ""))
	require.Empty(t, v210.CardRangeData[0].ACSInfoInd)
}

func TestDecoupled(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	for _, sc := range schemes {
		m := e.areq(t, "browser", TestPAN(sc.scheme, "09"), emv3ds.Version220)
		m["threeDSRequestorDecReqInd"] = "Y"
		m["threeDSRequestorDecMaxTime"] = "00010"
		ares := e.authenticate(t, m)
		require.Equal(t, emv3ds.TransStatusDecoupled, ares.TransStatus)
		require.Equal(t, "Y", ares.ACSDecConInd)
		require.Equal(t, emv3ds.AuthenticationTypeDecoupled, ares.AuthenticationType)
		require.NotNil(t, ares.CardholderInfo)
		require.NotEmpty(t, ares.CardholderInfo.Text)
		r := e.fake.waitRReq(t)
		require.Equal(t, ares.ThreeDSServerTransID, r.ThreeDSServerTransID)
		require.Equal(t, emv3ds.TransStatusAuthenticated, r.TransStatus)
		require.Equal(t, emv3ds.AuthenticationTypeDecoupled, r.AuthenticationType)
		require.Empty(t, r.InteractionCounter)
		requireCAVV(t, r.AuthenticationValue)
		require.Equal(t, sc.eciY, r.ECI)
		require.NoError(t, r.Validate(emv3ds.RReqContext{MessageVersion: emv3ds.Version220, Decoupled: true}))
	}
}

func TestDecoupledInlineTimers(t *testing.T) {
	t.Parallel()
	e := start(t, func(c *Config) { c.InlineTimers = true })
	m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "09"), emv3ds.Version220)
	m["threeDSRequestorDecReqInd"] = "Y"
	m["threeDSRequestorDecMaxTime"] = "00010"
	ares := e.authenticate(t, m)
	require.Equal(t, emv3ds.TransStatusDecoupled, ares.TransStatus)
	// Inline: the RReq was delivered before the ARes came back.
	require.Len(t, e.fake.received(), 1)
	kinds := []string{}
	for _, x := range e.sim.Exchanges(ares.ThreeDSServerTransID) {
		kinds = append(kinds, string(x.Direction)+" "+x.MessageType)
	}
	require.Equal(t, []string{"received AReq", "sent RReq", "received RRes", "sent ARes"}, kinds)
}

func TestAppChallenge(t *testing.T) {
	t.Parallel()
	e := start(t, nil)
	m := e.areq(t, "app", TestPAN(emv3ds.SchemeVisa, "05"), emv3ds.Version220)
	ares := e.authenticate(t, m)
	require.Equal(t, emv3ds.TransStatusChallenge, ares.TransStatus)
	require.Empty(t, ares.ACSURL)
	require.Equal(t, m["sdkTransID"], ares.SDKTransID)
	require.Equal(t, &emv3ds.ACSRenderingType{ACSInterface: "01", ACSUITemplate: "01"}, ares.ACSRenderingType)

	// acsSignedContent is a compact JWS that verifies with the x5c certificate.
	parts := strings.Split(ares.ACSSignedContent, ".")
	require.Len(t, parts, 3)
	hdrJSON, err := base64.RawURLEncoding.DecodeString(parts[0])
	require.NoError(t, err)
	var hdr struct {
		Alg string   `json:"alg"`
		X5c []string `json:"x5c"`
	}
	require.NoError(t, json.Unmarshal(hdrJSON, &hdr))
	require.Equal(t, "ES256", hdr.Alg)
	der, err := base64.StdEncoding.DecodeString(hdr.X5c[0])
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	payload, err := verifyJWS(ares.ACSSignedContent, cert.PublicKey.(*ecdsa.PublicKey))
	require.NoError(t, err)
	var content struct {
		ACSTransID string            `json:"acsTransID"`
		ACSURL     string            `json:"acsURL"`
		Key        map[string]string `json:"acsEphemPubKey"`
	}
	require.NoError(t, json.Unmarshal(payload, &content))
	require.Equal(t, ares.ACSTransID, content.ACSTransID)
	require.Equal(t, "P-256", content.Key["crv"])
	_, err = verifyJWS(ares.ACSSignedContent[:len(ares.ACSSignedContent)-2]+"AA", cert.PublicKey.(*ecdsa.PublicKey))
	require.Error(t, err)

	appCReq := func(fields map[string]any) *emv3ds.CRes {
		base := map[string]any{"messageType": "CReq", "messageVersion": "2.2.0", "threeDSServerTransID": ares.ThreeDSServerTransID,
			"acsTransID": ares.ACSTransID, "sdkTransID": ares.SDKTransID, "sdkCounterStoA": "000"}
		for k, v := range fields {
			base[k] = v
		}
		b, _ := json.Marshal(base)
		resp, err := e.client.Post(content.ACSURL, "application/json", strings.NewReader(string(b)))
		require.NoError(t, err)
		defer resp.Body.Close()
		var cres emv3ds.CRes
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&cres))
		return &cres
	}
	first := appCReq(nil)
	require.Equal(t, "N", first.ChallengeCompletionInd)
	require.Equal(t, "01", first.ACSUIType)
	again := appCReq(map[string]any{"challengeDataEntry": "9999"})
	require.Contains(t, again.ChallengeInfoText, "not correct")
	final := appCReq(map[string]any{"challengeDataEntry": "1234"})
	require.Equal(t, emv3ds.TransStatusAuthenticated, final.TransStatus)
	r := e.fake.waitRReq(t)
	require.Equal(t, emv3ds.TransStatusAuthenticated, r.TransStatus)
	require.Equal(t, ares.SDKTransID, r.SDKTransID)
	require.NotNil(t, r.ACSRenderingType)
	require.Equal(t, "02", r.InteractionCounter)
}
