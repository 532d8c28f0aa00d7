package lambdalocal

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"
)

type testStack struct {
	srv *httptest.Server
	fns map[string]*Function
	gw  *Gateway
}

func newTestGateway(t *testing.T, integrationTimeout time.Duration) *testStack {
	t.Helper()
	tpl, err := ReadTemplate("testdata/template.yaml")
	require.NoError(t, err)
	fns, err := StartFunctions(FunctionsConfig{
		Template: tpl,
		Binaries: map[string]string{"functions/echofn": testBins["echofn"], "functions/authfn": testBins["authfn"], "functions/streamfn": testBins["streamfn"]},
		Env:      map[string]string{"TABLE_NAME": "t"},
		Logs:     func(string) io.Writer { return testLog{t} },
	})
	require.NoError(t, err)
	t.Cleanup(func() {
		for _, fn := range fns {
			_ = fn.Close()
		}
	})
	gw, err := NewGateway(GatewayConfig{Template: tpl, Functions: Invokers(fns), IntegrationTimeout: integrationTimeout,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	return &testStack{srv: srv, fns: fns, gw: gw}
}

func (s *testStack) do(t *testing.T, method, path, auth string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func echoEvent(t *testing.T, body []byte) echoReply {
	t.Helper()
	var r echoReply
	require.NoError(t, json.Unmarshal(body, &r), string(body))
	return r
}

func TestGatewayAuthorizer(t *testing.T) {
	s := newTestGateway(t, 0)
	tests := []struct {
		name, auth string
		status     int
		body       string
	}{
		{"no key: 401 without calling the authorizer", "", 401, `{"error":"unauthorized","message":"Unauthorized"}`},
		{"authorizer says Unauthorized", "Bearer bad", 401, `{"error":"unauthorized","message":"Unauthorized"}`},
		{"deny policy", "Bearer deny", 403, `{"error":"forbidden"}`},
		{"authorizer fails", "Bearer boom", 500, `{"error":"server","message":"Internal server error"}`},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.do(t, "POST", "/echo", tc.auth, []byte(`{}`))
			require.Equal(t, tc.status, resp.StatusCode)
			require.JSONEq(t, tc.body, string(body))
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if i == 0 {
				require.Empty(t, s.fns["AuthorizerFunction"].ColdStarts(), "authorizer never ran")
				require.Empty(t, s.fns["EchoFunction"].ColdStarts())
			}
		})
	}
	require.Empty(t, s.fns["EchoFunction"].ColdStarts(), "no rejected request reached the function")
}

func TestGatewayProxyEvent(t *testing.T) {
	s := newTestGateway(t, 0)
	resp, body := s.do(t, "POST", "/echo?a=1&a=2&b=x", "Bearer good", []byte(`{"hello":"world"}`))
	require.Equal(t, 201, resp.StatusCode, string(body))
	require.Equal(t, "one", resp.Header.Get("X-Single"))
	require.Equal(t, []string{"a=1", "b=2"}, resp.Header.Values("Set-Cookie"))
	require.NotEmpty(t, resp.Header.Get("X-Amzn-Requestid"))

	r := echoEvent(t, body)
	ev := r.Event
	require.Equal(t, "bonjour", r.Greeting)
	require.Equal(t, "/echo", ev.Resource)
	require.Equal(t, "/echo", ev.Path)
	require.Equal(t, "POST", ev.HTTPMethod)
	require.Equal(t, `{"hello":"world"}`, ev.Body)
	require.False(t, ev.IsBase64Encoded)
	require.Equal(t, "Bearer good", ev.Headers["Authorization"])
	require.Equal(t, "2", ev.Headers["X-Multi"])
	require.Equal(t, []string{"1", "2"}, ev.MultiValueHeaders["X-Multi"])
	require.Equal(t, map[string]string{"a": "2", "b": "x"}, ev.QueryStringParameters)
	require.Equal(t, []string{"1", "2"}, ev.MultiValueQueryStringParameters["a"])
	require.Nil(t, ev.PathParameters)

	rc := ev.RequestContext
	require.Equal(t, LocalAccountID, rc.AccountID)
	require.Equal(t, "v1", rc.Stage)
	require.Equal(t, "/v1/echo", rc.Path)
	require.Equal(t, "/echo", rc.ResourcePath)
	require.Equal(t, "POST", rc.HTTPMethod)
	require.Equal(t, "127.0.0.1", rc.Identity.SourceIP)
	require.Equal(t, resp.Header.Get("X-Amzn-Requestid"), rc.RequestID)
	require.NotEmpty(t, rc.APIID)
	require.NotEmpty(t, rc.ResourceID)
	require.InDelta(t, time.Now().UnixMilli(), rc.RequestTimeEpoch, 60_000)
	require.Equal(t, map[string]any{
		"principalId": "merchant-1", "integrationLatency": float64(0),
		"merchantId": "m-1", "calls": "1", "live": "true", "resource": "/echo",
	}, rc.Authorizer)
}

func TestGatewayAuthorizerCache(t *testing.T) {
	s := newTestGateway(t, 0)
	calls := func(path, auth string) string {
		resp, body := s.do(t, "GET", path, auth, nil)
		require.Equal(t, 201, resp.StatusCode, string(body))
		return echoEvent(t, body).Event.RequestContext.Authorizer["calls"].(string)
	}
	// ReauthorizeEvery 300: one authorizer call per identity.
	require.Equal(t, "1", calls("/cached/bob", "Bearer good"))
	require.Equal(t, "1", calls("/cached/alice", "Bearer good"), "cached policy reused")
	require.Equal(t, "2", calls("/cached/bob", "Bearer good2"), "another identity is authorized afresh")
	// good2's policy names GET /cached/bob only; cached, it is evaluated
	// against each request's method ARN, as API Gateway does.
	resp, body := s.do(t, "GET", "/cached/alice", "Bearer good2", nil)
	require.Equal(t, 403, resp.StatusCode, string(body))
	// ReauthorizeEvery 0 on /echo: every request calls the authorizer.
	resp, body = s.do(t, "POST", "/echo", "Bearer good", nil)
	require.Equal(t, 201, resp.StatusCode)
	require.Equal(t, "3", echoEvent(t, body).Event.RequestContext.Authorizer["calls"])
	resp, body = s.do(t, "POST", "/echo", "Bearer good", nil)
	require.Equal(t, 201, resp.StatusCode)
	require.Equal(t, "4", echoEvent(t, body).Event.RequestContext.Authorizer["calls"])

	_, body = s.do(t, "GET", "/cached/carol", "Bearer good", nil)
	require.Equal(t, map[string]string{"name": "carol"}, echoEvent(t, body).Event.PathParameters)
	// What metering reads (loadgen -cost): invocations, not requests.
	require.Equal(t, AuthorizerStats{Invoked: 4, Cached: 3}, s.gw.AuthorizerStats())
	// And the gateway's invocations by function: six answered by the echo
	// function (the denied request invoked nothing), four authorizer calls.
	require.Equal(t, map[string]int64{"EchoFunction": 6, "AuthorizerFunction": 4}, s.gw.Invocations())
}

func TestGatewayRoutesAndFailures(t *testing.T) {
	s := newTestGateway(t, 0)

	resp, body := s.do(t, "DELETE", "/open/a/b/c", "", nil)
	require.Equal(t, 201, resp.StatusCode)
	ev := echoEvent(t, body).Event
	require.Equal(t, map[string]string{"proxy": "a/b/c"}, ev.PathParameters)
	require.Equal(t, "/open/{proxy+}", ev.Resource)
	require.Nil(t, ev.RequestContext.Authorizer)
	pid := echoEvent(t, body).PID

	resp, body = s.do(t, "POST", "/ds/results", "", []byte{0xff, 0xfe, 'x'})
	require.Equal(t, 201, resp.StatusCode)
	res := echoEvent(t, body).Event
	require.True(t, res.IsBase64Encoded)
	require.Equal(t, "//54", res.Body)
	require.Equal(t, "v1", res.RequestContext.Stage)
	require.NotEqual(t, ev.RequestContext.APIID, res.RequestContext.APIID, "another REST API")

	resp, body = s.do(t, "GET", "/open/x/binary", "", nil)
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, []byte{0xff, 0x00, 0xfe}, body)
	require.Equal(t, "application/octet-stream", resp.Header.Get("Content-Type"))

	for _, p := range []string{"/open/x/crash", "/open/x/error", "/open/x/garbage"} {
		resp, body = s.do(t, "GET", p, "", nil)
		require.Equal(t, 502, resp.StatusCode, p)
		require.JSONEq(t, `{"error":"server","message":"Internal server error"}`, string(body))
	}
	resp, body = s.do(t, "GET", "/open/x/again", "", nil)
	require.Equal(t, 201, resp.StatusCode, "the crashed function restarts")
	require.NotEqual(t, pid, echoEvent(t, body).PID)

	for _, tc := range []struct{ method, path string }{{"GET", "/nope"}, {"GET", "/echo"}, {"POST", "/open"}} {
		resp, body = s.do(t, tc.method, tc.path, "Bearer good", nil)
		require.Equal(t, 403, resp.StatusCode, tc.path)
		require.JSONEq(t, `{"message":"Missing Authentication Token"}`, string(body))
	}

	resp, _ = s.do(t, "POST", "/open/big", "", bytes.Repeat([]byte("a"), MaxPayloadBytes+1))
	require.Equal(t, 413, resp.StatusCode)
}

func TestGatewayIntegrationTimeout(t *testing.T) {
	s := newTestGateway(t, 300*time.Millisecond)
	resp, body := s.do(t, "GET", "/open/x/hang", "", nil)
	require.Equal(t, 504, resp.StatusCode)
	require.True(t, strings.Contains(string(body), "Endpoint request timed out"), string(body))
	resp, _ = s.do(t, "GET", "/open/x/ok", "", nil)
	require.Equal(t, 201, resp.StatusCode)
}

func TestPolicyAllows(t *testing.T) {
	arn := "arn:aws:execute-api:us-east-1:123456789012:abc/v1/POST/preauth"
	mk := func(stmts ...[3]string) authorizerResponse {
		var r authorizerResponse
		for _, s := range stmts {
			r.PolicyDocument.Statement = append(r.PolicyDocument.Statement, struct {
				Action   stringList `json:"Action"`
				Effect   string     `json:"Effect"`
				Resource stringList `json:"Resource"`
			}{stringList{s[0]}, s[1], stringList{s[2]}})
		}
		return r
	}
	tests := []struct {
		name string
		resp authorizerResponse
		want bool
	}{
		{"exact allow", mk([3]string{"execute-api:Invoke", "Allow", arn}), true},
		{"wildcard allow", mk([3]string{"execute-api:*", "Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/*"}), true},
		{"allow other method", mk([3]string{"execute-api:Invoke", "Allow", "arn:aws:execute-api:us-east-1:123456789012:abc/v1/GET/*"}), false},
		{"deny wins", mk([3]string{"*", "Allow", "*"}, [3]string{"execute-api:Invoke", "Deny", arn}), false},
		{"nothing", mk(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, policyAllows(tc.resp, arn))
		})
	}
	var r authorizerResponse
	require.NoError(t, json.Unmarshal([]byte(`{"principalId":"p","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow","Resource":"*"}]}}`), &r))
	require.True(t, policyAllows(r, arn), "string Action and Resource are accepted")
	_ = events.APIGatewayProxyResponse{}
}
