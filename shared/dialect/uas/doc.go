// Package uas is the dialect of Hyperswitch's Unified Authentication Service
// client: the API a Hyperswitch deployment calls when it authenticates
// through `juspaythreedsserver` (authenticate_by=juspaythreedsserver). Its
// routes live under a base URL that carries the merchant's capability token,
// /uas/{token}/, because that client sends no credential header:
// pre_authentication_processing, authentication_initiation,
// post_authentication_sync and webhooks, snake_case JSON in and out, errors
// as {"error": "..."}.
//
// Hyperswitch names the transaction by its own authentication ID
// (source_authentication_id) and sends the card only with the
// pre-authentication. The dialect derives the threeDSServerTransID from the
// merchant and that ID (TransID), so every later step finds the transaction
// with one read, and it keeps what the AReq needs from the
// pre-authentication (the card, the merchant and acquirer details, the
// notification URL) sealed in the idempotency store under the same ID
// until the authentication.
//
// It imports no other dialect; the flows are threeds's.
package uas
