package main

import (
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/webhooksig"
)

func TestRReqSignature(t *testing.T) {
	t.Parallel()
	key := []byte("sandbox-rreq-key-0123456789abcdef")
	now := time.Date(2026, 6, 25, 8, 0, 0, 0, time.UTC)
	body := []byte(`{"messageType":"RReq"}`)
	v := rreqSignature{key: key, now: func() time.Time { return now }}
	ev := func(h map[string]string) events.APIGatewayProxyRequest {
		return events.APIGatewayProxyRequest{Headers: h}
	}

	require.NoError(t, v.verify(ev(map[string]string{"dssim-signature": webhooksig.Sign(key, now, body)}), body), "header names in any case")
	require.NoError(t, v.verify(events.APIGatewayProxyRequest{MultiValueHeaders: map[string][]string{"Dssim-Signature": {webhooksig.Sign(key, now, body)}}}, body))
	require.ErrorIs(t, v.verify(ev(nil), body), errUnsignedRReq, "unsigned")
	require.ErrorIs(t, v.verify(ev(map[string]string{"Dssim-Signature": webhooksig.Sign([]byte("another key of thirty-two chars!!"), now, body)}), body), errUnsignedRReq, "another key")
	require.ErrorIs(t, v.verify(ev(map[string]string{"Dssim-Signature": webhooksig.Sign(key, now, body)}), []byte(`{"messageType":"RReq","transStatus":"Y"}`)), errUnsignedRReq, "another body")
	require.ErrorIs(t, v.verify(ev(map[string]string{"Dssim-Signature": webhooksig.Sign(key, now.Add(-time.Hour), body)}), body), errUnsignedRReq, "replayed later")
	require.NoError(t, rreqSignature{}.verify(ev(nil), body), "production (no key): mutual TLS admits the DS, nothing to check here")
	require.Equal(t, 403, refuseUnsigned().StatusCode)
}
