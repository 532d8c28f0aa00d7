package lambdalocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// authorizerResponse is the REST authorizer's answer
// (events.APIGatewayCustomAuthorizerResponse), read leniently: IAM allows
// Action and Resource as a string or a list.
type authorizerResponse struct {
	PrincipalID    string `json:"principalId"`
	PolicyDocument struct {
		Statement []struct {
			Action   stringList `json:"Action"`
			Effect   string     `json:"Effect"`
			Resource stringList `json:"Resource"`
		} `json:"Statement"`
	} `json:"policyDocument"`
	Context map[string]any `json:"context"`
}

type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*l = []string{s}
		return nil
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err != nil {
		return err
	}
	*l = ss
	return nil
}

// authorize runs the route's REQUEST authorizer (or its cached policy). It
// writes the gateway response and returns denied=true when the request must
// not reach the integration; otherwise it returns requestContext.authorizer.
func (g *Gateway) authorize(ctx context.Context, w http.ResponseWriter, r *http.Request, route *gwRoute, ev *events.APIGatewayProxyRequest, reqID string) (map[string]any, bool) {
	az, api := route.authz, route.api.spec
	// Every identity source must be present and non-empty, or API Gateway
	// answers 401 without calling the authorizer.
	var identity []string
	for _, h := range az.Headers {
		identity = append(identity, r.Header.Get(h))
	}
	for _, q := range az.QueryStrings {
		identity = append(identity, r.URL.Query().Get(q))
	}
	for range az.StageVariables {
		identity = append(identity, "") // no stage variables locally
	}
	for _, v := range identity {
		if v == "" {
			g.gatewayResponse(w, api, "UNAUTHORIZED", "Unauthorized", reqID)
			return nil, true
		}
	}
	methodArn := fmt.Sprintf("arn:aws:execute-api:%s:%s:%s/%s/%s/%s", g.cfg.Region, LocalAccountID, route.api.id, api.StageName, r.Method, strings.TrimPrefix(r.URL.Path, "/"))

	cacheKey := ""
	var resp authorizerResponse
	cached := false
	if az.TTL > 0 {
		cacheKey = route.api.id + "\x00" + az.Name + "\x00" + strings.Join(identity, "\x00")
		g.mu.Lock()
		c, ok := g.cache[cacheKey]
		g.mu.Unlock()
		if ok && g.cfg.Now().Before(c.expires) {
			resp, cached = c.resp, true
			g.authzCached.Add(1)
		}
	}
	if !cached {
		g.authzInvoked.Add(1)
		g.countInvocation(route.authz.Function)
		event := events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:                            "REQUEST",
			MethodArn:                       methodArn,
			Resource:                        ev.Resource,
			Path:                            ev.Path,
			HTTPMethod:                      ev.HTTPMethod,
			Headers:                         ev.Headers,
			MultiValueHeaders:               ev.MultiValueHeaders,
			QueryStringParameters:           ev.QueryStringParameters,
			MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
			PathParameters:                  ev.PathParameters,
			StageVariables:                  ev.StageVariables,
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path:         ev.RequestContext.Path,
				AccountID:    ev.RequestContext.AccountID,
				ResourceID:   ev.RequestContext.ResourceID,
				Stage:        ev.RequestContext.Stage,
				RequestID:    ev.RequestContext.RequestID,
				Identity:     events.APIGatewayCustomAuthorizerRequestTypeRequestIdentity{SourceIP: ev.RequestContext.Identity.SourceIP},
				ResourcePath: ev.RequestContext.ResourcePath,
				HTTPMethod:   ev.RequestContext.HTTPMethod,
				APIID:        ev.RequestContext.APIID,
			},
		}
		payload, err := json.Marshal(event)
		if err != nil {
			g.gatewayResponse(w, api, "AUTHORIZER_FAILURE", "Internal server error", reqID)
			return nil, true
		}
		res, err := route.authzFn.Invoke(ctx, payload)
		var fe *FunctionError
		switch {
		case errors.As(err, &fe) && fe.Message == "Unauthorized":
			g.gatewayResponse(w, api, "UNAUTHORIZED", "Unauthorized", reqID)
			return nil, true
		case err != nil && ctx.Err() != nil:
			g.gatewayResponse(w, api, "INTEGRATION_TIMEOUT", "Endpoint request timed out", reqID)
			return nil, true
		case err != nil:
			g.cfg.Logger.Warn("authorizer failed", "requestId", reqID, "function", az.Function, "error", err.Error())
			g.gatewayResponse(w, api, "AUTHORIZER_FAILURE", "Internal server error", reqID)
			return nil, true
		}
		if err := json.Unmarshal(res.Payload, &resp); err != nil || resp.PrincipalID == "" || len(resp.PolicyDocument.Statement) == 0 {
			g.cfg.Logger.Warn("authorizer answered an invalid response", "requestId", reqID, "function", az.Function)
			g.gatewayResponse(w, api, "AUTHORIZER_CONFIGURATION_ERROR", "Internal server error", reqID)
			return nil, true
		}
		if cacheKey != "" {
			g.mu.Lock()
			g.cache[cacheKey] = cachedPolicy{resp: resp, expires: g.cfg.Now().Add(az.TTL)}
			g.mu.Unlock()
		}
	}

	// The (possibly cached) policy is evaluated against this request's
	// method ARN, as API Gateway does.
	if !policyAllows(resp, methodArn) {
		g.gatewayResponse(w, api, "ACCESS_DENIED", "User is not authorized to access this resource with an explicit deny", reqID)
		return nil, true
	}
	out := map[string]any{"principalId": resp.PrincipalID, "integrationLatency": 0}
	for k, v := range resp.Context {
		// REST API passes context values to the integration as strings;
		// objects and arrays are rejected.
		switch x := v.(type) {
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			g.cfg.Logger.Warn("authorizer context value is not a string, number or boolean", "requestId", reqID, "key", k)
			g.gatewayResponse(w, api, "AUTHORIZER_CONFIGURATION_ERROR", "Internal server error", reqID)
			return nil, true
		}
	}
	return out, false
}

// policyAllows: an explicit Deny matching the method ARN wins, otherwise a
// matching Allow is needed.
func policyAllows(resp authorizerResponse, methodArn string) bool {
	allowed := false
	for _, st := range resp.PolicyDocument.Statement {
		if !anyMatch(st.Action, "execute-api:Invoke") || !anyMatch(st.Resource, methodArn) {
			continue
		}
		switch strings.ToLower(st.Effect) {
		case "deny":
			return false
		case "allow":
			allowed = true
		}
	}
	return allowed
}

func anyMatch(patterns []string, s string) bool {
	for _, p := range patterns {
		// IAM's * spans slashes; path.Match's does not, so hide them.
		if ok, err := path.Match(strings.ReplaceAll(strings.ToLower(p), "/", "\x00"), strings.ReplaceAll(strings.ToLower(s), "/", "\x00")); err == nil && ok {
			return true
		}
	}
	return false
}
