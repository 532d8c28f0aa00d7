package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

// CloudFormation's custom resource requests, answered on the ResponseURL:
// Create loads the ranges; a DS that fails still answers SUCCESS (the deploy
// must not roll back) with Loaded false; Delete touches nothing.
func TestCustomResource(t *testing.T) {
	t.Parallel()
	var answers []cfn.Response
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, http.MethodPut, r.Method)
		require.Empty(t, r.Header.Get("Content-Type"), "the pre-signed URL's signature covers no Content-Type")
		b, _ := io.ReadAll(r.Body)
		var resp cfn.Response
		require.NoError(t, json.Unmarshal(b, &resp))
		answers = append(answers, resp)
	}))
	defer srv.Close()

	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 0, 0, 0, time.UTC))
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	dir := &directory{}
	svc := threeds.NewCardRangeService(store, dir, threeds.ServiceConfig{ServerRefNumber: "REF"}, threeds.WithClock(clock.Now))
	h := handler{svc: svc, log: slog.New(slog.NewJSONHandler(&bytes.Buffer{}, nil)), targets: []target{{DS: "visa", Scheme: emv3ds.SchemeVisa}}, retryWait: time.Millisecond}
	event := func(typ cfn.RequestType) json.RawMessage {
		b, _ := json.Marshal(cfn.Event{RequestType: typ, RequestID: "req-" + string(typ), ResponseURL: srv.URL + "/signed", ResourceType: "Custom::CardRangesLoad",
			LogicalResourceID: "CardRangesInitialLoad", StackID: "arn:aws:cloudformation:eu-west-1:123456789012:stack/open3ds/1", ResourceProperties: map[string]any{"ServiceToken": "arn"}})
		return b
	}
	ctx := context.Background()

	require.NoError(t, h.Entry(ctx, event(cfn.RequestCreate)))
	require.Len(t, answers, 1)
	require.Equal(t, cfn.StatusSuccess, answers[0].Status)
	require.Equal(t, "req-Create", answers[0].RequestID)
	require.Equal(t, "CardRangesInitialLoad", answers[0].LogicalResourceID)
	require.Equal(t, physicalID, answers[0].PhysicalResourceID)
	require.Equal(t, "true", answers[0].Data["Loaded"])
	_, err := store.LookupCardRange(ctx, "4000000000001000")
	require.NoError(t, err, "the card is enrolled once the stack is created")

	h.targets = []target{{DS: "mastercard", Scheme: emv3ds.SchemeMastercard}} // times out
	before := len(dir.schemes)
	require.NoError(t, h.Entry(ctx, event(cfn.RequestUpdate)))
	require.Equal(t, loadAttempts, len(dir.schemes)-before, "a DS not reachable yet is tried again a few times")
	require.Equal(t, cfn.StatusSuccess, answers[1].Status, "a DS not reachable yet must not roll the deploy back")
	require.Equal(t, "false", answers[1].Data["Loaded"])
	require.Contains(t, answers[1].Reason, "schedule retries")
	require.Equal(t, physicalID, answers[1].PhysicalResourceID, "same physical ID: no replacement")

	calls := len(dir.schemes)
	require.NoError(t, h.Entry(ctx, event(cfn.RequestDelete)))
	require.Equal(t, cfn.StatusSuccess, answers[2].Status)
	require.Equal(t, calls, len(dir.schemes), "Delete sends no PReq")

	// The scheduled event still refreshes.
	h.targets = []target{{DS: "visa", Scheme: emv3ds.SchemeVisa}}
	require.NoError(t, h.Entry(ctx, json.RawMessage(`{"version":"0","detail-type":"Scheduled Event","source":"aws.events","detail":{}}`)))
	require.Len(t, answers, 3, "a schedule event answers nobody")
	require.Error(t, h.Entry(ctx, json.RawMessage(`[1,2]`)))
}
