// Package cruise is the JWT side of the Cardinal Cruise-compatible
// integration, with no dependency on the server: the request JWT a
// merchant's server signs (NewRequest, ParseRequest) and the response JWT
// the server returns (SignResponse, VerifyResponse). Merchants import it to
// verify response JWTs; the cardinal dialect uses it to check request JWTs.
//
// Both are HS256 with the merchant's API Key, nothing else: the parser is
// golang-jwt/jwt/v5 with WithValidMethods([]string{"HS256"}), so "none",
// HS384, HS512, RS*, ES* and a public-key-as-HMAC-secret confusion are
// refused before any claim is read. Every refusal is a *ClaimError that
// names the claim (or "alg", "signature"), never its value.
package cruise
