package juspay

import (
	"context"
	"time"
)

// Record kinds (dialect records, see OrderStore).
const (
	kindOrder    = "juspay-order"    // scope: our merchant ID, key: order_id
	kindMerchant = "juspay-merchant" // scope: "", key: Juspay merchant id → our merchant ID
	kindTxn      = "juspay-txn"      // scope: "", key: threeDSServerTransID → merchant and order_id
)

// OrderStore keeps the dialect's records beside the transactions (the
// dynamostore Store implements it): bodies are opaque to the store, sealed
// at rest, keyed by kind, scope and key; each read is one GetItem.
type OrderStore interface {
	// CreateDialectRecord stores body unless a live record exists; then it
	// returns that body and created false.
	CreateDialectRecord(ctx context.Context, kind, scope, key string, body []byte, expiresAt time.Time) (existing []byte, created bool, err error)
	GetDialectRecord(ctx context.Context, kind, scope, key string) (body []byte, ok bool, err error)
	UpdateDialectRecord(ctx context.Context, kind, scope, key string, expiresAt time.Time, fn func([]byte) ([]byte, error)) (body []byte, ok bool, err error)
}

// Order is a Juspay order as stored.
type Order struct {
	ID            string          `json:"id"` // ours, "ordeh_…"
	OrderID       string          `json:"order_id"`
	MerchantID    string          `json:"merchant_id"`        // ours
	JuspayMID     string          `json:"juspay_merchant_id"` // x-merchantid
	RequestHash   string          `json:"request_hash"`
	Amount        string          `json:"amount"`
	Currency      string          `json:"currency"`
	CustomerID    string          `json:"customer_id,omitempty"`
	CustomerEmail string          `json:"customer_email,omitempty"`
	CustomerPhone string          `json:"customer_phone,omitempty"`
	ReturnURL     string          `json:"return_url,omitempty"`
	Country       string          `json:"country,omitempty"`
	Description   string          `json:"description,omitempty"`
	Acquirer      AcquirerDetails `json:"acquirer_details"`
	TokenHash     string          `json:"token_hash"`
	TokenExpiry   time.Time       `json:"token_expiry"`
	CreatedAt     time.Time       `json:"created_at"`
	ExpiresAt     time.Time       `json:"expires_at"`
	// The latest attempt (a /txns call): a new one may follow while the
	// order is not SUCCESS (the customer pays again after a failed or
	// abandoned attempt); the order reports its latest attempt.
	Attempts     int    `json:"attempts,omitempty"`
	TxID         string `json:"txn_threeds_id,omitempty"` // threeDSServerTransID once /txns ran
	TxnID        string `json:"txn_id,omitempty"`
	TxnUUID      string `json:"txn_uuid,omitempty"`
	CardBrand    string `json:"card_brand,omitempty"`
	CardISIN     string `json:"card_isin,omitempty"`
	CardLastFour string `json:"card_last_four,omitempty"`
}

// AcquirerDetails are the order's acquirer_details (Juspay's names).
type AcquirerDetails struct {
	AcquirerBIN         string `json:"acquirerBin,omitempty"`
	AcquirerMerchantID  string `json:"acquirerMerchantId,omitempty"`
	AcquirerCountryCode string `json:"acquirerCountryCode,omitempty"`
	MCC                 string `json:"mcc,omitempty"`
	MerchantName        string `json:"merchantName,omitempty"`
}

// MerchantMapping is the record that ties a Juspay merchant id to our
// merchant, and holds the response key the return_url is signed with.
type MerchantMapping struct {
	MerchantID  string `json:"merchant_id"`
	ResponseKey string `json:"response_key"`
	// WebhookUsername and WebhookPassword, when set, are sent as HTTP Basic
	// credentials with the merchant's Juspay webhooks.
	WebhookUsername string `json:"webhook_username,omitempty"`
	WebhookPassword string `json:"webhook_password,omitempty"`
}

// txnLink ties an attempt's transaction to its order, with the attempt's
// own txn fields (an earlier attempt's webhook or return names its txn).
type txnLink struct {
	MerchantID   string `json:"merchant_id"`
	OrderID      string `json:"order_id"`
	TxnID        string `json:"txn_id,omitempty"`
	TxnUUID      string `json:"txn_uuid,omitempty"`
	CardBrand    string `json:"card_brand,omitempty"`
	CardISIN     string `json:"card_isin,omitempty"`
	CardLastFour string `json:"card_last_four,omitempty"`
}

// attempt is o as of the attempt of txID (its link): o itself when txID is
// the latest attempt, else o with that attempt's txn fields.
func (o Order) attempt(txID string, l txnLink) *Order {
	if o.TxID == txID || l.TxnID == "" {
		return &o
	}
	o.TxID, o.TxnID, o.TxnUUID = txID, l.TxnID, l.TxnUUID
	o.CardBrand, o.CardISIN, o.CardLastFour = l.CardBrand, l.CardISIN, l.CardLastFour
	return &o
}
