// Package costmodel turns what one flow uses (API Gateway requests, Lambda
// invocations with their memory and billed duration, DynamoDB read and write
// request units) into US dollars per million flows, from a table of
// published on-demand prices. It does no measuring itself: cmd/loadgen -cost
// counts the usage against the local stack.
package costmodel
