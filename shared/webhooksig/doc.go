// Package webhooksig signs and verifies the Threeds-Signature header of the
// webhook events the 3DS Server posts to merchants:
//
//	Threeds-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//
// The timestamp is inside the signed bytes, so a receiver that checks it
// against its own clock rejects replays of an old event.
package webhooksig
