package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// errUnauthorized is the exact error text API Gateway turns into a 401.
var errUnauthorized = errors.New("Unauthorized")

type handler struct {
	svc *threeds.KeyService
	log *slog.Logger
	// rules are the dialects' credential rules (one per dialect, by path).
	rules []apigw.CredentialRule
	// fingerprint names a rejected key in the log (vault.Vault.Fingerprint):
	// a short keyed hash, never a part of the key.
	fingerprint func(string) string
}

// Handle authenticates a merchant request by the credential rule of the
// dialect whose route it is (apigw.RuleFor): the native API key from
// `Authorization: Bearer <key>` or `APIKey: <key>` (apigw.ExtractCredential),
// HTTP Basic, a path token… The rule's material is hashed and looked up in
// one read. No credential, credential headers that disagree, or an unknown or
// revoked one is 401: API Gateway's for rules that reject in the gateway
// (the native Erro), else the request goes on without a merchant and the
// dialect's handler answers 401 in its own shape. A store failure is an
// authorizer error (API Gateway answers 500), never an Allow.
func (h handler) Handle(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	rule, ok := apigw.RuleFor(h.rules, ev.Resource, ev.Path)
	if !ok {
		h.log.WarnContext(ctx, "authorization rejected", slog.String("reason", "no credential rule for the route"))
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	rule = rule.For(ev) // a rule's alternate credential, when the request carries it
	refuse := func(reason string, attrs ...any) (events.APIGatewayCustomAuthorizerResponse, error) {
		h.log.WarnContext(ctx, "authorization rejected", append([]any{slog.String("reason", reason), slog.String("dialect", rule.Dialect)}, attrs...)...)
		if rule.GatewayRejects {
			return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
		}
		return allow(ev, "anonymous", map[string]any{apigw.AuthorizerDialectKey: rule.Dialect}), nil
	}
	material, err := rule.Material(ev)
	if err != nil {
		reason := "no credential"
		switch {
		case errors.Is(err, apigw.ErrConflictingCredentials):
			reason = "credential headers disagree"
		case errors.Is(err, apigw.ErrMalformedBasic):
			reason = "malformed Basic credential"
		}
		return refuse(reason)
	}
	merchantID, err := h.svc.AuthorizeCredential(ctx, rule.Kind, material, vault.HashAPIKey)
	if errors.Is(err, threeds.ErrInvalidAPIKey) {
		return refuse("invalid credential", slog.String("keyFingerprint", h.keyFingerprint(material)))
	}
	if err != nil {
		h.log.ErrorContext(ctx, "authorization failed", slog.String("error", err.Error()))
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("authorizer unavailable")
	}
	return allow(ev, merchantID, map[string]any{apigw.AuthorizerMerchantKey: merchantID, apigw.AuthorizerDialectKey: rule.Dialect}), nil
}

// allow is the Allow policy for the stage with the given context.
func allow(ev events.APIGatewayCustomAuthorizerRequestTypeRequest, principal string, context map[string]any) events.APIGatewayCustomAuthorizerResponse {
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: principal,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{apiWildcard(ev.MethodArn)},
			}},
		},
		Context: context,
	}
}

// keyFingerprint is the log name of a rejected key; without a fingerprint
// function the key is not named at all.
func (h handler) keyFingerprint(key string) string {
	if h.fingerprint == nil {
		return ""
	}
	return h.fingerprint(key)
}

// apiWildcard widens the method ARN to every method and route of the stage,
// so a cached policy (when caching is on) serves all the merchant routes.
func apiWildcard(methodArn string) string {
	parts := strings.SplitN(methodArn, "/", 3)
	if len(parts) < 2 {
		return methodArn
	}
	return parts[0] + "/" + parts[1] + "/*"
}
