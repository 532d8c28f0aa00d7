package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

func init() {
	adminCommand("juspay-credentials", "create a merchant's Juspay credentials (shown once): juspay-credentials -table T -merchant ID -juspay-merchant-id MID [-webhook-user U -webhook-password P]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			mid := fs.String("juspay-merchant-id", "", "the merchant's Juspay merchant id, sent as x-merchantid and merchant_id (required)")
			user := fs.String("webhook-user", "", "Basic username sent with the merchant's Juspay webhooks")
			pass := fs.String("webhook-password", "", "Basic password sent with the merchant's Juspay webhooks")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" || *mid == "" {
					return usagef("-merchant and -juspay-merchant-id are required")
				}
				st, err := a.store(ctx, true) // the Juspay record is sealed with the master key
				if err != nil {
					return err
				}
				if _, err := st.GetMerchant(ctx, *merchantID); err != nil {
					return err
				}
				key, prefix, err := vault.NewAPIKey()
				if err != nil {
					return err
				}
				responseKey, err := vault.NewSecret(32)
				if err != nil {
					return err
				}
				if err := juspay.Provision(ctx, st, *mid, juspay.MerchantMapping{MerchantID: *merchantID, ResponseKey: responseKey,
					WebhookUsername: *user, WebhookPassword: *pass}); err != nil {
					return err
				}
				k, err := createCredential(ctx, st, "key_", threeds.APIKey{MerchantID: *merchantID, Hash: juspay.CredentialHash(key),
					Kind: juspay.CredentialKind, Prefix: prefix, Name: "juspay " + *mid}, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "key ID: %s\nJuspay merchant id: %s\nJuspay API key (Basic username, empty password; shown once): %s\nresponse key (return_url signatures; shown once): %s\n",
					k.ID, *mid, key, responseKey)
				return nil
			}
		})
}
