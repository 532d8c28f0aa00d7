// Command challenge-callback serves the routes that carry no API key and are
// authenticated by what they carry: the 3DS Method notification
// (/callbacks/method) and the final CRes (/callbacks/challenge) from the
// cardholder's browser, the RReq from the Directory Server (/ds/results), and
// the browser kit of shared/browser: GET /js/threeds.js, /js/threeds.mjs and
// the hosted pages /hosted/method and /hosted/challenge.
package main

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/credentials"
	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.ChallengeCallback, func(ctx context.Context, a *app.App) (any, error) {
		sessions, err := a.Sessions()
		if err != nil {
			return nil, err
		}
		rreqKey, err := a.RReqSigningKey(ctx) // sandbox only; nil in production
		if err != nil {
			return nil, err
		}
		svc := threeds.NewCallbackService(a.Store, sessions, a.ServiceConfig())
		// The pages' frame-ancestors read the merchant's profile: cached as
		// the flow functions cache it.
		merchants := threeds.NewMerchantCache(a.Store, app.MerchantCacheTTL, nil)
		kit := &browser.Kit{Transactions: a.Store, Merchants: merchants, Sessions: sessions, Log: a.Log,
			BaseURL: func(ev events.APIGatewayProxyRequest) string {
				if a.Config.PublicBaseURL != nil {
					return a.Config.PublicBaseURL.String()
				}
				return apigw.BaseURL(ev) // as the flows build their callback URLs
			}}
		return handler{svc: svc, log: a.Log, guard: a.CredentialGuard(credentials.Rules()), rreqSig: rreqSignature{key: rreqKey}, kit: kit,
			dialects: append(dialectRoutes(svc, threeds.NewResultService(a.Store), a.Log),
				worldpay.PageRoutes(worldpay.Signer{Key: worldpay.JWTKey(a.SessionKey)}, merchants, a.Log)...)}.Handle, nil
	})
}

// dialectRoutes are the dialects' callback routes (one line per dialect).
func dialectRoutes(svc *threeds.CallbackService, results *threeds.ResultService, log *slog.Logger) []apigw.Route {
	return concat(
		juspay3ds.CallbackRoutes(svc, results, log),
		cardinal.ScriptRoutes(), // GET /js/cardinal.js
	)
}

func concat(lists ...[]apigw.Route) []apigw.Route {
	var out []apigw.Route
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
