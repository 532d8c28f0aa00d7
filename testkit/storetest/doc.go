// Package storetest is the contract suite of the threeds store ports. Every
// implementation runs it (threedstest.MemoryStore in its unit tests,
// dynamostore against DynamoDB Local) so that the fake and the real adapter
// keep the same semantics: not found is an error, expired items are absent,
// transitions are conditional, concurrent updates lose nothing, idempotency
// conflicts are detected, card ranges are found by PAN.
package storetest
