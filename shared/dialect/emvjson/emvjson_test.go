package emvjson_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

type stub struct{}

func (stub) Preauth(context.Context, string, threeds.PreauthInput) (*threeds.PreauthOutput, error) {
	return nil, nil
}

func (stub) Authenticate(context.Context, string, threeds.AuthInput) (*threeds.AuthOutput, error) {
	return nil, nil
}

func (stub) Result(context.Context, string, string) (*threeds.ResultOutput, error) { return nil, nil }

// The dialect's routes: one per step, its own paths, its name.
func TestRoutes(t *testing.T) {
	t.Parallel()
	log := slog.Default()
	for _, tc := range []struct {
		routes []apigw.Route
		step   apigw.Step
		path   string
	}{
		{emvjson.PreauthRoutes(stub{}, nil, log), apigw.StepPreauth, "/preauth"},
		{emvjson.AuthRoutes(stub{}, nil, log), apigw.StepAuth, "/auth"},
		{emvjson.PostauthRoutes(stub{}, log), apigw.StepPostauth, "/postauth"},
	} {
		require.Len(t, tc.routes, 1)
		r := tc.routes[0]
		require.Equal(t, tc.step, r.Step)
		require.Equal(t, tc.path, r.Path)
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, emvjson.Name, r.Dialect)
		require.NotNil(t, r.Handle)
	}
}

// Errors are the EMV Erro itself.
func TestErrors(t *testing.T) {
	t.Parallel()
	erro := &emv3ds.Erro{MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version220, ErrorCode: "201",
		ErrorComponent: "S", ErrorDescription: "Required data element missing", ErrorDetail: "acctNumber"}
	resp := emvjson.Errors{}.RenderError(400, erro)
	require.Equal(t, 400, resp.StatusCode)
	require.JSONEq(t, `{"messageType":"Erro","messageVersion":"2.2.0","errorCode":"201","errorComponent":"S",
		"errorDescription":"Required data element missing","errorDetail":"acctNumber"}`, resp.Body)
}

// The webhook delivery: the result projection as the event, signed.
func TestWebhook(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC)
	ev := threeds.WebhookEvent{ID: "evt_0123456789abcdef01234567", Type: threeds.EventAuthenticationCompleted, Created: at, Dialect: emvjson.Name,
		Result: &threeds.ResultOutput{ThreeDSServerTransID: "tx-1", Status: threeds.ResultFinal, TransStatus: "Y", ECI: "05",
			AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", DSTransID: "ds-1", ACSTransID: "acs-1", MessageVersion: "2.2.0",
			Source: threeds.SourceARes, Scheme: emv3ds.SchemeVisa, CardBIN: "400000", CardLast4: "1000"}}
	body, headers, err := emvjson.Webhook{}.RenderWebhook(ev, []byte("whsec"), at)
	require.NoError(t, err)
	require.JSONEq(t, `{"id":"evt_0123456789abcdef01234567","type":"authentication.completed","created":1782375330,
		"data":{"threeDSServerTransID":"tx-1","transStatus":"Y","eci":"05","authenticationValue":"AAABBZEEBgAAAAAAAAQGAAAAAAA=",
		"dsTransID":"ds-1","acsTransID":"acs-1","messageVersion":"2.2.0","resultSource":"ARes","scheme":"visa"}}`, string(body))
	require.Equal(t, "application/json", headers["Content-Type"])
	require.Equal(t, ev.ID, headers["Threeds-Event-Id"])
	require.NoError(t, webhooksig.Verify([]byte("whsec"), headers[webhooksig.Header], body, at, webhooksig.DefaultTolerance))
	var decoded emvjson.WebhookEvent
	require.NoError(t, json.Unmarshal(body, &decoded))
	require.Equal(t, emvjson.WebhookBody(ev), decoded)
	require.NotContains(t, string(body), "400000", "no card data beyond the result")

	_, _, err = emvjson.Webhook{}.RenderWebhook(threeds.WebhookEvent{ID: "evt_x"}, nil, at)
	require.Error(t, err)
}
