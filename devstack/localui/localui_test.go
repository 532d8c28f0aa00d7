package localui

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

const key = "o3ds_localuiTestKey0000000000000000000000000000000"

type fakeStore map[string]*threeds.Transaction

func (f fakeStore) Get(_ context.Context, id string) (*threeds.Transaction, error) {
	if tx, ok := f[id]; ok {
		return tx, nil
	}
	return nil, threeds.ErrTransactionNotFound
}

func (f fakeStore) ListWebhookDeliveries(context.Context, string, int) ([]*threeds.WebhookDelivery, error) {
	return []*threeds.WebhookDelivery{{ID: "d1", TransactionID: "tx-2", Event: "authentication.completed", Status: "delivered", Attempts: 2, LastStatusCode: 204,
		CreatedAt: time.Date(2026, 6, 1, 10, 0, 3, 0, time.UTC)}}, nil
}

func newUI(t *testing.T, api http.Handler) *UI {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t0 := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	store := fakeStore{
		"tx-1": {ID: "tx-1", MerchantID: "merchant-1", State: threeds.StateFinal, CreatedAt: t0, MessageVersion: "2.2.0", DeviceChannel: "02",
			Card:   threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000"},
			Result: &threeds.Result{TransStatus: "Y", ECI: "05", AuthenticationValue: "AAABBBCCCDDDEEEFFFGGGHHHIII=", Source: "ARes", ReceivedAt: t0.Add(80 * time.Millisecond)}},
		"tx-2": {ID: "tx-2", MerchantID: "merchant-1", State: threeds.StateFinal, CreatedAt: t0.Add(time.Second), MessageVersion: "2.2.0", DeviceChannel: "02",
			Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1059"}, AReqSentAt: t0.Add(1200 * time.Millisecond),
			Result: &threeds.Result{TransStatus: "N", Source: "RReq", ReceivedAt: t0.Add(2 * time.Second)}},
	}
	return New(Config{
		APIURL: srv.URL, APIKey: key, MerchantID: "merchant-1", Store: store,
		TransactionIDs: func(context.Context) ([]string, error) { return []string{"tx-1", "tx-2", "gone"}, nil },
		Exchanges: func(id string) []dssim.Exchange {
			return []dssim.Exchange{{Seq: 1, Time: t0.Add(1300 * time.Millisecond), Direction: dssim.Received, MessageType: "AReq", Peer: "3DS Server", Endpoint: "/ds",
				Body: json.RawMessage(`{"messageType":"AReq","acctNumber":"****1059","threeDSServerTransID":"` + id + `"}`)},
				{Seq: 2, Time: t0.Add(1900 * time.Millisecond), Direction: dssim.Sent, MessageType: "RReq", Peer: "3DS Server", Endpoint: "/ds/results",
					Body: json.RawMessage(`{"messageType":"RReq","authenticationValue":"AAABBBCCCDDDEEEFFFGGGHHHIII=","transStatus":"N"}`)}}
		},
		Webhooks: func() []Webhook {
			return []Webhook{{At: t0.Add(2500 * time.Millisecond), Signature: "invalid: signature mismatch", Body: json.RawMessage(`{"data":{"threeDSServerTransID":"tx-2"}}`)}}
		},
		DeadLetters: func() ([]json.RawMessage, error) { return nil, errors.New("none") },
	})
}

func get(t *testing.T, u *UI, path string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	u.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

func TestConsolePages(t *testing.T) {
	t.Parallel()
	u := newUI(t, http.NotFoundHandler())
	code, body, h := get(t, u, "/_local/console")
	require.Equal(t, 200, code)
	require.Contains(t, h.Get("Content-Security-Policy"), "frame-ancestors 'self' http://127.0.0.1:* http://localhost:*")
	require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"))
	require.Less(t, strings.Index(body, "tx-2"), strings.Index(body, "tx-1"), "newest first")
	require.Contains(t, body, "400000******1059")
	require.Contains(t, body, "80ms", "preauth→result of the frictionless one")

	code, body, _ = get(t, u, "/_local/console/tx/tx-2")
	require.Equal(t, 200, code)
	for _, want := range []string{`data-what="AReq"`, `data-what="RReq"`, `data-what="delivery"`, "delivered, 2 attempts, last HTTP 204",
		"signature invalid: signature mismatch", `data-what="received by the sink"`, "&#43;300ms", "&#43;200ms"} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, "AAABBBCCCDDDEEEFFFGGGHHHIII=", "the CAVV in the simulator's RReq is masked")
	require.Contains(t, body, "****III=")

	code, body, _ = get(t, u, "/_local/console/tx/tx-1")
	require.Equal(t, 200, code)
	require.Contains(t, body, "****III=")
	require.NotContains(t, body, "AAABBBCCCDDDEEEFFFGGGHHHIII=")

	code, body, _ = get(t, u, "/_local/console/tx/%3Cscript%3E")
	require.Equal(t, 404, code)
	require.NotContains(t, body, "<script>")
}

func TestCheckoutBackendKeepsTheKey(t *testing.T) {
	t.Parallel()
	var seen []map[string]any
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "Bearer "+key, r.Header.Get("Authorization"))
		var m map[string]any
		b, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(b, &m))
		m["_path"] = r.URL.Path
		seen = append(seen, m)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"transStatus":"Y","authenticationValue":"AAABBBCCCDDDEEEFFFGGGHHHIII=","eci":"05"}`)
	})
	u := newUI(t, api)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/_local/checkout/api/auth", strings.NewReader(
		`{"threeDSServerTransID":"tx-9","acctNumber":"4000000000001000","threeDSCompInd":"Y","challengeWindowSize":"02","returnURL":"http://127.0.0.1:1/_local/checkout/return"}`))
	u.ServeHTTP(rec, req)
	require.Equal(t, 200, rec.Code)
	require.NotContains(t, rec.Body.String(), key)
	require.NotContains(t, rec.Body.String(), "AAABBBCCCDDDEEEFFFGGGHHHIII=")
	require.Contains(t, rec.Body.String(), `"authenticationValue":"****III="`)
	require.Len(t, seen, 1)
	require.Equal(t, "/auth", seen[0]["_path"])
	require.Equal(t, "02", seen[0]["challengeWindowSize"])
	require.Equal(t, "Y", seen[0]["threeDSCompInd"])
	require.Equal(t, "http://127.0.0.1:1/_local/checkout/return", seen[0]["returnURL"])
	require.Equal(t, "02", seen[0]["deviceChannel"])

	rec = httptest.NewRecorder()
	u.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_local/checkout/api/other", strings.NewReader(`{}`)))
	require.Equal(t, 404, rec.Code)
	rec = httptest.NewRecorder()
	u.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/_local/checkout/api/auth", strings.NewReader(`nope`)))
	require.Equal(t, 400, rec.Code)

	code, body, h := get(t, u, "/_local/checkout")
	require.Equal(t, 200, code)
	require.NotContains(t, body, key, "the page never carries the API key")
	require.Contains(t, body, `src="/js/threeds.js?v=`)
	require.Regexp(t, `script-src 'self' 'nonce-[A-Za-z0-9_-]+'`, h.Get("Content-Security-Policy"))
}
