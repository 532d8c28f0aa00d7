package lambdalocal

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// API Gateway's limits that the local gateway enforces too.
const (
	MaxPayloadBytes           = 10 << 20
	DefaultIntegrationTimeout = 29 * time.Second
)

// GatewayConfig configures a Gateway.
type GatewayConfig struct {
	Template *Template
	// Functions invokes each function by logical ID; every function a route
	// or authorizer names must be present.
	Functions map[string]Invoker
	Region    string // default us-east-1
	// IntegrationTimeout bounds each integration call; default 29 s.
	IntegrationTimeout time.Duration
	Logger             *slog.Logger // default slog.Default()
	Now                func() time.Time
}

// Gateway is a local API Gateway (REST API, payload version 1.0) for the
// routes of a template: it authorizes, builds the proxy event, invokes the
// function and maps its response back to HTTP.
type Gateway struct {
	cfg      GatewayConfig
	routes   []*gwRoute
	fallback *gwAPI // whose gateway responses answer unmatched requests

	mu    sync.Mutex
	cache map[string]cachedPolicy

	// authorizer invocations and cached answers (AuthorizerStats).
	authzInvoked, authzCached atomic.Int64
	// invoked counts the Lambda invocations the gateway made, by function
	// logical ID (Invocations).
	invoked sync.Map // string → *atomic.Int64
}

// Invocations returns the Lambda invocations the gateway made so far, by
// function logical ID: one per request a route's function answered, and the
// authorizers' own (what ran, not what was requested; a request the
// gateway answered itself invokes nothing).
func (g *Gateway) Invocations() map[string]int64 {
	out := map[string]int64{}
	g.invoked.Range(func(k, v any) bool {
		out[k.(string)] = v.(*atomic.Int64).Load()
		return true
	})
	return out
}

func (g *Gateway) countInvocation(function string) {
	c, _ := g.invoked.LoadOrStore(function, &atomic.Int64{})
	c.(*atomic.Int64).Add(1)
}

// AuthorizerStats counts the authorizer's work since the gateway started:
// Invoked is Lambda invocations of an authorizer function, Cached the
// requests answered from the authorizer result cache (ReauthorizeEvery and
// identity sources, as API Gateway caches). Metering reads Invoked.
type AuthorizerStats struct {
	Invoked, Cached int64
}

// AuthorizerStats returns the counts so far.
func (g *Gateway) AuthorizerStats() AuthorizerStats {
	return AuthorizerStats{Invoked: g.authzInvoked.Load(), Cached: g.authzCached.Load()}
}

type gwAPI struct {
	spec *APISpec
	id   string // the local "rest API id"
}

type gwRoute struct {
	Route
	api      *gwAPI
	segments []string
	fn       Invoker
	authz    *AuthorizerSpec
	authzFn  Invoker
	resID    string
}

type cachedPolicy struct {
	resp    authorizerResponse
	expires time.Time
}

// NewGateway checks that every route's function and authorizer exist and
// builds the route table.
func NewGateway(cfg GatewayConfig) (*Gateway, error) {
	if cfg.Template == nil {
		return nil, errors.New("gateway needs a template")
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.IntegrationTimeout <= 0 {
		cfg.IntegrationTimeout = DefaultIntegrationTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	g := &Gateway{cfg: cfg, cache: map[string]cachedPolicy{}}
	apis := map[string]*gwAPI{}
	ids := make([]string, 0, len(cfg.Template.APIs))
	for id := range cfg.Template.APIs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := &gwAPI{spec: cfg.Template.APIs[id], id: shortID(id, 10)}
		apis[id] = a
		if g.fallback == nil || (g.fallback.spec.DefaultAuthorizer == "" && a.spec.DefaultAuthorizer != "") {
			g.fallback = a
		}
	}
	if g.fallback == nil {
		g.fallback = &gwAPI{spec: &APISpec{LogicalID: ImplicitAPI, StageName: "Prod"}, id: shortID(ImplicitAPI, 10)}
	}
	var errs []error
	seen := map[string]string{}
	for _, r := range cfg.Template.Routes() {
		key := r.Method + " " + r.Path
		if prev, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("route %s is served by both %s and %s (locally every API shares one host)", key, prev, r.Function))
			continue
		}
		seen[key] = r.Function
		gr := &gwRoute{Route: r, api: apis[r.API], segments: splitPath(r.Path), fn: cfg.Functions[r.Function], resID: shortID(r.API+r.Path, 6)}
		if gr.fn == nil {
			errs = append(errs, fmt.Errorf("route %s: function %s is not running", key, r.Function))
		}
		if r.Auth != "" {
			gr.authz = gr.api.spec.Authorizers[r.Auth]
			gr.authzFn = cfg.Functions[gr.authz.Function]
			if gr.authzFn == nil {
				errs = append(errs, fmt.Errorf("route %s: authorizer function %s is not running", key, gr.authz.Function))
			}
		}
		g.routes = append(g.routes, gr)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return g, nil
}

func shortID(s string, n int) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])[:n]
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match finds the route for a request the way API Gateway ranks resources:
// literal segments beat {param}, which beats {proxy+}; an exact method
// beats ANY.
func (g *Gateway) match(method, path string) (*gwRoute, map[string]string) {
	segs := splitPath(path)
	var (
		best       *gwRoute
		bestParams map[string]string
		bestScore  []int
	)
	for _, r := range g.routes {
		if r.Method != method && r.Method != "ANY" {
			continue
		}
		params, score, ok := matchSegments(r.segments, segs)
		if !ok {
			continue
		}
		if r.Method != "ANY" {
			score = append(score, 1)
		} else {
			score = append(score, 0)
		}
		if best == nil || lexGreater(score, bestScore) {
			best, bestParams, bestScore = r, params, score
		}
	}
	return best, bestParams
}

func matchSegments(pattern, segs []string) (map[string]string, []int, bool) {
	var params map[string]string
	score := make([]int, 0, len(pattern))
	for i, p := range pattern {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}") {
			if i >= len(segs) || i != len(pattern)-1 {
				return nil, nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[strings.TrimSuffix(p[1:], "+}")] = strings.Join(segs[i:], "/")
			return params, append(score, 0), true
		}
		if i >= len(segs) {
			return nil, nil, false
		}
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if params == nil {
				params = map[string]string{}
			}
			params[p[1:len(p)-1]] = segs[i]
			score = append(score, 1)
			continue
		}
		if p != segs[i] {
			return nil, nil, false
		}
		score = append(score, 2)
	}
	return params, score, len(pattern) == len(segs)
}

func lexGreater(a, b []int) bool {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return len(a) > len(b)
}

// ServeHTTP serves one request as API Gateway would.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := g.cfg.Now()
	reqID := newRequestID()
	w.Header().Set("X-Amzn-Requestid", reqID)
	rec := &statusRecorder{ResponseWriter: w}
	fields := []any{"method", r.Method, "path", r.URL.Path, "requestId", reqID}
	defer func() {
		g.cfg.Logger.Info("gateway request", append(fields, "status", rec.status, "ms", time.Since(start).Milliseconds())...)
	}()

	route, params := g.match(r.Method, r.URL.Path)
	if route == nil {
		g.gatewayResponse(rec, g.fallback.spec, "MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token", reqID)
		return
	}
	if len(params) > 0 {
		// Log the resource, not the path: a path parameter may be a
		// credential (UAS's capability token), as API Gateway's
		// $context.resourcePath would be logged.
		fields[3] = route.Path
	}
	fields = append(fields, "function", route.Function)
	if r.ContentLength > MaxPayloadBytes {
		g.gatewayResponse(rec, route.api.spec, "REQUEST_TOO_LARGE", "Request Too Long", reqID)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayloadBytes+1))
	if err != nil {
		g.gatewayResponse(rec, route.api.spec, "BAD_REQUEST_BODY", "Invalid request body", reqID)
		return
	}
	if len(body) > MaxPayloadBytes {
		g.gatewayResponse(rec, route.api.spec, "REQUEST_TOO_LARGE", "Request Too Long", reqID)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.IntegrationTimeout)
	defer cancel()
	ev := g.proxyEvent(r, route, params, body, reqID, start)

	if route.authz != nil {
		authCtx, denied := g.authorize(ctx, rec, r, route, &ev, reqID)
		if denied {
			return
		}
		ev.RequestContext.Authorizer = authCtx
	}

	payload, err := json.Marshal(ev)
	if err != nil {
		g.gatewayResponse(rec, route.api.spec, "DEFAULT_5XX", "Internal server error", reqID)
		return
	}
	g.countInvocation(route.Function)
	res, err := route.fn.Invoke(ctx, payload)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			g.gatewayResponse(rec, route.api.spec, "INTEGRATION_TIMEOUT", "Endpoint request timed out", reqID)
			return
		}
		fields = append(fields, "integrationError", err.Error())
		g.lambdaError(rec, route.api.spec, reqID)
		return
	}
	if res.InitDuration > 0 {
		fields = append(fields, "initMs", res.InitDuration.Milliseconds())
	}
	if err := writeProxyResponse(rec, res.Payload); err != nil {
		fields = append(fields, "integrationError", err.Error())
		g.lambdaError(rec, route.api.spec, reqID)
	}
}

// lambdaError is what API Gateway answers when the Lambda integration fails
// (function error, crash, timeout, malformed response): 502.
func (g *Gateway) lambdaError(w http.ResponseWriter, api *APISpec, reqID string) {
	g.respond(w, api, "DEFAULT_5XX", http.StatusBadGateway, "Internal server error", reqID)
}

func (g *Gateway) proxyEvent(r *http.Request, route *gwRoute, params map[string]string, body []byte, reqID string, now time.Time) events.APIGatewayProxyRequest {
	headers, multiHeaders := requestHeaders(r)
	query, multiQuery := queryParams(r.URL.Query())
	ev := events.APIGatewayProxyRequest{
		Resource:                        route.Path,
		Path:                            r.URL.Path,
		HTTPMethod:                      r.Method,
		Headers:                         headers,
		MultiValueHeaders:               multiHeaders,
		QueryStringParameters:           query,
		MultiValueQueryStringParameters: multiQuery,
		PathParameters:                  params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         LocalAccountID,
			ResourceID:        route.resID,
			Stage:             route.api.spec.StageName,
			DomainName:        r.Host,
			DomainPrefix:      strings.SplitN(r.Host, ".", 2)[0],
			RequestID:         reqID,
			ExtendedRequestID: reqID,
			Protocol:          r.Proto,
			Identity:          events.APIGatewayRequestIdentity{SourceIP: sourceIP(r), UserAgent: r.UserAgent()},
			ResourcePath:      route.Path,
			Path:              "/" + route.api.spec.StageName + r.URL.Path,
			HTTPMethod:        r.Method,
			RequestTime:       now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			RequestTimeEpoch:  now.UnixMilli(),
			APIID:             route.api.id,
		},
	}
	if len(body) > 0 {
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body = base64.StdEncoding.EncodeToString(body)
			ev.IsBase64Encoded = true
		}
	}
	return ev
}

// requestHeaders returns the single-value (last value wins) and multi-value
// header maps. Go's server canonicalises header names (content-type arrives
// as Content-Type); API Gateway keeps the client's spelling, so handlers must
// look headers up case-insensitively either way.
func requestHeaders(r *http.Request) (map[string]string, map[string][]string) {
	single := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range r.Header {
		multi[k] = append([]string(nil), vs...)
		single[k] = vs[len(vs)-1]
	}
	add := func(k, v string) {
		single[k] = v
		multi[k] = []string{v}
	}
	add("Host", r.Host)
	add("X-Forwarded-For", sourceIP(r))
	proto, port := "http", "80"
	if r.TLS != nil {
		proto, port = "https", "443"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	add("X-Forwarded-Proto", proto)
	add("X-Forwarded-Port", port)
	return single, multi
}

func queryParams(q url.Values) (map[string]string, map[string][]string) {
	if len(q) == 0 {
		return nil, nil
	}
	single := map[string]string{}
	multi := map[string][]string{}
	for k, vs := range q {
		multi[k] = vs
		single[k] = vs[len(vs)-1]
	}
	return single, multi
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeProxyResponse maps the function's APIGatewayProxyResponse to HTTP.
func writeProxyResponse(w http.ResponseWriter, payload []byte) error {
	var resp struct {
		StatusCode        *int                `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return fmt.Errorf("malformed Lambda proxy response: %w", err)
	}
	if resp.StatusCode == nil || *resp.StatusCode < 100 || *resp.StatusCode > 599 {
		return errors.New("malformed Lambda proxy response: statusCode missing or invalid")
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		b, err := base64.StdEncoding.DecodeString(resp.Body)
		if err != nil {
			return fmt.Errorf("malformed Lambda proxy response: body is not base64: %w", err)
		}
		body = b
	}
	h := w.Header()
	for k, v := range resp.Headers {
		h.Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		h.Del(k)
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(*resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// Default statuses and API Gateway's built-in messages of the gateway
// response types the local gateway produces.
var defaultResponseStatus = map[string]int{
	"MISSING_AUTHENTICATION_TOKEN":   403,
	"UNAUTHORIZED":                   401,
	"ACCESS_DENIED":                  403,
	"AUTHORIZER_FAILURE":             500,
	"AUTHORIZER_CONFIGURATION_ERROR": 500,
	"REQUEST_TOO_LARGE":              413,
	"BAD_REQUEST_BODY":               400,
	"INTEGRATION_TIMEOUT":            504,
	"INTEGRATION_FAILURE":            504,
	"DEFAULT_5XX":                    502,
}

func (g *Gateway) gatewayResponse(w http.ResponseWriter, api *APISpec, typ, msg, reqID string) {
	g.respond(w, api, typ, defaultResponseStatus[typ], msg, reqID)
}

// respond renders a gateway response: the template's own for this type, else
// its DEFAULT_4XX/DEFAULT_5XX, else API Gateway's {"message": …}.
func (g *Gateway) respond(w http.ResponseWriter, api *APISpec, typ string, status int, msg, reqID string) {
	gr, ok := api.GatewayResponses[typ]
	if !ok {
		class := "DEFAULT_4XX"
		if status >= 500 {
			class = "DEFAULT_5XX"
		}
		gr = api.GatewayResponses[class]
	}
	if gr.StatusCode != 0 && api.GatewayResponses[typ].StatusCode != 0 {
		status = gr.StatusCode
	}
	tmpl, ok := gr.Templates["application/json"]
	if !ok {
		tmpl = `{"message":$context.error.messageString}`
	}
	quoted, _ := json.Marshal(msg)
	body := strings.NewReplacer(
		"$context.error.messageString", string(quoted),
		"$context.error.message", msg,
		"$context.error.responseType", typ,
		"$context.requestId", reqID,
	).Replace(tmpl)
	h := w.Header()
	for k, v := range gr.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-Errortype", errorType(typ))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func errorType(typ string) string {
	switch typ {
	case "UNAUTHORIZED":
		return "UnauthorizedException"
	case "ACCESS_DENIED":
		return "AccessDeniedException"
	case "MISSING_AUTHENTICATION_TOKEN":
		return "MissingAuthenticationTokenException"
	case "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR":
		return "AuthorizerConfigurationException"
	}
	return "InternalServerErrorException"
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}
