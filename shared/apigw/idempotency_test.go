package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

type idemHarness struct {
	store *threedstest.MemoryStore
	clock *threedstest.Clock
	log   *slog.Logger
	calls int
	resp  apigw.Response
}

func newIdem() *idemHarness {
	c := threedstest.NewClock(time.Date(2026, 6, 25, 8, 0, 0, 0, time.UTC))
	return &idemHarness{
		store: threedstest.NewMemoryStore(c.Now, threeds.DefaultRetention()),
		clock: c,
		log:   slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)),
		resp:  apigw.JSON(http.StatusOK, map[string]string{"transStatus": "Y"}),
	}
}

func (h *idemHarness) run(t *testing.T, ev events.APIGatewayProxyRequest, merchant string) apigw.Response {
	t.Helper()
	body, err := apigw.JSONBody(ev)
	require.NoError(t, err)
	return apigw.Idempotent(context.Background(), h.log, apigw.ErroJSON{}, h.store, ev, merchant, body, apigw.About{MessageType: emv3ds.MessageTypeAReq}, func() apigw.Response {
		h.calls++
		return h.resp
	})
}

func TestIdempotent(t *testing.T) {
	t.Parallel()

	t.Run("same key and body replay the stored answer", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		first := h.run(t, event(t), "merchant-a")
		require.Equal(t, 200, first.StatusCode)
		require.Empty(t, first.Headers["Idempotent-Replayed"])
		h.resp = apigw.JSON(200, map[string]string{"transStatus": "N"}) // what a second run would answer
		again := h.run(t, event(t), "merchant-a")
		require.Equal(t, 1, h.calls, "do() is not called again")
		require.Equal(t, 200, again.StatusCode)
		require.Equal(t, first.Body, again.Body)
		require.Equal(t, "true", again.Headers["Idempotent-Replayed"])
		require.Equal(t, "application/json; charset=utf-8", again.Headers["Content-Type"])
	})

	t.Run("same key, other body is a conflict", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		h.run(t, event(t), "merchant-a")
		r := h.run(t, event(t, withBody(`{"threeDSServerTransID":"00000000-0000-4000-8000-000000000002"}`)), "merchant-a")
		require.Equal(t, http.StatusConflict, r.StatusCode)
		require.Equal(t, 1, h.calls)
		var erro map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.Body), &erro))
		require.Equal(t, "Idempotency-Key", erro["errorDetail"])
	})

	t.Run("same key on another route is a conflict", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		h.run(t, event(t), "merchant-a")
		r := h.run(t, event(t, func(ev *events.APIGatewayProxyRequest) { ev.Resource, ev.Path = "/preauth", "/preauth" }), "merchant-a")
		require.Equal(t, http.StatusConflict, r.StatusCode)
		require.Equal(t, 1, h.calls)
	})

	t.Run("keys are per merchant", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		h.run(t, event(t), "merchant-a")
		r := h.run(t, event(t), "merchant-b")
		require.Equal(t, 200, r.StatusCode)
		require.Empty(t, r.Headers["Idempotent-Replayed"])
		require.Equal(t, 2, h.calls)
	})

	t.Run("no key runs every time", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		ev := event(t, withHeader("Idempotency-Key", ""))
		h.run(t, ev, "merchant-a")
		h.run(t, ev, "merchant-a")
		require.Equal(t, 2, h.calls)
	})

	t.Run("header name in any case", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		ev := event(t, withHeader("Idempotency-Key", ""), withHeader("idempotency-key", "k1"))
		h.run(t, ev, "merchant-a")
		r := h.run(t, ev, "merchant-a")
		require.Equal(t, 1, h.calls)
		require.Equal(t, "true", r.Headers["Idempotent-Replayed"])
	})

	t.Run("our 5xx is released so a retry runs", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		h.resp = apigw.Error(context.Background(), h.log, apigw.ErroJSON{}, context.DeadlineExceeded, apigw.About{})
		require.Equal(t, 500, h.run(t, event(t), "merchant-a").StatusCode)
		h.resp = apigw.JSON(200, map[string]string{"transStatus": "Y"})
		r := h.run(t, event(t), "merchant-a")
		require.Equal(t, 200, r.StatusCode)
		require.Empty(t, r.Headers["Idempotent-Replayed"])
		require.Equal(t, 2, h.calls)
	})

	for _, status := range []int{http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusBadRequest, http.StatusUnprocessableEntity} {
		t.Run("status "+http.StatusText(status)+" is stored", func(t *testing.T) {
			t.Parallel()
			h := newIdem()
			h.resp = apigw.JSON(status, map[string]string{"messageType": "Erro"})
			h.run(t, event(t), "merchant-a")
			r := h.run(t, event(t), "merchant-a")
			require.Equal(t, 1, h.calls, "the AReq may have reached the DS: never sent twice")
			require.Equal(t, status, r.StatusCode)
			require.Equal(t, "true", r.Headers["Idempotent-Replayed"])
		})
	}

	t.Run("key too long or not ASCII", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		for _, key := range []string{strings.Repeat("k", 256), "clé"} {
			r := h.run(t, event(t, withHeader("Idempotency-Key", key)), "merchant-a")
			require.Equal(t, http.StatusBadRequest, r.StatusCode)
		}
		require.Equal(t, 0, h.calls)
		r := h.run(t, event(t, withHeader("Idempotency-Key", strings.Repeat("k", 255))), "merchant-a")
		require.Equal(t, 200, r.StatusCode)
	})

	t.Run("in progress elsewhere", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		ev := event(t)
		body, _ := apigw.JSONBody(ev)
		var inner apigw.Response
		outer := apigw.Idempotent(context.Background(), h.log, apigw.ErroJSON{}, h.store, ev, "merchant-a", body, apigw.About{}, func() apigw.Response {
			inner = h.run(t, ev, "merchant-a")
			return h.resp
		})
		require.Equal(t, 200, outer.StatusCode)
		require.Equal(t, http.StatusConflict, inner.StatusCode)
		require.Equal(t, 0, h.calls)
	})

	t.Run("stored answer expires", func(t *testing.T) {
		t.Parallel()
		h := newIdem()
		h.run(t, event(t), "merchant-a")
		h.clock.Advance(threeds.DefaultRetention().Idempotency + time.Second)
		h.run(t, event(t), "merchant-a")
		require.Equal(t, 2, h.calls)
	})

	t.Run("no store configured", func(t *testing.T) {
		t.Parallel()
		calls := 0
		for range 2 {
			apigw.Idempotent(context.Background(), slog.Default(), apigw.ErroJSON{}, nil, event(t), "merchant-a", []byte(`{}`), apigw.About{}, func() apigw.Response {
				calls++
				return apigw.JSON(200, nil)
			})
		}
		require.Equal(t, 2, calls)
	})
}
