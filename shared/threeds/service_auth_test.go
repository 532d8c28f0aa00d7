package threeds_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

func answer(status emv3ds.TransStatus) func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
	return func(_ context.Context, _ emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error) {
		return aresFor(areq, status), nil
	}
}

// TestAuthenticateBuildsAReq checks what the server puts into the AReq the DS
// receives.
func TestAuthenticateBuildsAReq(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	req := browserAReq(t, panFrictionless, id, func(m map[string]any) {
		// Elements only the DS may set, and server fields a client tries to set.
		m["dsTransID"] = "d9999999-0000-4000-8000-000000000009"
		m["dsURL"] = "https://evil.example.com/ds"
		m["dsReferenceNumber"] = "EVIL"
		m["threeDSServerURL"] = "https://evil.example.com/results"
		m["threeDSServerRefNumber"] = "EVIL"
		m["messageType"] = "ARes"
	})
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: req})
	require.NoError(t, err)
	require.Equal(t, emv3ds.TransStatusAuthenticated, out.ARes.TransStatus)
	require.Equal(t, emv3ds.SchemeVisa, out.Scheme)
	require.Empty(t, out.ChallengeRequest, "no CReq on a frictionless result")
	require.Empty(t, out.SessionData)

	sent := e.dir.sentAReqs()
	require.Len(t, sent, 1)
	a := sent[0]
	require.Equal(t, emv3ds.MessageTypeAReq, a.MessageType)
	require.Equal(t, emv3ds.Version220, a.MessageVersion)
	require.Equal(t, id, a.ThreeDSServerTransID)
	require.Equal(t, refNumber, a.ThreeDSServerRefNumber)
	require.Equal(t, "OPERATOR1", a.ThreeDSServerOperatorID)
	require.Equal(t, resultsURL, a.ThreeDSServerURL)
	// Merchant profile defaults.
	require.Equal(t, "444444", a.AcquirerBIN)
	require.Equal(t, "ACQMID0001", a.AcquirerMerchantID)
	require.Equal(t, "5411", a.MCC)
	require.Equal(t, "Example Shop", a.MerchantName)
	require.Equal(t, "840", a.MerchantCountryCode)
	require.Equal(t, "10000001", a.ThreeDSRequestorID)
	require.Equal(t, "Example Shop", a.ThreeDSRequestorName)
	require.Equal(t, "https://shop.example.com", a.ThreeDSRequestorURL)
	// Defaults: purchase date in UTC (the clock stands at 10:15:30 CEST),
	// our challenge callback, compInd U (the ACS has no method), payment auth.
	require.Equal(t, "20260625081530", a.PurchaseDate)
	require.Equal(t, callbacks+"/callbacks/challenge", a.NotificationURL)
	require.Equal(t, emv3ds.ThreeDSCompIndUnavailable, a.ThreeDSCompInd)
	require.Equal(t, emv3ds.AuthenticationInd("01"), a.ThreeDSRequestorAuthenticationInd)
	// DS-only elements cleared.
	require.Empty(t, a.DSTransID)
	require.Empty(t, a.DSURL)
	require.Empty(t, a.DSReferenceNumber)
	require.NoError(t, a.Validate(), "the AReq sent must pass our own validation")

	tx := e.tx(id)
	require.Equal(t, threeds.StateFinal, tx.State)
	require.NotNil(t, tx.Result)
	require.Equal(t, emv3ds.TransStatusAuthenticated, tx.Result.TransStatus)
	require.Equal(t, threeds.SourceARes, tx.Result.Source)
	require.Equal(t, emv3ds.AuthenticationValue(cavv), tx.Result.AuthenticationValue)
	require.Equal(t, "d0000000-0000-4000-8000-000000000001", tx.ARes.DSTransID)
	// Both writes (AReq mark, ARes) start from the transaction /auth holds
	// instead of reading it again: create + 2 writes.
	require.Equal(t, 2, e.store.HeldUpdates())
	require.EqualValues(t, 3, tx.Version)
}

func TestAuthenticateMerchantOverridesDefaults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// acquirerBIN is a profile field: only a merchant whose policy allows
	// overrides (a PSP profile) may set another value.
	_, err := e.store.UpdateMerchant(context.Background(), merchantA, func(m *threeds.Merchant) error {
		m.AllowProfileOverrides = true
		return nil
	})
	require.NoError(t, err)
	id := e.preauth(panFrictionless)
	req := browserAReq(t, panFrictionless, id, func(m map[string]any) {
		m["acquirerBIN"] = "999999"
		m["mcc"] = "5999"
		m["notificationURL"] = "https://shop.example.com/3ds/cres"
		m["purchaseDate"] = "20260101120000"
		m["threeDSServerOperatorID"] = "OWNOP"
	})
	_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: req})
	require.NoError(t, err)
	a := e.dir.sentAReqs()[0]
	require.Equal(t, "999999", a.AcquirerBIN)
	require.Equal(t, "5999", a.MCC)
	require.Equal(t, "ACQMID0001", a.AcquirerMerchantID, "unset fields still get the default")
	require.Equal(t, "https://shop.example.com/3ds/cres", a.NotificationURL)
	require.Equal(t, "20260101120000", a.PurchaseDate)
	require.Equal(t, "OWNOP", a.ThreeDSServerOperatorID)
	require.Equal(t, "https://shop.example.com/3ds/cres", e.tx(id).NotificationURL)
}

func TestAuthenticateCompInd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		pan    string
		method bool // the ACS page notified the method completion
		given  string
		want   emv3ds.ThreeDSCompInd
	}{
		{name: "no method URL", pan: panFrictionless, want: emv3ds.ThreeDSCompIndUnavailable},
		{name: "method never completed", pan: panMethod, want: emv3ds.ThreeDSCompIndNotCompleted},
		{name: "method completed", pan: panMethod, method: true, want: emv3ds.ThreeDSCompIndCompleted},
		{name: "merchant's own value kept", pan: panMethod, given: "Y", want: emv3ds.ThreeDSCompIndCompleted},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: emv3ds.PAN(tc.pan)})
			require.NoError(t, err)
			id := out.ThreeDSServerTransID
			if tc.method {
				got, err := e.svc.MethodCompleted(context.Background(), out.ThreeDSMethodData)
				require.NoError(t, err)
				require.Equal(t, id, got)
			}
			_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
				AReq: browserAReq(t, tc.pan, id, func(m map[string]any) {
					if tc.given != "" {
						m["threeDSCompInd"] = tc.given
					}
				}),
			})
			require.NoError(t, err)
			require.Equal(t, tc.want, e.dir.sentAReqs()[0].ThreeDSCompInd)
			require.Equal(t, tc.want, e.tx(id).CompInd)
		})
	}
}

func TestAuthenticateVersionShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pan       string
		requested string
		want      emv3ds.Version
	}{
		{name: "2.1.0 card range drops 2.2.0 elements", pan: panOld, want: emv3ds.Version210},
		{name: "requested 2.1.0 honoured", pan: panFrictionless, requested: "2.1.0", want: emv3ds.Version210},
		{name: "requested 2.3.1 outside the range: negotiated", pan: panFrictionless, requested: "2.3.1", want: emv3ds.Version220},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := e.preauth(tc.pan)
			_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
				AReq: browserAReq(t, tc.pan, id, func(m map[string]any) {
					if tc.requested != "" {
						m["messageVersion"] = tc.requested
					}
					m["threeDSRequestorDecReqInd"] = "N"
				}),
			})
			require.NoError(t, err)
			a := e.dir.sentAReqs()[0]
			require.Equal(t, tc.want, a.MessageVersion)
			require.Equal(t, tc.want, e.tx(id).MessageVersion)
			if tc.want == emv3ds.Version210 {
				require.Nil(t, a.BrowserJavascriptEnabled, "browserJavascriptEnabled does not exist in 2.1.0")
				require.Empty(t, a.ThreeDSRequestorDecReqInd, "threeDSRequestorDecReqInd does not exist in 2.1.0")
			} else {
				require.NotNil(t, a.BrowserJavascriptEnabled)
				require.True(t, *a.BrowserJavascriptEnabled)
			}
			require.NoError(t, a.Validate())
		})
	}
}

func TestAuthenticateOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    emv3ds.TransStatus
		mods      func(map[string]any)
		wantState threeds.State
		wantCReq  bool
	}{
		{name: "Y final", status: emv3ds.TransStatusAuthenticated, wantState: threeds.StateFinal},
		{name: "N final (a successful protocol run)", status: emv3ds.TransStatusNotAuthenticated, wantState: threeds.StateFinal},
		{name: "A final", status: emv3ds.TransStatusAttempted, wantState: threeds.StateFinal},
		{name: "R final", status: emv3ds.TransStatusRejected, wantState: threeds.StateFinal},
		{name: "C browser challenge", status: emv3ds.TransStatusChallenge, wantState: threeds.StateChallengePending, wantCReq: true},
		{
			name: "D decoupled", status: emv3ds.TransStatusDecoupled, wantState: threeds.StateDecoupledPending,
			mods: func(m map[string]any) {
				m["threeDSRequestorDecReqInd"] = "Y"
				m["threeDSRequestorDecMaxTime"] = "00060"
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.dir.AReq = answer(tc.status)
			id := e.preauth(panFrictionless)
			var mods []func(map[string]any)
			if tc.mods != nil {
				mods = append(mods, tc.mods)
			}
			out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
				AReq: browserAReq(t, panFrictionless, id, mods...), ReturnURL: "https://shop.example.com/return",
			})
			require.NoError(t, err)
			require.Equal(t, tc.status, out.ARes.TransStatus)
			tx := e.tx(id)
			require.Equal(t, tc.wantState, tx.State)
			require.Equal(t, "https://shop.example.com/return", tx.ReturnURL)
			if tc.wantState == threeds.StateFinal {
				require.Equal(t, tc.status, tx.Result.TransStatus)
			} else {
				require.Nil(t, tx.Result)
			}
			if !tc.wantCReq {
				require.Empty(t, out.ChallengeRequest)
				return
			}
			creq, err := emv3ds.ParseCReq(out.ChallengeRequest)
			require.NoError(t, err)
			require.Equal(t, emv3ds.MessageTypeCReq, creq.MessageType)
			require.Equal(t, id, creq.ThreeDSServerTransID)
			require.Equal(t, out.ARes.ACSTransID, creq.ACSTransID)
			require.Equal(t, emv3ds.Version220, creq.MessageVersion)
			require.Equal(t, emv3ds.ChallengeWindowSize("05"), creq.ChallengeWindowSize)
			require.Equal(t, emv3ds.ChallengeWindowSize("05"), out.ChallengeWindowSize)
			got, err := e.sessions.Verify(out.SessionData)
			require.NoError(t, err)
			require.Equal(t, id, got, "threeDSSessionData is bound to the transaction")
		})
	}
}

func TestAuthenticateChallengeWindowSize(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.AReq = answer(emv3ds.TransStatusChallenge)
	id := e.preauth(panFrictionless)
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
		AReq: browserAReq(t, panFrictionless, id), ChallengeWindowSize: "02",
	})
	require.NoError(t, err)
	creq, err := emv3ds.ParseCReq(out.ChallengeRequest)
	require.NoError(t, err)
	require.Equal(t, emv3ds.ChallengeWindowSize("02"), creq.ChallengeWindowSize)

	id = e.preauth(panFrictionless)
	_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
		AReq: browserAReq(t, panFrictionless, id), ChallengeWindowSize: "09",
	})
	require.Equal(t, []string{"challengeWindowSize"}, fieldsOf(t, err))
	require.Len(t, e.dir.sentAReqs(), 1, "a rejected request sends no AReq")
}

func TestAuthenticateInvalidARes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.AReq = func(_ context.Context, _ emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error) {
		a := aresFor(areq, emv3ds.TransStatusAuthenticated)
		a.AuthenticationValue = "" // Y without a CAVV
		return a, nil
	}
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	var rejected *threeds.RejectedMessageError
	require.ErrorAs(t, err, &rejected)
	require.Equal(t, emv3ds.ErrorCodeRequiredMissing, rejected.Erro.ErrorCode)
	require.Equal(t, emv3ds.ErrorComponentServer, rejected.Erro.ErrorComponent)
	require.Equal(t, emv3ds.MessageTypeARes, rejected.Erro.ErrorMessageType)
	require.Contains(t, rejected.Erro.ErrorDetail, "authenticationValue")
	require.Equal(t, id, rejected.Erro.ThreeDSServerTransID)

	erros := e.dir.sentErros()
	require.Len(t, erros, 1, "the DS is told about its invalid ARes")
	require.Equal(t, emv3ds.ErrorCodeRequiredMissing, erros[0].ErrorCode)
	require.Equal(t, emv3ds.MessageTypeErro, erros[0].MessageType)
	require.Len(t, e.dir.sentAReqs(), 1)

	tx := e.tx(id)
	require.Equal(t, threeds.StateFailed, tx.State)
	require.Nil(t, tx.Result, "an invalid ARes never becomes a result")
	require.Equal(t, emv3ds.ErrorCodeRequiredMissing, tx.Error.Code)
	require.Equal(t, emv3ds.MessageTypeARes, tx.Error.MessageType)
}

func TestAuthenticateUndecodableARes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.AReq = func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
		return nil, &threeds.InvalidResponseError{Reason: "ARes could not be decoded"}
	}
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	var rejected *threeds.RejectedMessageError
	require.ErrorAs(t, err, &rejected)
	require.Equal(t, emv3ds.ErrorCodeMessageInvalid, rejected.Erro.ErrorCode)
	require.Len(t, e.dir.sentErros(), 1)
	require.Equal(t, threeds.StateFailed, e.tx(id).State)
}

func TestAuthenticateDirectoryUnavailable(t *testing.T) {
	t.Parallel()
	for _, timeout := range []bool{false, true} {
		e := newEnv(t)
		cause := "Connection refused"
		if timeout {
			cause = "Connection timeout"
		}
		e.dir.AReq = func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
			return nil, &threeds.DirectoryUnavailableError{Timeout: timeout, Cause: cause}
		}
		id := e.preauth(panFrictionless)
		_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		var unavailable *threeds.DirectoryUnavailableError
		require.ErrorAs(t, err, &unavailable)
		require.ErrorIs(t, err, threeds.ErrDirectoryUnavailable)
		require.Equal(t, timeout, unavailable.Timeout)
		require.Len(t, e.dir.sentAReqs(), 1, "the AReq is sent exactly once")
		require.Empty(t, e.dir.sentErros(), "our own timeout is not the DS's error")
		tx := e.tx(id)
		require.Equal(t, threeds.StateFailed, tx.State)
		require.Equal(t, emv3ds.ErrorCodeSystemConnectionFailure, tx.Error.Code)
		require.Equal(t, cause, tx.Error.Detail)
		require.Equal(t, timeout, tx.Error.Timeout, "postauth answers 504 again only for a timeout")
		require.Equal(t, emv3ds.MessageTypeAReq, tx.Error.MessageType)

		// The merchant's retry cannot send a second AReq.
		_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		require.ErrorIs(t, err, threeds.ErrInvalidTransition)
		require.Len(t, e.dir.sentAReqs(), 1)
	}
}

// The failure is recorded even when the merchant's request is cancelled
// while the DS call runs.
func TestAuthenticateFailureRecordedAfterCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	e.dir.AReq = func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
		cancel()
		return nil, &threeds.DirectoryUnavailableError{Cause: "Request cancelled"}
	}
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(ctx, merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.ErrorIs(t, err, threeds.ErrDirectoryUnavailable)
	require.Equal(t, threeds.StateFailed, e.tx(id).State)
}

func TestAuthenticatePeerErro(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dsErro := &emv3ds.Erro{
		MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version220,
		ErrorCode: emv3ds.ErrorCodeTransactionDataInvalid, ErrorComponent: emv3ds.ErrorComponentDS,
		ErrorDescription: "Transaction data not valid", ErrorDetail: "acctNumber", ErrorMessageType: emv3ds.MessageTypeAReq,
	}
	e.dir.AReq = func(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
		return nil, &threeds.PeerErroError{Erro: dsErro}
	}
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	var peer *threeds.PeerErroError
	require.ErrorAs(t, err, &peer)
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, peer.Erro.ErrorCode)
	require.Equal(t, emv3ds.ErrorComponentDS, peer.Erro.ErrorComponent)
	require.Empty(t, e.dir.sentErros(), "an Erro is never answered with an Erro")
	tx := e.tx(id)
	require.Equal(t, threeds.StateFailed, tx.State)
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, tx.Error.Code)
	require.Equal(t, emv3ds.ErrorComponentDS, tx.Error.Component)
}

func TestAuthenticateRejectsRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		merchant  string
		pan       string
		noPreauth bool
		mods      func(map[string]any)
		wantErr   error
		wantField string
	}{
		{name: "PAN differs from preauth", merchant: merchantA, pan: "4000000000001018", wantErr: emv3ds.ErrNotAllowed, wantField: "acctNumber"},
		{name: "PAN missing", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) { delete(m, "acctNumber") }, wantErr: emv3ds.ErrMissing, wantField: "acctNumber"},
		{name: "PAN malformed", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) { m["acctNumber"] = "4000000000001001" }, wantErr: emv3ds.ErrFormat, wantField: "acctNumber"},
		{name: "another merchant's transaction", merchant: merchantB, pan: panFrictionless, wantErr: threeds.ErrTransactionNotFound},
		{name: "unknown transaction", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) { m["threeDSServerTransID"] = "00000000-0000-4000-8000-999999999999" }, wantErr: threeds.ErrTransactionNotFound},
		{name: "invalid AReq element", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) { m["purchaseCurrency"] = "EUR" }, wantErr: emv3ds.ErrFormat},
		{name: "missing required element", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) { delete(m, "browserIP"); delete(m, "purchaseAmount") }, wantErr: emv3ds.ErrMissing},
		{name: "bad return URL", merchant: merchantA, pan: panFrictionless, mods: func(m map[string]any) {}, wantErr: emv3ds.ErrFormat, wantField: "returnURL"},
		{name: "without preauth, not enrolled", merchant: merchantA, pan: panNotEnrolled, noPreauth: true, wantErr: threeds.ErrNotEnrolled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := ""
			if !tc.noPreauth {
				id = e.preauth(panFrictionless)
			}
			var mods []func(map[string]any)
			if tc.mods != nil {
				mods = append(mods, tc.mods)
			}
			in := threeds.AuthInput{AReq: browserAReq(t, tc.pan, id, mods...)}
			if tc.name == "bad return URL" {
				in.ReturnURL = "javascript:alert(1)"
			}
			_, err := e.svc.Authenticate(context.Background(), tc.merchant, in)
			require.ErrorIs(t, err, tc.wantErr)
			if tc.wantField != "" {
				require.Equal(t, []string{tc.wantField}, fieldsOf(t, err))
			}
			require.NotContains(t, err.Error(), tc.pan[:12], "no PAN digits in errors")
			require.Empty(t, e.dir.sentAReqs(), "a rejected request sends no AReq")
			if id != "" {
				require.Equal(t, threeds.StatePreAuthenticated, e.tx(id).State, "the transaction is unchanged")
			}
		})
	}
}

func TestAuthenticatePANMismatchCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, "4000000000001018", id)})
	var verr *emv3ds.ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, verr.Code())
}

func TestAuthenticateTwiceIsConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.NoError(t, err)
	_, err = e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.ErrorIs(t, err, threeds.ErrResultFinal)
	require.Len(t, e.dir.sentAReqs(), 1)
	require.Equal(t, threeds.StateFinal, e.tx(id).State)
}

func TestAuthenticateWithoutPreauth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panMethod, "")})
	require.NoError(t, err)
	id := out.ARes.ThreeDSServerTransID
	require.Equal(t, "00000000-0000-4000-8000-000000000001", id)
	a := e.dir.sentAReqs()[0]
	require.Equal(t, id, a.ThreeDSServerTransID)
	require.Equal(t, emv3ds.ThreeDSCompIndNotCompleted, a.ThreeDSCompInd, "the ACS has a method that did not run")
	tx := e.tx(id)
	require.Equal(t, merchantA, tx.MerchantID)
	require.Equal(t, "1059", tx.Card.Last4)
	require.Equal(t, threeds.StateFinal, tx.State)
}

func TestAuthenticateConcurrentRequestsSendOneAReq(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	requireConcurrentAuthSendsOneAReq(t, e, id)
}

func TestAuthenticateNilAReq(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{})
	require.ErrorIs(t, err, emv3ds.ErrInvalidMessage)
	require.Equal(t, []string{"body"}, fieldsOf(t, err))
}

// The ARes answered to the merchant is the DS's message; its JSON never
// carries the PAN.
func TestAuthenticateOutputCarriesNoPAN(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panFrictionless)
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
	require.NoError(t, err)
	b, err := json.Marshal(out.ARes)
	require.NoError(t, err)
	require.NotContains(t, string(b), panFrictionless)
}

// N, U and R without an ECI get the scheme's "not authenticated" value;
// Y keeps the issuer's.
func TestAuthenticateDefaultECI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status emv3ds.TransStatus
		want   emv3ds.ECI
	}{
		{emv3ds.TransStatusNotAuthenticated, "07"},
		{emv3ds.TransStatusRejected, "07"},
		{emv3ds.TransStatusAuthenticated, "05"},
	} {
		e := newEnv(t)
		e.dir.AReq = answer(tc.status)
		id := e.preauth(panFrictionless)
		_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
		require.NoError(t, err)
		require.Equal(t, tc.want, e.tx(id).Result.ECI, string(tc.status))
	}
}

// A merchant asking for decoupled authentication without a maximum time gets
// the ACS's own default written out (the DS requires the element); its own
// value is kept.
func TestAuthenticateDecoupledMaxTimeDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, given, want string
	}{
		{"defaulted", "", "10080"},
		{"kept", "00030", "00030"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			id := e.preauth(panFrictionless)
			req := browserAReq(t, panFrictionless, id, func(m map[string]any) {
				m["threeDSRequestorDecReqInd"] = "Y"
				if tc.given != "" {
					m["threeDSRequestorDecMaxTime"] = tc.given
				}
			})
			_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: req})
			require.NoError(t, err)
			a := e.dir.sentAReqs()[0]
			require.Equal(t, tc.want, a.ThreeDSRequestorDecMaxTime)
			require.Equal(t, emv3ds.DecReqInd("Y"), a.ThreeDSRequestorDecReqInd)
		})
	}
}

// requireConcurrentAuthSendsOneAReq runs 8 concurrent authentications of
// transaction id: one succeeds, the others lose the race, one AReq goes out.
func requireConcurrentAuthSendsOneAReq(t *testing.T, e *env, id string) {
	t.Helper()
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panFrictionless, id)})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		} else {
			require.True(t, errors.Is(err, threeds.ErrInvalidTransition) || errors.Is(err, threeds.ErrResultFinal), "unexpected %v", err)
		}
	}
	require.Equal(t, 1, ok)
	require.Len(t, e.dir.sentAReqs(), 1)
}
