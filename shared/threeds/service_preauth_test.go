package threeds_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

func TestPreauth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		merchant   string
		in         threeds.PreauthInput
		wantErr    error
		wantField  string // validation error naming this element
		wantScheme emv3ds.Scheme
		wantVer    emv3ds.Version
		wantMethod bool
		wantNotify string
		wantState  threeds.State
	}{
		{
			name: "frictionless range, highest common version", merchant: merchantA,
			in:         threeds.PreauthInput{AcctNumber: panFrictionless},
			wantScheme: emv3ds.SchemeVisa, wantVer: emv3ds.Version220, wantState: threeds.StatePreAuthenticated,
		},
		{
			name: "requested version inside the range is honoured", merchant: merchantA,
			in:         threeds.PreauthInput{AcctNumber: panFrictionless, MessageVersion: emv3ds.Version210},
			wantScheme: emv3ds.SchemeVisa, wantVer: emv3ds.Version210, wantState: threeds.StatePreAuthenticated,
		},
		{
			name: "requested version outside the range is negotiated", merchant: merchantA,
			in:         threeds.PreauthInput{AcctNumber: panOld, MessageVersion: emv3ds.Version220},
			wantScheme: emv3ds.SchemeVisa, wantVer: emv3ds.Version210, wantState: threeds.StatePreAuthenticated,
		},
		{
			name: "ACS with a 3DS Method gets our notification URL", merchant: merchantA,
			in:         threeds.PreauthInput{AcctNumber: panMethod},
			wantScheme: emv3ds.SchemeVisa, wantVer: emv3ds.Version220, wantMethod: true,
			wantNotify: callbacks + "/callbacks/method", wantState: threeds.StateMethodPending,
		},
		{
			name: "merchant-hosted method notification", merchant: merchantA,
			in:         threeds.PreauthInput{AcctNumber: panMethod, MethodNotificationURL: "https://shop.example.com/3ds/method"},
			wantScheme: emv3ds.SchemeVisa, wantVer: emv3ds.Version220, wantMethod: true,
			wantNotify: "https://shop.example.com/3ds/method", wantState: threeds.StateMethodPending,
		},
		{
			name: "other scheme", merchant: merchantB,
			in:         threeds.PreauthInput{AcctNumber: panMastercard},
			wantScheme: emv3ds.SchemeMastercard, wantVer: emv3ds.Version220, wantState: threeds.StatePreAuthenticated,
		},
		{name: "not enrolled", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: panNotEnrolled}, wantErr: threeds.ErrNotEnrolled},
		{name: "scheme not allowed for the merchant", merchant: merchantB, in: threeds.PreauthInput{AcctNumber: panFrictionless}, wantErr: threeds.ErrSchemeNotServed},
		{name: "unknown merchant", merchant: "nobody", in: threeds.PreauthInput{AcctNumber: panFrictionless}, wantErr: threeds.ErrMerchantNotFound},
		{name: "missing PAN", merchant: merchantA, in: threeds.PreauthInput{}, wantErr: emv3ds.ErrMissing, wantField: "acctNumber"},
		{name: "PAN with letters", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: "40000000000010X0"}, wantErr: emv3ds.ErrFormat, wantField: "acctNumber"},
		{name: "PAN too short", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: "400000000010"}, wantErr: emv3ds.ErrFormat, wantField: "acctNumber"},
		{name: "PAN failing Luhn", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: "4000000000001001"}, wantErr: emv3ds.ErrFormat, wantField: "acctNumber"},
		{name: "unsupported version", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: panFrictionless, MessageVersion: "2.0.0"}, wantErr: emv3ds.ErrFormat, wantField: "messageVersion"},
		{name: "bad notification URL", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: panMethod, MethodNotificationURL: "ftp://x"}, wantErr: emv3ds.ErrFormat, wantField: "threeDSMethodNotificationURL"},
		{name: "notification URL with non-URI characters", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: panMethod, MethodNotificationURL: "https://shop.example/méthode"}, wantErr: emv3ds.ErrFormat, wantField: "threeDSMethodNotificationURL"},
		{name: "notification URL with userinfo", merchant: merchantA, in: threeds.PreauthInput{AcctNumber: panMethod, MethodNotificationURL: "https://user:pw@shop.example/m"}, wantErr: emv3ds.ErrFormat, wantField: "threeDSMethodNotificationURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			out, err := e.svc.Preauth(context.Background(), tc.merchant, tc.in)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Nil(t, out)
				if p := tc.in.AcctNumber.Reveal(); len(p) >= 6 {
					require.NotContains(t, err.Error(), p, "the error must never carry the PAN")
				}
				if tc.wantField != "" {
					require.Equal(t, []string{tc.wantField}, fieldsOf(t, err))
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, "00000000-0000-4000-8000-000000000001", out.ThreeDSServerTransID)
			require.Equal(t, tc.wantScheme, out.Scheme)
			require.Equal(t, tc.wantVer, out.MessageVersion)
			require.Equal(t, emv3ds.Version210, out.DSStartProtocolVersion)
			require.Equal(t, emv3ds.Version220, out.DSEndProtocolVersion)
			if tc.wantMethod {
				require.Equal(t, methodURL, out.ThreeDSMethodURL)
				require.Equal(t, tc.wantNotify, out.ThreeDSMethodNotificationURL)
				md, err := emv3ds.ParseThreeDSMethodData(out.ThreeDSMethodData)
				require.NoError(t, err)
				require.Equal(t, out.ThreeDSServerTransID, md.ThreeDSServerTransID)
				require.Equal(t, tc.wantNotify, md.ThreeDSMethodNotificationURL)
				require.NotContains(t, out.ThreeDSMethodData, "=", "base64url without padding")
				require.Equal(t, []string{"01", "02"}, out.ACSInfoInd)
			} else {
				require.Empty(t, out.ThreeDSMethodURL)
				require.Empty(t, out.ThreeDSMethodData)
				require.Empty(t, out.ThreeDSMethodNotificationURL)
			}

			tx := e.tx(out.ThreeDSServerTransID)
			require.Equal(t, tc.wantState, tx.State)
			require.Equal(t, tc.merchant, tx.MerchantID)
			require.Equal(t, tc.wantVer, tx.MessageVersion)
			pan := tc.in.AcctNumber.Reveal()
			require.Equal(t, pan[:6], tx.Card.BIN)
			require.Equal(t, pan[len(pan)-4:], tx.Card.Last4)
			require.Equal(t, e.vault.HashPAN(tc.in.AcctNumber), tx.Card.PANHash)
			require.NotContains(t, tx.Card.PANHash, pan)
			require.True(t, tx.ExpiresAt.After(svcNow), "every transaction expires")
		})
	}
}

func TestPreauthSchemeNotServedByDeployment(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(e *env) { e.cfg.Schemes = []emv3ds.Scheme{emv3ds.SchemeMastercard} })
	_, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panFrictionless})
	require.ErrorIs(t, err, threeds.ErrSchemeNotServed)
	out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panMastercard})
	require.NoError(t, err)
	require.Equal(t, emv3ds.SchemeMastercard, out.Scheme)
}

func TestPreauthCallbackBaseFromRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(e *env) { e.cfg.CallbackBaseURL = "" })
	out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{
		AcctNumber: panMethod, CallbackBaseURL: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/",
	})
	require.NoError(t, err)
	require.Equal(t, "https://abc.execute-api.eu-west-1.amazonaws.com/prod/callbacks/method", out.ThreeDSMethodNotificationURL)
}

// A use case without one of its ports is a wiring mistake found at
// construction (the function's cold start), never at request time.
func TestUseCaseRequiresItsPorts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var noStore *threedstest.MemoryStore
	require.PanicsWithValue(t, "threeds: Store is required", func() {
		threeds.NewPreauthService(nil, e.store, e.store, e.vault, threeds.ServiceConfig{})
	})
	require.PanicsWithValue(t, "threeds: CardRangeStore is required", func() {
		threeds.NewPreauthService(e.store, e.store, noStore, e.vault, threeds.ServiceConfig{})
	}, "a typed nil is nil too")
	require.PanicsWithValue(t, "threeds: SessionTokens is required", func() {
		threeds.NewAuthService(e.store, e.store, e.store, e.vault, e.dir, nil, threeds.ServiceConfig{})
	})
	require.PanicsWithValue(t, "threeds: WebhookSender is required", func() {
		threeds.NewWebhookService(e.store, e.store, nil, threeds.ServiceConfig{})
	})
	require.PanicsWithValue(t, "threeds: APIKeyStore is required", func() { threeds.NewKeyService(nil) })
	require.NotPanics(t, func() { threeds.NewResultService(e.store) })
}

// A PAN never reaches an error string, whatever went wrong.
func TestPreauthErrorsCarryNoPAN(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, pan := range []string{panNotEnrolled, "4000000000001001", "4000000000001000123456", "40000000000010a0"} {
		_, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: emv3ds.PAN(pan)})
		require.Error(t, err)
		require.False(t, strings.Contains(err.Error(), pan[:12]), "error %q leaks PAN digits", err)
	}
}

// TestPreauthVersionsEnabled: without 2.1.0 (the production default of
// VERSIONS_ENABLED), a card whose ACS speaks only 2.1.0 is not enrolled and
// the others negotiate as before.
func TestPreauthVersionsEnabled(t *testing.T) {
	e := newEnv(t, func(e *env) { e.cfg.Versions = []emv3ds.Version{emv3ds.Version220, emv3ds.Version231} })
	_, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panOld})
	require.ErrorIs(t, err, threeds.ErrNotEnrolled)
	_, err = e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panOld, MessageVersion: emv3ds.Version210})
	require.ErrorIs(t, err, threeds.ErrNotEnrolled)
	out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: panFrictionless, MessageVersion: emv3ds.Version210})
	require.NoError(t, err)
	require.Equal(t, emv3ds.Version220, out.MessageVersion, "a requested 2.1.0 is not honoured when disabled")
}
