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
	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Postauth, func(_ context.Context, a *app.App) (any, error) {
		results := threeds.NewResultService(a.Store)
		r := router(results, a.Log, cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now}, a.Store)
		// Cardinal: cardinal.js's result (the response JWT of a challenge).
		cb := cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log}
		return apigw.NewRouter(a.Log, emvjson.Errors{}, r.Routes(), cardinal.ResultRoutes(cb, results)).Handle, nil
	})
}

// worldpayEntities are the Worldpay entity records: the store the Juspay
// routes use (tests of the native API leave it out: no entity is anyone's).
func worldpayEntities(stores []juspay.OrderStore) worldpay.EntityReader {
	if len(stores) > 0 {
		if e, ok := stores[0].(worldpay.EntityReader); ok {
			return e
		}
	}
	return nil
}

// router routes every dialect's postauth paths (one line per dialect); the
// Juspay routes need its order store (tests of the native API leave it out).
func router(svc *threeds.ResultService, log *slog.Logger, cardinalAuth cardinal.Authenticator, orders ...juspay.OrderStore) *apigw.Router {
	var jr []apigw.Route
	if len(orders) > 0 {
		jr = append(juspay.StatusRoutes(orders[0], svc, log), juspay.ReturnRoutes(orders[0], svc, log)...)
	}
	return apigw.NewRouter(log, emvjson.Errors{},
		emvjson.PostauthRoutes(svc, log),
		uas.PostauthRoutes(svc, log),
		juspay3ds.PostauthRoutes(svc, log),
		worldpay.PostauthRoutes(svc, worldpayEntities(orders), nil, log),
		cardinal.AuthenticateRoutes(svc, cardinalAuth, log),
		jr,
	)
}
