package threeds_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func TestCheckIdentifier(t *testing.T) {
	t.Parallel()
	long := "00000000-0000-4000-8000-000000000001" + strings.Repeat("a", 2048)
	tests := []struct {
		name   string
		value  string
		format threeds.IdentifierFormat
		code   emv3ds.ErrorCode // "" = valid
	}{
		{name: "uuid", value: "8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4f", format: threeds.UUIDFormat},
		{name: "upper-case uuid", value: "8A483188-1F7C-4F0E-9A43-0B6C1F2D3E4F", format: threeds.UUIDFormat},
		{name: "empty", value: "", format: threeds.UUIDFormat, code: emv3ds.ErrorCodeRequiredMissing},
		{name: "2,048+ bytes", value: long, format: threeds.UUIDFormat, code: emv3ds.ErrorCodeInvalidFormat},
		{name: "uuid without dashes", value: "8a4831881f7c4f0e9a430b6c1f2d3e4f", format: threeds.UUIDFormat, code: emv3ds.ErrorCodeInvalidFormat},
		{name: "uuid with a quote", value: `8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4"`, format: threeds.UUIDFormat, code: emv3ds.ErrorCodeInvalidFormat},
		{name: "a PAN", value: "4000000000001000", format: threeds.UUIDFormat, code: emv3ds.ErrorCodeInvalidFormat},
		{name: "reference", value: "order-1718_A", format: threeds.ReferenceFormat(1, 64)},
		{name: "reference too long", value: strings.Repeat("x", 65), format: threeds.ReferenceFormat(1, 64), code: emv3ds.ErrorCodeInvalidFormat},
		{name: "reference with a space", value: "order 1", format: threeds.ReferenceFormat(1, 64), code: emv3ds.ErrorCodeInvalidFormat},
		{name: "reference with non-ASCII", value: "ordér", format: threeds.ReferenceFormat(1, 64), code: emv3ds.ErrorCodeInvalidFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := threeds.CheckIdentifier("threeDSServerTransID", tc.value, tc.format)
			if tc.code == "" {
				require.NoError(t, err)
				return
			}
			var verr *emv3ds.ValidationError
			require.ErrorAs(t, err, &verr)
			require.Equal(t, tc.code, verr.Code())
			require.Equal(t, "threeDSServerTransID", verr.Detail(), "the error names the field")
			if tc.value != "" {
				require.NotContains(t, err.Error(), tc.value, "never the value")
			}
		})
	}
}

// refusingStore fails the test on any access: identifiers must be checked
// before a store sees them.
type refusingStore struct{ t *testing.T }

func (s refusingStore) Create(context.Context, *threeds.Transaction) error {
	s.t.Error("store Create reached with an unchecked identifier")
	return nil
}

func (s refusingStore) Get(_ context.Context, id string) (*threeds.Transaction, error) {
	s.t.Errorf("store Get reached with an unchecked identifier of %d bytes", len(id))
	return nil, threeds.ErrTransactionNotFound
}

func (s refusingStore) Update(_ context.Context, id string, _ func(*threeds.Transaction) error) (*threeds.Transaction, error) {
	s.t.Errorf("store Update reached with an unchecked identifier of %d bytes", len(id))
	return nil, threeds.ErrTransactionNotFound
}

// Every service entry point that takes a transaction ID from outside checks
// its format before any store access (a 2,048-byte ID used to reach
// DynamoDB, which refused the key: a 500).
func TestIdentifiersCheckedBeforeStore(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("7", 2048)
	for _, bad := range []string{long, "not-a-uuid", "00000000-0000-4000-8000-00000000000g"} {
		e := newEnv(t)
		clock := threeds.WithClock(e.clock.Now)
		svc := struct {
			*threeds.ResultService
			*threeds.AuthService
			*threeds.CallbackService
		}{
			threeds.NewResultService(refusingStore{t}, clock),
			threeds.NewAuthService(refusingStore{t}, e.store, e.store, e.vault, e.dir, e.sessions, e.cfg, clock),
			threeds.NewCallbackService(refusingStore{t}, e.sessions, e.cfg, clock),
		}
		ctx := context.Background()

		_, err := svc.Result(ctx, merchantA, bad)
		require.Equal(t, []string{"threeDSServerTransID"}, fieldsOf(t, err), "postauth")

		_, err = svc.Authenticate(ctx, merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, bad)})
		require.Equal(t, []string{"threeDSServerTransID"}, fieldsOf(t, err), "auth")

		md := emv3ds.EncodeBase64URL([]byte(`{"threeDSServerTransID":"` + bad + `"}`))
		_, err = svc.MethodCompleted(ctx, md)
		require.ErrorIs(t, err, threeds.ErrInvalidCallback, "method callback")

		rreq, derr := emv3ds.DecodeRReq(rreqJSON(bad))
		ans, err := svc.ReceiveRReq(ctx, rreq, derr)
		require.NoError(t, err)
		require.NotNil(t, ans.Erro, "results")
		require.Equal(t, emv3ds.ErrorCodeInvalidFormat, ans.Erro.ErrorCode)
		require.Equal(t, "threeDSServerTransID", ans.Erro.ErrorDetail)
		require.Empty(t, ans.Erro.ThreeDSServerTransID, "a malformed ID is not echoed")
		require.Empty(t, ans.ThreeDSServerTransID, "nor logged")
		body, err := json.Marshal(ans.Erro)
		require.NoError(t, err)
		require.NotContains(t, string(body), bad)
	}
}
