package apigw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/threeds"
)

// CredentialChecker resolves a credential's material of a kind to its
// merchant (threeds.KeyService: one hashed lookup through the APIKeyCache, a
// constant-time comparison, revoked keys refused). An unknown, revoked or
// foreign-kind credential is threeds.ErrInvalidAPIKey.
type CredentialChecker interface {
	AuthorizeCredential(ctx context.Context, kind, material string, hash threeds.APIKeyHasher) (string, error)
}

// CredentialGuard checks a merchant request's credential inside the flow
// function, before its route runs (Router.WithGuard). It replaced the API
// Gateway REQUEST authorizer (one Lambda invocation per merchant request)
// with the same rules and guarantees:
//
//   - the route's CredentialRule (RuleFor, by the route's template path)
//     names the credential's kind and material: the native key from
//     `Authorization: Bearer` or `APIKey`, HTTP Basic (Juspay, Worldpay),
//     the UAS path token;
//   - the material is hashed and looked up through the checker (the
//     APIKeyCache of API_KEY_CACHE_TTL, then the store), compared in
//     constant time; a revoked key is refused;
//   - a refused credential is logged by its keyed fingerprint only;
//   - the merchant goes where the handlers read it (RequestContext.Authorizer
//     [AuthorizerMerchantKey], with AuthorizerDialectKey), so the dialect
//     handlers are unchanged.
//
// Trust: whatever authorizer context the request arrived with is dropped
// first, on every route of a guarded router, so only this check ever puts a
// merchant there (template.yaml attaches no API Gateway authorizer to these
// routes; were one attached again, its answer would still be ignored).
type CredentialGuard struct {
	Rules []CredentialRule
	Keys  CredentialChecker
	Hash  threeds.APIKeyHasher
	Log   *slog.Logger
	// Fingerprint names a rejected credential in the log (vault.Vault.
	// Fingerprint): a short keyed hash, never a part of it. Nil: unnamed.
	Fingerprint func(string) string
}

// check authorizes ev for the route at path. It returns the request with the
// authorizer context the handlers read, or the answer to send instead
// (refused is true).
func (g *CredentialGuard) check(ctx context.Context, path string, errs Renderer, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyRequest, Response, bool) {
	ev.RequestContext.Authorizer = nil // never trust a context from outside
	rule, ok := RuleFor(g.Rules, path, path)
	if !ok {
		return ev, Response{}, false // a route without a credential rule (Cardinal's JWTs, callbacks)
	}
	req := authorizerRequest(ev)
	rule = rule.For(req) // a rule's alternate credential, when the request carries it
	refuse := func(reason string, attrs ...any) (events.APIGatewayProxyRequest, Response, bool) {
		g.Log.WarnContext(ctx, "authorization rejected", append([]any{slog.String("reason", reason), slog.String("dialect", rule.Dialect)}, attrs...)...)
		if rule.GatewayRejects {
			return ev, Unauthorized(ev.RequestContext.RequestID), true
		}
		// The handler answers 401 in the dialect's own shape (MerchantID
		// fails with ErrUnauthenticated).
		ev.RequestContext.Authorizer = map[string]any{AuthorizerDialectKey: rule.Dialect}
		return ev, Response{}, false
	}
	material, err := rule.Material(req)
	if err != nil {
		reason := "no credential"
		switch {
		case errors.Is(err, ErrConflictingCredentials):
			reason = "credential headers disagree"
		case errors.Is(err, ErrMalformedBasic):
			reason = "malformed Basic credential"
		}
		return refuse(reason)
	}
	merchantID, err := g.Keys.AuthorizeCredential(ctx, rule.Kind, material, g.Hash)
	if errors.Is(err, threeds.ErrInvalidAPIKey) {
		return refuse("invalid credential", slog.String("keyFingerprint", g.fingerprint(material)))
	}
	if err != nil {
		// A store failure is never an Allow: a 500 in the route's shape.
		if errs == nil {
			errs = ErroJSON{}
		}
		return ev, Error(ctx, g.Log, errs, fmt.Errorf("authorization failed: %w", err), About{}), true
	}
	ev.RequestContext.Authorizer = map[string]any{AuthorizerMerchantKey: merchantID, AuthorizerDialectKey: rule.Dialect}
	return ev, Response{}, false
}

func (g *CredentialGuard) fingerprint(material string) string {
	if g.Fingerprint == nil {
		return ""
	}
	return g.Fingerprint(material)
}

// authorizerRequest is the part of the proxy event the credential rules read
// (they were written for the REQUEST authorizer's event).
func authorizerRequest(ev events.APIGatewayProxyRequest) events.APIGatewayCustomAuthorizerRequestTypeRequest {
	return events.APIGatewayCustomAuthorizerRequestTypeRequest{
		Type:              "REQUEST",
		Resource:          ev.Resource,
		Path:              ev.Path,
		HTTPMethod:        ev.HTTPMethod,
		Headers:           ev.Headers,
		MultiValueHeaders: ev.MultiValueHeaders,
		PathParameters:    ev.PathParameters,
	}
}

// unauthorizedBody is the native API's 401: the body API Gateway's
// UNAUTHORIZED gateway response answered when the authorizer refused a key
// (an EMV Erro, 303 Access denied, that also carries error and message for
// plain JSON clients). Field order is the wire order.
type unauthorizedBody struct {
	MessageType      string `json:"messageType"`
	MessageVersion   string `json:"messageVersion"`
	ErrorCode        string `json:"errorCode"`
	ErrorComponent   string `json:"errorComponent"`
	ErrorDescription string `json:"errorDescription"`
	ErrorDetail      string `json:"errorDetail"`
	Error            string `json:"error"`
	Message          string `json:"message"`
	RequestID        string `json:"requestId"`
}

// Unauthorized is the 401 of a rule that rejects before the handler
// (GatewayRejects: the native API), with WWW-Authenticate: Bearer, naming
// the request by its API Gateway request ID (openapi.yaml's
// GatewayUnauthorized example).
func Unauthorized(requestID string) Response {
	body, _ := json.Marshal(unauthorizedBody{
		MessageType: "Erro", MessageVersion: "2.2.0", ErrorCode: "303", ErrorComponent: "S",
		ErrorDescription: "Access denied: missing or invalid API key", ErrorDetail: "Authorization",
		Error: "unauthorized", Message: "missing or invalid API key (Authorization: Bearer <key> or APIKey: <key>)",
		RequestID: requestID,
	})
	h := cloneHeaders(jsonHeaders)
	h["WWW-Authenticate"] = "Bearer"
	return Response{StatusCode: http.StatusUnauthorized, Headers: h, Body: string(body)}
}
