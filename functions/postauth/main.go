// Command postauth answers POST /postauth: the final result of a merchant's
// transaction (transStatus, authenticationValue, eci, dsTransID, …), or its
// documented pending or failed state.
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Postauth, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewService(threeds.Deps{Transactions: a.Store}, a.ServiceConfig())
		return handler{svc: svc, log: a.Log}.Handle, nil
	})
}
