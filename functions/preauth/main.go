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
		r := router(svc, a.Store, worldpayDeps{signer: worldpay.Signer{Key: worldpay.JWTKey(a.SessionKey)}, entities: a.Store}, a.Log, a.Store)
		// Cardinal's browser setup and bin.process (cardinal.js).
		cb := cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log}
		return apigw.NewRouter(a.Log, emvjson.Errors{}, r.Routes(),
			cardinal.SetupRoutes(cb, cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now}, a.Store, svc)).Handle, nil
	})
}

// juspayStore keeps the Juspay orders and reads merchant profiles (the
// dynamostore Store).
type juspayStore interface {
	juspay.OrderStore
	juspay.MerchantReader
}

// router routes every dialect's preauth paths (one line per dialect); the
// Juspay routes need its store (tests of the native API leave it out).
// worldpayDeps are the Worldpay routes' JWT signer and entity records.
type worldpayDeps struct {
	signer   worldpay.Signer
	entities worldpay.EntityReader
}

func router(svc *threeds.PreauthService, idem threeds.IdempotencyStore, wp worldpayDeps, log *slog.Logger, js ...juspayStore) *apigw.Router {
	var jr []apigw.Route
	if len(js) > 0 {
		jr = juspay.OrderRoutes(js[0], js[0], log)
	}
	return apigw.NewRouter(log, emvjson.Errors{},
		emvjson.PreauthRoutes(svc, idem, log),
		uas.PreauthRoutes(svc, idem, log),
		juspay3ds.PreauthRoutes(svc, log),
		worldpay.PreauthRoutes(svc, wp.signer, wp.entities, log),
		jr,
	)
}
