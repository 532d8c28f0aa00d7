// Command postauth answers the postauth step of every dialect (POST
// /postauth of the native API): the final result of a merchant's
// transaction (transStatus, authenticationValue, eci, dsTransID, …), or its
// documented pending or failed state.
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
	app.Start(config.Postauth, func(_ context.Context, a *app.App) (any, error) {
		return router(threeds.NewResultService(a.Store), a.Log, cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now}).Handle, nil
	})
}

// router routes every dialect's postauth paths (one line per dialect).
func router(svc *threeds.ResultService, log *slog.Logger, cardinalAuth cardinal.Authenticator) *apigw.Router {
	return apigw.NewRouter(log, emvjson.Errors{},
		emvjson.PostauthRoutes(svc, log),
		cardinal.AuthenticateRoutes(svc, cardinalAuth, log),
	)
}
