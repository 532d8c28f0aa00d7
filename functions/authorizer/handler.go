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
}

// Handle checks the key from `Authorization: Bearer <key>` or `APIKey: <key>`
// (header names in any case). An unknown or revoked key is 401; a store
// failure is an authorizer error (API Gateway answers 500), never an Allow.
func (h handler) Handle(ctx context.Context, ev events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	key := apiKey(ev.Headers)
	if key == "" {
		h.log.WarnContext(ctx, "authorization rejected", slog.String("reason", "no API key"))
		return events.APIGatewayCustomAuthorizerResponse{}, errUnauthorized
	}
	merchantID, err := h.svc.AuthorizeAPIKey(ctx, key, vault.HashAPIKey)
	if errors.Is(err, threeds.ErrInvalidAPIKey) {
		h.log.WarnContext(ctx, "authorization rejected", slog.String("reason", "invalid API key"), slog.String("keyPrefix", vault.DisplayPrefix(key)))
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

// apiKey reads the key from the headers, whatever their case.
func apiKey(headers map[string]string) string {
	for k, v := range headers {
		switch strings.ToLower(k) {
		case "authorization":
			scheme, token, ok := strings.Cut(strings.TrimSpace(v), " ")
			if ok && strings.EqualFold(scheme, "Bearer") {
				return strings.TrimSpace(token)
			}
		case "apikey":
			if t := strings.TrimSpace(v); t != "" {
				return t
			}
		}
	}
	return ""
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
