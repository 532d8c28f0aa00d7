// Package app wires a Lambda function at init: configuration from the
// environment, AWS clients (built once and reused across invocations), the
// master key from Secrets Manager (or a local file), the DynamoDB store and
// the DS client. Every functions/<name>/main.go calls it and builds its
// step's use case (threeds.New…Service) and router from it, so each stays a
// few lines of wiring.
package app
