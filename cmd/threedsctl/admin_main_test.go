package main

import (
	"testing"

	"github.com/open3ds/server/devstack/ddblocal"
)

// TestMain stops the shared DynamoDB Local when the tests end.
func TestMain(m *testing.M) { ddblocal.Main(m) }
