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
	// fingerprint names a rejected key in the log (vault.Vault.Fingerprint):
	// a short keyed hash, never a part of the key.
	fingerprint func(string) string
}

// Handle checks the key from `Authorization: Bearer <key>` or `APIKey: <key>`
// (header names in any case; apigw.ExtractCredential). No key, credential
// headers that disagree, or an unknown or revoked key is 401; a store
// failure is an authorizer error (API Gateway answers 500), never an Allow.
func (h handler) Handle(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	cred, err := apigw.ExtractCredential(ev.Headers, ev.MultiValueHeaders, apigw.APIKeySources)
	if err != nil {
		reason := "no API key"
		if errors.Is(err, apigw.ErrConflictingCredentials) {
			reason = "credential headers disagree"
		}
		h.log.WarnContext(ctx, "authorization rejected", slog.String("reason", reason))
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	key := cred.Value
	merchantID, err := h.svc.AuthorizeAPIKey(ctx, key, vault.HashAPIKey)
	if errors.Is(err, threeds.ErrInvalidAPIKey) {
		h.log.WarnContext(ctx, "authorization rejected", slog.String("reason", "invalid API key"), slog.String("keyFingerprint", h.keyFingerprint(key)))
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	if err != nil {
		h.log.ErrorContext(ctx, "authorization failed", slog.String("error", err.Error()))
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("authorizer unavailable")
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: merchantID,
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{apiWildcard(ev.MethodArn)},
			}},
		},
		Context: map[string]any{apigw.AuthorizerMerchantKey: merchantID},
	}, nil
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
