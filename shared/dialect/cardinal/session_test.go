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
)

// memSessions is a SessionStore in memory (unit tests only).
type memSessions struct {
	mu sync.Mutex
	m  map[string]threeds.CardinalSession
}

func (s *memSessions) PutCardinalSession(_ context.Context, c *threeds.CardinalSession, create bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.m[c.ID]
	if create == ok || (!create && old.MerchantID != c.MerchantID) {
		return threeds.ErrCardinalSessionNotFound
	}
	cp := *c
	cp.TransIDs = append([]string(nil), c.TransIDs...)
	s.m[c.ID] = cp
	return nil
}

func (s *memSessions) GetCardinalSession(_ context.Context, id string) (*threeds.CardinalSession, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok {
		return nil, threeds.ErrCardinalSessionNotFound
	}
	return &c, nil
}

type merchants map[string]*threeds.Merchant

func (m merchants) GetMerchant(_ context.Context, id string) (*threeds.Merchant, error) {
	if x, ok := m[id]; ok {
		return x, nil
	}
	return nil, threeds.ErrMerchantNotFound
}

type hasher struct{}

func (hasher) HashPAN(p emv3ds.PAN) string { return "h:" + p.Reveal() }

const shop = "https://shop.example"

func browserCall(h apigw.HandlerFunc, origin string, body any) (int, map[string]any, map[string]string) {
	raw, _ := json.Marshal(body)
	hd := map[string]string{"Content-Type": "text/plain;charset=UTF-8"}
	if origin != "" {
		hd["Origin"] = origin
	}
	resp := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "POST", Body: string(raw), Headers: hd})
	var m map[string]any
	_ = json.Unmarshal([]byte(resp.Body), &m)
	return resp.StatusCode, m, resp.Headers
}

func TestSessionTrade(t *testing.T) {
	t.Parallel()
	st, v, a := setup(t)
	ctx := context.Background()
	sessions := &memSessions{m: map[string]threeds.CardinalSession{}}
	now := t0
	b := cardinal.Browser{Sessions: sessions, Credentials: st, Vault: v, PANs: hasher{}, Now: func() time.Time { return now },
		Log: slog.New(slog.DiscardHandler)}
	ms := merchants{"m1": {ID: "m1", AllowedOrigins: []string{shop}}, "m2": {ID: "m2", AllowedOrigins: []string{shop}}}
	initH := cardinal.SetupRoutes(b, a, ms, nil)[0]
	require.Equal(t, cardinal.PathInit, initH.Path)
	require.Equal(t, apigw.StepPreauth, initH.Step)

	tok := requestJWT(t, "s-1", apiKey, true)
	status, got, hd := browserCall(initH.Handle, shop, map[string]any{"jwt": tok})
	require.Equal(t, http.StatusOK, status, "%v", got)
	require.Equal(t, shop, hd["Access-Control-Allow-Origin"])
	token := got["sessionToken"].(string)
	sid := got["sessionId"].(string)
	require.True(t, strings.HasPrefix(token, sid+"."))
	stored := sessions.m[sid]
	require.Equal(t, "m1", stored.MerchantID)
	require.Equal(t, "s-1", stored.JTI)
	require.Equal(t, orgUnit, stored.OrgUnitID)
	require.Equal(t, shop, stored.Origin)
	require.Equal(t, t0.Add(cardinal.SessionLifetime), stored.ExpiresAt)
	require.NotContains(t, string(stored.SecretHash), token[len(sid)+1:], "only the secret's hash is stored")

	t.Run("replayed request JWT", func(t *testing.T) {
		status, got, _ := browserCall(initH.Handle, shop, map[string]any{"jwt": tok})
		require.Equal(t, http.StatusUnauthorized, status)
		require.EqualValues(t, cardinal.ErrNumJWT, got["ErrorNumber"])
		require.Contains(t, got["ErrorDescription"], "jti")
	})
	t.Run("origin not allowed", func(t *testing.T) {
		status, got, hd := browserCall(initH.Handle, "https://evil.example", map[string]any{"jwt": requestJWT(t, "s-2", apiKey, true)})
		require.Equal(t, http.StatusForbidden, status)
		require.EqualValues(t, cardinal.ErrNumOrigin, got["ErrorNumber"])
		require.Equal(t, "https://evil.example", hd["Access-Control-Allow-Origin"], "the error is readable by the page")
	})
	t.Run("session token checks", func(t *testing.T) {
		_, err := b.Session(ctx, token, shop)
		require.NoError(t, err)
		for name, bad := range map[string]string{"empty": "", "no secret": sid, "tampered": token[:len(token)-2] + "AA",
			"unknown": "0_8a880dc0-d2d2-4067-bcb1-b08d1690b26e." + token[len(sid)+1:], "garbage": "x.y"} {
			_, err := b.Session(ctx, bad, shop)
			require.ErrorContains(t, err, "sessionToken", name)
		}
		_, err = b.Session(ctx, token, "https://other.example")
		require.ErrorContains(t, err, "Origin", "a token is bound to its page's origin")
		late := b
		late.Now = func() time.Time { return t0.Add(cardinal.SessionLifetime + time.Second) }
		_, err = late.Session(ctx, token, shop)
		require.ErrorContains(t, err, "expired")
	})
	t.Run("expired session token refused by a call", func(t *testing.T) {
		late := b
		late.Now = func() time.Time { return t0.Add(time.Hour) }
		h := cardinal.ResultRoutes(late, stubResult{})[0]
		status, got, _ := browserCall(h.Handle, shop, map[string]any{"sessionToken": token, "TransactionId": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"})
		require.Equal(t, http.StatusUnauthorized, status)
		require.EqualValues(t, cardinal.ErrNumSession, got["ErrorNumber"])
	})

	// A Hybrid lookup of another merchant naming this session: ignored (the
	// session gains no transaction, its calls cannot read it).
	t.Run("foreign merchant", func(t *testing.T) {
		const api2, key2 = "other-api-id", "fedcba9876543210fedcba9876543210fedcba98"
		require.NoError(t, cardinal.PutCredential(ctx, st, v, "m2", api2, orgUnit, key2, t0))
		svc := &stubAuth{out: &threeds.AuthOutput{ARes: &emv3ds.ARes{ThreeDSServerTransID: "8a880dc0-d2d2-4067-bcb1-b08d1690b26e", TransStatus: "Y",
			MessageVersion: "2.2.0"}}}
		lk := cardinal.LookupRoutes(svc, a, b, slog.New(slog.DiscardHandler))[0]
		foreign, err := cruise.NewRequest(cruise.RequestInput{JTI: "f-1", APIID: api2, OrgUnitID: orgUnit, ReferenceID: "r", IssuedAt: t0, Objectify: true}, []byte(key2))
		require.NoError(t, err)
		status, got := call(lk.Handle, foreign, map[string]any{"CardNumber": "4000000000001000", "CardExpMonth": "12", "CardExpYear": "2030",
			"Amount": "1500", "CurrencyCode": "978", "DFReferenceId": sid})
		require.Equal(t, http.StatusOK, status, "%v", got)
		require.Empty(t, sessions.m[sid].TransIDs, "another merchant's lookup does not join the session")
		h := cardinal.ResultRoutes(b, stubResult{out: &threeds.ResultOutput{Status: threeds.ResultFinal, TransStatus: "Y"}})[0]
		status, got, _ = browserCall(h.Handle, shop, map[string]any{"sessionToken": token, "TransactionId": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"})
		require.Equal(t, http.StatusNotFound, status)
		require.EqualValues(t, cardinal.ErrNumTransaction, got["ErrorNumber"])

		// The merchant's own lookup naming the session joins it; result
		// then answers the session's response JWT.
		own := requestJWT(t, "own-1", apiKey, true)
		status, got = call(lk.Handle, own, map[string]any{"CardNumber": "4000000000001000", "CardExpMonth": "12", "CardExpYear": "2030",
			"Amount": "1500", "CurrencyCode": "978", "DFReferenceId": sid})
		require.Equal(t, http.StatusOK, status, "%v", got)
		require.Equal(t, []string{"8a880dc0-d2d2-4067-bcb1-b08d1690b26e"}, sessions.m[sid].TransIDs)
		status, got, _ = browserCall(h.Handle, shop, map[string]any{"sessionToken": token, "TransactionId": "8a880dc0-d2d2-4067-bcb1-b08d1690b26e"})
		require.Equal(t, http.StatusOK, status, "%v", got)
		resp, err := cruise.VerifyResponse(got["JWT"].(string), []byte(apiKey), "s-1", t0)
		require.NoError(t, err)
		require.Equal(t, sid, resp.ConsumerSessionID)
		require.Equal(t, "SUCCESS", resp.Payload.ActionCode)
	})
}
