// Package worldpay is the Worldpay Access 3DS dialect: the three calls of
// Worldpay's API (POST /verifications/customers/3ds/deviceDataInitialization,
// …/authentication, …/verification) with its request bodies, outcomes, HAL
// links, WP-CorrelationId header and error shape, on top of the same
// threeds use cases as the native API.
//
// The merchant's transactionReference (≤ 64 characters) is mapped to our
// transaction by a deterministic UUIDv5 of merchant ID and reference
// (TransID), so each call finds its transaction with one GetItem and two
// merchants' references never meet.
//
// Credentials are HTTP Basic per merchant (Credentials, kind
// "worldpay-basic"); a refusal is answered by the handler in Worldpay's
// error shape (GatewayRejects: false).
//
// Not done yet (see the README): the hosted DDC and challenge pages, the
// merchant.entity ownership check (the entity is checked for format only;
// the credential alone selects the merchant), a token vault for
// card/tokenized.
package worldpay
