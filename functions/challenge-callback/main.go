// Command challenge-callback serves the routes that carry no API key and are
// authenticated by what they carry: the 3DS Method notification
// (/callbacks/method) and the final CRes (/callbacks/challenge) from the
// cardholder's browser, and the RReq from the Directory Server (/ds/results).
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
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
		return handler{svc: svc, log: a.Log, rreqSig: rreqSignature{key: rreqKey}}.router().Handle, nil
	})
}
