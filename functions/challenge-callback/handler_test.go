package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/session"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

const txID = "00000000-0000-4000-8000-000000000001"

type harness struct {
	h        handler
	store    *threedstest.MemoryStore
	sessions *session.Tokens
	logs     *bytes.Buffer
	slept    time.Duration
}

// newHarness stores transaction txID waiting for its 3DS Method (method) or
// for the challenge result.
func newHarness(t *testing.T, method bool) *harness {
	t.Helper()
	now := time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC)
	clock := threedstest.NewClock(now)
	r := threeds.DefaultRetention()
	store := threedstest.NewMemoryStore(clock.Now, r)
	in := threeds.NewTransactionInput{ID: txID, MerchantID: "merchant-a", MessageVersion: emv3ds.Version220,
		Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "h"}}
	if method {
		in.ThreeDSMethodURL = "https://acs.example.com/method"
	}
	tx, err := threeds.NewTransaction(in, now, r)
	require.NoError(t, err)
	if !method {
		require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: "02", MessageCategory: "01", MessageVersion: "2.2.0",
			ReturnURL: "https://shop.example.com/checkout/return?order=1718"}, now, r))
		require.NoError(t, tx.RecordARes(threeds.AResData{TransStatus: "C", ACSTransID: "a0000000-0000-4000-8000-000000000001",
			DSTransID: "d0000000-0000-4000-8000-000000000001", ACSURL: "https://acs.example.com/challenge"}, now, r))
	}
	require.NoError(t, store.Create(context.Background(), tx))
	sessions, err := session.New(bytes.Repeat([]byte{9}, 32), 15*time.Minute, clock.Now)
	require.NoError(t, err)
	h := &harness{store: store, sessions: sessions, logs: &bytes.Buffer{}}
	svc := threeds.NewCallbackService(store, sessions, threeds.ServiceConfig{ResultWait: 300 * time.Millisecond}, threeds.WithClock(clock.Now),
		threeds.WithSleep(func(ctx context.Context, d time.Duration) error { h.slept += d; clock.Advance(d); return ctx.Err() }))
	h.h = handler{svc: svc, log: slog.New(slog.NewJSONHandler(h.logs, nil))}
	return h
}

func (h *harness) fixture(t *testing.T, name string) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	var ev events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	if strings.Contains(ev.Body, "{{threeDSSessionData}}") {
		token, err := h.sessions.Issue(txID)
		require.NoError(t, err)
		ev.Body = strings.ReplaceAll(ev.Body, "{{threeDSSessionData}}", token)
	}
	return ev
}

func (h *harness) handle(t *testing.T, name string) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := h.h.Handle(context.Background(), h.fixture(t, name))
	require.NoError(t, err)
	return resp
}

func TestMethod(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"method.json", "method-base64.json"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, true)
			resp := h.handle(t, name)
			require.Equal(t, 200, resp.StatusCode)
			require.Equal(t, "text/html; charset=utf-8", resp.Headers["Content-Type"])
			require.Equal(t, "no-store", resp.Headers["Cache-Control"])
			require.Contains(t, resp.Body, `"3ds-method-complete"`)
			require.Contains(t, resp.Body, txID)
			tx, err := h.store.Get(context.Background(), txID)
			require.NoError(t, err)
			require.Equal(t, threeds.StateMethodCompleted, tx.State)
		})
	}
	for name, status := range map[string]int{"method-unknown.json": 404, "method-garbage.json": 400} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, true)
			resp := h.handle(t, name)
			require.Equal(t, status, resp.StatusCode)
			require.Contains(t, resp.Body, "<!DOCTYPE html>", "the hidden iframe always gets a page")
			require.NotContains(t, resp.Body, txID)
			tx, err := h.store.Get(context.Background(), txID)
			require.NoError(t, err)
			require.Equal(t, threeds.StateMethodPending, tx.State)
		})
	}
}

func TestResultsAndChallenge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)

	// The ACS sends the RReq (via the DS) before the browser brings the CRes.
	resp := h.handle(t, "results.json")
	require.Equal(t, 200, resp.StatusCode, resp.Body)
	require.Equal(t, "application/json; charset=utf-8", resp.Headers["Content-Type"])
	var rres map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &rres))
	require.Equal(t, "RRes", rres["messageType"])
	require.Equal(t, "01", rres["resultsStatus"])
	require.Equal(t, txID, rres["threeDSServerTransID"])

	again := h.handle(t, "results.json")
	require.Equal(t, 200, again.StatusCode)
	require.Equal(t, resp.Body, again.Body, "a repeated RReq gets the same RRes")

	changed := h.handle(t, "results-changed.json")
	require.Equal(t, 409, changed.StatusCode)
	require.Contains(t, changed.Body, `"errorCode":"305"`)

	page := h.handle(t, "challenge.json")
	require.Equal(t, 200, page.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", page.Headers["Content-Type"])
	require.Contains(t, page.Body, `data-trans-id="`+txID+`"`)
	require.Contains(t, page.Body, `data-trans-status="Y"`)
	require.Regexp(t, `resultReady:\s*true`, page.Body)
	require.Contains(t, page.Body, `action="https://shop.example.com/checkout/return?order=1718"`)
	require.Contains(t, page.Body, `postMessage(msg, "https://shop.example.com")`, "postMessage restricted to the merchant's origin")
	require.Zero(t, h.slept, "the result was there: no waiting")

	tx, err := h.store.Get(context.Background(), txID)
	require.NoError(t, err)
	require.Equal(t, threeds.StateFinal, tx.State)
	require.Equal(t, emv3ds.TransStatusAuthenticated, tx.Result.TransStatus)
}

func TestChallengeBeforeRReq(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	page := h.handle(t, "challenge.json")
	require.Equal(t, 200, page.StatusCode)
	require.Regexp(t, `resultReady:\s*false`, page.Body, "the merchant must ask /postauth")
	// The fixture's CRes says Y; no RReq has confirmed it, so neither the
	// page, nor its postMessage, nor the return form carries a status.
	require.Contains(t, page.Body, `data-trans-status=""`)
	require.Regexp(t, `transStatus:\s*""`, page.Body)
	require.NotContains(t, page.Body, `name="transStatus"`)
	require.NotContains(t, page.Body, `"Y"`)
	require.Equal(t, 300*time.Millisecond, h.slept)
	tx, err := h.store.Get(context.Background(), txID)
	require.NoError(t, err)
	require.Equal(t, threeds.StateChallengePending, tx.State, "the CRes never sets the result")
}

// An ACS may post the final CRes without threeDSSessionData (it is optional,
// protocol doc §8.1): the CRes's threeDSServerTransID and acsTransID then
// name the transaction, which must be in its browser challenge with that
// acsTransID; the result is still the RReq's.
func TestChallengeWithoutSessionData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	require.Equal(t, 200, h.handle(t, "results.json").StatusCode)
	page := h.handle(t, "challenge-no-session.json")
	require.Equal(t, 200, page.StatusCode, page.Body)
	require.Contains(t, page.Body, `data-trans-id="`+txID+`"`)
	require.Contains(t, page.Body, `data-trans-status="Y"`, "the RReq's result")
	tx, err := h.store.Get(context.Background(), txID)
	require.NoError(t, err)
	require.False(t, tx.CResReceivedAt.IsZero(), "the CRes was recorded")

	for name, status := range map[string]int{"challenge-no-session-other-acs.json": 400, "challenge-no-session-unknown-tx.json": 404} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, false)
			resp := h.handle(t, name)
			require.Equal(t, status, resp.StatusCode, resp.Body)
			require.Contains(t, resp.Body, "could not be verified")
			tx, err := h.store.Get(context.Background(), txID)
			require.NoError(t, err)
			require.True(t, tx.CResReceivedAt.IsZero(), "nothing recorded")
		})
	}
	// Not in a challenge: a transaction waiting for its 3DS Method.
	m := newHarness(t, true)
	resp := m.handle(t, "challenge-no-session.json")
	require.Equal(t, 400, resp.StatusCode, resp.Body)
}

func TestCallbackRejections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		status  int
		code    string
		detail  string
	}{
		{fixture: "results-unknown.json", status: 404, code: "301", detail: "threeDSServerTransID"},
		{fixture: "results-missing.json", status: 400, code: "201", detail: "transStatus"},
		{fixture: "results-format.json", status: 400, code: "203", detail: "eci"},
		{fixture: "challenge-forged-session.json", status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, false)
			resp := h.handle(t, tc.fixture)
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			if tc.code != "" {
				var erro map[string]any
				require.NoError(t, json.Unmarshal([]byte(resp.Body), &erro))
				require.Equal(t, "Erro", erro["messageType"])
				require.Equal(t, tc.code, erro["errorCode"])
				require.Equal(t, "S", erro["errorComponent"])
				require.Equal(t, "RReq", erro["errorMessageType"])
				require.Contains(t, erro["errorDetail"], tc.detail)
			} else {
				require.Contains(t, resp.Body, "could not be verified")
				require.NotContains(t, resp.Body, `data-trans-status="Y"`)
			}
			tx, err := h.store.Get(context.Background(), txID)
			require.NoError(t, err)
			require.Equal(t, threeds.StateChallengePending, tx.State)
		})
	}
}

func TestUnknownRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	ev := h.fixture(t, "results.json")
	ev.Resource, ev.Path = "/callbacks/other", "/callbacks/other"
	resp, err := h.h.Handle(context.Background(), ev)
	require.NoError(t, err)
	require.GreaterOrEqual(t, resp.StatusCode, 400)
	require.Less(t, resp.StatusCode, 600)
}

func TestNoCardDataInLogs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, false)
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	var bodies strings.Builder
	for _, f := range files {
		bodies.WriteString(h.handle(t, filepath.Base(f)).Body)
	}
	require.NotEmpty(t, h.logs.String())
	require.NotContains(t, h.logs.String(), "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "the CAVV is never logged")
	require.NotContains(t, h.logs.String(), "4000000000001000")
	require.NotContains(t, bodies.String(), "4000000000001000")
}
