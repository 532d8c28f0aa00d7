// Package hostile runs the hostile-client suite (testkit/hostile) against a
// real local stack: DynamoDB Local, the simulator over HTTP and the real
// handlers behind the local API Gateway. Every dialect's rows and flows run
// here; a new dialect adds its testkit/hostile.Dialect to dialects.
package hostile
