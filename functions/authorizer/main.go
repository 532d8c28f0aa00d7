// Command authorizer is the API Gateway REQUEST authorizer of the merchant
// API: it resolves the request's credential, by the credential rule of the
// dialect whose route it is, to its merchant, whose ID the flow functions
// receive in the authorizer context.
package main

import (
	"context"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dialect/juspay3ds"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/threeds"
)

func main() {
	app.Start(config.Authorizer, func(_ context.Context, a *app.App) (any, error) {
		svc := threeds.NewKeyService(threeds.NewAPIKeyCache(a.Store, a.Config.APIKeyCacheTTL, nil))
		return handler{svc: svc, log: a.Log, fingerprint: a.Vault.Fingerprint, rules: credentialRules()}.Handle, nil
	})
}

// credentialRules are the dialects' credential rules: one line per dialect.
func credentialRules() []apigw.CredentialRule {
	return []apigw.CredentialRule{
		emvjson.Credentials,
		uas.Credentials,
		juspay3ds.Credentials,
		juspay.Credentials,
		worldpay.Credentials,
	}
}
