package browser

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCardinalAsset(t *testing.T) {
	t.Parallel()
	js := CardinalAsset(nil, nil)
	require.Equal(t, 200, js.StatusCode)
	require.True(t, strings.HasPrefix(js.Body, "/*! open3ds cardinal.js "+CardinalVersion))
	require.NotContains(t, js.Body, "__VERSION__")
	require.Contains(t, js.Body, "window.Cardinal = createCardinal(create(src), src)")
	for _, name := range []string{"configure:", "setup:", "on:", "off:", "trigger:", "start:", `"continue":`, "payments.setupComplete", "payments.validated", "bin.process"} {
		require.Contains(t, js.Body, name)
	}
	require.Equal(t, "*", js.Headers["Access-Control-Allow-Origin"])
	require.Equal(t, "cross-origin", js.Headers["Cross-Origin-Resource-Policy"])
	same := CardinalAsset(nil, map[string]string{"If-None-Match": `"` + CardinalVersion + `"`})
	require.Equal(t, 304, same.StatusCode)
	long := CardinalAsset(map[string]string{"v": CardinalVersion}, nil)
	require.Equal(t, "public, max-age=31536000, immutable", long.Headers["Cache-Control"])
}
