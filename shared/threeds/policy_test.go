package threeds_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func TestCheckProfileOverrides(t *testing.T) {
	t.Parallel()
	profile := threeds.Merchant{ID: "m", Name: "Example Shop", AcquirerBIN: "444444", AcquirerMerchantID: "ACQMID0001",
		RequestorID: "10000001", RequestorName: "Example Shop", Country: "826"}
	other := map[string]any{ // merchant B's identity
		"acquirerBIN": "555555", "acquirerMerchantID": "ACQMID0002", "threeDSRequestorID": "10000002",
		"threeDSRequestorName": "Other Shop", "merchantName": "Other Shop",
	}
	tests := []struct {
		name  string
		set   map[string]any
		psp   bool
		want  []string // refused elements
		setup func(*threeds.Merchant)
	}{
		{name: "nothing set: the profile's values", set: map[string]any{}},
		{name: "the profile's own values", set: map[string]any{"acquirerBIN": "444444", "merchantName": "Example Shop", "threeDSRequestorID": "10000001"}},
		{name: "another merchant's identity", set: other, want: []string{"acquirerBIN", "acquirerMerchantID", "threeDSRequestorID", "threeDSRequestorName", "merchantName"}},
		{name: "one differing element", set: map[string]any{"acquirerMerchantID": "ACQMID0002"}, want: []string{"acquirerMerchantID"}},
		{name: "a value the profile leaves empty", set: map[string]any{"threeDSRequestorName": "Someone"}, want: []string{"threeDSRequestorName"},
			setup: func(m *threeds.Merchant) { m.RequestorName = "" }},
		{name: "mcc is not a profile field", set: map[string]any{"mcc": "5999"}},
		{name: "PSP profile may override", set: other, psp: true},
		// 2.3.1 acquirerCountryCode: AcquirerCountry, else the merchant's Country.
		{name: "acquirer country of the merchant's country", set: map[string]any{"acquirerCountryCode": "826"}},
		{name: "another acquirer country", set: map[string]any{"acquirerCountryCode": "840"}, want: []string{"acquirerCountryCode"}},
		{name: "the profile's acquirer country", set: map[string]any{"acquirerCountryCode": "840"},
			setup: func(m *threeds.Merchant) { m.AcquirerCountry = "840" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := profile
			m.AllowProfileOverrides = tc.psp
			if tc.setup != nil {
				tc.setup(&m)
			}
			areq := browserAReq(t, panFrictionless, "", func(x map[string]any) {
				for k, v := range tc.set {
					x[k] = v
				}
			})
			err := threeds.CheckProfileOverrides(areq, &m)
			if len(tc.want) == 0 {
				require.NoError(t, err)
				return
			}
			require.ElementsMatch(t, tc.want, fieldsOf(t, err))
			require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.CodeOf(err))
			require.NotContains(t, err.Error(), "555555", "never the value")
		})
	}
	var names []string
	for _, f := range threeds.ProfileFields {
		names = append(names, f.Name)
	}
	require.Equal(t, []string{"acquirerBIN", "acquirerMerchantID", "threeDSRequestorID", "threeDSRequestorName", "merchantName", "acquirerCountryCode"}, names)
}

// The DS never receives another merchant's identity from a default
// merchant: the AReq is refused before it is sent.
func TestAuthenticateRefusesProfileOverride(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id, func(m map[string]any) {
		m["acquirerBIN"] = "555555"
		m["threeDSRequestorID"] = "10000002"
	})})
	require.ElementsMatch(t, []string{"acquirerBIN", "threeDSRequestorID"}, fieldsOf(t, err))
	require.Empty(t, e.dir.sentAReqs(), "no AReq goes out")
	require.Equal(t, threeds.StatePreAuthenticated, e.tx(id).State, "the transaction is untouched")
}
