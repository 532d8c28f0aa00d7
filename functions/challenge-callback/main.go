// Command challenge-callback serves the routes that carry no API key and are
// authenticated by what they carry: the 3DS Method notification
// (/callbacks/method) and the final CRes (/callbacks/challenge) from the
// cardholder's browser, and the RReq from the Directory Server (/ds/results).
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/logging"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	a, err := app.Load(context.Background(), config.ChallengeCallback)
	if err != nil {
		logging.Fatal("challenge-callback init", err)
	}
	sessions, err := a.Sessions()
	if err != nil {
		logging.Fatal("challenge-callback init: sessions", err)
	}
	svc := threeds.NewService(threeds.Deps{Transactions: a.Store, Sessions: sessions}, a.ServiceConfig())
	lambda.Start(handler{svc: svc, log: a.Log}.Handle)
}
