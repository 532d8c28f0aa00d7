// Package juspay is the Juspay Express Checkout dialect, authentication-only
// orders ("Safe 2.0", txn_type AUTHENTICATION): POST /orders (order create,
// Basic auth with the API key as username plus x-merchantid), POST /txns
// (the authentication request, authenticated by the order's
// client_auth_token instead of an API key), GET /orders/{order_id} (order
// status with second_factor_response) and Juspay's webhook envelope.
//
// It owns that API's wire: form-urlencoded or JSON bodies, Juspay's order and
// status bodies, its error body (status, error_code, error_message), the
// return_url signature (HMAC-SHA256 over the sorted, URL-encoded
// parameters) and the ORDER_SUCCEEDED / ORDER_FAILED webhook. Orders are
// dialect records (OrderStore) beside the transactions; the flows are
// threeds's (Preauth, Authenticate, Result). It imports no other dialect.
package juspay
