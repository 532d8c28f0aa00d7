package threeds_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/threeds"
)

func TestCheckReturnURL(t *testing.T) {
	t.Parallel()
	valid := []string{
		"https://shop.example.com/checkout/return",
		"http://127.0.0.1:5173/return?order=1&x=%20y#done",
		"https://[2001:db8::1]:8443/r",
		"https://SHOP.example.com:443/r",
		"HTTPS://shop.example.com",
		"http://localhost:1/",
		"https://xn--bcher-kva.example/r",
		"https://shop.example.com:65535/r",
		"https://" + strings.Repeat("a", 63) + ".example.com/" + strings.Repeat("p", 1900),
	}
	invalid := []string{
		"",
		"https://evil.example:99999/",          // port out of range
		"https://evil.example:0/",              // port 0
		"https://evil.example:080/",            // leading zero
		"https://evil.example:/",               // empty port
		"https://evil.example:8o/",             // not a number
		`https://evil"example.com/`,            // quote in the host
		`https://shop.example.com/"onload=`,    // quote in the path
		"https://shop.example.com/'x'",         // single quote
		"https://shop.example.com/<script>",    // angle brackets
		"https://shop.example.com/a b",         // space
		"https://shop.example.com/\\evil",      // backslash
		"https://shop.example.com/\x00",        // control character
		"https://shop.example.com/caf\u00e9",   // non-ASCII
		"javascript:alert(1)",                  // scheme
		"ftp://shop.example.com/",              // scheme
		"//shop.example.com/r",                 // not absolute
		"/checkout/return",                     // relative
		"https:///r",                           // no host
		"https://user:pass@shop.example.com/r", // user information
		"https://-shop.example.com/",           // label starts with a hyphen
		"https://shop_x.example.com/",          // underscore
		"https://shop..example.com/",           // empty label
		"https://" + strings.Repeat("a", 64) + ".example.com/",
		"https://999.1.1.1/",        // not an IP, all-digit TLD
		"https://[::1/",             // broken IPv6
		"https://[fe80::1%25eth0]/", // zone
		"https://shop.example.com/" + strings.Repeat("p", threeds.MaxReturnURLLen),
	}
	for _, u := range valid {
		require.NoError(t, threeds.CheckReturnURL("returnURL", u), "%q", u)
	}
	for _, u := range invalid {
		err := threeds.CheckReturnURL("returnURL", u)
		require.Equal(t, []string{"returnURL"}, fieldsOf(t, err), "%q", u)
		if len(u) > 8 {
			require.NotContains(t, err.Error(), u[8:], "never the value")
		}
	}
}
