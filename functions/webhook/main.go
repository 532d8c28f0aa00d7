// Command webhook consumes the table's stream: when a transaction reaches a
// final result it posts a signed authentication.completed event to the
// merchant's webhook URL, rendered in the dialect the transaction was
// opened through. Failed records are reported individually so Lambda
// retries only them, and sends the exhausted ones to the dead-letter queue.
package main

import (
	"context"
	"net/http"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhookpost"
)

// renderers are the webhook shapes by dialect (one line per dialect).
var renderers = map[string]webhookpost.Renderer{
	emvjson.Name:   emvjson.Webhook{},
	uas.Name:       uas.Webhook{},
	juspay3ds.Name: juspay3ds.Webhook{},
	worldpay.Name:  emvjson.Webhook{}, // Worldpay merchants get the product's signed event
	cardinal.Name:  cardinal.Webhook{},
}

func main() {
	app.Start(config.Webhook, func(_ context.Context, a *app.App) (any, error) {
		renderers[juspay.Name] = juspay.Webhook{Orders: a.Store}
		poster := webhookpost.New(&http.Client{Timeout: a.Config.Webhook.Timeout}, renderers)
		svc := threeds.NewWebhookService(a.Store, a.Store, poster, a.ServiceConfig())
		return handler{svc: svc, stream: a.Store, log: a.Log, policy: policy(a.Config.Webhook)}.Handle, nil
	})
}
