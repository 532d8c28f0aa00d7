// Package threedstest provides test doubles for the threeds ports, named like
// net/http/httptest: an adjustable Clock and MemoryStore, an in-memory
// implementation of every store port with the same semantics as
// dynamostore (TTL expiry read as absence, optimistic versioning with
// conflicts, idempotency claims, card-range lookup). Use it in unit tests;
// integration tests use dynamostore on DynamoDB Local. The contract suite in
// testkit/storetest runs against both.
package threedstest
