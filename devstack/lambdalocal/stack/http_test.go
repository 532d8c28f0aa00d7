package stack

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open3ds/server/shared/webhooksig"
	"github.com/stretchr/testify/require"
)

func TestWebhookSink(t *testing.T) {
	k := newWebhookSink()
	k.addSecret("s1")
	k.addSecret("s2")
	body := []byte(`{"type":"transaction.completed","threeDSServerTransID":"t1"}`)
	tests := []struct {
		name, header, want string
	}{
		{"second merchant's secret", webhooksig.Sign([]byte("s2"), time.Now(), body), "valid"},
		{"wrong secret", webhooksig.Sign([]byte("nope"), time.Now(), body), "invalid: " + webhooksig.ErrMismatch.Error()},
		{"unsigned", "", "missing"},
	}
	for _, tc := range tests {
		req := httptest.NewRequest("POST", "/_local/webhooks/sink", bytes.NewReader(body))
		if tc.header != "" {
			req.Header.Set(webhooksig.Header, tc.header)
		}
		rr := httptest.NewRecorder()
		k.receive(rr, req)
		require.Equal(t, http.StatusNoContent, rr.Code)
		got := k.list()
		require.Equal(t, tc.want, got[len(got)-1].Signature, tc.name)
		require.JSONEq(t, string(body), string(got[len(got)-1].Body))
	}

	rr := httptest.NewRecorder()
	k.page(rr, httptest.NewRequest("GET", "/_local/webhooks", nil))
	require.Contains(t, rr.Body.String(), "Webhook events received (3)")
	require.Contains(t, rr.Body.String(), "transaction.completed")
	rr = httptest.NewRecorder()
	k.page(rr, httptest.NewRequest("GET", "/_local/webhooks?format=json", nil))
	var list []ReceivedWebhook
	require.NoError(t, json.Unmarshal(rr.Body.Bytes(), &list))
	require.Len(t, list, 3)
}

func TestEnsureSecretsKeepsTheKey(t *testing.T) {
	dir := t.TempDir()
	k1, value, err := ensureSecrets(dir)
	require.NoError(t, err)
	require.Len(t, k1, 32)
	file := filepath.Join(dir, "secrets.json")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, string(b), value, "the local Secrets Manager serves the file's JSON")
	st, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	k2, _, err := ensureSecrets(dir)
	require.NoError(t, err)
	require.Equal(t, k1, k2, "a data directory keeps its master key (sealed secrets stay readable)")

	r1, v1, err := ensureRReqKey(dir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(r1), 32)
	require.Contains(t, v1, `"rreqKey"`)
	r2, _, err := ensureRReqKey(dir)
	require.NoError(t, err)
	require.Equal(t, r1, r2)
}

func TestPrefixWriter(t *testing.T) {
	var out bytes.Buffer
	w := &prefixWriter{prefix: "[Fn] ", w: &out}
	_, _ = w.Write([]byte("a\nb"))
	_, _ = w.Write([]byte("c\n"))
	require.Equal(t, "[Fn] a\n[Fn] bc\n", out.String())
}

func TestHealthBeforeStart(t *testing.T) {
	s := &Stack{health: map[string]bool{}, sink: newWebhookSink()}
	rr := httptest.NewRecorder()
	s.handler().ServeHTTP(rr, httptest.NewRequest("GET", "/health", nil))
	require.Equal(t, http.StatusServiceUnavailable, rr.Code)
	rr = httptest.NewRecorder()
	s.handler().ServeHTTP(rr, httptest.NewRequest("POST", "/preauth", nil))
	require.Equal(t, http.StatusServiceUnavailable, rr.Code, "the gateway is not up yet")
}
