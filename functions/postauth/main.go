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
	"github.com/open3ds/server/shared/credentials"
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
		return router(deps{
			results: threeds.NewResultService(a.Store), log: a.Log,
			cardinalAuth: cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now},
			// cardinal.js's result (the response JWT of a challenge).
			cardinalBrowser:  &cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log},
			worldpayEntities: a.Store,
			juspayOrders:     a.Store,
		}).WithGuard(a.CredentialGuard(credentials.Rules())).Handle, nil
	})
}

// deps are what the postauth routes need: the result use case, the logger
// and each dialect's own ports. Optional ports left nil leave their routes
// out (the handler tests build only what they call); without entity records
// no Worldpay entity is anyone's.
type deps struct {
	results          *threeds.ResultService
	log              *slog.Logger
	cardinalAuth     cardinal.Authenticator
	cardinalBrowser  *cardinal.Browser
	worldpayEntities worldpay.EntityReader
	juspayOrders     juspay.OrderStore
}

// router routes every dialect's postauth paths, one line per dialect.
func router(d deps) *apigw.Router {
	var jr, cr []apigw.Route
	if d.juspayOrders != nil {
		jr = append(juspay.StatusRoutes(d.juspayOrders, d.results, d.log), juspay.ReturnRoutes(d.juspayOrders, d.results, d.log)...)
	}
	if d.cardinalBrowser != nil {
		cr = cardinal.ResultRoutes(*d.cardinalBrowser, d.results)
	}
	return apigw.NewRouter(d.log, emvjson.Errors{},
		emvjson.PostauthRoutes(d.results, d.log),
		uas.PostauthRoutes(d.results, d.log),
		juspay3ds.PostauthRoutes(d.results, d.log),
		worldpay.PostauthRoutes(d.results, d.worldpayEntities, nil, d.log),
		cardinal.AuthenticateRoutes(d.results, d.cardinalAuth, d.log),
		jr,
		cr,
	)
}
