package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/config"
)

// TestServiceConfigMerchantCache: only the flow functions cache merchant
// profiles; the webhook function reads them every time (a new URL or secret
// applies at once).
func TestServiceConfigMerchantCache(t *testing.T) {
	for _, tc := range []struct {
		fn   config.Function
		want time.Duration
	}{
		{config.Preauth, MerchantCacheTTL},
		{config.Auth, MerchantCacheTTL},
		{config.Webhook, 0},
		{config.Postauth, 0},
		{config.ChallengeCallback, 0},
		{config.CardRanges, 0},
	} {
		t.Run(string(tc.fn), func(t *testing.T) {
			a := &App{Function: tc.fn}
			require.Equal(t, tc.want, a.ServiceConfig().MerchantCacheTTL)
		})
	}
	require.Positive(t, MerchantCacheTTL)
	require.LessOrEqual(t, MerchantCacheTTL, time.Minute, "a merchant change must apply within a minute")
}
