package apigw

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// Step is a flow step; each step is one Lambda function that serves the
// routes of every dialect for that step.
type Step string

// The flow steps.
const (
	StepPreauth  Step = "preauth"
	StepAuth     Step = "auth"
	StepPostauth Step = "postauth"
	StepCallback Step = "callback" // browser callbacks and /ds/results
)

// HandlerFunc answers one API Gateway request. It never fails: errors are
// answered in the dialect's shape.
type HandlerFunc func(ctx context.Context, ev events.APIGatewayProxyRequest) Response

// Route is one path a dialect (or the shared callbacks) serves for a step.
type Route struct {
	Method  string // http.MethodPost …
	Path    string // the template's path, e.g. /preauth
	Step    Step
	Dialect string // e.g. "emvjson"; empty for the dialect-neutral callbacks
	Handle  HandlerFunc
	// Errors renders what the router itself answers for this route (a
	// wrong method).
	Errors Renderer
}

// Router sends each request to the route of its path: API Gateway's
// resource (the template path) when set, else the request path (a stage or
// base-path prefix is allowed before it).
type Router struct {
	log      *slog.Logger
	fallback Renderer
	routes   []Route
	guard    *CredentialGuard
}

// NewRouter routes the given routes (every dialect's, for one step). An
// unknown path is answered 404 in the fallback's shape.
func NewRouter(log *slog.Logger, fallback Renderer, routes ...[]Route) *Router {
	r := &Router{log: log, fallback: fallback}
	for _, rs := range routes {
		r.routes = append(r.routes, rs...)
	}
	return r
}

// WithGuard checks every request's credential before its route runs
// (CredentialGuard): the flow functions' production wiring. Without a guard
// the router passes the authorizer context as it came (handler tests).
func (r *Router) WithGuard(g *CredentialGuard) *Router {
	r.guard = g
	return r
}

// Routes lists what the router serves.
func (r *Router) Routes() []Route { return append([]Route(nil), r.routes...) }

// Handle is the Lambda handler.
func (r *Router) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	rt, ok := r.match(ev)
	if !ok {
		return Error(ctx, r.log, r.fallback, ErrRouteNotFound, About{}), nil
	}
	errs := rt.Errors
	if errs == nil {
		errs = r.fallback
	}
	if r.guard != nil {
		// Before the method check, as API Gateway's authorizer ran before
		// the function: a refused native key is 401 whatever the method.
		var (
			resp    Response
			refused bool
		)
		if ev, resp, refused = r.guard.check(ctx, rt.Path, errs, ev); refused {
			return resp, nil
		}
	}
	if rt.Method != "" && ev.HTTPMethod != "" && !strings.EqualFold(rt.Method, ev.HTTPMethod) {
		return Error(ctx, r.log, errs, ErrMethodNotAllowed, About{}), nil
	}
	return rt.Handle(ctx, ev), nil
}

func (r *Router) match(ev events.APIGatewayProxyRequest) (Route, bool) {
	if ev.Resource != "" {
		for _, rt := range r.routes {
			if rt.Path == ev.Resource {
				return rt, true
			}
		}
	}
	for _, rt := range r.routes {
		if ev.Path == rt.Path || strings.HasSuffix(ev.Path, rt.Path) {
			return rt, true
		}
	}
	return Route{}, false
}

// Post is a POST route.
func Post(step Step, dialect, path string, errs Renderer, h HandlerFunc) Route {
	return Route{Method: http.MethodPost, Path: path, Step: step, Dialect: dialect, Handle: h, Errors: errs}
}
