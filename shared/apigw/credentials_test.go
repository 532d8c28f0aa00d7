package apigw_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
)

func TestExtractCredential(t *testing.T) {
	t.Parallel()
	const a, b = "o3ds_key_of_merchant_one", "o3ds_key_of_merchant_two"
	tests := []struct {
		name    string
		headers map[string]string
		multi   map[string][]string
		want    string
		wantErr error
	}{
		{name: "bearer", headers: map[string]string{"Authorization": "Bearer " + a}, want: a},
		{name: "bearer any case", headers: map[string]string{"authorization": "bearer  " + a + " "}, want: a},
		{name: "apikey", headers: map[string]string{"APIKey": a}, want: a},
		{name: "apikey lower case (Hyperswitch)", headers: map[string]string{"apikey": a}, want: a},
		{name: "multi-value map only", multi: map[string][]string{"Authorization": {"Bearer " + a}}, want: a},
		{name: "both maps agree", headers: map[string]string{"Authorization": "Bearer " + a}, multi: map[string][]string{"Authorization": {"Bearer " + a}}, want: a},
		{name: "Bearer and APIKey with the same key", headers: map[string]string{"Authorization": "Bearer " + a, "APIKey": a}, want: a},
		{name: "blank APIKey beside a Bearer", headers: map[string]string{"Authorization": "Bearer " + a, "APIKey": " "}, want: a},
		{name: "unrelated headers", headers: map[string]string{"X-Api-Key": b, "Authorization": "Bearer " + a}, want: a},

		{name: "none", headers: map[string]string{"Content-Type": "application/json"}, wantErr: apigw.ErrNoCredential},
		{name: "nil maps", wantErr: apigw.ErrNoCredential},
		{name: "blank only", headers: map[string]string{"APIKey": ""}, wantErr: apigw.ErrNoCredential},
		{name: "Bearer and APIKey of two merchants", headers: map[string]string{"Authorization": "Bearer " + a, "APIKey": b}, wantErr: apigw.ErrConflictingCredentials},
		{name: "APIKey repeated with different values", headers: map[string]string{"APIKey": b}, multi: map[string][]string{"APIKey": {a, b}}, wantErr: apigw.ErrConflictingCredentials},
		{name: "Authorization repeated", multi: map[string][]string{"Authorization": {"Bearer " + a, "Bearer " + b}}, wantErr: apigw.ErrConflictingCredentials},
		{name: "same name in two cases, two values", headers: map[string]string{"Authorization": "Bearer " + a, "authorization": "Bearer " + b}, wantErr: apigw.ErrConflictingCredentials},
		{name: "one valid and one other key", headers: map[string]string{"APIKey": a}, multi: map[string][]string{"apikey": {"o3ds_not_a_key"}}, wantErr: apigw.ErrConflictingCredentials},
		{name: "Basic scheme", headers: map[string]string{"Authorization": "Basic bWVyY2hhbnQ6cGFzcw=="}, wantErr: apigw.ErrConflictingCredentials},
		{name: "Basic beside an APIKey", headers: map[string]string{"Authorization": "Basic bWVyY2hhbnQ6cGFzcw==", "APIKey": a}, wantErr: apigw.ErrConflictingCredentials},
		{name: "Bearer without a token", headers: map[string]string{"Authorization": "Bearer"}, wantErr: apigw.ErrConflictingCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Go's map order is random: the answer must be the same every time.
			for i := 0; i < 50; i++ {
				got, err := apigw.ExtractCredential(tc.headers, tc.multi, apigw.APIKeySources)
				if tc.wantErr != nil {
					require.ErrorIs(t, err, tc.wantErr)
					require.Empty(t, got.Value)
					continue
				}
				require.NoError(t, err)
				require.Equal(t, apigw.CredentialAPIKey, got.Kind)
				require.Equal(t, tc.want, got.Value)
			}
		})
	}
}
