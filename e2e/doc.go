// Package e2e holds the end-to-end scenario suite: the whole 3DS Server
// (every function's bootstrap behind the local API Gateway, DynamoDB Local,
// the DS/ACS simulator, the stream → webhook function) started once through
// devstack/lambdalocal/stack, and driven only over HTTP as a merchant, a
// cardholder's browser, Hyperswitch's threedsecureio connector and a
// Directory Server would drive it. Each test card scenario of
// architecture.md §6 is checked for its exact outcome; a final sweep checks
// that no test PAN reached a log line, an error body or a table item.
// The package has no non-test code.
package e2e
