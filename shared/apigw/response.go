package apigw

import (
	"encoding/json"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
)

// Response is what every handler returns to API Gateway.
type Response = events.APIGatewayProxyResponse

var jsonHeaders = map[string]string{
	"Content-Type":           "application/json; charset=utf-8",
	"Cache-Control":          "no-store",
	"X-Content-Type-Options": "nosniff",
}

// JSON answers v as JSON with the given status. A value that cannot be encoded
// is a programming error; it answers a generic 500 rather than a partial body.
func JSON(status int, v any) Response {
	body, err := json.Marshal(v)
	if err != nil {
		return Response{StatusCode: http.StatusInternalServerError, Headers: cloneHeaders(jsonHeaders),
			Body: `{"messageType":"Erro","errorCode":"403","errorComponent":"S","errorDescription":"Transient system failure"}`}
	}
	return Response{StatusCode: status, Headers: cloneHeaders(jsonHeaders), Body: string(body)}
}

// RawJSON answers an already encoded JSON body (a stored idempotent answer).
func RawJSON(status int, body []byte) Response {
	return Response{StatusCode: status, Headers: cloneHeaders(jsonHeaders), Body: string(body)}
}

// HTML answers a page for the cardholder's browser. The page is framed by the
// merchant's checkout (the challenge iframe), so no frame-blocking header; it
// is never cached because it carries a transaction's outcome.
func HTML(status int, body string) Response {
	return Response{StatusCode: status, Headers: map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
	}, Body: body}
}

func cloneHeaders(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}
