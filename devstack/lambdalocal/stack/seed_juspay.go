package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/open3ds/server/shared/dialect/juspay"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

// JuspayInfo is merchant-1's Juspay credentials in this run.
type JuspayInfo struct {
	MerchantID, JuspayMerchantID, APIKey, ResponseKey string
}

// seedJuspay gives merchant-1 Juspay credentials: THREEDS_JUSPAY_MERCHANT_ID
// and THREEDS_JUSPAY_API_KEY when set, else generated ones (and
// THREEDS_JUSPAY_RESPONSE_KEY, else generated, for return_url signatures).
// Its Juspay webhooks go to merchant-1's webhook URL like the native ones.
func (s *Stack) seedJuspay(ctx context.Context, store Store, v *vault.Vault) error {
	records, ok := store.(juspay.OrderStore)
	if !ok { // a wrapped seeding store: the records go to the table directly
		records = dynamostore.New(s.ddb.Client(), TableName, dynamostore.Options{Sealer: v})
	}
	info := JuspayInfo{MerchantID: "merchant-1", JuspayMerchantID: os.Getenv("THREEDS_JUSPAY_MERCHANT_ID"),
		APIKey: os.Getenv("THREEDS_JUSPAY_API_KEY"), ResponseKey: os.Getenv("THREEDS_JUSPAY_RESPONSE_KEY")}
	var err error
	if info.JuspayMerchantID == "" {
		info.JuspayMerchantID = "local_shop_one"
	}
	if info.APIKey == "" {
		if info.APIKey, _, err = vault.NewAPIKey(); err != nil {
			return err
		}
	}
	if info.ResponseKey == "" {
		if info.ResponseKey, err = vault.NewSecret(32); err != nil {
			return err
		}
	}
	if err := juspay.Provision(ctx, records, info.JuspayMerchantID, juspay.MerchantMapping{MerchantID: info.MerchantID, ResponseKey: info.ResponseKey}); err != nil {
		return fmt.Errorf("seed juspay: %w", err)
	}
	hash := juspay.CredentialHash(info.APIKey)
	if _, err := store.LookupAPIKey(ctx, hash); errors.Is(err, threeds.ErrAPIKeyNotFound) {
		if err := store.CreateAPIKey(ctx, &threeds.APIKey{ID: fmt.Sprintf("juspay-1-%d", time.Now().UnixNano()), MerchantID: info.MerchantID,
			Hash: hash, Kind: juspay.CredentialKind, Prefix: vault.DisplayPrefix(info.APIKey), Name: "make run (juspay)", CreatedAt: time.Now().UTC()}); err != nil {
			return fmt.Errorf("seed juspay key: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("seed juspay key: %w", err)
	}
	s.Juspay = &info
	return nil
}

// printJuspay is the summary's Juspay lines.
func (s *Stack) printJuspay(w io.Writer) {
	if s.Juspay == nil {
		return
	}
	fmt.Fprintf(w, "  %-17s x-merchantid: %s   API key (Basic username, empty password): %s\n", "merchant-1 juspay", s.Juspay.JuspayMerchantID, s.Juspay.APIKey)
	fmt.Fprintf(w, "  %-17s %s   (return_url signatures, HMAC-SHA256)\n", "juspay resp. key", s.Juspay.ResponseKey)
}
