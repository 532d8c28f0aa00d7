// Package emv3ds models the EMV 3-D Secure wire messages exchanged by a 3DS
// Server (PReq/PRes, AReq/ARes, CReq/CRes, RReq/RRes, Erro and the 3DS Method
// data) for protocol versions 2.1.0, 2.2.0 and 2.3.1, with their typed
// enumerations, lenient decoding, spec-exact encoding and validation that
// reports every failure as the Erro code a Directory Server would send.
//
// Encoding writes spec element names, never empty strings or nulls, and the
// shape of the message's version: one struct holds 2.3.1's array and object
// forms (threeDSRequestorChallengeInd, authentication info, cardholderInfo,
// trustList*) and MarshalJSON writes the 2.1.0/2.2.0 scalars when the
// version is older. Form values (creq, cres, threeDSMethodData) are base64url
// without padding.
//
// Decoding (Parse, Decode*, and json.Unmarshal on any message) accepts what
// real clients send: element names in any case, null/{}/[] as absent, numbers
// for numeric strings, either version's shape, base64 with or without padding,
// unknown elements ignored. It records an element given twice (204), an
// unrecognised critical extension (202), and empty or wrongly typed values
// (203); only input that is not a JSON object fails outright (101). The input
// is checked once with json.Valid and walked by a byte lexer, not
// json.Decoder's tokens (a tenth of the allocations).
//
// Validate methods check presence per version, device channel and message
// category, formats and lengths, and the ARes/RReq cross-field rules, and
// return a *ValidationError whose Code is the most significant failure
// (101 > 102 > 202 > 204 > 201 > 203 > 207 > 304 > 306 > 305 > 205 > 206 > 301)
// and whose Detail lists the offending elements, never their values. NewErro
// turns any error into the Erro to send. The rules come in families, each
// with its table test (families_test.go): every enumerated element per
// version, the formats that change with the version (2.3.1: https URLs), and
// the channel a response is judged as without its AReq. NegotiateVersionIn
// limits negotiation to the versions a deployment enables. The package uses
// the standard library only.
package emv3ds
