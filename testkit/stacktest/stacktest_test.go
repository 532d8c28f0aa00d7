package stacktest_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// echo answers with the request it got as JSON, and with the status the
// X-Status header asks for.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	status := http.StatusOK
	if s := r.Header.Get("X-Status"); s != "" {
		_, _ = fmt.Sscan(s, &status)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"path": r.URL.Path, "auth": r.Header.Get("Authorization"), "type": r.Header.Get("Content-Type"),
		"idem": r.Header.Get("Idempotency-Key"), "body": string(body),
	})
}

func TestClientCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(echo))
	defer srv.Close()
	c := stacktest.NewClient(srv.URL, 10*time.Second)

	got := c.Call(t, "/preauth", "k1", map[string]any{"acctNumber": "4000"}, "Idempotency-Key", "i1").JSON(t)
	require.Equal(t, map[string]any{"path": "/preauth", "auth": "Bearer k1", "type": "application/json",
		"idem": "i1", "body": `{"acctNumber":"4000"}`}, got)

	got = c.Call(t, "/auth", "", []byte(`{"raw":`)).JSON(t)
	require.Equal(t, "", got["auth"], "no key, no header")
	require.Equal(t, `{"raw":`, got["body"], "bytes go as they are")

	got = c.PostRReq(t, map[string]any{"messageType": "RReq"}).JSON(t)
	require.Equal(t, "/ds/results", got["path"])
	require.Equal(t, stacktest.RReqContentType, got["type"])

	require.Empty(t, c.ErrorBodies())
	r := c.Call(t, "/postauth", "k1", map[string]any{}, "X-Status", "404")
	require.Equal(t, http.StatusNotFound, r.Status)
	bodies := c.ErrorBodies()
	require.Len(t, bodies, 1, "4xx bodies are kept")
	require.True(t, strings.HasPrefix(bodies[0], "/postauth {"), bodies[0])

	r = c.TryPostRReq(map[string]any{})
	require.Equal(t, http.StatusOK, r.Status)

	dead := stacktest.NewClient("http://127.0.0.1:1", time.Second)
	r = dead.TryCall("/preauth", "", map[string]any{})
	require.Zero(t, r.Status, "a transport failure is status 0")
	require.NotEmpty(t, r.Body, "with the error as the body")
}

func TestPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "not a form", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `<div id="status" data-trans-status="Y &amp; more"></div>
<form method="post" action="https://acs.example/a?x=1&amp;y=2">
<input type="hidden" name="cres" value="%s"><input type="hidden" name="threeDSSessionData" value="s&amp;1">
<input type="text" name="otp" value="visible"></form>`, r.PostForm.Get("creq"))
	}))
	defer srv.Close()
	c := stacktest.NewClient(srv.URL, 10*time.Second)

	p := c.PostForm(t, srv.URL+"/acs", url.Values{"creq": {"abc"}})
	require.Equal(t, http.StatusOK, p.Status)
	action, fields := p.Form(t)
	require.Equal(t, "https://acs.example/a?x=1&y=2", action)
	require.Equal(t, url.Values{"cres": {"abc"}, "threeDSSessionData": {"s&1"}}, fields, "hidden inputs only, unescaped")
	require.Equal(t, "Y & more", p.Attr(t, "status", "data-trans-status"))
}

func TestBrowserAReq(t *testing.T) {
	a := stacktest.BrowserAReq("tx", "4000000000001000")
	require.Equal(t, "tx", a["threeDSServerTransID"])
	require.Equal(t, "4000000000001000", a["acctNumber"])
	require.Equal(t, "02", a["deviceChannel"])
	require.Len(t, a["purchaseDate"], 14)

	b := a.With("purchaseAmount", "2999", "email", nil)
	require.Equal(t, "2999", b["purchaseAmount"])
	require.NotContains(t, b, "email")
	require.Equal(t, "1999", a["purchaseAmount"], "With copies")
	require.Contains(t, a, "email")
}

func TestRReqFor(t *testing.T) {
	ares := map[string]any{"messageVersion": "2.2.0", "threeDSServerTransID": "s", "acsTransID": "a", "dsTransID": "d"}
	y := stacktest.RReqFor(ares, "Y")
	require.Equal(t, "RReq", y["messageType"])
	require.Equal(t, "s", y["threeDSServerTransID"])
	require.Equal(t, "05", y["eci"])
	require.Len(t, y["authenticationValue"], 28)
	n := stacktest.RReqFor(ares, "N")
	require.Equal(t, "01", n["transStatusReason"])
	require.NotContains(t, n, "authenticationValue")
}

func TestHookReceiver(t *testing.T) {
	h := &stacktest.HookReceiver{}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string) int {
		res, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	h.SetDown(true)
	require.Equal(t, http.StatusServiceUnavailable, post(`{"id":"e1","data":{"threeDSServerTransID":"t1"}}`))
	h.SetDown(false)
	require.Equal(t, http.StatusNoContent, post(`{"id":"e1","data":{"threeDSServerTransID":"t1"}}`))
	require.Equal(t, http.StatusNoContent, post(`{"id":"e2","data":{"threeDSServerTransID":"t2"}}`))

	got := h.ForTx("t1")
	require.Len(t, got, 2)
	require.Equal(t, []int{503, 204}, []int{got[0].Answered, got[1].Answered}, "oldest first")
	require.Equal(t, "e1", got[1].EventID)
	require.Equal(t, "application/json", got[1].Header.Get("Content-Type"))
	require.Empty(t, h.ForTx("t3"))
}

func TestNewPKI(t *testing.T) {
	p, err := stacktest.NewPKI(t.TempDir())
	require.NoError(t, err)
	other, err := stacktest.NewPKI(t.TempDir())
	require.NoError(t, err)
	require.NotEmpty(t, p.ClientCN)
	for _, f := range []string{p.CAFile, p.ServerCertFile, p.ServerKeyFile, p.ClientCertFile, p.ClientKeyFile} {
		require.FileExists(t, f)
	}

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{p.Server}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: p.Pool}
	srv.StartTLS()
	defer srv.Close()
	get := func(roots *tls.Config) (string, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: roots}, Timeout: 10 * time.Second}
		res, err := c.Get(srv.URL)
		if err != nil {
			return "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return string(b), err
	}
	client, err := tls.X509KeyPair(p.ClientCert, p.ClientKey)
	require.NoError(t, err)
	cn, err := get(&tls.Config{RootCAs: p.Pool, Certificates: []tls.Certificate{client}})
	require.NoError(t, err, "the server certificate chains to the CA and the client certificate is accepted")
	require.Equal(t, p.ClientCN, cn)

	_, err = get(&tls.Config{RootCAs: other.Pool, Certificates: []tls.Certificate{client}})
	require.Error(t, err, "another PKI's CA does not trust this server")
}

func TestLogBuffer(t *testing.T) {
	var l stacktest.LogBuffer
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				_, _ = fmt.Fprintf(&l, "line %d\n", i)
			}
		}()
	}
	wg.Wait()
	require.Len(t, strings.Split(strings.TrimSpace(l.String()), "\n"), 800)
}
