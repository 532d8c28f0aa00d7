package threeds

import "errors"

// Errors of the domain and its ports. Adapters wrap them (errors.Is works);
// apigw maps them to HTTP statuses. None of them carries card data.
var (
	// ErrTransactionNotFound: no transaction with that ID, it expired, or it
	// belongs to another merchant.
	ErrTransactionNotFound = errors.New("transaction not found")
	// ErrDuplicateTransaction: Create with an ID that already exists.
	ErrDuplicateTransaction = errors.New("duplicate transaction")
	// ErrInvalidTransition: the transition is not allowed from the current state.
	ErrInvalidTransition = errors.New("invalid transaction state transition")
	// ErrConcurrentUpdate: Update lost the optimistic-locking race more times
	// than it retries.
	ErrConcurrentUpdate = errors.New("concurrent update of transaction")
	// ErrResultFinal: the transaction already holds a final result (or ended)
	// and the request would change it.
	ErrResultFinal = errors.New("transaction result is final")

	// ErrMerchantNotFound: no merchant with that ID.
	ErrMerchantNotFound = errors.New("merchant not found")
	// ErrDuplicateMerchant: CreateMerchant with an ID that already exists.
	ErrDuplicateMerchant = errors.New("duplicate merchant")

	// ErrAPIKeyNotFound: no API key with that hash (or ID).
	ErrAPIKeyNotFound = errors.New("api key not found")
	// ErrAPIKeyRevoked: the key exists but was revoked.
	ErrAPIKeyRevoked = errors.New("api key revoked")
	// ErrDuplicateAPIKey: CreateAPIKey with a hash that already exists.
	ErrDuplicateAPIKey = errors.New("duplicate api key")

	// ErrIdempotencyConflict: the Idempotency-Key was used with another
	// request body (the API answers 409).
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
	// ErrIdempotencyInProgress: the same request is still being processed.
	ErrIdempotencyInProgress = errors.New("request with this idempotency key is in progress")
	// ErrIdempotencyNotFound: Complete or Release of a key that is not held.
	ErrIdempotencyNotFound = errors.New("idempotency record not found")

	// ErrCardRangeNotFound: the PAN is in no card range (not enrolled in 3DS2).
	ErrCardRangeNotFound = errors.New("card range not found")
	// ErrCardRangesNotLoaded: no PRes has been loaded for that DS yet.
	ErrCardRangesNotLoaded = errors.New("card ranges not loaded")
	// ErrCardRangeInvalid: a range is malformed (digits, length 13–19, start
	// after end) — the protocol's Erro 203.
	ErrCardRangeInvalid = errors.New("invalid card range")
	// ErrCardRangeOverlap: ranges of one DS overlap (Erro 205).
	ErrCardRangeOverlap = errors.New("card ranges overlap")
	// ErrCardRangeUnknown: a delete or modify names a range the DS never
	// added (Erro 206).
	ErrCardRangeUnknown = errors.New("card range action not possible")

	// ErrWebhookDeliveryNotFound: no delivery with that ID.
	ErrWebhookDeliveryNotFound = errors.New("webhook delivery not found")
	// ErrDuplicateWebhookDelivery: the delivery already exists (stream retry).
	ErrDuplicateWebhookDelivery = errors.New("duplicate webhook delivery")
)
