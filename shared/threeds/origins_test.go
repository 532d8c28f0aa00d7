package threeds

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeOrigin(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"https://shop.example.com":     "https://shop.example.com",
		"HTTPS://Shop.Example.com:443": "https://shop.example.com",
		"http://127.0.0.1:*":           "http://127.0.0.1:*",
		"http://localhost:8080":        "http://localhost:8080",
		"https://[::1]:8443":           "https://[::1]:8443",
	}
	for in, want := range good {
		got, err := NormalizeOrigin(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "shop.example.com", "javascript:alert(1)", "ftp://x.example", "https://x.example/path",
		"https://evil.example:99999", "https://a\".example", "https://*.example.com", "https://user@x.example", "https://x.example:0", "data:text/html,hi"} {
		_, err := NormalizeOrigin(bad)
		require.ErrorIs(t, err, ErrInvalidOrigin, bad)
	}
	require.Error(t, CheckOrigins([]string{"https://ok.example", "nope", "https://x.example/p"}))
}

func TestOriginMatchesAndReturnURL(t *testing.T) {
	t.Parallel()
	m := &Merchant{AllowedOrigins: []string{"https://shop.example.com", "http://127.0.0.1:*"}}
	require.True(t, m.AllowsOrigin("https://shop.example.com"))
	require.True(t, m.AllowsOrigin("https://shop.example.com:443"))
	require.True(t, m.AllowsOrigin("http://127.0.0.1:41234"))
	require.True(t, m.AllowsOrigin("http://127.0.0.1"))
	require.False(t, m.AllowsOrigin("http://127.0.0.10:41234"))
	require.False(t, m.AllowsOrigin("http://shop.example.com"))
	require.False(t, m.AllowsOrigin("https://shop.example.com.evil.example"))
	require.False(t, m.AllowsOrigin("null"))

	require.True(t, m.AllowsReturnURL("https://anywhere.example/r"), "unrestricted by default")
	m.RestrictReturnURL = true
	require.True(t, m.AllowsReturnURL("https://shop.example.com/checkout/return?o=1"))
	require.True(t, m.AllowsReturnURL("http://127.0.0.1:9999/return"))
	require.False(t, m.AllowsReturnURL("https://anywhere.example/r"))
	require.False(t, m.AllowsReturnURL("javascript:alert(1)"))

	for _, bad := range []string{"javascript:alert(1)", "data:text/html,x", "https://evil.example:99999/", "https://a\"b.example/", "https://u:p@x.example/", "//x.example/"} {
		require.Error(t, CheckHTTPURL(bad), bad)
		require.Empty(t, OriginOf(bad), bad)
	}
	require.NoError(t, CheckHTTPURL("http://127.0.0.1:8080/_local/checkout/return?x=1"))
	require.Equal(t, "https://shop.example.com", OriginOf("https://shop.example.com:443/r?x"))
}
