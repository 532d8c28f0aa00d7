// Command auth answers the auth step of every dialect (POST /auth of the
// native API): it builds the AReq from the merchant's request, its profile
// and the preauthenticated transaction, sends it to the Directory Server,
// validates the ARes and records the outcome.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/emvjson"
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
		svc := threeds.NewAuthService(a.Store, a.Store, a.Store, a.Vault, ds, sessions, a.ServiceConfig())
		return router(svc, a.Store, a.Log, cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now}).Handle, nil
	})
}

// router routes every dialect's auth paths (one line per dialect).
func router(svc *threeds.AuthService, idem threeds.IdempotencyStore, log *slog.Logger, cardinalAuth cardinal.Authenticator) *apigw.Router {
	return apigw.NewRouter(log, emvjson.Errors{},
		emvjson.AuthRoutes(svc, idem, log),
		cardinal.LookupRoutes(svc, cardinalAuth, log),
	)
}
