package threeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/open3ds/server/shared/emv3ds"
)

// The use cases, one per flow step. Each constructor takes exactly the ports
// its step needs and panics on a nil one (a wiring mistake fails the
// function's cold start, never a request). Dialect handlers depend on
// interfaces of their own that these types satisfy.

// PreauthService runs /preauth: card range lookup, version negotiation,
// the transaction opened.
type PreauthService struct{ f *flows }

// NewPreauthService returns the preauth use case.
func NewPreauthService(tx Store, merchants MerchantStore, ranges CardRangeStore, pans PANHasher, cfg ServiceConfig, opts ...Option) *PreauthService {
	return &PreauthService{newFlows(deps{Transactions: tx, Merchants: merchants, CardRanges: ranges, PANHasher: pans}, cfg, opts,
		"Store", tx, "MerchantStore", merchants, "CardRangeStore", ranges, "PANHasher", pans)}
}

// Preauth looks the card up and opens the transaction (see flows.Preauth).
func (p *PreauthService) Preauth(ctx context.Context, merchantID string, in PreauthInput) (*PreauthOutput, error) {
	return p.f.Preauth(ctx, merchantID, in)
}

// AuthService runs /auth: the AReq built, sent once, the ARes validated and
// recorded.
type AuthService struct{ f *flows }

// NewAuthService returns the authentication use case.
func NewAuthService(tx Store, merchants MerchantStore, ranges CardRangeStore, pans PANHasher, dir Directory, sessions SessionTokens, cfg ServiceConfig, opts ...Option) *AuthService {
	return &AuthService{newFlows(deps{Transactions: tx, Merchants: merchants, CardRanges: ranges, PANHasher: pans, Directory: dir, Sessions: sessions}, cfg, opts,
		"Store", tx, "MerchantStore", merchants, "CardRangeStore", ranges, "PANHasher", pans, "Directory", dir, "SessionTokens", sessions)}
}

// Authenticate sends the AReq and records the outcome (see flows.Authenticate).
func (a *AuthService) Authenticate(ctx context.Context, merchantID string, in AuthInput) (*AuthOutput, error) {
	return a.f.Authenticate(ctx, merchantID, in)
}

// ResultService runs /postauth: a merchant's transaction outcome.
type ResultService struct{ f *flows }

// NewResultService returns the result use case.
func NewResultService(tx Store, opts ...Option) *ResultService {
	return &ResultService{newFlows(deps{Transactions: tx}, ServiceConfig{}, opts, "Store", tx)}
}

// Result returns the outcome of merchantID's transaction (see flows.Result).
func (r *ResultService) Result(ctx context.Context, merchantID, threeDSServerTransID string) (*ResultOutput, error) {
	return r.f.Result(ctx, merchantID, threeDSServerTransID)
}

// CallbackService serves what carries no API key and is authenticated by
// what it carries: the 3DS Method notification, the final CRes and the RReq.
// Every dialect's browser and DS traffic goes through it.
type CallbackService struct{ f *flows }

// NewCallbackService returns the callback use case.
func NewCallbackService(tx Store, sessions SessionTokens, cfg ServiceConfig, opts ...Option) *CallbackService {
	return &CallbackService{newFlows(deps{Transactions: tx, Sessions: sessions}, cfg, opts, "Store", tx, "SessionTokens", sessions)}
}

// MethodCompleted records the 3DS Method notification. Every failure other
// than an unknown transaction wraps ErrInvalidCallback (the browser gets a
// 400 page).
func (c *CallbackService) MethodCompleted(ctx context.Context, threeDSMethodData string) (string, error) {
	id, err := c.f.MethodCompleted(ctx, threeDSMethodData)
	return id, callbackError(err)
}

// ChallengeCompleted handles the final CRes (see flows.ChallengeCompleted);
// failures wrap ErrInvalidCallback unless the transaction is unknown.
func (c *CallbackService) ChallengeCompleted(ctx context.Context, cres, sessionData string) (*ChallengeOutcome, error) {
	out, err := c.f.ChallengeCompleted(ctx, cres, sessionData)
	return out, callbackError(err)
}

// ReceiveRReq validates a decoded RReq against its transaction and records
// the result (see flows.ReceiveRReq).
func (c *CallbackService) ReceiveRReq(ctx context.Context, rreq *emv3ds.RReq, decodeErr error) (*ResultsAnswer, error) {
	return c.f.ReceiveRReq(ctx, rreq, decodeErr)
}

func callbackError(err error) error {
	if err == nil || errors.Is(err, ErrTransactionNotFound) || errors.Is(err, ErrInvalidCallback) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrInvalidCallback, err)
}

// WebhookService tells merchants about final results.
type WebhookService struct{ f *flows }

// NewWebhookService returns the webhook use case.
func NewWebhookService(merchants MerchantStore, deliveries WebhookDeliveryStore, sender WebhookSender, cfg ServiceConfig, opts ...Option) *WebhookService {
	return &WebhookService{newFlows(deps{Merchants: merchants, Deliveries: deliveries, Webhooks: sender}, cfg, opts,
		"MerchantStore", merchants, "WebhookDeliveryStore", deliveries, "WebhookSender", sender)}
}

// DeliverWebhook sends the transaction's final-result event (see
// flows.DeliverWebhook).
func (w *WebhookService) DeliverWebhook(ctx context.Context, tx *Transaction, p WebhookPolicy) error {
	return w.f.DeliverWebhook(ctx, tx, p)
}

// KeyService resolves API keys to merchants (the authorizer).
type KeyService struct{ f *flows }

// NewKeyService returns the API key use case.
func NewKeyService(keys APIKeyStore, opts ...Option) *KeyService {
	return &KeyService{newFlows(deps{APIKeys: keys}, ServiceConfig{}, opts, "APIKeyStore", keys)}
}

// AuthorizeAPIKey resolves a presented key (see flows.AuthorizeAPIKey).
func (k *KeyService) AuthorizeAPIKey(ctx context.Context, key string, hash APIKeyHasher) (string, error) {
	return k.f.AuthorizeAPIKey(ctx, key, hash)
}

// AuthorizeCredential resolves a dialect credential of kind (see
// flows.AuthorizeCredential).
func (k *KeyService) AuthorizeCredential(ctx context.Context, kind, material string, hash APIKeyHasher) (string, error) {
	return k.f.AuthorizeCredential(ctx, kind, material, hash)
}

// CardRangeService refreshes the card ranges from the DSs (PReq/PRes).
type CardRangeService struct{ f *flows }

// NewCardRangeService returns the card-range refresh use case.
func NewCardRangeService(ranges CardRangeStore, dir Directory, cfg ServiceConfig, opts ...Option) *CardRangeService {
	return &CardRangeService{newFlows(deps{CardRanges: ranges, Directory: dir}, cfg, opts, "CardRangeStore", ranges, "Directory", dir)}
}

// RefreshCardRanges sends a PReq to one DS and loads its PRes.
func (c *CardRangeService) RefreshCardRanges(ctx context.Context, ds string, scheme emv3ds.Scheme) (*CardRangeSet, error) {
	return c.f.RefreshCardRanges(ctx, ds, scheme)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
