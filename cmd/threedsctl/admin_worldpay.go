package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// worldpayCredential stores a Worldpay-dialect Basic credential for
// merchantID: only the hash of kind:username:password, as API keys are.
// The entity is recorded with it (worldpay.PutEntity): merchant.entity in
// the merchant's requests must be one of its recorded entities.
func worldpayCredential(ctx context.Context, st interface {
	CreateAPIKey(context.Context, *threeds.APIKey) error
	worldpay.EntityWriter
}, merchantID, entity, username, password string, now time.Time) (*threeds.APIKey, error) {
	hash := vault.HashAPIKey(apigw.BasicCredentialMaterial(worldpay.CredentialKind, username, password))
	k := &threeds.APIKey{ID: "key_" + hash[:16], MerchantID: merchantID, Hash: hash, Kind: worldpay.CredentialKind,
		Prefix: username, Name: "worldpay entity " + entity, CreatedAt: now}
	if err := st.CreateAPIKey(ctx, k); err != nil { // the merchant must exist
		return nil, err
	}
	return k, worldpay.PutEntity(ctx, st, merchantID, entity, k.ID, now)
}

func init() {
	adminCommand("worldpay-credentials", "create Worldpay-dialect Basic credentials for a merchant (password shown once): worldpay-credentials -table T -master-key-file F -merchant ID [-entity E] [-username U]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			entity := fs.String("entity", "default", "the merchant.entity the merchant sends (recorded with the credential; other entities are refused 403)")
			username := fs.String("username", "", "Basic username (default: generated)")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				if err := threeds.CheckIdentifier("entity", *entity, threeds.ReferenceFormat(1, 64)); err != nil {
					return usagef("-entity must be 1 to 64 visible ASCII characters")
				}
				user := *username
				if user == "" {
					s, err := vault.NewSecret(8)
					if err != nil {
						return err
					}
					user = "wp_" + s
				}
				if strings.Contains(user, ":") || threeds.CheckIdentifier("username", user, threeds.ReferenceFormat(1, 64)) != nil {
					return usagef("-username must be ASCII without ':'")
				}
				pass, err := vault.NewSecret(24)
				if err != nil {
					return err
				}
				st, err := a.store(ctx, true) // the entity record is sealed like every dialect record
				if err != nil {
					return err
				}
				k, err := worldpayCredential(ctx, st, *merchantID, *entity, user, pass, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "key ID: %s\nentity: %s\nusername: %s\npassword (shown once, store it now): %s\n", k.ID, *entity, user, pass)
				return nil
			}
		})
}
