// Command auth answers POST /auth: it builds the AReq from the merchant's
// request, its profile and the preauthenticated transaction, sends it to the
// Directory Server, validates the ARes and records the outcome.
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Auth, func(ctx context.Context, a *app.App) (any, error) {
		ds, err := a.Directory(ctx)
		if err != nil {
			return nil, err
		}
		sessions, err := a.Sessions()
		if err != nil {
			return nil, err
		}
		svc := threeds.NewService(threeds.Deps{
			Transactions: a.Store, Merchants: a.Store, CardRanges: a.Store, PANHasher: a.Vault,
			Directory: ds, Sessions: sessions,
		}, a.ServiceConfig())
		return handler{svc: svc, idem: a.Store, log: a.Log}.Handle, nil
	})
}
