// Command cardranges refreshes the card-range cache on a schedule: a PReq to
// each Directory Server (incremental from the last serialNum), its PRes loaded
// into the table for preauth's lookups.
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
	ctx := context.Background()
	a, err := app.Load(ctx, config.CardRanges)
	if err != nil {
		logging.Fatal("cardranges init", err)
	}
	ds, err := a.Directory(ctx)
	if err != nil {
		logging.Fatal("cardranges init: DS client", err)
	}
	svc := threeds.NewService(threeds.Deps{CardRanges: a.Store, Directory: ds}, a.ServiceConfig())
	lambda.Start(handler{svc: svc, log: a.Log, targets: targets(a.Config)}.Handle)
}
