// Command auth answers POST /auth: it builds the AReq from the merchant's
// request, its profile and the preauthenticated transaction, sends it to the
// Directory Server, validates the ARes and records the outcome.
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
	ctx := context.Background()
	a, err := app.Load(ctx, config.Auth)
	if err != nil {
		logging.Fatal("auth init", err)
	}
	ds, err := a.Directory(ctx)
	if err != nil {
		logging.Fatal("auth init: DS client", err)
	}
	sessions, err := a.Sessions()
	if err != nil {
		logging.Fatal("auth init: sessions", err)
	}
	svc := threeds.NewService(threeds.Deps{
		Transactions: a.Store, Merchants: a.Store, CardRanges: a.Store, PANHasher: a.Vault,
		Directory: ds, Sessions: sessions,
	}, a.ServiceConfig())
	lambda.Start(handler{svc: svc, idem: a.Store, log: a.Log}.Handle)
}
