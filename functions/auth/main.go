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
	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dialect/worldpay"
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
		pre := threeds.NewPreauthService(a.Store, a.Store, a.Store, a.Vault, a.ServiceConfig())
		results := threeds.NewResultService(a.Store)
		// Cardinal: the Hybrid lookup and cardinal.js's start and continue.
		cb := cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log}
		r := router(svc, a.Store, results, worldpayDeps{signer: worldpay.Signer{Key: worldpay.JWTKey(a.SessionKey)}, entities: a.Store}, a.Log,
			cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now}, cb,
			juspayDeps{orders: a.Store, merchants: a.Store, preauth: pre, sealer: a.Vault})
		return apigw.NewRouter(a.Log, emvjson.Errors{}, r.Routes(), cardinal.StartRoutes(cb, svc, results, a.Store, sessions)).Handle, nil
	})
}

// juspayDeps are what the Juspay /txns routes need beside the auth use case:
// its order store, merchant profiles (the hosted page's frame-ancestors),
// the preauth use case (the card range lookup) and the vault (the hosted
// page's sealed session). No card_token resolver: saved cards are refused.
type juspayDeps struct {
	orders    juspay.OrderStore
	merchants juspay.MerchantReader
	preauth   juspay.Preauther
	sealer    juspay.Sealer
}

// worldpayDeps are the Worldpay routes' JWT signer and entity records.
type worldpayDeps struct {
	signer   worldpay.Signer
	entities worldpay.EntityReader
}

// router routes every dialect's auth paths (one line per dialect); the
// Juspay routes need their deps (tests of the native API leave them out).
func router(svc *threeds.AuthService, idem threeds.IdempotencyStore, results *threeds.ResultService, wp worldpayDeps, log *slog.Logger, cardinalAuth cardinal.Authenticator, cardinalBrowser cardinal.Browser, js ...juspayDeps) *apigw.Router {
	var jr []apigw.Route
	if len(js) > 0 {
		jr = juspay.TxnRoutes(juspay.TxnDeps{Orders: js[0].orders, Merchants: js[0].merchants, Preauth: js[0].preauth,
			Auth: svc, Results: results, Sealer: js[0].sealer, Log: log})
	}
	return apigw.NewRouter(log, emvjson.Errors{},
		emvjson.AuthRoutes(svc, idem, log),
		uas.AuthRoutes(svc, idem, log),
		juspay3ds.AuthRoutes(svc, log),
		worldpay.AuthRoutes(svc, results, wp.signer, wp.entities, log),
		cardinal.LookupRoutes(svc, cardinalAuth, cardinalBrowser, log),
		jr,
	)
}
