package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-addr", "127.0.0.1:0", "-tls", "generate", "-cert-dir", "/tmp/x", "-decoupled-delay", "5s", "-acs-end-version", "2.3.1"})
	require.NoError(t, err)
	require.Equal(t, dssim.TLSGenerate, cfg.TLS)
	require.Equal(t, "/tmp/x", cfg.CertDir)
	require.Equal(t, 5*time.Second, cfg.DecoupledDelay)
	require.Equal(t, emv3ds.Version231, cfg.ACSEndVersion)
	_, err = parseFlags([]string{"-nope"})
	require.Error(t, err)
	_, err = parseFlags([]string{"extra"})
	require.Error(t, err)
}

func TestLambdaAdapter(t *testing.T) {
	sim, err := dssim.New(dssim.Config{InlineTimers: true})
	require.NoError(t, err)
	h := newLambdaHandler(sim.Handler())
	rc := events.APIGatewayProxyRequestContext{DomainName: "abc123.execute-api.eu-west-1.amazonaws.com", Stage: "sandbox"}

	// A PReq through the adapter: the method URL uses the stage URL.
	preq := `{"messageType":"PReq","messageVersion":"2.2.0","threeDSServerRefNumber":"3DS_LOA_SER_OPEN_020200_00001","threeDSServerTransID":"` + "6c57c18f-e55b-4333-a991-460b04ee0730" + `"}`
	resp, err := h.handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost, Path: "/ds", Body: preq, RequestContext: rc,
		Headers: map[string]string{"Content-Type": "application/json"},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, resp.MultiValueHeaders["Server-Timing"])
	pres, err := emv3ds.DecodePRes([]byte(resp.Body))
	require.NoError(t, err)
	found := false
	for _, cr := range pres.CardRangeData {
		if cr.ThreeDSMethodURL != "" {
			// Every method URL is under the stage URL (a method-timeout test
			// card's has a suffix).
			require.True(t, strings.HasPrefix(cr.ThreeDSMethodURL, "https://abc123.execute-api.eu-west-1.amazonaws.com/sandbox/acs/method"), cr.ThreeDSMethodURL)
			found = true
		}
	}
	require.True(t, found)

	// Base64 bodies, query parameters and a form post (3DS Method page).
	data := emv3ds.NewThreeDSMethodData("6c57c18f-e55b-4333-a991-460b04ee0730", "https://merchant.example/notify").Encode()
	form := url.Values{"threeDSMethodData": {data}}.Encode()
	resp, err = h.handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost, Path: "/acs/method", RequestContext: rc, IsBase64Encoded: true,
		Body:              b64(form),
		MultiValueHeaders: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}},
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Body, `action="https://merchant.example/notify"`)
	require.True(t, sim.MethodCompleted("6c57c18f-e55b-4333-a991-460b04ee0730"))

	// Injected garbage is not UTF-8 and comes back base64-encoded.
	resp, err = h.handle(context.Background(), events.APIGatewayProxyRequest{
		HTTPMethod: http.MethodPost, Path: "/ds", Body: preq, RequestContext: rc,
		QueryStringParameters: map[string]string{"dssimFault": "garbage"},
	})
	require.NoError(t, err)
	require.True(t, resp.IsBase64Encoded)
	raw, err := base64.StdEncoding.DecodeString(resp.Body)
	require.NoError(t, err)
	require.False(t, json.Valid(raw))

	// Bad base64 is a 400, not a panic.
	resp, err = h.handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Path: "/ds", Body: "%%%", IsBase64Encoded: true})
	require.NoError(t, err)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
