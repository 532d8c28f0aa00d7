// Command cardranges refreshes the card-range cache on a schedule: a PReq to
// each Directory Server (incremental from the last serialNum), its PRes loaded
// into the table for preauth's lookups.
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.CardRanges, func(ctx context.Context, a *app.App) (any, error) {
		ds, err := a.Directory(ctx)
		if err != nil {
			return nil, err
		}
		svc := threeds.NewCardRangeService(a.Store, ds, a.ServiceConfig())
		return handler{svc: svc, log: a.Log, targets: targets(a.Config)}.Entry, nil
	})
}
