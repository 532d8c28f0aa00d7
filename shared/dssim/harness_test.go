package dssim

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

// fake3DSS plays the 3DS Server around the simulator: it receives RReqs on
// /rreq (validated with emv3ds, answered RRes 01), final CRes posts on
// /notify and 3DS Method notifications on /method-notify.
type fake3DSS struct {
	srv    *httptest.Server
	mu     sync.Mutex
	rreqs  []*emv3ds.RReq
	raw    [][]byte
	sigs   []string // RReqSignatureHeader of each RReq
	notify []url.Values
	method []url.Values
	rreqCh chan *emv3ds.RReq
}

func newFake3DSS(t *testing.T, tlsCfg *tls.Config) *fake3DSS {
	t.Helper()
	f := &fake3DSS{rreqCh: make(chan *emv3ds.RReq, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /rreq", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rreq, err := emv3ds.DecodeRReq(body)
		if err == nil {
			err = rreq.Validate(emv3ds.RReqContext{})
		}
		w.Header().Set("Content-Type", "application/json")
		if err != nil {
			e := emv3ds.NewErro(err, emv3ds.ErrorComponentServer, rreq)
			_ = json.NewEncoder(w).Encode(e)
			t.Errorf("fake 3DS Server: invalid RReq: %v", err)
			return
		}
		f.mu.Lock()
		f.rreqs = append(f.rreqs, rreq)
		f.raw = append(f.raw, body)
		f.sigs = append(f.sigs, r.Header.Get(RReqSignatureHeader))
		f.mu.Unlock()
		f.rreqCh <- rreq
		_ = json.NewEncoder(w).Encode(emv3ds.NewRRes(rreq))
	})
	mux.HandleFunc("POST /notify", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		f.mu.Lock()
		f.notify = append(f.notify, r.PostForm)
		f.mu.Unlock()
		_, _ = w.Write([]byte("<html><body>merchant result page</body></html>"))
	})
	mux.HandleFunc("POST /method-notify", func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, r.ParseForm())
		f.mu.Lock()
		f.method = append(f.method, r.PostForm)
		f.mu.Unlock()
		_, _ = w.Write([]byte("ok"))
	})
	f.srv = httptest.NewUnstartedServer(mux)
	if tlsCfg != nil {
		f.srv.TLS = tlsCfg
	}
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fake3DSS) rreqURL() string   { return f.srv.URL + "/rreq" }
func (f *fake3DSS) notifyURL() string { return f.srv.URL + "/notify" }

func (f *fake3DSS) received() []*emv3ds.RReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*emv3ds.RReq(nil), f.rreqs...)
}

// waitRReq waits for the next RReq (a generous guard against a hang, not a
// timing assertion).
func (f *fake3DSS) waitRReq(t *testing.T) *emv3ds.RReq {
	t.Helper()
	select {
	case r := <-f.rreqCh:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no RReq arrived")
		return nil
	}
}

type env struct {
	sim    *Simulator
	fake   *fake3DSS
	client *http.Client // the 3DS Server's and the browser's client
}

// start runs a plain-HTTP simulator whose RReqs go to a TLS fake 3DS Server.
func start(t *testing.T, mod func(*Config)) *env {
	t.Helper()
	fake := newFake3DSS(t, nil)
	cfg := Config{DecoupledDelay: 50 * time.Millisecond, SlowACSDelay: 50 * time.Millisecond, HoldTimeout: time.Hour, HTTPClient: fake.srv.Client()}
	if mod != nil {
		mod(&cfg)
	}
	sim, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { _ = sim.Close() })
	return &env{sim: sim, fake: fake, client: fake.srv.Client()}
}

// areq loads a testdata AReq of kind (browser, app, 3ri) shaped for version.
func (e *env) areq(t *testing.T, kind, pan string, v emv3ds.Version) map[string]any {
	t.Helper()
	b, err := os.ReadFile("testdata/areq_" + kind + ".json")
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	m["messageVersion"] = string(v)
	m["acctNumber"] = pan
	m["threeDSServerTransID"] = newUUID()
	m["threeDSServerURL"] = e.fake.rreqURL()
	if _, ok := m["notificationURL"]; ok {
		m["notificationURL"] = e.fake.notifyURL()
	}
	switch v {
	case emv3ds.Version210:
		delete(m, "browserJavascriptEnabled")
		if kind == "3ri" {
			m["messageCategory"] = "02"
		}
	case emv3ds.Version231:
		if ci, ok := m["threeDSRequestorChallengeInd"].(string); ok {
			m["threeDSRequestorChallengeInd"] = []string{ci}
		}
		if kind == "browser" {
			m["acceptLanguage"] = []string{"en-US"}
		}
	}
	return m
}

// post sends a JSON message to the DS.
func (e *env) post(t *testing.T, msg any, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	b, err := json.Marshal(msg)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, e.sim.DSURL(), bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := e.client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

// authenticate sends an AReq and decodes the ARes; it fails on an Erro.
func (e *env) authenticate(t *testing.T, m map[string]any) *emv3ds.ARes {
	t.Helper()
	resp, body := e.post(t, m, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotContains(t, string(body), `"messageType":"Erro"`, string(body))
	ares, err := emv3ds.DecodeARes(body)
	require.NoError(t, err)
	// The simulator's answers must pass the 3DS Server's own checks, except
	// scenario 12's, which exists to fail them.
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	areq, err := emv3ds.DecodeAReq(raw)
	require.NoError(t, err)
	verr := ares.Validate(emv3ds.AResContextFor(areq))
	if _, ss, _ := lookupPAN(areq.AcctNumber.Reveal()); ss == ScenarioInvalidARes {
		require.Error(t, verr)
		require.Contains(t, verr.Error(), "authenticationValue")
	} else {
		require.NoError(t, verr, string(body))
	}
	return ares
}

// erro sends a message and decodes the Erro it must get.
func (e *env) erro(t *testing.T, m any) *emv3ds.Erro {
	t.Helper()
	_, body := e.post(t, m, nil)
	er, err := emv3ds.DecodeErro(body)
	require.NoError(t, err)
	require.Equal(t, emv3ds.MessageTypeErro, er.MessageType, string(body))
	return er
}

var (
	formRE   = regexp.MustCompile(`<form id="([a-z]+)" method="post" action="([^"]*)">`)
	hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// form parses the simulator's page: the form's id, action and hidden fields.
func form(t *testing.T, page string) (id, action string, fields url.Values) {
	t.Helper()
	m := formRE.FindStringSubmatch(page)
	require.NotNil(t, m, "no form in page:\n%s", page)
	fields = url.Values{}
	for _, h := range hiddenRE.FindAllStringSubmatch(page, -1) {
		fields.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	return m[1], html.UnescapeString(m[2]), fields
}

// postForm posts a browser form and returns the status and page.
func (e *env) postForm(t *testing.T, target string, v url.Values) (int, string) {
	t.Helper()
	resp, err := e.client.PostForm(target, v)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// startChallenge posts the creq as the browser would and returns the page.
func (e *env) startChallenge(t *testing.T, ares *emv3ds.ARes, size emv3ds.ChallengeWindowSize, session string) string {
	t.Helper()
	require.Equal(t, emv3ds.TransStatusChallenge, ares.TransStatus)
	creq := emv3ds.NewCReq(ares.ThreeDSServerTransID, ares.ACSTransID, ares.MessageVersion, size)
	v := url.Values{"creq": {creq.Encode()}}
	if session != "" {
		v.Set("threeDSSessionData", session)
	}
	status, page := e.postForm(t, ares.ACSURL, v)
	require.Equal(t, http.StatusOK, status, page)
	return page
}

// submit answers the challenge page with a code (or cancel).
func (e *env) submit(t *testing.T, page, action, otp string) string {
	t.Helper()
	id, target, fields := form(t, page)
	require.Equal(t, "challenge", id)
	fields.Set("action", action)
	fields.Set("otp", otp)
	status, next := e.postForm(t, target, fields)
	require.Equal(t, http.StatusOK, status, next)
	return next
}

// followCRes follows the auto-post page to notificationURL and returns the
// CRes and threeDSSessionData the merchant received.
func (e *env) followCRes(t *testing.T, page string) (*emv3ds.CRes, string) {
	t.Helper()
	id, target, fields := form(t, page)
	require.Equal(t, "autopost", id)
	require.Equal(t, e.fake.notifyURL(), target)
	status, _ := e.postForm(t, target, fields)
	require.Equal(t, http.StatusOK, status)
	e.fake.mu.Lock()
	got := e.fake.notify[len(e.fake.notify)-1]
	e.fake.mu.Unlock()
	cres, erro, err := emv3ds.ParseCRes(got.Get("cres"))
	require.NoError(t, err)
	require.Nil(t, erro)
	return cres, got.Get("threeDSSessionData")
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// requireCAVV checks a 28-character base64 value of 20 bytes.
func requireCAVV(t *testing.T, v emv3ds.AuthenticationValue) {
	t.Helper()
	s := v.Reveal()
	require.Len(t, s, 28)
	require.True(t, strings.HasSuffix(s, "="))
	b, err := decodeStdBase64(s)
	require.NoError(t, err)
	require.Len(t, b, 20)
}
