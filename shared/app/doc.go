// Package app wires a Lambda function at init: configuration from the
// environment, AWS clients (built once and reused across invocations), the
// master key from Secrets Manager (or a local file), the DynamoDB store, the
// DS client and the flow Service. Every functions/<name>/main.go calls it, so
// each stays a few lines of wiring.
package app
