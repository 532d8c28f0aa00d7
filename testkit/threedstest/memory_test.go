package threedstest_test

import (
	"testing"
	"time"

	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/storetest"
	"github.com/open3ds/server/testkit/threedstest"
)

func TestMemoryStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time, r threeds.Retention) storetest.Stores {
		return threedstest.NewMemoryStore(now, r)
	})
}
