// Command postauth answers POST /postauth: the final result of a merchant's
// transaction (transStatus, authenticationValue, eci, dsTransID, …), or its
// documented pending or failed state.
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
	a, err := app.Load(context.Background(), config.Postauth)
	if err != nil {
		logging.Fatal("postauth init", err)
	}
	svc := threeds.NewService(threeds.Deps{Transactions: a.Store}, a.ServiceConfig())
	lambda.Start(handler{svc: svc, log: a.Log}.Handle)
}
