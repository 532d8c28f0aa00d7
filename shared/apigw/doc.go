// Package apigw adapts API Gateway REST API (payload 1.0) events to the 3DS
// Server: it reads request bodies and headers under the input rules every
// client relies on (size limit, ASCII only, case-insensitive headers), writes
// JSON and HTML responses, and is the one place where an error becomes an HTTP
// status and an EMV Erro body.
//
// The rules every dialect shares live here: ExtractCredential (one
// credential per request, headers that disagree refused), DecodeFields (the
// one lenient decoder with the duplicate check), ElementPath (errors name
// only defined elements, never the client's own member names),
// EchoableTransID (only well-formed IDs are echoed) and CheckIdempotencyKey.
package apigw
