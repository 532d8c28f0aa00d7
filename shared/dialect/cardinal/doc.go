// Package cardinal is the Cardinal Cruise-compatible dialect (seed 003,
// docs/dialects.md §2): merchants authenticate with a request JWT (HS256
// with their API Key, iss = their API identifier, OrgUnitId), and get the
// result as a response JWT signed with the same key.
//
// This package serves the server-to-server Hybrid calls: POST
// /cardinal/lookup (auth step, cmpi_lookup names in JSON: sends the AReq)
// and POST /cardinal/authenticate (postauth step, cmpi_authenticate: the
// result and the response JWT). Both carry the request JWT in
// `Authorization: Bearer`; it is verified here (no API Gateway authorizer):
// the credential is one GetItem by API identifier (threeds.CardinalStore),
// its sealed API Key opened with the master key, the jti claimed once. The
// JWT itself is package cruise's. The answered values come only from the
// ARes or RReq the server validated. It imports no other dialect.
//
// It also serves cardinal.js (GET /js/cardinal.js, shared/browser) and the
// browser calls behind it (browser.go): setup('init') trades the
// single-use request JWT for a session token (session.go: stored by the
// SHA-256 of its secret in DynamoDB with a TTL, bound to the merchant, API
// identifier, OrgUnitId, jti and page origin) that bin.process (preauth
// step), start and continue (auth step) and result (postauth step) carry;
// their answers end as the response JWT, signed here, that the script
// hands to payments.validated and posts to ConfirmUrl. A Hybrid lookup
// whose DFReferenceId is a session's sessionId joins that session.
package cardinal
