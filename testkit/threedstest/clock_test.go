package threedstest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/threedstest"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := threedstest.NewClock(t0)
	require.Equal(t, t0, c.Now())
	require.Equal(t, t0.Add(time.Hour), c.Advance(time.Hour))
	c.Set(t0)
	require.Equal(t, t0, c.Now())
}
