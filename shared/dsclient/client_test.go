package dsclient_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dsclient"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/stacktest"
)

// newPKI is a throw-away CA with a server certificate for the loopback
// names and a client certificate.
func newPKI(t *testing.T) *stacktest.PKI {
	t.Helper()
	p, err := stacktest.NewPKI(t.TempDir())
	require.NoError(t, err)
	return p
}

// ds is a test Directory Server counting the requests it receives.
type ds struct {
	*httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	bodies   [][]byte
	clientCN []string
	headers  []http.Header
}

func newDS(t *testing.T, p *stacktest.PKI, mutual bool, h func(w http.ResponseWriter, r *http.Request, body []byte)) *ds {
	t.Helper()
	d := &ds{}
	d.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.bodies = append(d.bodies, body)
		d.headers = append(d.headers, r.Header.Clone())
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			d.clientCN = append(d.clientCN, r.TLS.PeerCertificates[0].Subject.CommonName)
		}
		d.mu.Unlock()
		h(w, r, body)
	}))
	if p != nil {
		d.TLS = &tls.Config{Certificates: []tls.Certificate{p.Server}, MinVersion: tls.VersionTLS12}
		if mutual {
			d.TLS.ClientAuth = tls.RequireAndVerifyClientCert
			d.TLS.ClientCAs = p.Pool
		}
		d.StartTLS()
	} else {
		d.Start()
	}
	t.Cleanup(d.Close)
	return d
}

func client(t *testing.T, cfg dsclient.Config) *dsclient.Client {
	t.Helper()
	c, err := dsclient.New(cfg)
	require.NoError(t, err)
	return c
}

func tlsFor(t *testing.T, p *stacktest.PKI, withClientCert bool) *tls.Config {
	t.Helper()
	var cert, key []byte
	if withClientCert {
		cert, key = p.ClientCert, p.ClientKey
	}
	c, err := dsclient.TLSConfigFromPEM(cert, key, p.CAPEM)
	require.NoError(t, err)
	return c
}

var areq = &emv3ds.AReq{
	MessageType: emv3ds.MessageTypeAReq, MessageVersion: emv3ds.Version220,
	ThreeDSServerTransID: "00000000-0000-4000-8000-000000000001", AcctNumber: "4000000000001000",
}

const aresJSON = `{"messageType":"ARes","messageVersion":"2.2.0","threeDSServerTransID":"00000000-0000-4000-8000-000000000001",
"acsTransID":"a0000000-0000-4000-8000-000000000001","dsTransID":"d0000000-0000-4000-8000-000000000001",
"acsReferenceNumber":"ACSRef","dsReferenceNumber":"DSRef","transStatus":"Y","eci":"05","authenticationValue":"AAABBZEEBgAAAAAAAAQGAAAAAAA="}`

const erroJSON = `{"messageType":"Erro","messageVersion":"2.2.0","threeDSServerTransID":"00000000-0000-4000-8000-000000000001",
"errorCode":"305","errorComponent":"D","errorDescription":"Transaction data not valid","errorDetail":"acctNumber","errorMessageType":"AReq"}`

func reply(status int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestSendAReqMutualTLS(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	srv := newDS(t, p, true, reply(200, aresJSON))
	c := client(t, dsclient.Config{DefaultURL: srv.URL, TLS: tlsFor(t, p, true)})
	ares, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	require.NoError(t, err)
	require.Equal(t, emv3ds.TransStatusAuthenticated, ares.TransStatus)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", ares.DSTransID)
	require.Equal(t, int32(1), srv.requests.Load())
	require.Equal(t, []string{p.ClientCN}, srv.clientCN, "the client certificate was presented")
	require.Contains(t, srv.headers[0].Get("Content-Type"), "application/json")
	var sent emv3ds.AReq
	require.NoError(t, json.Unmarshal(srv.bodies[0], &sent))
	require.Equal(t, areq.ThreeDSServerTransID, sent.ThreeDSServerTransID)
	require.Equal(t, areq.AcctNumber, sent.AcctNumber, "the DS receives the real PAN")
}

// A DS that refuses our client certificate is a TLS failure: with TLS 1.3 the
// refusal arrives as a remote alert ("tls: certificate required") after the
// client's side of the handshake, and must still be reported as such.
func TestSendAReqWithoutClientCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	srv := newDS(t, p, true, reply(200, aresJSON))
	c := client(t, dsclient.Config{DefaultURL: srv.URL, TLS: tlsFor(t, p, false)})
	_, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.Equal(t, "TLS handshake failed", unavailable.Cause)
	require.Equal(t, int32(0), srv.requests.Load())
}

func TestSendAReqWrongCA(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	srv := newDS(t, p, false, reply(200, aresJSON))
	c := client(t, dsclient.Config{DefaultURL: srv.URL, TLS: tlsFor(t, other, true)})
	_, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.ErrorIs(t, err, threeds.ErrDirectoryUnavailable)
	require.False(t, unavailable.Timeout)
	require.Equal(t, "TLS handshake failed", unavailable.Cause)
	require.Equal(t, int32(0), srv.requests.Load())
}

func TestSendAReqAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		body        string
		wantPeer    bool
		wantUnavail string
		wantInvalid bool
		wantReject  bool // undecodable ARes: Erro 101 for the DS (the Directory contract)
	}{
		{name: "Erro with 200", status: 200, body: erroJSON, wantPeer: true},
		{name: "Erro with 400", status: 400, body: erroJSON, wantPeer: true},
		{name: "garbage with 503", status: 503, body: "<html>Service Unavailable</html>", wantUnavail: "Directory Server answered HTTP 503"},
		{name: "empty 500", status: 500, body: "", wantUnavail: "Directory Server answered HTTP 500"},
		{name: "garbage with 200", status: 200, body: "<html>ok</html>", wantReject: true},
		{name: "truncated JSON with 200", status: 200, body: `{"messageType":"ARes",`, wantReject: true},
		{name: "undecodable Erro", status: 200, body: `{"messageType":"Erro","errorCode":{"a":1}}`, wantInvalid: true},
	}
	p := newPKI(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newDS(t, p, false, reply(tc.status, tc.body))
			c := client(t, dsclient.Config{DefaultURL: srv.URL, TLS: tlsFor(t, p, false)})
			ares, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
			require.Nil(t, ares)
			switch {
			case tc.wantPeer:
				var peer *threeds.PeerErroError
				require.ErrorAs(t, err, &peer)
				require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, peer.Erro.ErrorCode)
				require.Equal(t, emv3ds.ErrorComponentDS, peer.Erro.ErrorComponent)
				require.Equal(t, "acctNumber", peer.Erro.ErrorDetail)
			case tc.wantUnavail != "":
				var unavailable *threeds.DirectoryUnavailableError
				require.ErrorAs(t, err, &unavailable)
				require.Equal(t, tc.wantUnavail, unavailable.Cause)
				require.NotContains(t, err.Error(), "html", "the body is not echoed")
			case tc.wantInvalid:
				var invalid *threeds.InvalidResponseError
				require.ErrorAs(t, err, &invalid)
			case tc.wantReject:
				var rejected *threeds.RejectedMessageError
				require.ErrorAs(t, err, &rejected)
				require.Equal(t, emv3ds.ErrorCodeMessageInvalid, rejected.Erro.ErrorCode)
				require.Equal(t, emv3ds.ErrorComponentServer, rejected.Erro.ErrorComponent)
				require.Equal(t, areq.ThreeDSServerTransID, rejected.Erro.ThreeDSServerTransID)
			}
			require.Equal(t, int32(1), srv.requests.Load(), "one request, never resent")
		})
	}
}

func TestSendAReqTimeoutNeverResends(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newDS(t, nil, false, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := client(t, dsclient.Config{DefaultURL: srv.URL, Timeout: 150 * time.Millisecond, ConnectTimeout: 100 * time.Millisecond})
	_, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.True(t, unavailable.Timeout)
	require.Equal(t, "Connection timeout", unavailable.Cause)
	// Give a would-be retry the chance to arrive before counting.
	time.Sleep(100 * time.Millisecond)
	require.Equal(t, int32(1), srv.requests.Load(), "the AReq is never resent after a timeout")
}

func TestSendAReqCallerDeadline(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := newDS(t, nil, false, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := client(t, dsclient.Config{DefaultURL: srv.URL})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SendAReq(ctx, emv3ds.SchemeVisa, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.True(t, unavailable.Timeout)
}

func TestSendAReqConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c := client(t, dsclient.Config{DefaultURL: "http://" + addr + "/ds"})
	_, err = c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.False(t, unavailable.Timeout)
	require.Equal(t, "Connection refused", unavailable.Cause)
	require.NotContains(t, err.Error(), "4000000000001000")
}

func TestSendAReqOversizedResponse(t *testing.T) {
	t.Parallel()
	big := `{"messageType":"ARes","acsURL":"https://acs.example.com/` + strings.Repeat("a", 4096) + `"}`
	srv := newDS(t, nil, false, reply(200, big))
	c := client(t, dsclient.Config{DefaultURL: srv.URL, MaxResponseBytes: 1024})
	_, err := c.SendAReq(context.Background(), emv3ds.SchemeVisa, areq)
	var invalid *threeds.InvalidResponseError
	require.ErrorAs(t, err, &invalid)
	require.Contains(t, invalid.Reason, "size limit")
}

func TestSchemeRouting(t *testing.T) {
	t.Parallel()
	hit := func(name string) (*ds, *atomic.Int32) {
		s := newDS(t, nil, false, reply(200, aresJSON))
		return s, &s.requests
	}
	visa, visaN := hit("visa")
	def, defN := hit("default")
	c := client(t, dsclient.Config{
		DefaultURL: def.URL,
		URLs:       map[emv3ds.Scheme]string{emv3ds.SchemeVisa: visa.URL + "/visa", emv3ds.SchemeAmex: ""},
	})
	ctx := context.Background()
	_, err := c.SendAReq(ctx, emv3ds.SchemeVisa, areq)
	require.NoError(t, err)
	require.Equal(t, int32(1), visaN.Load())
	require.Equal(t, int32(0), defN.Load())
	_, err = c.SendAReq(ctx, emv3ds.SchemeMastercard, areq)
	require.NoError(t, err)
	_, err = c.SendAReq(ctx, emv3ds.SchemeAmex, areq)
	require.NoError(t, err, "an empty scheme URL falls back to the default")
	require.Equal(t, int32(2), defN.Load())
	require.Equal(t, int32(1), visaN.Load())

	only := client(t, dsclient.Config{URLs: map[emv3ds.Scheme]string{emv3ds.SchemeVisa: visa.URL}})
	_, err = only.SendAReq(ctx, emv3ds.SchemeMastercard, areq)
	var unavailable *threeds.DirectoryUnavailableError
	require.ErrorAs(t, err, &unavailable)
	require.Equal(t, "No Directory Server configured for the card scheme", unavailable.Cause)
	require.Equal(t, int32(1), visaN.Load())
}

func TestSendPReqAndErro(t *testing.T) {
	t.Parallel()
	const presJSON = `{"messageType":"PRes","messageVersion":"2.2.0","threeDSServerTransID":"00000000-0000-4000-8000-000000000009",
"dsTransID":"d0000000-0000-4000-8000-000000000009","serialNum":"12","dsStartProtocolVersion":"2.1.0","dsEndProtocolVersion":"2.2.0",
"cardRangeData":[{"startRange":"4000000000001000","endRange":"4000000000001999","actionInd":"A","acsStartProtocolVersion":"2.1.0","acsEndProtocolVersion":"2.2.0"}]}`
	srv := newDS(t, nil, false, func(w http.ResponseWriter, r *http.Request, body []byte) {
		var m struct{ MessageType string }
		_ = json.Unmarshal(body, &m)
		switch m.MessageType {
		case "PReq":
			reply(200, presJSON)(w, r, body)
		case "Erro":
			w.WriteHeader(http.StatusOK)
		default:
			reply(400, erroJSON)(w, r, body)
		}
	})
	c := client(t, dsclient.Config{DefaultURL: srv.URL})
	pres, err := c.SendPReq(context.Background(), emv3ds.SchemeVisa, &emv3ds.PReq{
		MessageType: emv3ds.MessageTypePReq, MessageVersion: emv3ds.Version220, ThreeDSServerTransID: "00000000-0000-4000-8000-000000000009", SerialNum: "11",
	})
	require.NoError(t, err)
	require.Equal(t, "12", pres.SerialNum)
	require.Len(t, pres.CardRangeData, 1)
	require.NoError(t, c.SendErro(context.Background(), emv3ds.SchemeVisa, &emv3ds.Erro{
		MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version220, ErrorCode: "203", ErrorComponent: "S",
	}))
	require.Equal(t, int32(2), srv.requests.Load())
	require.Contains(t, string(srv.bodies[0]), `"serialNum":"11"`)
	require.Contains(t, string(srv.bodies[1]), `"messageType":"Erro"`)
}

func TestNewAndTLSConfig(t *testing.T) {
	t.Parallel()
	_, err := dsclient.New(dsclient.Config{})
	require.Error(t, err)

	p := newPKI(t)
	cfg, err := dsclient.TLSConfigFromPEM(p.ClientCert, p.ClientKey, p.CAPEM)
	require.NoError(t, err)
	require.Len(t, cfg.Certificates, 1)
	require.NotNil(t, cfg.RootCAs)
	require.GreaterOrEqual(t, cfg.MinVersion, uint16(tls.VersionTLS12))

	_, err = dsclient.TLSConfigFromPEM(p.ClientCert, nil, p.CAPEM)
	require.Error(t, err, "a certificate without its key")
	_, err = dsclient.TLSConfigFromPEM(nil, nil, []byte("not a certificate"))
	require.Error(t, err)
	cfg, err = dsclient.TLSConfigFromPEM(nil, nil, p.CAPEM)
	require.NoError(t, err, "a CA alone trusts a simulator without a client certificate")
	require.Empty(t, cfg.Certificates)
	require.NotContains(t, err2str(err), "PRIVATE KEY")
}

func err2str(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
