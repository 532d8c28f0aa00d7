package emv3ds_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
)

func TestElementName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"threeDSServerTransID":         "threeDSServerTransID",
		"threeDsserverTransId":         "threeDSServerTransID",
		"ACCTNUMBER":                   "acctNumber",
		"chAccAgeInd":                  "chAccAgeInd", // nested (acctInfo)
		"whiteliststatus":              "whiteListStatus",
		"sdkTransID":                   "sdkTransID",
		"threeDSMethodNotificationURL": "threeDSMethodNotificationURL",
	} {
		got, ok := emv3ds.ElementName(in)
		require.True(t, ok, in)
		require.Equal(t, want, got)
	}
	for _, in := range []string{"4000000000001000", "returnURL", "", "acctNumber "} {
		_, ok := emv3ds.ElementName(in)
		require.False(t, ok, in)
	}
}

func TestDecodeLenient(t *testing.T) {
	t.Parallel()
	type body struct {
		ThreeDSServerTransID string `json:"threeDSServerTransID"`
		Count                int    `json:"count"`
		Flag                 bool   `json:"flag"`
		Nested               struct {
			Name string `json:"name"`
		} `json:"nested"`
	}
	tests := []struct {
		name   string
		in     string
		want   body
		code   emv3ds.ErrorCode
		detail string
	}{
		{name: "exact", in: `{"threeDSServerTransID":"a","count":3,"flag":true,"nested":{"name":"n"}}`,
			want: body{ThreeDSServerTransID: "a", Count: 3, Flag: true, Nested: struct {
				Name string `json:"name"`
			}{Name: "n"}}},
		{name: "any case, number as string, unknown ignored", in: `{"threeDsserverTransId":5,"zzz":1,"FLAG":"true"}`, want: body{ThreeDSServerTransID: "5", Flag: true}},
		{name: "duplicate", in: `{"threeDSServerTransID":"a","threedsservertransid":"b"}`, code: emv3ds.ErrorCodeDuplicateElement, detail: "threeDSServerTransID"},
		{name: "nested duplicate", in: `{"nested":{"name":"a","Name":"b"}}`, code: emv3ds.ErrorCodeDuplicateElement, detail: "nested.name"},
		{name: "wrong type", in: `{"count":"x"}`, code: emv3ds.ErrorCodeInvalidFormat, detail: "count"},
		{name: "not an object", in: `[1]`, code: emv3ds.ErrorCodeMessageInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got body
			err := emv3ds.DecodeLenient([]byte(tc.in), &got)
			if tc.code == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var verr *emv3ds.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Equal(t, tc.code, verr.Code())
			if tc.detail != "" {
				require.Equal(t, tc.detail, verr.Detail())
			}
		})
	}
	require.Error(t, emv3ds.DecodeLenient([]byte(`{}`), body{}), "needs a pointer")
}

// A PAN given as a JSON number is refused by every decoder (a JavaScript
// client has already rounded it), while other numeric strings accept numbers.
func TestPANNeverANumber(t *testing.T) {
	t.Parallel()
	a, _ := emv3ds.DecodeAReq([]byte(`{"acctNumber":4000000000001000,"purchaseAmount":1999}`))
	require.NotNil(t, a)
	require.Empty(t, a.AcctNumber.Reveal())
	require.Equal(t, "1999", a.PurchaseAmount)
	require.Contains(t, fieldsOfErr(a.Validate()), "acctNumber")
	var body struct {
		AcctNumber emv3ds.PAN `json:"acctNumber"`
	}
	err := emv3ds.DecodeLenient([]byte(`{"acctNumber":4000000000001000}`), &body)
	var verr *emv3ds.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, "acctNumber", verr.Detail())
	require.Equal(t, emv3ds.ErrorCodeInvalidFormat, verr.Code())
}

func fieldsOfErr(err error) []string {
	var verr *emv3ds.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	var out []string
	for _, f := range verr.Fields {
		out = append(out, f.Field)
	}
	return out
}
