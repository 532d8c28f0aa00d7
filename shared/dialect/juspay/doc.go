// Package juspay is the Juspay Express Checkout dialect, authentication-only
// orders ("Safe 2.0", txn_type AUTHENTICATION): POST /orders (order create,
// Basic auth with the API key as username plus x-merchantid), POST /txns
// (the authentication request, new or saved card, authenticated by the
// order's client_auth_token instead of an API key; a new attempt while the
// order is not SUCCESS), POST /txns/authenticate (our hosted authentication
// page: browser data, 3DS Method, AReq, challenge; the card rides in it
// sealed, never stored), GET /orders/{order_id} (order status with
// second_factor_response), GET /txns/return and Juspay's webhook envelope.
// Saved-card tokens resolve through CardResolver, a port this package owns
// (no PANs are stored here, so without one card_token is refused).
//
// It owns that API's wire: form-urlencoded or JSON bodies, Juspay's order and
// status bodies, its error body (status, error_code, error_message), the
// return_url signature (HMAC-SHA256 over the sorted, URL-encoded
// parameters) and the ORDER_SUCCEEDED / ORDER_FAILED webhook. Its pages use
// the browser kit (shared/browser: threeds.js, nonces, security headers). Orders are
// dialect records (OrderStore) beside the transactions; the flows are
// threeds's (Preauth, Authenticate, Result). It imports no other dialect.
package juspay
