package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

// testPANs are every card number the fixtures use.
var testPANs = []string{"4000000000001000", "4000000000001059", "4111111111111111", "4000000000001001"}

type harness struct {
	h     *apigw.Router
	store *threedstest.MemoryStore
	logs  *bytes.Buffer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a", Name: "Example Shop"}))
	require.NoError(t, store.LoadRanges(ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "1", Full: true,
		Changes: []threeds.CardRangeChange{
			{Range: threeds.CardRange{Start: "4000000000001000", End: "4000000000001049", DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0"}},
			{Range: threeds.CardRange{Start: "4000000000001050", End: "4000000000001099", DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0",
				ThreeDSMethodURL: "https://acs.example.com/method", ACSInfoInd: []string{"01"}}},
		}}))
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	require.NoError(t, err)
	n := 0
	svc := threeds.NewPreauthService(store, store, store, v, threeds.ServiceConfig{ServerRefNumber: "3DS_LOA_SER_TEST_020200_00001"},
		threeds.WithClock(clock.Now), threeds.WithIDs(func() string { n++; return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }))
	logs := &bytes.Buffer{}
	return &harness{h: router(svc, store, worldpayDeps{signer: worldpay.Signer{Key: []byte("test-key"), Now: clock.Now}}, slog.New(slog.NewJSONHandler(logs, nil))), store: store, logs: logs}
}

func fixture(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var ev events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	return ev
}

func TestHandle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		status  int
		check   func(t *testing.T, body map[string]any)
	}{
		{fixture: "enrolled.json", status: 200, check: func(t *testing.T, b map[string]any) {
			// The keys Hyperswitch's threedsecureio connector parses.
			require.Equal(t, "00000000-0000-4000-8000-000000000001", b["threeDSServerTransID"])
			require.Equal(t, "2.1.0", b["dsStartProtocolVersion"])
			require.Equal(t, "2.2.0", b["dsEndProtocolVersion"])
			require.Equal(t, "2.1.0", b["acsStartProtocolVersion"])
			require.Equal(t, "2.2.0", b["acsEndProtocolVersion"])
			require.Equal(t, "2.2.0", b["messageVersion"])
			require.Equal(t, "visa", b["scheme"])
			require.NotContains(t, b, "threeDSMethodURL")
			require.NotContains(t, b, "threeDSMethodData")
		}},
		{fixture: "method.json", status: 200, check: func(t *testing.T, b map[string]any) {
			require.Equal(t, "https://acs.example.com/method", b["threeDSMethodURL"])
			require.Equal(t, "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod/callbacks/method", b["threeDSMethodNotificationURL"],
				"no public URL configured: the callbacks are on the API's own URL")
			md, err := emv3ds.ParseThreeDSMethodData(b["threeDSMethodData"].(string))
			require.NoError(t, err)
			require.Equal(t, b["threeDSServerTransID"], md.ThreeDSServerTransID)
			require.Equal(t, []any{"01"}, b["acsInfoInd"])
		}},
		{fixture: "requested-version.json", status: 200, check: func(t *testing.T, b map[string]any) {
			require.Equal(t, "2.1.0", b["messageVersion"])
		}},
		{fixture: "base64.json", status: 200},
		{fixture: "not-enrolled.json", status: 422, check: erro("305", "acctNumber")},
		{fixture: "luhn.json", status: 400, check: erro("203", "acctNumber")},
		{fixture: "duplicate.json", status: 400, check: erro("204", "acctNumber")},
		// One decoder for every body: a card number as a JSON number is a
		// wrong type everywhere (/auth too).
		{fixture: "pan-number.json", status: 400, check: erro("203", "acctNumber")},
		{fixture: "non-ascii.json", status: 400, check: erro("203", "threeDSMethodNotificationURL")},
		{fixture: "no-authorizer.json", status: 401, check: erro("303", "Authorization")},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			resp, err := h.h.Handle(context.Background(), fixture(t, tc.fixture))
			require.NoError(t, err, "API Gateway handlers never return a Lambda error")
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			require.Equal(t, "application/json; charset=utf-8", resp.Headers["Content-Type"])
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

func erro(code, detail string) func(t *testing.T, b map[string]any) {
	return func(t *testing.T, b map[string]any) {
		t.Helper()
		require.Equal(t, "Erro", b["messageType"])
		require.Equal(t, code, b["errorCode"])
		require.Equal(t, "S", b["errorComponent"])
		require.Equal(t, detail, b["errorDetail"])
		require.NotEmpty(t, b["errorDescription"])
	}
}

func TestHandleIdempotent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first, err := h.h.Handle(context.Background(), fixture(t, "enrolled.json"))
	require.NoError(t, err)
	again, err := h.h.Handle(context.Background(), fixture(t, "enrolled.json"))
	require.NoError(t, err)
	require.Equal(t, first.Body, again.Body, "the same transaction, not a second one")
	require.Equal(t, "true", again.Headers["Idempotent-Replayed"])
	other := fixture(t, "enrolled.json")
	other.Body = `{"acctNumber":"4000000000001059"}`
	resp, err := h.h.Handle(context.Background(), other)
	require.NoError(t, err)
	require.Equal(t, 409, resp.StatusCode)
}

// TestNoCardDataInLogs runs every fixture and checks that no test PAN's
// digits reach the logs or a response body.
func TestNoCardDataInLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var bodies strings.Builder
	for _, f := range files {
		resp, err := h.h.Handle(context.Background(), fixture(t, filepath.Base(f)))
		require.NoError(t, err)
		bodies.WriteString(resp.Body)
	}
	require.NotEmpty(t, h.logs.String(), "the handler logs an outcome line")
	for _, pan := range testPANs {
		for _, s := range []string{h.logs.String(), bodies.String()} {
			require.NotContains(t, s, pan)
			require.NotContains(t, s, pan[:12], "no long run of the PAN's digits")
		}
	}
}
