// Package faulttest holds the fault tests of the whole 3DS Server: the local
// stack (every function's bootstrap behind the local API Gateway, DynamoDB
// Local, the DS/ACS simulator, the stream → webhook function) started once,
// with a Directory Server the tests can break at run time in front of the
// simulator and a merchant webhook endpoint they can take down. They cover a
// DS that is slow, unreachable, answers garbage or fails TLS; an ACS sending
// invalid messages; duplicate and out-of-order RReq and CRes; DynamoDB Local
// killed and restarted mid-run; a webhook receiver down then up. Every loop
// is bounded in count and time; everything stays on the loopback interface.
// The package has no non-test code.
package faulttest
