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
// It is as strict as AWS where a template mistake would otherwise show only
// after a deploy: an IAM checker (iam.go, iamcheck.go) reads each function's
// policy from template.yaml (statements, SAM policy templates expanded, or
// its own role) and stands in front of DynamoDB and Secrets Manager,
// answering AccessDeniedException for anything not granted; and
// FunctionConfig.Spread hands consecutive invocations to different
// execution environments, so state kept in memory between invocations fails
// as it would on Lambda.
//
// The route table, authorizer, gateway responses, function settings, the
// stream mapping and the IAM policies are all read from template.yaml, so
// the local stack cannot drift from the deployed one. Package stack wires it all together for
// make run and the end-to-end tests.
package lambdalocal
