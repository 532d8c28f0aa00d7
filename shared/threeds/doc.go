// Package threeds is the 3DS Server's domain: the Transaction and its state
// machine, the merchant, API key, idempotency, card-range and webhook
// delivery records, the ports (Store, MerchantStore, APIKeyStore,
// IdempotencyStore, CardRangeStore, WebhookDeliveryStore, Directory,
// SessionTokens, PANHasher, WebhookSender) that adapters such as dynamostore,
// dsclient and webhookpost implement, and the flows. It covers EMV 3DS
// 2.1.0, 2.2.0 and 2.3.1.
//
// The flows are one use case per step, each built by a constructor that
// takes exactly the ports it needs (NewPreauthService, NewAuthService,
// NewResultService, NewCallbackService, NewWebhookService, NewKeyService,
// NewCardRangeService). They are dialect-neutral: plain Go values and emv3ds
// messages in and out, one result projection (ResultOutput) for /postauth
// and the webhook, and a webhook port that takes that result. Each
// transaction remembers the dialect it was opened through. A transaction is
// read with ReadTransaction and changed with UpdateTransaction, nothing
// else.
//
// Transitions are pure methods on *Transaction: they take the time (no clock
// is read here) and the Retention policy, change the transaction or return an
// error wrapping ErrInvalidTransition or ErrResultFinal, and never touch
// storage. A final result, once recorded, never changes. The package imports
// only emv3ds and the standard library: no AWS, no net/http, no dialect.
//
// The rules every dialect's input passes are named functions here:
// CheckIdentifier/CheckTransID (identifiers before any store access),
// CheckReturnURL, CheckCRes and ConfirmedStatus (the browser's CRes is
// validated and never shown as a result), and CheckProfileOverrides (the
// merchant-profile policy, Merchant.AllowProfileOverrides).
//
// Two in-process caches save store reads on the hot path, each with a TTL
// that is the delay of a change made elsewhere: MerchantCache (profiles, in
// preauth and auth) and APIKeyCache (valid API keys, in the flow functions' credential check: the
// revocation delay). ServiceConfig.Versions limits the protocol versions
// negotiated (2.1.0 is opt-in).
//
// 2.3.1 beyond the message shapes (v231.go): the PReq goes out in 2.3.1 so
// card ranges keep their acsProtocolVersions and dsProtocolVersions, which
// NegotiateRangeVersion treats as sets; a browser AReq may name a 3DS Method
// of the last MethodReuseWindow by threeDSMethodId; acquirerCountryCode comes
// from the merchant profile; results carry authenticationMethod, the trust
// list and DecoupledFallback; a CRes without threeDSSessionData is matched by
// its IDs to a transaction in its browser challenge.
package threeds
