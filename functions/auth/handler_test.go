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
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/session"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

var testPANs = []string{"4000000000001000", "4000000000001059", "4000000000001018", "4000000000001117", "4000000000001109"}

// directory answers by the card, like the simulator's scenarios.
type directory struct {
	mu    sync.Mutex
	areqs []emv3ds.AReq
}

func (d *directory) SendAReq(_ context.Context, _ emv3ds.Scheme, a *emv3ds.AReq) (*emv3ds.ARes, error) {
	d.mu.Lock()
	d.areqs = append(d.areqs, *a)
	d.mu.Unlock()
	ares := &emv3ds.ARes{
		MessageType: emv3ds.MessageTypeARes, MessageVersion: a.MessageVersion, ThreeDSServerTransID: a.ThreeDSServerTransID,
		ACSTransID: "a0000000-0000-4000-8000-000000000001", DSTransID: "d0000000-0000-4000-8000-000000000001",
		ACSReferenceNumber: "ACSRef", DSReferenceNumber: "DSRef",
	}
	switch a.AcctNumber.Last4() {
	case "1117":
		return nil, &threeds.PeerErroError{Erro: &emv3ds.Erro{MessageType: emv3ds.MessageTypeErro, MessageVersion: a.MessageVersion,
			ThreeDSServerTransID: a.ThreeDSServerTransID, ErrorCode: "305", ErrorComponent: "D",
			ErrorDescription: "Transaction data not valid", ErrorDetail: "acctNumber", ErrorMessageType: emv3ds.MessageTypeAReq}}
	case "1109":
		return nil, &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}
	case "1059":
		ares.TransStatus, ares.ACSURL, ares.ACSChallengeMandated, ares.AuthenticationType = "C", "https://acs.example.com/challenge", "Y", "02"
	default:
		ares.TransStatus, ares.ECI, ares.AuthenticationValue = "Y", "05", "AAABBZEEBgAAAAAAAAQGAAAAAAA="
	}
	return ares, nil
}

func (d *directory) SendPReq(context.Context, emv3ds.Scheme, *emv3ds.PReq) (*emv3ds.PRes, error) {
	return nil, &threeds.DirectoryUnavailableError{Cause: "unused"}
}

func (d *directory) SendErro(context.Context, emv3ds.Scheme, *emv3ds.Erro) error { return nil }

type harness struct {
	h        *apigw.Router
	pre      *threeds.PreauthService
	dir      *directory
	sessions *session.Tokens
	logs     *bytes.Buffer
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a", Name: "Example Shop", AcquirerBIN: "444444",
		AcquirerMerchantID: "ACQMID0001", MCC: "5411", Country: "840", RequestorID: "10000001", RequestorName: "Example Shop", RequestorURL: "https://shop.example.com"}))
	require.NoError(t, store.LoadRanges(ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "1", Full: true,
		Changes: []threeds.CardRangeChange{{Range: threeds.CardRange{Start: "4000000000001000", End: "4000000000001999",
			DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0"}}}}))
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	require.NoError(t, err)
	sessions, err := session.New(bytes.Repeat([]byte{9}, 32), 15*time.Minute, clock.Now)
	require.NoError(t, err)
	n := 0
	dir := &directory{}
	cfg := threeds.ServiceConfig{ServerRefNumber: "3DS_LOA_SER_TEST_020200_00001", ResultsURL: "https://results.example.com/ds/results"}
	ids := threeds.WithIDs(func() string { n++; return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) })
	svc := threeds.NewAuthService(store, store, store, v, dir, sessions, cfg, threeds.WithClock(clock.Now), ids)
	pre := threeds.NewPreauthService(store, store, store, v, cfg, threeds.WithClock(clock.Now), ids)
	for _, pan := range []string{"4000000000001000", "4000000000001059"} {
		_, err := pre.Preauth(ctx, "merchant-a", threeds.PreauthInput{AcctNumber: emv3ds.PAN(pan)})
		require.NoError(t, err)
	}
	logs := &bytes.Buffer{}
	return &harness{pre: pre, h: router(deps{svc: svc, idem: store, results: threeds.NewResultService(store, threeds.WithClock(clock.Now)), log: slog.New(slog.NewJSONHandler(logs, nil)),
		worldpay: worldpayDeps{signer: worldpay.Signer{Key: []byte("test-key"), Now: clock.Now}}}), dir: dir, sessions: sessions, logs: logs}
}

func fixture(t testing.TB, name string) events.APIGatewayProxyRequest {
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
		areqs   int
		want    map[string]any
		check   func(t *testing.T, h *harness, b map[string]any)
	}{
		{fixture: "hyperswitch-frictionless.json", status: 200, areqs: 1, want: map[string]any{
			"messageType": "ARes", "threeDSServerTransID": "00000000-0000-4000-8000-000000000001", "transStatus": "Y",
			"authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "eci": "05", "dsTransID": "d0000000-0000-4000-8000-000000000001",
			"acsTransID": "a0000000-0000-4000-8000-000000000001", "messageVersion": "2.2.0", "scheme": "visa",
		}, check: func(t *testing.T, h *harness, b map[string]any) {
			require.NotContains(t, b, "base64EncodedChallengeRequest")
			require.NotContains(t, b, "errorDetails", "Hyperswitch tries the error shape first")
			a := h.dir.areqs[0]
			require.Equal(t, "203.0.113.7", a.BrowserIP, "mangled key browserIp matched")
			require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/stripe", a.NotificationURL)
			require.Equal(t, "https://results.example.com/ds/results", a.ThreeDSServerURL)
			require.Equal(t, emv3ds.ThreeDSCompInd("N"), a.ThreeDSCompInd)
		}},
		{fixture: "challenge.json", status: 200, areqs: 1, want: map[string]any{
			"transStatus": "C", "acsChallengeMandated": "Y", "acsURL": "https://acs.example.com/challenge", "challengeWindowSize": "05",
		}, check: func(t *testing.T, h *harness, b map[string]any) {
			creq, err := emv3ds.ParseCReq(b["base64EncodedChallengeRequest"].(string))
			require.NoError(t, err)
			require.Equal(t, "00000000-0000-4000-8000-000000000002", creq.ThreeDSServerTransID)
			require.Equal(t, "a0000000-0000-4000-8000-000000000001", creq.ACSTransID)
			id, err := h.sessions.Verify(b["threeDSSessionData"].(string))
			require.NoError(t, err)
			require.Equal(t, "00000000-0000-4000-8000-000000000002", id)
			require.Equal(t, "https://hs.example.com/payments/pay_Q1w2/merchant_1718/authorize/stripe", h.dir.areqs[0].NotificationURL,
				"the merchant's own notificationURL is kept")
		}},
		{fixture: "version-210.json", status: 200, areqs: 1, want: map[string]any{"messageVersion": "2.1.0"}, check: func(t *testing.T, h *harness, b map[string]any) {
			require.Nil(t, h.dir.areqs[0].BrowserJavascriptEnabled, "dropped, not rejected, in 2.1.0")
		}},
		{fixture: "invalid.json", status: 400, want: map[string]any{"messageType": "Erro", "errorCode": "201", "errorComponent": "S"}, check: func(t *testing.T, _ *harness, b map[string]any) {
			require.Contains(t, b["errorDetail"], "purchaseAmount")
			require.Contains(t, b["errorDetail"], "purchaseCurrency", "every failure is named")
		}},
		{fixture: "non-ascii.json", status: 400, want: map[string]any{"errorCode": "203", "errorDetail": "cardholderName"}},
		{fixture: "pan-mismatch.json", status: 400, want: map[string]any{"errorCode": "305", "errorDetail": "acctNumber"}},
		{fixture: "ds-erro.json", status: 422, areqs: 1, want: map[string]any{"messageType": "Erro", "errorCode": "305", "errorComponent": "D", "errorDetail": "acctNumber"}},
		{fixture: "ds-timeout.json", status: 504, areqs: 1, want: map[string]any{"errorCode": "405", "errorComponent": "S", "errorDetail": "Connection timeout", "errorDescription": "Unable to contact Directory Server"}},
		{fixture: "not-json.json", status: 400, want: map[string]any{"errorCode": "101", "errorDetail": "body"}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			resp, err := h.h.Handle(context.Background(), fixture(t, tc.fixture))
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
			for k, v := range tc.want {
				require.Equal(t, v, body[k], k)
			}
			require.Len(t, h.dir.areqs, tc.areqs)
			if tc.check != nil {
				tc.check(t, h, body)
			}
		})
	}
}

func TestHandleIdempotentSendsOneAReq(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	first, err := h.h.Handle(context.Background(), fixture(t, "hyperswitch-frictionless.json"))
	require.NoError(t, err)
	again, err := h.h.Handle(context.Background(), fixture(t, "hyperswitch-frictionless.json"))
	require.NoError(t, err)
	require.Equal(t, first.Body, again.Body)
	require.Equal(t, "true", again.Headers["Idempotent-Replayed"])
	require.Len(t, h.dir.areqs, 1)

	// Without the key a second auth on the same transaction is a conflict.
	ev := fixture(t, "hyperswitch-frictionless.json")
	delete(ev.Headers, "Idempotency-Key")
	delete(ev.MultiValueHeaders, "Idempotency-Key")
	resp, err := h.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	require.Equal(t, 409, resp.StatusCode)
	require.Len(t, h.dir.areqs, 1)
}

func TestNoCardDataInLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	var bodies strings.Builder
	for _, f := range files {
		resp, err := h.h.Handle(context.Background(), fixture(t, filepath.Base(f)))
		require.NoError(t, err)
		bodies.WriteString(resp.Body)
	}
	require.NotEmpty(t, h.logs.String())
	for _, pan := range testPANs {
		require.NotContains(t, h.logs.String(), pan[:12])
		require.NotContains(t, bodies.String(), pan[:12])
	}
	for _, s := range []string{"3012", "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "Jane Doe", "jane@example.com", "203.0.113.7"} {
		require.NotContains(t, h.logs.String(), s, "no card or cardholder data in logs")
	}
}
