// Package stack runs the whole 3DS Server on one machine: DynamoDB Local
// with the table template.yaml defines, the DS/ACS simulator, every function
// of the template built for the host and run through the Lambda Runtime API
// emulator, the local API Gateway, the stream → webhook poller, two seeded
// merchants, a webhook sink, and the demo checkout and console of
// devstack/localui. Every function's DynamoDB and Secrets Manager
// calls go through the IAM checker with its template.yaml policy (the master
// key and the sandbox RReq key are served as Secrets Manager secrets); the
// simulator runs in process or, with Config.SimulatorLambda, as its Lambda
// on several execution environments; Config.NoCardRangeLoad and
// CreateCustomResources start it as a fresh deployment. cmd/localrun (make
// run) and the end-to-end tests start it through Start, so both exercise
// the same path.
package stack
