package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

func init() {
	adminCommand("uas-token-create", "create a UAS capability token for a merchant (shown once): uas-token-create -table T -merchant ID [-name LABEL] [-base-url URL]",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			name := fs.String("name", "", "label for the token")
			base := fs.String("base-url", "", "the API's base URL, to print the UAS base URL")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" {
					return usagef("-merchant is required")
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				token, err := vault.NewSecret(24)
				if err != nil {
					return err
				}
				k, err := createCredential(ctx, st, "uas_", threeds.APIKey{MerchantID: *merchantID, Hash: vault.HashAPIKey(uas.TokenMaterial(token)),
					Kind: uas.TokenKind, Prefix: vault.DisplayPrefix(token), Name: *name}, time.Now())
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "token ID: %s\nUAS token (shown once, store it now): %s\n", k.ID, token)
				if *base != "" {
					fmt.Fprintf(out, "UAS base URL: %s\n", trimSlash(*base)+uas.PathPrefix+token+"/")
				}
				fmt.Fprintf(out, "revoke with: threedsctl uas-token-revoke -merchant %s -token-id %s\n", *merchantID, k.ID)
				return nil
			}
		})

	adminCommand("uas-token-revoke", "revoke a UAS capability token: uas-token-revoke -table T -merchant ID -token-id ID (key-list lists them)",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "merchant ID (required)")
			id := fs.String("token-id", "", "token ID from uas-token-create or key-list (required)")
			return func(ctx context.Context, a *adminFlags, _ []string, _ io.Reader, out io.Writer) error {
				if *merchantID == "" || *id == "" {
					return usagef("-merchant and -token-id are required")
				}
				st, err := a.store(ctx, false)
				if err != nil {
					return err
				}
				if err := st.RevokeAPIKey(ctx, *merchantID, *id, time.Now()); err != nil {
					return err
				}
				fmt.Fprintf(out, "UAS token %s revoked\n", *id)
				return nil
			}
		})
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
