// Command authorizer is the API Gateway REQUEST authorizer of the merchant
// API: it resolves the API key to its merchant, whose ID the flow functions
// receive in the authorizer context.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/logging"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	a, err := app.Load(context.Background(), config.Authorizer)
	if err != nil {
		logging.Fatal("authorizer init", err)
	}
	svc := threeds.NewService(threeds.Deps{APIKeys: a.Store}, a.ServiceConfig())
	lambda.Start(handler{svc: svc, log: a.Log}.Handle)
}
