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
		return router(deps{
			svc: svc, idem: a.Store, results: results, log: a.Log,
			worldpay: worldpayDeps{signer: worldpay.Signer{Key: worldpay.JWTKey(a.SessionKey)}, entities: a.Store},
			cardinal: cardinalDeps{
				auth:    cardinal.Authenticator{Store: a.Store, Vault: a.Vault, Now: time.Now},
				browser: cardinal.Browser{Sessions: a.Store, Credentials: a.Store, Vault: a.Vault, PANs: a.Vault, Now: time.Now, Log: a.Log},
				txs:     a.Store, issuer: sessions,
			},
			juspay: &juspayDeps{orders: a.Store, merchants: a.Store, preauth: pre, sealer: a.Vault},
		}).WithGuard(a.CredentialGuard(credentials.Rules())).Handle, nil
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

// deps are what the auth routes need: the use cases, the idempotency
// store, the logger and each dialect's own ports. Optional ports left nil
// leave their routes out (the handler tests build only what they call).
type deps struct {
	svc      *threeds.AuthService
	idem     threeds.IdempotencyStore
	results  *threeds.ResultService
	log      *slog.Logger
	worldpay worldpayDeps
	cardinal cardinalDeps
	juspay   *juspayDeps
}

// cardinalDeps are the Hybrid lookup's JWT check and cardinal.js's start and
// continue (left out without a transaction reader).
type cardinalDeps struct {
	auth    cardinal.Authenticator
	browser cardinal.Browser
	txs     cardinal.TransactionReader
	issuer  cardinal.SessionIssuer
}

// router routes every dialect's auth paths, one line per dialect.
func router(d deps) *apigw.Router {
	var jr, cr []apigw.Route
	if d.juspay != nil {
		jr = juspay.TxnRoutes(juspay.TxnDeps{Orders: d.juspay.orders, Merchants: d.juspay.merchants, Preauth: d.juspay.preauth,
			Auth: d.svc, Results: d.results, Sealer: d.juspay.sealer, Log: d.log})
	}
	if d.cardinal.txs != nil {
		cr = cardinal.StartRoutes(d.cardinal.browser, d.svc, d.results, d.cardinal.txs, d.cardinal.issuer)
	}
	return apigw.NewRouter(d.log, emvjson.Errors{},
		emvjson.AuthRoutes(d.svc, d.idem, d.log),
		uas.AuthRoutes(d.svc, d.idem, d.log),
		juspay3ds.AuthRoutes(d.svc, d.log),
		worldpay.AuthRoutes(d.svc, d.results, d.worldpay.signer, d.worldpay.entities, d.log),
		cardinal.LookupRoutes(d.svc, d.cardinal.auth, d.cardinal.browser, d.log),
		jr,
		cr,
	)
}
