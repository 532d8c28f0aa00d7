// Package stack runs the whole 3DS Server on one machine: DynamoDB Local
// with the table template.yaml defines, the DS/ACS simulator, every function
// of the template built for the host and run through the Lambda Runtime API
// emulator, the local API Gateway, the stream → webhook poller, two seeded
// merchants, a webhook sink, and the demo checkout and console of
// devstack/localui. cmd/localrun (make run) and the end-to-end
// tests start it through Start, so both exercise the same path.
package stack
