package e2e

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/stacktest"
)

// pspMerchantOne seeds the stack's merchants with the product's store, the
// first one as a payment service provider's profile
// (AllowProfileOverrides, what `threedsctl merchant-policy
// -allow-overrides` sets): Hyperswitch sends its own acquirer and merchant
// identity. The second keeps the default policy.
func pspMerchantOne(c *dynamodb.Client, table string, v *vault.Vault) (stack.Store, error) {
	st, err := stack.DynamoStore(c, table, v)
	if err != nil {
		return nil, err
	}
	seedStore = st // uas_test.go creates and revokes capability tokens with it
	return pspSeed{Store: st}, nil
}

type pspSeed struct{ stack.Store }

func (p pspSeed) CreateMerchant(ctx context.Context, m *threeds.Merchant) error {
	if m.ID == "merchant-1" {
		m.AllowProfileOverrides = true
	}
	return p.Store.CreateMerchant(ctx, m)
}

// A merchant with the default policy cannot present another identity to
// the DS: a differing acquirerBIN, acquirerMerchantID, threeDSRequestorID,
// threeDSRequestorName or merchantName is refused naming the elements, and
// no AReq goes out. Its own profile values are fine.
func TestProfileOverridesRefusedByDefault(t *testing.T) {
	pan := visa(dssim.ScenarioFrictionlessY)
	txID := api.Preauth(t, key2, map[string]any{"acctNumber": pan})["threeDSServerTransID"].(string)
	r := api.Call(t, "/auth", key2, stacktest.BrowserAReq(txID, pan).With(
		"acquirerBIN", "400001", "acquirerMerchantID", "LOCAL-MERCHANT-1", "merchantName", "Local Shop One"))
	require.Equal(t, http.StatusBadRequest, r.Status, string(r.Body))
	e := r.JSON(t)
	require.Equal(t, "Erro", e["messageType"])
	require.Equal(t, "305", e["errorCode"])
	require.Equal(t, "acquirerBIN,acquirerMerchantID,merchantName", e["errorDetail"])
	require.NotContains(t, string(r.Body), "LOCAL-MERCHANT-1", "never the value")
	require.Empty(t, messages(exchanges(t, txID), dssim.Received, "AReq"), "no AReq reached the DS")

	ares := api.Auth(t, key2, stacktest.BrowserAReq(txID, pan).With("acquirerBIN", "400002", "merchantName", "Local Shop Two"))
	require.Equal(t, "Y", ares["transStatus"], "the profile's own values are accepted")
	areq := sentAReq(t, txID)
	require.Equal(t, "LOCAL-MERCHANT-2", areq["acquirerMerchantID"], "the profile fills what the request leaves out")
}
