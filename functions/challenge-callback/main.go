// Command challenge-callback serves the routes that carry no API key and are
// authenticated by what they carry: the 3DS Method notification
// (/callbacks/method) and the final CRes (/callbacks/challenge) from the
// cardholder's browser, and the RReq from the Directory Server (/ds/results).
package main

import (
	"context"
	"log/slog"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
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
		return handler{svc: svc, log: a.Log, rreqSig: rreqSignature{key: rreqKey},
			dialects: dialectRoutes(svc, threeds.NewResultService(a.Store), a.Log)}.router().Handle, nil
	})
}

// dialectRoutes are the dialects' callback routes (one line per dialect).
func dialectRoutes(svc *threeds.CallbackService, results *threeds.ResultService, log *slog.Logger) []apigw.Route {
	return concat(
		juspay3ds.CallbackRoutes(svc, results, log),
	)
}

func concat(lists ...[]apigw.Route) []apigw.Route {
	var out []apigw.Route
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
