package apigw_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
)

// event loads the API Gateway REST (payload 1.0) fixture and applies mods.
func event(t *testing.T, mods ...func(*events.APIGatewayProxyRequest)) events.APIGatewayProxyRequest {
	t.Helper()
	raw, err := os.ReadFile("testdata/rest-post-json.json")
	require.NoError(t, err)
	var ev events.APIGatewayProxyRequest
	require.NoError(t, json.Unmarshal(raw, &ev))
	for _, m := range mods {
		m(&ev)
	}
	return ev
}

func withBody(b string) func(*events.APIGatewayProxyRequest) {
	return func(ev *events.APIGatewayProxyRequest) { ev.Body = b; ev.IsBase64Encoded = false }
}

func withHeader(name, value string) func(*events.APIGatewayProxyRequest) {
	return func(ev *events.APIGatewayProxyRequest) {
		for k := range ev.Headers {
			if strings.EqualFold(k, name) {
				delete(ev.Headers, k)
			}
		}
		for k := range ev.MultiValueHeaders {
			if strings.EqualFold(k, name) {
				delete(ev.MultiValueHeaders, k)
			}
		}
		if value != "" {
			ev.Headers[name] = value
			ev.MultiValueHeaders[name] = []string{value}
		}
	}
}

func TestJSONBody(t *testing.T) {
	t.Parallel()
	big := `{"a":"` + strings.Repeat("x", apigw.MaxBodyBytes) + `"}`
	exact := `{"a":"` + strings.Repeat("x", apigw.MaxBodyBytes-8) + `"}`
	tests := []struct {
		name      string
		mods      []func(*events.APIGatewayProxyRequest)
		want      string // the body returned
		wantErr   error
		wantField string // BadTextError element
	}{
		{name: "fixture", want: `{"threeDSServerTransID":"00000000-0000-4000-8000-000000000001","acctNumber":"4000000000001000"}`},
		{name: "base64 body", mods: []func(*events.APIGatewayProxyRequest){func(ev *events.APIGatewayProxyRequest) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(`{"a":"b"}`)), true
		}}, want: `{"a":"b"}`},
		{name: "bad base64", mods: []func(*events.APIGatewayProxyRequest){func(ev *events.APIGatewayProxyRequest) {
			ev.Body, ev.IsBase64Encoded = "{not base64", true
		}}, wantErr: apigw.ErrMalformedBody},
		{name: "at the size limit", mods: []func(*events.APIGatewayProxyRequest){withBody(exact)}, want: exact},
		{name: "over the size limit", mods: []func(*events.APIGatewayProxyRequest){withBody(big)}, wantErr: apigw.ErrBodyTooLarge},
		{name: "over the size limit once base64 decoded", mods: []func(*events.APIGatewayProxyRequest){func(ev *events.APIGatewayProxyRequest) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString([]byte(big)), true
		}}, wantErr: apigw.ErrBodyTooLarge},
		{name: "empty", mods: []func(*events.APIGatewayProxyRequest){withBody("")}, wantErr: apigw.ErrEmptyBody},
		{name: "blank", mods: []func(*events.APIGatewayProxyRequest){withBody(" \r\n\t")}, wantErr: apigw.ErrEmptyBody},
		{name: "not JSON", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"a":`)}, wantErr: apigw.ErrMalformedBody},
		{name: "form content type with a JSON body (curl's default)", mods: []func(*events.APIGatewayProxyRequest){withHeader("Content-Type", "application/x-www-form-urlencoded"), withBody(`{}`)}, want: `{}`},
		{name: "text content type with a JSON body", mods: []func(*events.APIGatewayProxyRequest){withHeader("Content-Type", "text/plain"), withBody(`{}`)}, want: `{}`},
		{name: "multipart upload", mods: []func(*events.APIGatewayProxyRequest){withHeader("Content-Type", "multipart/form-data; boundary=x")}, wantErr: apigw.ErrUnsupportedMedia},
		{name: "form body is not JSON", mods: []func(*events.APIGatewayProxyRequest){withHeader("Content-Type", "application/x-www-form-urlencoded"), withBody("acctNumber=4000000000001000")}, wantErr: apigw.ErrMalformedBody},
		{name: "+json content type", mods: []func(*events.APIGatewayProxyRequest){withHeader("CONTENT-TYPE", "application/vnd.api+json"), withBody(`{}`)}, want: `{}`},
		{name: "no content type", mods: []func(*events.APIGatewayProxyRequest){withHeader("Content-Type", ""), withBody(`{}`)}, want: `{}`},
		// Valid UTF-8 is text like any other (addresses, names).
		{name: "UTF-8 value", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctNumber":"4000000000001000","cardholderName":"José Núñez"}`)}, want: `{"acctNumber":"4000000000001000","cardholderName":"José Núñez"}`},
		{name: "UTF-8 city", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"billAddrCity":"Zürich"}`)}, want: `{"billAddrCity":"Zürich"}`},
		{name: "escaped non-ASCII value", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"cardholderName":"Jos\u00e9"}`)}, want: `{"cardholderName":"Jos\u00e9"}`},
		{name: "escaped surrogate pair", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"merchantName":"Shop \ud83d\ude00"}`)}, want: `{"merchantName":"Shop \ud83d\ude00"}`},
		{name: "non-ASCII in nested and array elements", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctInfo":{"chAccAgeInd":"01"},"shipAddrCity":"Málaga","acceptLanguage":["fr-\u00e9"]}`)}, want: `{"acctInfo":{"chAccAgeInd":"01"},"shipAddrCity":"Málaga","acceptLanguage":["fr-\u00e9"]}`},
		{name: "non-ASCII member name", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"Jos\u00e9":"x"}`)}, want: `{"Jos\u00e9":"x"}`},
		// Invalid UTF-8, lone surrogates and control characters stay refused.
		{name: "invalid UTF-8 byte", mods: []func(*events.APIGatewayProxyRequest){withBody("{\"acctNumber\":\"4000000000001000\",\"billAddrCity\":\"Z\xfcrich\"}")}, wantField: "billAddrCity"},
		{name: "truncated UTF-8 sequence", mods: []func(*events.APIGatewayProxyRequest){withBody("{\"merchantName\":\"Caf\xc3\"}")}, wantField: "merchantName"},
		{name: "lone high surrogate escape", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"merchantName":"Shop \ud83d"}`)}, wantField: "merchantName"},
		{name: "lone low surrogate escape", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctInfo":{"chAccDate":"\ude00"}}`)}, wantField: "acctInfo.chAccDate"},
		{name: "control character", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"email":"a\u0001@example.com"}`)}, wantField: "email"},
		{name: "control character beside UTF-8", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"billAddrCity":"Zürich","billAddrLine1":"a\u0000b"}`)}, wantField: "billAddrLine1"},
		{name: "DEL", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"email":"a\u007f@example.com"}`)}, wantField: "email"},
		{name: "C1 control", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"billAddrCity":"Z\u0085rich"}`)}, wantField: "billAddrCity"},
		{name: "nested element", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctInfo":{"chAccAgeInd":"01","chAccDate":"2026\u0002"}}`)}, wantField: "acctInfo.chAccDate"},
		{name: "element after a nested object", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctInfo":{"chAccAgeInd":"01"},"billAddrCity":"Köln\u0003"}`)}, wantField: "billAddrCity"},
		{name: "array element", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acceptLanguage":["en-US","fr-\u0004"]}`)}, wantField: "acceptLanguage"},
		{name: "element after an array", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acceptLanguage":["en-US"],"purchaseAmount":1,"shipAddrCity":"Málaga\u0005"}`)}, wantField: "shipAddrCity"},
		{name: "object inside an array", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"messageExtension":[{"name":"a","data":{"x":"\u0006"}}]}`)}, wantField: "messageExtension.data"}, // an extension's own keys are client text: cut there
		// encoding/json (Go clients) escapes & < > as \u0026 \u003c \u003e: ASCII, and must pass.
		{name: "escaped ASCII is fine", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"email":"\u0061@example.com"}`)}, want: `{"email":"\u0061@example.com"}`},
		{name: "Go-escaped ampersand in a URL", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"notificationURL":"https://shop.example.com/3ds?a=1\u0026b=2"}`)}, want: `{"notificationURL":"https://shop.example.com/3ds?a=1\u0026b=2"}`},
		{name: "top-level string", mods: []func(*events.APIGatewayProxyRequest){withBody(`"\u0007"`)}, wantField: "body"},
		// The client's own member names are never copied into errorDetail or the log.
		{name: "unknown member named after a card", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"4000000000001000":"\u0001"}`)}, wantField: apigw.UnknownElement},
		{name: "unknown member inside a known object", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"acctInfo":{"4000000000001000x":"\u0001"}}`)}, wantField: "acctInfo"},
		{name: "known member in another case is named in the spec's", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"CARDHOLDERNAME":"Jos\u0001"}`)}, wantField: "cardholderName"},
		{name: "control character in a member name", mods: []func(*events.APIGatewayProxyRequest){withBody(`{"Jos\u0001":"x"}`)}, wantField: apigw.UnknownElement},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := apigw.JSONBody(event(t, tc.mods...))
			switch {
			case tc.wantField != "":
				var na *apigw.BadTextError
				require.ErrorAs(t, err, &na)
				require.Equal(t, tc.wantField, na.Field)
				for _, v := range []string{"José", "Jos", "Köln", "4000000000001000", "2026", "Málaga"} {
					require.NotContains(t, err.Error(), v, "never the value")
				}
				status, erro := apigw.Status(err, apigw.About{})
				require.Equal(t, 400, status)
				require.Equal(t, emv3ds.ErrorCodeInvalidFormat, erro.ErrorCode)
				require.Equal(t, tc.wantField, erro.ErrorDetail)
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.want, string(got))
			}
		})
	}
}

func TestForm(t *testing.T) {
	t.Parallel()
	form := func(body string, b64 bool, ct string) events.APIGatewayProxyRequest {
		return event(t, withHeader("Content-Type", ct), func(ev *events.APIGatewayProxyRequest) {
			ev.Body, ev.IsBase64Encoded = body, b64
			if b64 {
				ev.Body = base64.StdEncoding.EncodeToString([]byte(body))
			}
		})
	}
	vals, err := apigw.Form(form("cres=eyJhIjoiYiJ9&threeDSSessionData=abc.def", false, "application/x-www-form-urlencoded"))
	require.NoError(t, err)
	require.Equal(t, "eyJhIjoiYiJ9", vals.Get("cres"))
	require.Equal(t, "abc.def", vals.Get("threeDSSessionData"))

	vals, err = apigw.Form(form("threeDSMethodData=eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6IjEifQ%3D%3D", true, "application/x-www-form-urlencoded; charset=UTF-8"))
	require.NoError(t, err)
	require.Equal(t, "eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6IjEifQ==", vals.Get("threeDSMethodData"))

	_, err = apigw.Form(form("cres=x", false, "application/json"))
	require.ErrorIs(t, err, apigw.ErrUnsupportedMedia)
	_, err = apigw.Form(form("cres=%zz", false, "application/x-www-form-urlencoded"))
	require.ErrorIs(t, err, apigw.ErrMalformedBody)
	_, err = apigw.Form(form("", false, "application/x-www-form-urlencoded"))
	require.ErrorIs(t, err, apigw.ErrEmptyBody)
	_, err = apigw.Form(form("cres=ok&threeDSSessionData=caf%C3%A9", false, "application/x-www-form-urlencoded"))
	var na *apigw.BadTextError
	require.ErrorAs(t, err, &na)
	require.Equal(t, "threeDSSessionData", na.Field)
	require.NotContains(t, err.Error(), "caf")
	_, err = apigw.Form(form("cres=ok&4000000000001000=caf%C3%A9", false, "application/x-www-form-urlencoded"))
	require.ErrorAs(t, err, &na)
	require.Equal(t, apigw.UnknownElement, na.Field, "an invented form field is not named")
	require.NotContains(t, err.Error(), "4000000000001000")
}

func TestHeader(t *testing.T) {
	t.Parallel()
	ev := event(t)
	require.Equal(t, "application/json; charset=utf-8", apigw.Header(ev, "Content-Type"), "fixture sends content-type in lower case")
	require.Equal(t, "order-1718-attempt-1", apigw.Header(ev, "idempotency-key"))
	require.Equal(t, "order-1718-attempt-1", apigw.Header(ev, "IDEMPOTENCY-KEY"))
	require.Empty(t, apigw.Header(ev, "X-Missing"))

	// Only the multi-value map (a test harness or another integration).
	ev.Headers = nil
	require.Equal(t, "Bearer o3ds_test_key_not_real", apigw.Header(ev, "authorization"))
	ev.MultiValueHeaders = map[string][]string{"apikey": {}}
	require.Empty(t, apigw.Header(ev, "APIKey"))
}

func TestMerchantID(t *testing.T) {
	t.Parallel()
	id, err := apigw.MerchantID(event(t))
	require.NoError(t, err)
	require.Equal(t, "merchant-a", id)

	for name, auth := range map[string]map[string]any{
		"no authorizer context": nil,
		"empty merchant":        {"merchantId": ""},
		"not a string":          {"merchantId": 42},
		"other key only":        {"principalId": "merchant-a"},
	} {
		_, err := apigw.MerchantID(event(t, func(ev *events.APIGatewayProxyRequest) { ev.RequestContext.Authorizer = auth }))
		require.ErrorIs(t, err, apigw.ErrUnauthenticated, name)
	}
}

func TestBaseURL(t *testing.T) {
	t.Parallel()
	require.Equal(t, "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod", apigw.BaseURL(event(t)))
	require.Equal(t, "https://3ds.shop.example.com", apigw.BaseURL(event(t, withHeader("Host", "3ds.shop.example.com"))),
		"a custom domain maps the stage itself")
	require.Equal(t, "http://localhost:3000", apigw.BaseURL(event(t, withHeader("Host", "localhost:3000"), withHeader("X-Forwarded-Proto", "http"))))
	require.Equal(t, "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/prod", apigw.BaseURL(event(t, withHeader("Host", ""))),
		"requestContext.domainName when no Host header")
	require.Empty(t, apigw.BaseURL(event(t, withHeader("Host", ""), func(ev *events.APIGatewayProxyRequest) { ev.RequestContext.DomainName = "" })))
}

func TestDecodeFields(t *testing.T) {
	t.Parallel()
	type req struct {
		ThreeDSServerTransID string `json:"threeDSServerTransID"`
		Nested               struct {
			Count int `json:"count"`
		} `json:"nested"`
	}
	tests := []struct {
		name      string
		body      string
		want      req
		wantField string
		wantCode  emv3ds.ErrorCode // default 203
		wantErr   error
	}{
		{name: "exact names", body: `{"threeDSServerTransID":"abc"}`, want: req{ThreeDSServerTransID: "abc"}},
		{name: "mangled case (Hyperswitch)", body: `{"threeDsserverTransId":"abc","unknown":1}`, want: req{ThreeDSServerTransID: "abc"}},
		{name: "null is absent", body: `{"threeDSServerTransID":null}`, want: req{}},
		{name: "number for a string is its text", body: `{"threeDSServerTransID":5}`, want: req{ThreeDSServerTransID: "5"}},
		{name: "empty string is absent", body: `{"threeDSServerTransID":""}`, want: req{}},
		{name: "duplicate element", body: `{"threeDSServerTransID":"a","threeDsserverTransId":"b"}`, wantField: "threeDSServerTransID", wantCode: emv3ds.ErrorCodeDuplicateElement},
		{name: "nested duplicate", body: `{"nested":{"count":1,"COUNT":2}}`, wantField: "nested.count", wantCode: emv3ds.ErrorCodeDuplicateElement},
		{name: "object for a string", body: `{"threeDSServerTransID":{"a":"4000000000001000"}}`, wantField: "threeDSServerTransID"},
		{name: "nested type error", body: `{"nested":{"count":"x"}}`, wantField: "nested.count"},
		{name: "array for the object", body: `[1,2]`, wantErr: apigw.ErrMalformedBody},
		{name: "truncated", body: `{"threeDSServerTransID":`, wantErr: apigw.ErrMalformedBody},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got req
			err := apigw.DecodeFields([]byte(tc.body), &got)
			switch {
			case tc.wantField != "":
				var verr *emv3ds.ValidationError
				require.ErrorAs(t, err, &verr)
				code := tc.wantCode
				if code == "" {
					code = emv3ds.ErrorCodeInvalidFormat
				}
				require.Equal(t, code, verr.Code())
				require.Equal(t, tc.wantField, verr.Detail())
				require.NotContains(t, err.Error(), "4000000000001000")
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
			default:
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestResponses(t *testing.T) {
	t.Parallel()
	r := apigw.JSON(200, map[string]string{"a": "b"})
	require.Equal(t, 200, r.StatusCode)
	require.JSONEq(t, `{"a":"b"}`, r.Body)
	require.Equal(t, "application/json; charset=utf-8", r.Headers["Content-Type"])
	require.Equal(t, "no-store", r.Headers["Cache-Control"])
	r.Headers["X"] = "y"
	require.NotContains(t, apigw.JSON(200, nil).Headers, "X", "headers are not shared between responses")

	bad := apigw.JSON(200, map[string]any{"c": make(chan int)})
	require.Equal(t, 500, bad.StatusCode)
	var erro map[string]any
	require.NoError(t, json.Unmarshal([]byte(bad.Body), &erro))
	require.Equal(t, "Erro", erro["messageType"])

	h := apigw.HTML(200, "<p>x</p>")
	require.Equal(t, "text/html; charset=utf-8", h.Headers["Content-Type"])
	require.Equal(t, "no-store", h.Headers["Cache-Control"])
	require.NotContains(t, h.Headers, "X-Frame-Options", "the pages run in the merchant's iframe")
}
