package dynamostore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// The 2.3.1 attributes survive the item round trip: the decoupled
// indicator, the reused 3DS Method's ID, the trust list and exemption of the
// ARes, and the result's authenticationMethod and trust list; the card
// range's dsProtocolVersions; the merchant's acquirer country.
func TestV231AttributesRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 6, 21, 0, 0, 0, time.UTC)
	tx := &threeds.Transaction{
		ID: "2b5bfbdb-7c2f-4a54-9c4d-51c5b1b7a1a0", MerchantID: "m1", Dialect: "emvjson", State: threeds.StateFinal, Version: 3,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(time.Hour), MessageVersion: emv3ds.Version231,
		DecReqInd: emv3ds.DecReqIndFallback, ThreeDSMethodID: "8a880dc0-d2d2-4067-bcb1-b08d1690b26e",
		ARes: threeds.AResData{TransStatus: "C", AuthenticationMethod: "02,07", TrustListStatus: "Y", TrustListStatusSource: "03",
			TransChallengeExemption: "08", ReceivedAt: now},
		Result: &threeds.Result{TransStatus: "Y", AuthenticationMethod: "02", TrustListStatus: "Y", TrustListStatusSource: "03",
			Source: threeds.SourceRReq, ReceivedAt: now},
	}
	got := fromTxItem(toTxItem(tx))
	require.Equal(t, tx.DecReqInd, got.DecReqInd)
	require.Equal(t, tx.ThreeDSMethodID, got.ThreeDSMethodID)
	require.Equal(t, tx.ARes.AuthenticationMethod, got.ARes.AuthenticationMethod)
	require.Equal(t, tx.ARes.TrustListStatus, got.ARes.TrustListStatus)
	require.Equal(t, tx.ARes.TrustListStatusSource, got.ARes.TrustListStatusSource)
	require.Equal(t, tx.ARes.TransChallengeExemption, got.ARes.TransChallengeExemption)
	require.Equal(t, tx.Result.AuthenticationMethod, got.Result.AuthenticationMethod)
	require.Equal(t, tx.Result.TrustListStatus, got.Result.TrustListStatus)
	require.Equal(t, tx.Result.TrustListStatusSource, got.Result.TrustListStatusSource)

	r := threeds.CardRange{DS: "visa", Start: "4000000002310000", End: "4000000002310999",
		DSProtocolVersions:  []emv3ds.Version{"2.2.0", "2.3.1"},
		ACSProtocolVersions: []threeds.ACSProtocolVersion{{Version: "2.3.1", ThreeDSMethodURL: "https://acs.example.com/m231"}}}
	require.Equal(t, r.DSProtocolVersions, toRangeAttrs(r).cardRange().DSProtocolVersions)
	require.Equal(t, r.ACSProtocolVersions, toRangeAttrs(r).cardRange().ACSProtocolVersions)

	s := &Store{skipSecrets: true}
	m := &threeds.Merchant{ID: "m1", Country: "826", AcquirerCountry: "840"}
	it, err := s.toMerchantItem(m, 1)
	require.NoError(t, err)
	back, err := s.fromMerchantItem(it)
	require.NoError(t, err)
	require.Equal(t, "840", back.AcquirerCountry)
}
