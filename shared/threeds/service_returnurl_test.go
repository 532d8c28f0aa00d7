package threeds_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// returnURL is an http(s) URL with a valid host and port, and, for a
// merchant that restricts it, on one of its allowed origins.
func TestAuthenticateReturnURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url string
		restrict  bool
		ok        bool
	}{
		{name: "https", url: "https://shop.example.com/return", ok: true},
		{name: "anywhere when unrestricted", url: "https://elsewhere.example/return", ok: true},
		{name: "javascript", url: "javascript:alert(1)"},
		{name: "data", url: "data:text/html,<script>alert(1)</script>"},
		{name: "port out of range", url: "https://evil.example:99999/"},
		{name: "quote in host", url: `https://ev"il.example/`},
		{name: "restricted, allowed origin", url: "http://localhost:5173/return", restrict: true, ok: true},
		{name: "restricted, other origin", url: "https://elsewhere.example/return", restrict: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			_, err := e.store.UpdateMerchant(context.Background(), merchantA, func(m *threeds.Merchant) error {
				m.AllowedOrigins, m.RestrictReturnURL = []string{"https://shop.example.com", "http://localhost:*"}, tc.restrict
				return nil
			})
			require.NoError(t, err)
			id := e.preauth(panFrictionless)
			_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id), ReturnURL: tc.url})
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, tc.url, e.tx(id).ReturnURL)
				return
			}
			require.ErrorIs(t, err, emv3ds.ErrFormat)
			require.Equal(t, []string{"returnURL"}, fieldsOf(t, err))
			require.NotContains(t, err.Error(), tc.url, "the value is never echoed")
			require.Empty(t, e.dir.sentAReqs())
		})
	}
}
