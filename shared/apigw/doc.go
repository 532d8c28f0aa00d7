// Package apigw is the transport layer between API Gateway REST API
// (payload 1.0) events and the dialects: it reads request bodies and headers
// under the input rules every client relies on (size limit, UTF-8 text,
// case-insensitive headers, lenient JSON fields), writes JSON and HTML
// responses, runs Idempotency-Key requests once, routes each step
// function's requests to the dialect route of their path (Router), checks
// each merchant request's credential before its route runs, by the
// dialects' CredentialRules (CredentialGuard: what an API Gateway authorizer
// did, without its Lambda invocation per request), and is
// the one place where an error becomes an HTTP status and an EMV error
// description (Status). How that error is written is the dialect's choice
// (Renderer); ErroJSON writes the EMV Erro itself. It knows no dialect.
//
// The rules every dialect shares live here: ExtractCredential (one
// credential per request, headers that disagree refused), DecodeFields (the
// one lenient decoder with the duplicate check), ElementPath (errors name
// only defined elements, never the client's own member names),
// EchoableTransID (only well-formed IDs are echoed) and CheckIdempotencyKey.
package apigw
