// Command preauth answers the preauth step of every dialect (POST /preauth
// of the native API): it looks the card up in the card ranges, negotiates
// the protocol version and opens the transaction, with the 3DS Method URL
// and data when the card's ACS has a method.
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
	app.Start(config.Preauth, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewPreauthService(a.Store, a.Store, a.Store, a.Vault, a.ServiceConfig())
		return router(deps{
			svc: svc, idem: a.Store, log: a.Log,
			worldpay: worldpayDeps{signer: worldpay.Signer{Key: worldpay.JWTKey(a.SessionKey)}, entities: a.Store},
			juspay:   a.Store,
			cardinal: &cardinalDeps{
				browser:   cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log},
				auth:      cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now},
				merchants: a.Store,
			},
		}).WithGuard(a.CredentialGuard(credentials.Rules())).Handle, nil
	})
}

// deps are what the preauth routes need: the use case, the idempotency
// store, the logger and each dialect's own ports. A dialect whose ports are
// nil is left out (the handler tests build only the dialects they call).
type deps struct {
	svc      *threeds.PreauthService
	idem     threeds.IdempotencyStore
	log      *slog.Logger
	worldpay worldpayDeps
	juspay   juspayStore
	cardinal *cardinalDeps
}

// worldpayDeps are the Worldpay routes' JWT signer and entity records.
type worldpayDeps struct {
	signer   worldpay.Signer
	entities worldpay.EntityReader
}

// juspayStore keeps the Juspay orders and reads merchant profiles (the
// dynamostore Store).
type juspayStore interface {
	juspay.OrderStore
	juspay.MerchantReader
}

// cardinalDeps are cardinal.js's setup and bin.process ports.
type cardinalDeps struct {
	browser   cardinal.Browser
	auth      cardinal.Authenticator
	merchants cardinal.MerchantReader
}

// router routes every dialect's preauth paths, one line per dialect.
func router(d deps) *apigw.Router {
	var jr, cr []apigw.Route
	if d.juspay != nil {
		jr = juspay.OrderRoutes(d.juspay, d.juspay, d.log)
	}
	if d.cardinal != nil {
		cr = cardinal.SetupRoutes(d.cardinal.browser, d.cardinal.auth, d.cardinal.merchants, d.svc)
	}
	return apigw.NewRouter(d.log, emvjson.Errors{},
		emvjson.PreauthRoutes(d.svc, d.idem, d.log),
		uas.PreauthRoutes(d.svc, d.idem, d.log),
		juspay3ds.PreauthRoutes(d.svc, d.log),
		worldpay.PreauthRoutes(d.svc, d.worldpay.signer, d.worldpay.entities, d.log),
		jr,
		cr,
	)
}
