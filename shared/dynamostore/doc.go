// Package dynamostore implements every threeds store port (Store,
// MerchantStore, APIKeyStore, IdempotencyStore, CardRangeStore,
// WebhookDeliveryStore) on the one DynamoDB table of template.yaml
// (aws-sdk-go-v2). The schema: string keys pk/sk, one GSI gsi1
// (gsi1pk/gsi1sk, projection ALL), TTL attribute expiresAt (epoch seconds),
// stream NEW_AND_OLD_IMAGES. Every item has a "type" attribute.
//
//	item                 pk                            sk                      gsi1pk / gsi1sk                              TTL
//	transaction          TX#<threeDSServerTransID>     TX                      – (not indexed, see below)                   yes
//	merchant             MERCHANT#<merchantID>         PROFILE                 MERCHANTS / MERCHANT#<merchantID>            no
//	API key              APIKEY#<sha256(key)>          APIKEY                  MERCHANT#<id> / APIKEY#<created>#<keyID>     no
//	idempotency record   IDEM#<merchantID>#<sha256(k)> IDEM                    –                                            yes
//	card range set (DS)  CARDRANGES                    DS#<ds>                 –                                            no
//	card-range load lock CARDRANGES                    LOCK                    –                                            yes (5 min)
//	card range (per DS)  CRDS#<ds>                     R#<len>#<start>#<end>   –                                            no
//	lookup segment       CRSEG#<len>                   <segment start>         –                                            no
//	webhook delivery     WEBHOOK#<deliveryID>          WEBHOOK                 MERCHANT#<id> / WEBHOOK#<created>#<id>       yes
//
// The table's stream is decoded here too (Store.BecameFinal): the webhook
// function learns which transactions became final without knowing the
// attribute names. A transaction item's "dialect" attribute names the
// merchant API it was opened through (absent on items stored before).
// Creating the table from template.yaml is package tabledef.
//
// Transactions, idempotency records and webhook deliveries expire
// (Retention); DynamoDB deletes expired items lazily, so every read treats an
// item whose expiresAt has passed as absent. Writes that change a
// transaction are conditional on its version (optimistic locking);
// UpdateHeld writes from a copy the caller holds without reading it again.
//
// Write cost: DynamoDB charges 1 write unit per KB per write, again for
// every index the item is in. Transactions (three or more writes each) are
// therefore kept out of gsi1, which nothing queries them by; a webhook
// delivery is written once when its first attempt succeeds.
//
// Card data: a transaction keeps the BIN, the last four digits and the keyed
// PAN hash, never the PAN; the authentication value lives in the transaction
// item, sealed with AES-256-GCM beside its key ID (cavv.go; so is the whole
// answer an idempotency record keeps), and disappears with it. API keys are
// stored as SHA-256 hashes; merchants' webhook secrets are sealed with
// AES-256-GCM (Options.Sealer).
//
// Card-range lookup is one Query: the ranges of every DS are cut into
// disjoint segments per PAN length (the narrowest range wins where DSs
// overlap), and the lookup asks for the segment with the greatest start ≤
// PAN (Limit 1). See README.md for the full description.
package dynamostore
