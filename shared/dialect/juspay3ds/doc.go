// Package juspay3ds is the dialect of Juspay's own 3DS Server API, the
// Netcetera-shaped API behind Juspay's UAS (docs/dialects.md §4; the public
// mock ArushKapoorJuspay/mock_three_ds_server, memory-bank/api-specifications.md):
// POST /3ds/version, /3ds/authenticate, /3ds/results and /3ds/final with the
// merchant's native API key as Bearer. Requests nest the AReq elements in
// objects (cardholderAccount, purchase, cardholder, merchant, acquirer,
// browserInformation, threeDSRequestor …); the dialect flattens them into the
// AReq. Errors are {"error": "...", "errorDetails": {...}}: the mock's
// string and Netcetera's object, so both readers find theirs.
//
// It imports no other dialect; the flows are threeds's.
package juspay3ds
