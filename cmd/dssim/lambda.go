package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/dssim"
)

// lambdaHandler serves an http.Handler for API Gateway REST (v1 payload).
type lambdaHandler struct{ h http.Handler }

func newLambdaHandler(h http.Handler) lambdaHandler { return lambdaHandler{h: h} }

func (l lambdaHandler) handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	req, err := toHTTPRequest(ctx, ev)
	if err != nil {
		return events.APIGatewayProxyResponse{StatusCode: http.StatusBadRequest, Body: `{"error":"request could not be decoded"}`,
			Headers: map[string]string{"Content-Type": "application/json"}}, nil
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	l.h.ServeHTTP(rec, req)
	return rec.response(), nil
}

// toHTTPRequest converts the v1 event. The simulator's base URL is the stage
// URL (https://domain/stage), so the URLs it hands out route back here.
func toHTTPRequest(ctx context.Context, ev events.APIGatewayProxyRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(ev.Body)
		if err != nil {
			return nil, err
		}
		body = b
	}
	q := url.Values{}
	for k, vs := range ev.MultiValueQueryStringParameters {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	if len(ev.MultiValueQueryStringParameters) == 0 {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	u := &url.URL{Path: ev.Path, RawQuery: q.Encode()}
	host := ev.RequestContext.DomainName
	if host == "" {
		host = ev.Headers["Host"]
	}
	if host != "" {
		base := "https://" + host
		if st := ev.RequestContext.Stage; st != "" && !customDomain(ev) {
			base += "/" + st
		}
		ctx = dssim.WithBaseURL(ctx, base)
	}
	req, err := http.NewRequestWithContext(ctx, ev.HTTPMethod, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range ev.MultiValueHeaders {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if len(ev.MultiValueHeaders) == 0 {
		for k, v := range ev.Headers {
			req.Header.Set(k, v)
		}
	}
	req.Host = host
	req.RemoteAddr = ev.RequestContext.Identity.SourceIP + ":0"
	return req, nil
}

// customDomain reports a request through a custom domain name, whose base
// path mapping hides the stage (the execute-api host carries it).
func customDomain(ev events.APIGatewayProxyRequest) bool {
	return !strings.Contains(ev.RequestContext.DomainName, ".execute-api.")
}

// recorder collects the handler's response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}

func (r *recorder) response() events.APIGatewayProxyResponse {
	resp := events.APIGatewayProxyResponse{StatusCode: r.status, MultiValueHeaders: map[string][]string(r.header)}
	if b := r.body.Bytes(); utf8.Valid(b) {
		resp.Body = string(b)
	} else {
		// Injected garbage is not UTF-8; API Gateway decodes it back only
		// when the stage lists the content type as binary.
		resp.Body = base64.StdEncoding.EncodeToString(b)
		resp.IsBase64Encoded = true
	}
	return resp
}
