package cardinal_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/shared/webhooksig"
)

// memStore is a CardinalStore in memory (unit tests only).
type memStore struct {
	mu    sync.Mutex
	creds map[string]threeds.CardinalCredential
	jtis  map[string]time.Time
}

func newMemStore() *memStore {
	return &memStore{creds: map[string]threeds.CardinalCredential{}, jtis: map[string]time.Time{}}
}

func (m *memStore) PutCardinalCredential(_ context.Context, c *threeds.CardinalCredential) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds[c.APIID] = *c
	return nil
}

func (m *memStore) GetCardinalCredential(_ context.Context, apiID string) (*threeds.CardinalCredential, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.creds[apiID]
	if !ok {
		return nil, threeds.ErrCardinalCredentialNotFound
	}
	return &c, nil
}

func (m *memStore) ClaimJTI(_ context.Context, apiID, jti string, exp time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.jtis[apiID+"#"+jti]; ok {
		return threeds.ErrReplayedJTI
	}
	m.jtis[apiID+"#"+jti] = exp
	return nil
}

const (
	apiID   = "56560a358b946e0c8452365ds"
	orgUnit = "565607c18b946e058463ds8r"
	apiKey  = "0123456789abcdef0123456789abcdef0123456789abcdef"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*memStore, *vault.Vault, cardinal.Authenticator) {
	t.Helper()
	mk, err := vault.GenerateMasterKey()
	require.NoError(t, err)
	v, err := vault.New(mk)
	require.NoError(t, err)
	st := newMemStore()
	require.NoError(t, cardinal.PutCredential(context.Background(), st, v, "m1", apiID, orgUnit, apiKey, t0))
	now := t0
	return st, v, cardinal.Authenticator{Store: st, Vault: v, Now: func() time.Time { return now }}
}

func requestJWT(t *testing.T, jti, key string, objectify bool) string {
	t.Helper()
	tok, err := cruise.NewRequest(cruise.RequestInput{JTI: jti, APIID: apiID, OrgUnitID: orgUnit, ReferenceID: "r", IssuedAt: t0, Objectify: objectify,
		Payload: cruise.RequestPayload{OrderDetails: cruise.OrderDetails{OrderNumber: "o", Amount: "1500", CurrencyCode: "840"}}}, []byte(key))
	require.NoError(t, err)
	return tok
}

func TestAuthenticatorVerify(t *testing.T) {
	t.Parallel()
	st, v, a := setup(t)
	ctx := context.Background()
	s, err := a.Verify(ctx, requestJWT(t, "j-1", apiKey, true))
	require.NoError(t, err)
	require.Equal(t, "m1", s.MerchantID)
	require.Equal(t, []byte(apiKey), s.Key)

	_, err = a.Verify(ctx, requestJWT(t, "j-1", apiKey, true))
	var ce *cruise.ClaimError
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "jti", ce.Claim, "a jti opens one session")
	require.Greater(t, st.jtis[apiID+"#j-1"].Sub(t0), 4*time.Hour-time.Second, "remembered at least as long as the JWT is accepted")

	// Rotation: the previous key verifies during the overlap and signs the
	// answer of the request it verified.
	const newKey = "fedcba9876543210fedcba9876543210fedcba9876543210"
	require.NoError(t, cardinal.Rotate(ctx, st, v, "m1", apiID, newKey, time.Hour, t0))
	s, err = a.Verify(ctx, requestJWT(t, "j-2", apiKey, true))
	require.NoError(t, err)
	require.Equal(t, []byte(apiKey), s.Key)
	s, err = a.Verify(ctx, requestJWT(t, "j-3", newKey, true))
	require.NoError(t, err)
	require.Equal(t, []byte(newKey), s.Key)
	late := a
	late.Now = func() time.Time { return t0.Add(2 * time.Hour) }
	_, err = late.Verify(ctx, requestJWT(t, "j-4", apiKey, true))
	require.ErrorAs(t, err, &ce)
	require.Equal(t, "signature", ce.Claim, "the previous key stops after the overlap")

	// Another merchant cannot rotate it; bad identifiers are refused.
	require.Error(t, cardinal.Rotate(ctx, st, v, "m2", apiID, newKey, time.Hour, t0))
	require.Error(t, cardinal.PutCredential(ctx, st, v, "m1", "", orgUnit, apiKey, t0))
	require.Error(t, cardinal.PutCredential(ctx, st, v, "m1", "id", orgUnit, "short", t0))

	// A sealed key moved to another API identifier does not open.
	c := st.creds[apiID]
	c.APIID = "moved"
	st.creds["moved"] = c
	_, err = cardinal.Keys(&c, v, t0)
	require.Error(t, err)
}

func TestActionCode(t *testing.T) {
	t.Parallel()
	for status, want := range map[emv3ds.TransStatus]string{"Y": "SUCCESS", "A": "SUCCESS", "N": "FAILURE", "R": "FAILURE",
		"U": "NOACTION", "I": "NOACTION"} {
		require.Equal(t, want, cardinal.ActionCode(status, false), status)
	}
	require.Equal(t, "FAILURE", cardinal.ActionCode("N", true), "a cancelled challenge")
}

type stubAuth struct {
	out *threeds.AuthOutput
	err error
	got threeds.AuthInput
}

func (s *stubAuth) Authenticate(_ context.Context, _ string, in threeds.AuthInput) (*threeds.AuthOutput, error) {
	s.got = in
	return s.out, s.err
}

type stubResult struct{ out *threeds.ResultOutput }

func (s stubResult) Result(context.Context, string, string) (*threeds.ResultOutput, error) {
	return s.out, nil
}

func call(h apigw.HandlerFunc, token string, body any) (int, map[string]any) {
	raw, _ := json.Marshal(body)
	resp := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: string(raw),
		Headers: map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}})
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m
}

func TestLookupHandler(t *testing.T) {
	t.Parallel()
	_, _, a := setup(t)
	log := slog.New(slog.DiscardHandler)
	pan := "4000000000001000"
	body := map[string]any{"CardNumber": pan, "CardExpMonth": "12", "CardExpYear": "2030", "Amount": 1500, "CurrencyCode": "978",
		"OrderNumber": "o-1", "BrowserJavascriptEnabled": "true"}

	svc := &stubAuth{out: &threeds.AuthOutput{ARes: &emv3ds.ARes{ThreeDSServerTransID: "tx-1", TransStatus: "C", ACSURL: "https://acs.example/c",
		DSTransID: "ds-1", MessageVersion: "2.2.0"}, ChallengeRequest: "creq", SessionData: "sess"}}
	h := cardinal.LookupRoutes(svc, a, cardinal.Browser{}, log)[0]
	require.Equal(t, "/cardinal/lookup", h.Path)
	require.Equal(t, apigw.StepAuth, h.Step)
	status, got := call(h.Handle, requestJWT(t, "l-1", apiKey, true), body)
	require.Equal(t, http.StatusOK, status, "%v", got)
	require.Equal(t, map[string]any{"ErrorNo": "0", "ErrorDesc": "", "Enrolled": "Y", "PAResStatus": "C", "ACSUrl": "https://acs.example/c",
		"Payload": "creq", "ThreeDSSessionData": "sess", "TransactionId": "tx-1", "ThreeDSVersion": "2.2.0", "DSTransactionId": "ds-1"}, got)
	// The AReq got the cmpi_lookup values under EMV names.
	require.Equal(t, pan, svc.got.AReq.AcctNumber.Reveal())
	require.Equal(t, "3012", string(svc.got.AReq.CardExpiryDate))
	require.Equal(t, "1500", string(svc.got.AReq.PurchaseAmount))
	require.Equal(t, "978", string(svc.got.AReq.PurchaseCurrency))
	require.Equal(t, cardinal.Name, svc.got.Dialect)

	svc.out, svc.err = nil, threeds.ErrNotEnrolled
	status, got = call(h.Handle, requestJWT(t, "l-2", apiKey, true), body)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, "N", got["Enrolled"])
	require.Equal(t, "NOACTION", got["ActionCode"])

	status, got = call(h.Handle, requestJWT(t, "l-2", apiKey, true), body)
	require.Equal(t, http.StatusUnauthorized, status)
	require.Equal(t, "1010", got["ErrorNo"])
	require.Contains(t, got["ErrorDesc"], "jti")
}

func TestAuthenticateHandler(t *testing.T) {
	t.Parallel()
	_, _, a := setup(t)
	log := slog.New(slog.DiscardHandler)
	tx := "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"
	for _, tc := range []struct {
		name      string
		out       *threeds.ResultOutput
		action    string
		errNumber bool
		objectify bool
	}{
		{"Y object", &threeds.ResultOutput{ThreeDSServerTransID: tx, Status: threeds.ResultFinal, TransStatus: "Y", ECI: "05",
			AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", DSTransID: "ds-1", MessageVersion: "2.2.0"}, "SUCCESS", false, true},
		{"N string", &threeds.ResultOutput{ThreeDSServerTransID: tx, Status: threeds.ResultFinal, TransStatus: "N", ECI: "07", MessageVersion: "2.2.0"}, "FAILURE", false, false},
		{"cancel", &threeds.ResultOutput{ThreeDSServerTransID: tx, Status: threeds.ResultFinal, TransStatus: "N", ChallengeCancel: "01"}, "FAILURE", false, true},
		{"DS timeout", &threeds.ResultOutput{ThreeDSServerTransID: tx, Status: threeds.ResultFailed,
			Error: &threeds.ErrorInfo{Code: "405", Description: "System not available"}}, "ERROR", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := cardinal.AuthenticateRoutes(stubResult{tc.out}, a, log)[0]
			jti := "a-" + strings.ReplaceAll(tc.name, " ", "-")
			status, got := call(h.Handle, requestJWT(t, jti, apiKey, tc.objectify), map[string]any{"TransactionId": tx})
			require.Equal(t, http.StatusOK, status, "%v", got)
			require.Equal(t, tc.action, got["ActionCode"])
			r, err := cruise.VerifyResponse(got["JWT"].(string), []byte(apiKey), jti, t0)
			require.NoError(t, err)
			require.Equal(t, tc.objectify, r.Objectify, "the payload form the request used")
			require.Equal(t, apiID, r.Issuer)
			require.Equal(t, tx, r.ConsumerSessionID)
			require.Equal(t, tc.action, r.Payload.ActionCode)
			require.Equal(t, tc.errNumber, r.Payload.ErrorNumber != 0)
			require.Equal(t, string(tc.out.TransStatus), r.Payload.Payment.ExtendedData.PAResStatus)
			require.Equal(t, tc.out.AuthenticationValue.Reveal(), r.Payload.Payment.ExtendedData.CAVV)
		})
	}
	h := cardinal.AuthenticateRoutes(stubResult{&threeds.ResultOutput{Status: threeds.ResultPending}}, a, log)[0]
	status, _ := call(h.Handle, requestJWT(t, "a-pending", apiKey, true), map[string]any{"TransactionId": tx})
	require.Equal(t, http.StatusConflict, status)
	status, got := call(h.Handle, requestJWT(t, "a-bad", apiKey, true), map[string]any{"TransactionId": "not-a-uuid"})
	require.Equal(t, http.StatusBadRequest, status)
	require.NotContains(t, got["ErrorDesc"], "not-a-uuid")
}

func TestErrorsAndWebhook(t *testing.T) {
	t.Parallel()
	resp := cardinal.Errors{}.RenderError(400, &emv3ds.Erro{ErrorCode: "203", ErrorDescription: "Format invalid", ErrorDetail: "cardExpiryDate"})
	require.JSONEq(t, `{"ErrorNo":"203","ErrorDesc":"Format invalid (cardExpiryDate)"}`, resp.Body)

	ev := threeds.WebhookEvent{ID: "evt_1", Type: threeds.EventAuthenticationCompleted, Created: t0, Dialect: cardinal.Name,
		Result: &threeds.ResultOutput{ThreeDSServerTransID: "tx-1", Status: threeds.ResultFinal, TransStatus: "Y", ECI: "05", CardBIN: "400000"}}
	body, headers, err := cardinal.Webhook{}.RenderWebhook(ev, []byte("whsec"), t0)
	require.NoError(t, err)
	require.NoError(t, webhooksig.Verify([]byte("whsec"), headers[webhooksig.Header], body, t0, webhooksig.DefaultTolerance))
	var got cardinal.WebhookEvent
	require.NoError(t, json.Unmarshal(body, &got))
	require.Equal(t, "SUCCESS", got.Payload.ActionCode)
	require.Equal(t, "tx-1", got.TransactionId)
	require.NotContains(t, string(body), "400000")
}
