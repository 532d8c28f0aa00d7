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

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

const txID = "00000000-0000-4000-8000-000000000001"

var now = time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC)

// stored puts merchant A's transaction txID into the store, moved along by step.
func stored(t *testing.T, step func(tx *threeds.Transaction)) (*apigw.Router, *bytes.Buffer) {
	t.Helper()
	clock := threedstest.NewClock(now)
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	r := threeds.DefaultRetention()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{
		ID: txID, MerchantID: "merchant-a", MessageVersion: emv3ds.Version220,
		Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "h"},
	}, now, r)
	require.NoError(t, err)
	if step != nil {
		require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: "02", MessageCategory: "01"}, now, r))
		step(tx)
	}
	require.NoError(t, store.Create(context.Background(), tx))
	logs := &bytes.Buffer{}
	return router(deps{results: threeds.NewResultService(store, threeds.WithClock(clock.Now)), log: slog.New(slog.NewJSONHandler(logs, nil))}), logs
}

func ares(status emv3ds.TransStatus) threeds.AResData {
	d := threeds.AResData{TransStatus: status, DSTransID: "d0000000-0000-4000-8000-000000000001", ACSTransID: "a0000000-0000-4000-8000-000000000001", AuthenticationType: "02"}
	if status == emv3ds.TransStatusAuthenticated {
		d.ECI, d.AuthenticationValue = "05", "AAABBZEEBgAAAAAAAAQGAAAAAAA="
	}
	return d
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
	r := threeds.DefaultRetention()
	final := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusAuthenticated), now, r))
	}
	challenge := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusChallenge), now, r))
	}
	timeout := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordFailure(threeds.ErrorInfo{Code: "405", Component: "S", Description: "Unable to contact Directory Server", Detail: "Connection timeout", MessageType: "AReq", Timeout: true}, now, r))
	}
	dsErro := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordFailure(threeds.ErrorInfo{Code: "305", Component: "D", Description: "Transaction data not valid", Detail: "acctNumber", MessageType: "AReq"}, now, r))
	}
	refused := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordFailure(threeds.ErrorInfo{Code: "405", Component: "S", Description: "Unable to contact Directory Server", Detail: "Connection refused", MessageType: "AReq"}, now, r))
	}
	invalidARes := func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordFailure(threeds.ErrorInfo{Code: "201", Component: "S", Description: "Required data element missing", Detail: "authenticationValue", MessageType: "ARes"}, now, r))
	}
	tests := []struct {
		name    string
		fixture string
		step    func(*threeds.Transaction)
		status  int
		want    map[string]any
		absent  []string
	}{
		{name: "final", fixture: "request.json", step: final, status: 200, want: map[string]any{
			"threeDSServerTransID": txID, "status": "final", "transStatus": "Y", "eci": "05",
			"authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "dsTransID": "d0000000-0000-4000-8000-000000000001",
			"acsTransID": "a0000000-0000-4000-8000-000000000001", "messageVersion": "2.2.0", "resultSource": "ARes", "scheme": "visa",
		}},
		{name: "challenge pending", fixture: "request.json", step: challenge, status: 200,
			want: map[string]any{"status": "pending", "transStatus": "C"}, absent: []string{"authenticationValue", "eci"}},
		{name: "preauthenticated", fixture: "request.json", status: 200,
			want: map[string]any{"status": "pending"}, absent: []string{"transStatus", "authenticationValue"}},
		{name: "DS timeout", fixture: "request.json", step: timeout, status: 422,
			want: map[string]any{"messageType": "Erro", "errorCode": "405", "errorComponent": "S", "errorDetail": "Connection timeout", "threeDSServerTransID": txID, "errorMessageType": "AReq"}},
		{name: "DS refused", fixture: "request.json", step: refused, status: 422,
			want: map[string]any{"errorCode": "405", "errorDetail": "Connection refused"}},
		{name: "invalid ARes", fixture: "request.json", step: invalidARes, status: 422,
			want: map[string]any{"errorCode": "201", "errorComponent": "S", "errorDetail": "authenticationValue", "errorMessageType": "ARes"}},
		{name: "DS Erro", fixture: "request.json", step: dsErro, status: 422,
			want: map[string]any{"messageType": "Erro", "errorCode": "305", "errorComponent": "D", "errorDetail": "acctNumber", "errorMessageType": "AReq"}},
		{name: "unknown", fixture: "unknown.json", step: final, status: 404, want: map[string]any{"errorCode": "301", "errorDetail": "threeDSServerTransID"}},
		{name: "another merchant's", fixture: "other-merchant.json", step: final, status: 404, want: map[string]any{"errorCode": "301"}},
		{name: "missing ID", fixture: "missing-id.json", step: final, status: 400, want: map[string]any{"errorCode": "201", "errorDetail": "threeDSServerTransID"}},
		{name: "wrong type", fixture: "wrong-type.json", step: final, status: 400, want: map[string]any{"errorCode": "203", "errorDetail": "threeDSServerTransID"}},
		{name: "duplicated element", fixture: "duplicate.json", step: final, status: 400, want: map[string]any{"errorCode": "204", "errorDetail": "threeDSServerTransID"}, absent: []string{"transStatus"}},
		{name: "2,048+ byte ID", fixture: "long-id.json", step: final, status: 400, want: map[string]any{"errorCode": "203", "errorDetail": "threeDSServerTransID"}, absent: []string{"threeDSServerTransID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h, _ := stored(t, tc.step)
			resp, err := h.Handle(context.Background(), fixture(t, tc.fixture))
			require.NoError(t, err)
			require.Equal(t, tc.status, resp.StatusCode, resp.Body)
			var body map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &body))
			for k, v := range tc.want {
				require.Equal(t, v, body[k], k)
			}
			for _, k := range tc.absent {
				require.NotContains(t, body, k)
			}
		})
	}
}

func TestNoCardDataInLogs(t *testing.T) {
	t.Parallel()
	r := threeds.DefaultRetention()
	h, logs := stored(t, func(tx *threeds.Transaction) {
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusAuthenticated), now, r))
	})
	files, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	var bodies strings.Builder
	for _, f := range files {
		resp, err := h.Handle(context.Background(), fixture(t, filepath.Base(f)))
		require.NoError(t, err)
		bodies.WriteString(resp.Body)
	}
	require.NotContains(t, bodies.String(), "4000000000001000")
	require.NotContains(t, logs.String(), "4000000000001000")
	require.NotContains(t, logs.String(), "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "the CAVV is answered, never logged")
}
