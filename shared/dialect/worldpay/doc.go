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
// error shape (GatewayRejects: false). merchant.entity must be one of the
// caller's entity records (EntityKind, written with the credentials), else
// 403 accessDenied.
//
// The hosted pages (PageRoutes, served by challenge-callback): the DDC page
// (DDCPath) runs the ACS's 3DS Method and collects the browser's values
// into a collection reference bound to the transaction by an HMAC
// (Signer.CollectionReference), which authentication reads back; the
// challenge page (ChallengePath) shows the ACS and posts TransactionId and
// MD to the JWT's ReturnUrl. Both check our HS256 JWTs (Signer).
//
// Not done (see the README): a token vault for card/tokenized.
package worldpay
