package webhookpost_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhookpost"
)

type fixed struct{ body string }

func (f fixed) RenderWebhook(ev threeds.WebhookEvent, secret []byte, at time.Time) ([]byte, map[string]string, error) {
	return []byte(f.body), map[string]string{"X-Sig": string(secret) + "@" + at.UTC().Format(time.RFC3339), "Content-Type": "application/json"}, nil
}

func TestSend(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, body = r, must(io.ReadAll(r.Body))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	p := webhookpost.New(srv.Client(), map[string]webhookpost.Renderer{"emvjson": fixed{`{"a":1}`}, "other": fixed{`{"b":2}`}})
	at := time.Date(2026, 6, 25, 8, 0, 0, 0, time.UTC)
	ctx := context.Background()

	// An event without a dialect (a transaction stored before dialects) is the default dialect's.
	status, err := p.Send(ctx, threeds.WebhookTarget{URL: srv.URL + "/hooks", Secret: []byte("s")}, threeds.WebhookEvent{ID: "evt_1"}, at)
	require.NoError(t, err)
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, http.MethodPost, got.Method)
	require.Equal(t, "/hooks", got.URL.Path)
	require.JSONEq(t, `{"a":1}`, string(body))
	require.Equal(t, "s@2026-06-25T08:00:00Z", got.Header.Get("X-Sig"))
	require.Equal(t, "open3ds-webhook/1", got.Header.Get("User-Agent"))

	_, err = p.Send(ctx, threeds.WebhookTarget{URL: srv.URL}, threeds.WebhookEvent{ID: "evt_2", Dialect: "other"}, at)
	require.NoError(t, err)
	require.JSONEq(t, `{"b":2}`, string(body), "rendered in the transaction's dialect")

	_, err = p.Send(ctx, threeds.WebhookTarget{URL: srv.URL}, threeds.WebhookEvent{ID: "evt_3", Dialect: "nope"}, at)
	require.ErrorContains(t, err, "no renderer")
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}
