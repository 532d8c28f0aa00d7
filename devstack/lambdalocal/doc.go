// Package lambdalocal runs the Lambda functions of template.yaml on a laptop
// the way AWS runs them: it builds each function's real bootstrap binary for
// the host, drives it through a small implementation of the Lambda Runtime
// API (one process per execution environment, cold start on first use and
// after a crash, up to FunctionConfig.Concurrency environments per function
// started as concurrent requests need them, the template's timeouts), fronts the functions with a local
// API Gateway that builds the REST API (payload version 1.0) events, calls
// the REQUEST authorizer first (with its result cache) and answers with the
// template's gateway responses, and polls the table's DynamoDB stream into
// the stream-triggered function as Lambda's event source mapping would
// (batch item failures, bisection, retries, an on-failure record).
//
// The route table, authorizer, gateway responses, function settings and the
// stream mapping are all read from template.yaml, so the local gateway cannot
// drift from the deployed one. Package stack wires it all together for
// make run and the end-to-end tests.
package lambdalocal
