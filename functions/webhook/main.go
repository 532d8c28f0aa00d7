// Command webhook consumes the table's stream: when a transaction reaches a
// final result it posts a signed authentication.completed event to the
// merchant's webhook URL. Failed records are reported individually so Lambda
// retries only them, and sends the exhausted ones to the dead-letter queue.
package main

import (
	"context"
	"net/http"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Webhook, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewService(threeds.Deps{
			Transactions: a.Store, Merchants: a.Store, Deliveries: a.Store,
			Webhooks: poster{client: &http.Client{Timeout: a.Config.Webhook.Timeout}},
		}, a.ServiceConfig())
		return handler{svc: svc, store: a.Store, log: a.Log, policy: policy(a.Config.Webhook)}.Handle, nil
	})
}
