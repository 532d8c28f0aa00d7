package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// createCredential stores a merchant's credential the way every kind is
// kept: only its hash (k.Hash), under an ID made of idPrefix and the hash's
// first 16 hex digits, created at now. The merchant must exist.
func createCredential(ctx context.Context, st interface {
	CreateAPIKey(context.Context, *threeds.APIKey) error
}, idPrefix string, k threeds.APIKey, now time.Time) (*threeds.APIKey, error) {
	k.ID, k.CreatedAt = idPrefix+k.Hash[:16], now
	if err := st.CreateAPIKey(ctx, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

func init() {
	adminCommand("key-create", "create an API key for a merchant (shown once): key-create -table T -merchant ID [-name LABEL]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			name := fs.String("name", "", "label for the key")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				key, prefix, err := vault.NewAPIKey()
				if err != nil {
					return err
				}
				k, err := createCredential(ctx, st, "key_", threeds.APIKey{MerchantID: *merchantID, Hash: vault.HashAPIKey(key), Prefix: prefix, Name: *name}, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "key ID: %s\nAPI key (shown once, store it now): %s\n", k.ID, key)
				return nil
			}
		})

	adminCommand("key-list", "list a merchant's API keys: key-list -table T -merchant ID",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				keys, err := st.ListAPIKeys(ctx, *merchantID)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "KEY ID\tPREFIX\tNAME\tCREATED\tLAST USED\tSTATUS")
				for _, k := range keys {
					status := "active"
					if k.Revoked() {
						status = "revoked " + fmtTime(k.RevokedAt)
					}
					fmt.Fprintf(w, "%s\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, orDash(k.Name), fmtTime(k.CreatedAt), fmtTime(k.LastUsedAt), status)
				}
				return w.Flush()
			}
		})

	adminCommand("key-revoke", "revoke an API key: key-revoke -table T -merchant ID -key KEYID",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			keyID := fs.String("key", "", "key ID from key-list (required)")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" || *keyID == "" {
					return usagef("-merchant and -key are required")
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				if err := st.RevokeAPIKey(ctx, *merchantID, *keyID, time.Now()); err != nil {
					return err
				}
				fmt.Fprintf(out, "key %s revoked\n", *keyID)
				return nil
			}
		})
}
