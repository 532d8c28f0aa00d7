// Command authorizer is the API Gateway REQUEST authorizer of the merchant
// API: it resolves the API key to its merchant, whose ID the flow functions
// receive in the authorizer context.
package main

import (
	"context"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Authorizer, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewKeyService(threeds.NewAPIKeyCache(a.Store, a.Config.APIKeyCacheTTL, nil))
		return handler{svc: svc, log: a.Log, fingerprint: a.Vault.Fingerprint}.Handle, nil
	})
}
