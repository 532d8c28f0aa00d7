package browser

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPolicy(t *testing.T) {
	t.Parallel()
	p := Policy{Nonce: "abc", FrameAncestors: []string{"https://shop.example.com:443", "http://127.0.0.1:*", "javascript:alert(1)", "https://x.example/path"},
		FrameSrc: []string{"https://acs.example"}, FormAction: []string{"https://acs.example"}}
	got := p.String()
	require.Equal(t, "default-src 'none'; base-uri 'none'; object-src 'none'; script-src 'nonce-abc'; style-src 'nonce-abc'; "+
		"frame-src 'self' https://acs.example; form-action 'self' https://acs.example; frame-ancestors 'self' https://shop.example.com http://127.0.0.1:*", got,
		"bad entries never widen the policy")
	require.Equal(t, "default-src 'none'; base-uri 'none'; object-src 'none'; form-action 'self'; frame-ancestors 'self'", Policy{}.String())
	require.Contains(t, Policy{AnyFormAction: true}.String(), "form-action *")
}

func TestAutoWindowSize(t *testing.T) {
	t.Parallel()
	for w, want := range map[int]string{320: "01", 360: "01", 400: "01", 401: "02", 499: "02", 500: "03", 599: "03", 600: "04", 1280: "04"} {
		require.Equal(t, want, AutoWindowSize(w), w)
	}
	require.True(t, ValidWindowSize("05"))
	require.False(t, ValidWindowSize("06"))
	// threeds.js has the same table and thresholds.
	for _, s := range WindowSizes {
		if s.Width > 0 {
			require.Contains(t, core, `"`+s.Code+`": [`+strconv.Itoa(s.Width)+", "+strconv.Itoa(s.Height)+"]")
		}
	}
	require.Contains(t, core, "if (w <= 400) { return \"01\"; }")
}

func TestAsset(t *testing.T) {
	t.Parallel()
	js := Asset(false, nil, nil)
	require.Equal(t, 200, js.StatusCode)
	require.True(t, strings.HasPrefix(js.Body, "/*! open3ds threeds.js "+Version))
	require.NotContains(t, js.Body, "__VERSION__")
	require.NotContains(t, js.Body, "export ")
	same := Asset(false, nil, map[string]string{"if-none-match": `"` + Version + `"`})
	require.Equal(t, 304, same.StatusCode)
	require.Empty(t, same.Body)
	mjs := Asset(true, map[string]string{"v": Version}, nil)
	require.Contains(t, mjs.Body, "export const { version, method, challenge")
	require.Equal(t, "public, max-age=31536000, immutable", mjs.Headers["Cache-Control"])
	require.Equal(t, "*", mjs.Headers["Access-Control-Allow-Origin"])
}
