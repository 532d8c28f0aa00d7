package dssim

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

func TestFaultInjection(t *testing.T) {
	t.Parallel()
	e := start(t, func(c *Config) {
		c.Faults = map[string]Fault{"02": {Kind: FaultTruncated}}
	})
	areq := func(ss Scenario) map[string]any {
		return e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, ss), emv3ds.Version220)
	}
	t.Run("garbage header", func(t *testing.T) {
		m := areq("00")
		resp, body := e.post(t, m, map[string]string{FaultHeader: "garbage"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.False(t, json.Valid(body))
		ex := e.sim.Exchanges(m["threeDSServerTransID"].(string))
		require.Equal(t, "fault injected: garbage", ex[len(ex)-1].Note)
	})
	t.Run("truncated header", func(t *testing.T) {
		resp, body := e.post(t, areq("00"), map[string]string{FaultHeader: "truncated"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.False(t, json.Valid(body))
		require.True(t, bytes.HasPrefix(body, []byte(`{"messageType":"ARes"`)), string(body))
	})
	t.Run("per-scenario config", func(t *testing.T) {
		_, body := e.post(t, areq("02"), nil)
		require.False(t, json.Valid(body))
		require.True(t, bytes.HasPrefix(body, []byte(`{"messageType":"ARes"`)))
		require.Equal(t, emv3ds.TransStatusNotAuthenticated, e.authenticate(t, areq("01")).TransStatus) // other scenarios answer normally
	})
	t.Run("delay header", func(t *testing.T) {
		resp, body := e.post(t, areq("00"), map[string]string{DelayHeader: "20ms"})
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.True(t, json.Valid(body))
	})
	t.Run("bad fault header", func(t *testing.T) {
		resp, _ := e.post(t, areq("00"), map[string]string{FaultHeader: "explode"})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
		resp, _ = e.post(t, areq("00"), map[string]string{DelayHeader: "soon"})
		require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	})
	t.Run("PReq garbage", func(t *testing.T) {
		preq := map[string]any{"messageType": "PReq", "messageVersion": "2.2.0", "threeDSServerRefNumber": "3DS_LOA_SER_OPEN_020200_00001", "threeDSServerTransID": newUUID()}
		_, body := e.post(t, preq, map[string]string{FaultHeader: "garbage"})
		require.False(t, json.Valid(body))
	})
}

func TestDSTimeoutScenario(t *testing.T) {
	t.Parallel()
	t.Run("hold ends with Erro 402", func(t *testing.T) {
		t.Parallel()
		e := start(t, func(c *Config) { c.HoldTimeout = 30 * time.Millisecond })
		er := e.erro(t, e.areq(t, "browser", TestPAN(emv3ds.SchemeMastercard, "10"), emv3ds.Version220))
		require.Equal(t, emv3ds.ErrorCodeTransactionTimedOut, er.ErrorCode)
		require.Equal(t, emv3ds.ErrorComponentDS, er.ErrorComponent)
	})
	t.Run("the 3DS Server gives up", func(t *testing.T) {
		t.Parallel()
		e := start(t, nil) // HoldTimeout one hour
		b, _ := json.Marshal(e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "10"), emv3ds.Version220))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.sim.DSURL(), bytes.NewReader(b))
		_, err := e.client.Do(req)
		require.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("Close ends a held request", func(t *testing.T) {
		t.Parallel()
		e := start(t, nil) // HoldTimeout one hour
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "10"), emv3ds.Version220)
		id := m["threeDSServerTransID"].(string)
		done := make(chan error, 1)
		go func() {
			b, _ := json.Marshal(m)
			resp, err := e.client.Post(e.sim.DSURL(), "application/json", bytes.NewReader(b))
			if err == nil {
				resp.Body.Close()
			}
			done <- err
		}()
		require.Eventually(t, func() bool { return len(e.sim.Exchanges(id)) > 0 }, 10*time.Second, 5*time.Millisecond)
		closed := make(chan error, 1)
		go func() { closed <- e.sim.Close() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second): // a hang guard, not a timing assertion
			t.Fatal("held request did not end on Close")
		}
		require.NoError(t, <-closed)
	})
}

// issue makes a certificate signed by the simulator's generated CA.
func issue(t *testing.T, dir string, server bool) tls.Certificate {
	t.Helper()
	caPEM, err := os.ReadFile(filepath.Join(dir, CAFileName))
	require.NoError(t, err)
	caKeyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFileName))
	require.NoError(t, err)
	b, _ := pem.Decode(caPEM)
	ca, err := x509.ParseCertificate(b.Bytes)
	require.NoError(t, err)
	kb, _ := pem.Decode(caKeyPEM)
	caKey, err := x509.ParseECPrivateKey(kb.Bytes)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: "test 3DS Server"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestMutualTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sim, err := New(Config{TLS: TLSGenerate, CertDir: dir})
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { _ = sim.Close() })
	require.Regexp(t, `^https://127\.0\.0\.1:\d+$`, sim.URL())
	for _, f := range []string{CAFileName, CAKeyFileName, ServerFileName, ServerKeyFileName, ClientFileName, ClientKeyFileName} {
		_, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err, f)
	}

	// The fake 3DS Server also speaks mTLS: its certificate comes from the
	// simulator's CA and it requires the DS's client certificate.
	caPool := sim.ClientTLSConfig().RootCAs
	fake := newFake3DSS(t, &tls.Config{
		Certificates: []tls.Certificate{issue(t, dir, true)},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    caPool,
		MinVersion:   tls.VersionTLS12,
	})
	clientTLS := sim.ClientTLSConfig()
	clientTLS.RootCAs = caPool
	e := &env{sim: sim, fake: fake, client: &http.Client{Transport: &http.Transport{TLSClientConfig: clientTLS}}}

	t.Run("no client certificate is refused", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool}}}
		resp, err := c.Get(sim.URL() + "/health")
		if err == nil {
			resp.Body.Close()
		}
		require.Error(t, err)
	})
	t.Run("challenge end to end over mTLS", func(t *testing.T) {
		// The browser leg (acsURL, notificationURL) uses the same client here.
		m := e.areq(t, "browser", TestPAN(emv3ds.SchemeAmex, "05"), emv3ds.Version220)
		ares := e.authenticate(t, m)
		page := e.startChallenge(t, ares, "03", "s1")
		page = e.submit(t, page, "submit", "1234")
		r := fake.waitRReq(t)
		require.Equal(t, emv3ds.TransStatusAuthenticated, r.TransStatus)
		require.Equal(t, emv3ds.ECI("05"), r.ECI)
		cres, session := e.followCRes(t, page)
		require.Equal(t, "s1", session)
		require.Equal(t, emv3ds.TransStatusAuthenticated, cres.TransStatus)
	})
	t.Run("PEM files", func(t *testing.T) {
		sim2, err := New(Config{TLS: TLSFiles, CAFile: filepath.Join(dir, CAFileName),
			CertFile: filepath.Join(dir, ServerFileName), KeyFile: filepath.Join(dir, ServerKeyFileName)})
		require.NoError(t, err)
		require.NoError(t, sim2.Start())
		defer sim2.Close()
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, ClientFileName), filepath.Join(dir, ClientKeyFileName))
		require.NoError(t, err)
		cfg := sim2.ClientTLSConfig()
		require.Empty(t, cfg.Certificates)
		cfg.Certificates = []tls.Certificate{pair}
		e2 := &env{sim: sim2, fake: fake, client: &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}}
		ares := e2.authenticate(t, e2.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, "00"), emv3ds.Version220))
		require.Equal(t, emv3ds.TransStatusAuthenticated, ares.TransStatus)
	})
	t.Run("plain simulator has no client TLS", func(t *testing.T) {
		plain, err := New(Config{})
		require.NoError(t, err)
		require.Nil(t, plain.ClientTLSConfig())
	})
	t.Run("bad config", func(t *testing.T) {
		_, err := New(Config{TLS: TLSFiles})
		require.Error(t, err)
		_, err = New(Config{TLS: "bogus"})
		require.Error(t, err)
	})
}
