// Command preauth answers POST /preauth: it looks the card up in the card
// ranges, negotiates the protocol version and opens the transaction, with the
// 3DS Method URL and data when the card's ACS has a method.
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Preauth, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewService(threeds.Deps{
			Transactions: a.Store, Merchants: a.Store, CardRanges: a.Store, PANHasher: a.Vault,
		}, a.ServiceConfig())
		return handler{svc: svc, idem: a.Store, log: a.Log}.Handle, nil
	})
}
