package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/open3ds/server/shared/threeds"
)

func init() {
	adminCommand("tx-show", "show a transaction, card data masked: tx-show -table T [-merchant ID] THREEDS_SERVER_TRANS_ID",
		func(fs *flag.FlagSet) func(context.Context, *adminFlags, []string, io.Reader, io.Writer) error {
			merchantID := fs.String("merchant", "", "only if it belongs to this merchant")
			return func(ctx context.Context, a *adminFlags, args []string, _ io.Reader, out io.Writer) error {
				if len(args) != 1 {
					return usagef("give one threeDSServerTransID")
				}
				// With the master key the store opens the sealed CAVV; without
				// it the value reads as a placeholder. It prints masked either way.
				st, err := a.store(ctx, a.masterKeyFile != "" || a.masterKeySecret != "")
				if err != nil {
					return err
				}
				var tx *threeds.Transaction
				if *merchantID != "" {
					tx, err = threeds.ReadTransaction(ctx, st, *merchantID, args[0])
				} else {
					tx, err = st.Get(ctx, args[0])
				}
				if err != nil {
					return err
				}
				printTx(out, tx)
				return nil
			}
		})
}

// printTx prints the transaction. The card is BIN and last four only; the
// authentication value prints as its mask (emv3ds.AuthenticationValue).
func printTx(out io.Writer, tx *threeds.Transaction) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(w, "%s\t%s\n", k, orDash(v)) }
	row("threeDSServerTransID", tx.ID)
	row("merchant", tx.MerchantID)
	row("state", string(tx.State))
	row("version", fmt.Sprint(tx.Version))
	row("created", fmtTime(tx.CreatedAt))
	row("updated", fmtTime(tx.UpdatedAt))
	row("expires", fmtTime(tx.ExpiresAt))
	row("card", tx.Card.MaskedPAN())
	row("scheme", string(tx.Card.Scheme))
	row("messageVersion", string(tx.MessageVersion))
	row("threeDSMethodURL", tx.ThreeDSMethodURL)
	row("threeDSCompInd", string(tx.CompInd))
	row("deviceChannel", string(tx.DeviceChannel))
	row("messageCategory", string(tx.MessageCategory))
	row("dsTransID", tx.ARes.DSTransID)
	row("acsTransID", tx.ARes.ACSTransID)
	row("ARes transStatus", string(tx.ARes.TransStatus))
	row("acsURL", tx.ARes.ACSURL)
	if r := tx.Result; r != nil {
		row("transStatus", string(r.TransStatus))
		row("transStatusReason", string(r.TransStatusReason))
		row("eci", string(r.ECI))
		row("authenticationValue", r.AuthenticationValue.String())
		row("challengeCancel", string(r.ChallengeCancel))
		row("result source", r.Source)
		row("result received", fmtTime(r.ReceivedAt))
	}
	if !tx.CResReceivedAt.IsZero() {
		row("CRes received", fmtTime(tx.CResReceivedAt))
	}
	if e := tx.Error; e != nil {
		row("errorCode", string(e.Code))
		row("errorComponent", string(e.Component))
		row("errorDescription", e.Description)
		row("errorDetail", e.Detail)
	}
	_ = w.Flush()
}
