package apigw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// plain renders errors in another shape, as a non-EMV dialect would.
type plain struct{}

func (plain) RenderError(status int, erro *emv3ds.Erro) apigw.Response {
	return apigw.JSON(status, map[string]string{"code": string(erro.ErrorCode), "field": erro.ErrorDetail})
}

func TestRouter(t *testing.T) {
	t.Parallel()
	answer := func(body string) apigw.HandlerFunc {
		return func(context.Context, events.APIGatewayProxyRequest) apigw.Response {
			return apigw.RawJSON(200, []byte(body))
		}
	}
	logs := &bytes.Buffer{}
	r := apigw.NewRouter(slog.New(slog.NewJSONHandler(logs, nil)), apigw.ErroJSON{},
		[]apigw.Route{apigw.Post(apigw.StepAuth, "one", "/auth", apigw.ErroJSON{}, answer(`"one"`))},
		[]apigw.Route{apigw.Post(apigw.StepAuth, "two", "/v2/authentications", plain{}, answer(`"two"`))},
	)
	require.Len(t, r.Routes(), 2)
	call := func(ev events.APIGatewayProxyRequest) apigw.Response {
		resp, err := r.Handle(context.Background(), ev)
		require.NoError(t, err)
		return resp
	}
	tests := []struct {
		name   string
		ev     events.APIGatewayProxyRequest
		status int
		body   string
	}{
		{"resource", events.APIGatewayProxyRequest{HTTPMethod: "POST", Resource: "/auth", Path: "/auth"}, 200, `"one"`},
		{"another dialect's path", events.APIGatewayProxyRequest{HTTPMethod: "POST", Resource: "/v2/authentications"}, 200, `"two"`},
		{"path with a stage prefix", events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/Prod/auth"}, 200, `"one"`},
		{"no such route", events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/preauth"}, 404, ""},
		{"wrong method, in the route's dialect", events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: "/v2/authentications"}, 405, `{"code":"101","field":"httpMethod"}`},
	}
	for _, tc := range tests {
		resp := call(tc.ev)
		require.Equal(t, tc.status, resp.StatusCode, tc.name)
		if tc.body != "" {
			require.JSONEq(t, tc.body, resp.Body, tc.name)
		}
	}
	resp := call(events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/nope"})
	var erro map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &erro))
	require.Equal(t, "Erro", erro["messageType"], "an unknown path is answered in the fallback's shape")
	require.Equal(t, "path", erro["errorDetail"])
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestErroStatus(t *testing.T) {
	t.Parallel()
	for code, status := range map[emv3ds.ErrorCode]int{"301": 404, "305": 409, "201": 400, "203": 400, "101": 400} {
		require.Equal(t, status, apigw.ErroStatus(&emv3ds.Erro{ErrorCode: code}), code)
	}
}
