// Command authfn is a test REQUEST authorizer: the Authorization header says
// what to answer (Bearer good / deny / bad / boom).
package main

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var calls int

func handle(_ context.Context, req events.APIGatewayCustomAuthorizerRequestTypeRequest) (events.APIGatewayCustomAuthorizerResponse, error) {
	calls++
	auth := ""
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Authorization") {
			auth = v
		}
	}
	if req.Type != "REQUEST" || req.MethodArn == "" {
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("not a REQUEST authorizer event")
	}
	// "good" is allowed on every route of the stage, "good2" on this
	// method ARN only (so a cached good2 policy denies other routes).
	resource := req.MethodArn
	if strings.TrimPrefix(auth, "Bearer ") == "good" {
		parts := strings.SplitN(req.MethodArn, "/", 3)
		resource = parts[0] + "/" + parts[1] + "/*"
	}
	policy := func(effect string) events.APIGatewayCustomAuthorizerPolicy {
		return events.APIGatewayCustomAuthorizerPolicy{Version: "2012-10-17", Statement: []events.IAMPolicyStatement{{
			Action: []string{"execute-api:Invoke"}, Effect: effect, Resource: []string{resource},
		}}}
	}
	switch strings.TrimPrefix(auth, "Bearer ") {
	case "good", "good2":
		return events.APIGatewayCustomAuthorizerResponse{
			PrincipalID:    "merchant-1",
			PolicyDocument: policy("Allow"),
			Context:        map[string]any{"merchantId": "m-1", "calls": calls, "live": true, "resource": req.Resource},
		}, nil
	case "deny":
		return events.APIGatewayCustomAuthorizerResponse{PrincipalID: "merchant-1", PolicyDocument: policy("Deny")}, nil
	case "boom":
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("authorizer broke")
	}
	return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
}

func main() { lambda.Start(handle) }
