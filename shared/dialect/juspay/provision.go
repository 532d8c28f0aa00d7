package juspay

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/vault"
)

// CredentialHash is the stored hash of a Juspay API key
// (threeds.APIKey.Hash with Kind CredentialKind): the Basic material of the
// key as username and an empty password.
func CredentialHash(apiKey string) string {
	return vault.HashAPIKey(apigw.BasicCredentialMaterial(CredentialKind, apiKey, ""))
}

// Provision ties Juspay merchant id juspayMID to our merchant and sets the
// response key the return_url is signed with (and the webhook's Basic
// credentials, when given). A juspayMID already tied to another merchant
// is refused.
func Provision(ctx context.Context, store OrderStore, juspayMID string, m MerchantMapping) error {
	if juspayMID == "" || len(juspayMID) > 64 || m.MerchantID == "" || m.ResponseKey == "" {
		return errors.New("juspay provision: merchant id, Juspay merchant id (≤64) and response key are required")
	}
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	existing, created, err := store.CreateDialectRecord(ctx, kindMerchant, "", juspayMID, body, time.Time{})
	if err != nil || created {
		return err
	}
	var old MerchantMapping
	if err := json.Unmarshal(existing, &old); err != nil {
		return err
	}
	if old.MerchantID != m.MerchantID {
		return errors.New("juspay provision: that Juspay merchant id belongs to another merchant")
	}
	_, _, err = store.UpdateDialectRecord(ctx, kindMerchant, "", juspayMID, time.Time{}, func([]byte) ([]byte, error) { return body, nil })
	return err
}
