package threeds_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

var (
	t0  = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	ret = threeds.DefaultRetention()
)

func newTx(t *testing.T, methodURL string) *threeds.Transaction {
	t.Helper()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{
		ID: "8a880dc0-d2d2-4067-bcb1-b08d1690b26e", MerchantID: "m1",
		Card:             threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "9f86d081884c7d65"},
		MessageVersion:   emv3ds.Version220,
		ThreeDSMethodURL: methodURL,
	}, t0, ret)
	require.NoError(t, err)
	return tx
}

// atState drives a transaction through the legal path to s.
func atState(t *testing.T, s threeds.State) *threeds.Transaction {
	t.Helper()
	method := ""
	if s == threeds.StateMethodPending || s == threeds.StateMethodCompleted {
		method = "https://acs.example/method"
	}
	tx := newTx(t, method)
	now := t0.Add(time.Second)
	switch s {
	case threeds.StatePreAuthenticated, threeds.StateMethodPending:
		return tx
	case threeds.StateMethodCompleted:
		require.NoError(t, tx.RecordMethodCompleted(now))
		return tx
	case threeds.StateExpired:
		require.NoError(t, tx.Expire(now))
		return tx
	}
	require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, now, ret))
	switch s {
	case threeds.StateAReqSent:
		return tx
	case threeds.StateFailed:
		require.NoError(t, tx.RecordFailure(threeds.ErrorInfo{Code: emv3ds.ErrorCodeSystemConnectionFailure}, now, ret))
		return tx
	case threeds.StateFinal:
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusAuthenticated), now, ret))
		return tx
	case threeds.StateChallengePending:
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusChallenge), now, ret))
		return tx
	case threeds.StateDecoupledPending:
		require.NoError(t, tx.RecordARes(ares(emv3ds.TransStatusDecoupled), now, ret))
		return tx
	}
	t.Fatalf("no path to %s", s)
	return nil
}

func ares(s emv3ds.TransStatus) threeds.AResData {
	a := threeds.AResData{TransStatus: s, DSTransID: "ds-1", ACSTransID: "acs-1"}
	switch s {
	case emv3ds.TransStatusAuthenticated, emv3ds.TransStatusAttempted:
		a.ECI = "05"
		a.AuthenticationValue = "AAABBEg0VhI0VniQEjRWAAAAAAA="
	case emv3ds.TransStatusChallenge:
		a.ACSURL = "https://acs.example/challenge"
	}
	return a
}

func rreq(fp string, s emv3ds.TransStatus) threeds.RReqData {
	return threeds.RReqData{TransStatus: s, ECI: "05", AuthenticationValue: "AAABBEg0VhI0VniQEjRWAAAAAAA=",
		ACSTransID: "acs-1", DSTransID: "ds-1", Fingerprint: fp, RRes: json.RawMessage(`{"resultsStatus":"01","fp":"` + fp + `"}`)}
}

func TestNewTransaction(t *testing.T) {
	require.Equal(t, threeds.StatePreAuthenticated, newTx(t, "").State)
	tx := newTx(t, "https://acs.example/method")
	require.Equal(t, threeds.StateMethodPending, tx.State)
	require.Equal(t, t0.Add(ret.PreAuth), tx.ExpiresAt)
	require.Equal(t, t0, tx.CreatedAt)

	_, err := threeds.NewTransaction(threeds.NewTransactionInput{}, t0, ret)
	require.ErrorContains(t, err, "ID, MerchantID")
}

// TestTransitionMatrix tries every transition from every state and checks
// which are allowed and which error with which sentinel.
func TestTransitionMatrix(t *testing.T) {
	now := t0.Add(time.Minute)
	type op struct {
		name string
		do   func(tx *threeds.Transaction) error
	}
	ops := []op{
		{"method", func(tx *threeds.Transaction) error { return tx.RecordMethodCompleted(now) }},
		{"areq", func(tx *threeds.Transaction) error { return tx.RecordAReqSent(threeds.AReqSent{}, now, ret) }},
		{"ares-Y", func(tx *threeds.Transaction) error {
			return tx.RecordARes(ares(emv3ds.TransStatusAuthenticated), now, ret)
		}},
		{"ares-C", func(tx *threeds.Transaction) error { return tx.RecordARes(ares(emv3ds.TransStatusChallenge), now, ret) }},
		{"rreq", func(tx *threeds.Transaction) error {
			_, err := tx.RecordRReq(rreq("other", emv3ds.TransStatusNotAuthenticated), now, ret)
			return err
		}},
		{"cres", func(tx *threeds.Transaction) error { return tx.RecordCRes(now) }},
		{"fail", func(tx *threeds.Transaction) error { return tx.RecordFailure(threeds.ErrorInfo{Code: "402"}, now, ret) }},
		{"expire", func(tx *threeds.Transaction) error { return tx.Expire(now) }},
	}
	ok, invalid, final := error(nil), threeds.ErrInvalidTransition, threeds.ErrResultFinal
	// want[state][op]
	want := map[threeds.State]map[string]error{
		threeds.StatePreAuthenticated: {"method": invalid, "areq": ok, "ares-Y": invalid, "ares-C": invalid, "rreq": invalid, "cres": invalid, "fail": ok, "expire": ok},
		threeds.StateMethodPending:    {"method": ok, "areq": ok, "ares-Y": invalid, "ares-C": invalid, "rreq": invalid, "cres": invalid, "fail": ok, "expire": ok},
		threeds.StateMethodCompleted:  {"method": ok, "areq": ok, "ares-Y": invalid, "ares-C": invalid, "rreq": invalid, "cres": invalid, "fail": ok, "expire": ok},
		threeds.StateAReqSent:         {"method": invalid, "areq": invalid, "ares-Y": ok, "ares-C": ok, "rreq": invalid, "cres": invalid, "fail": ok, "expire": ok},
		threeds.StateChallengePending: {"method": invalid, "areq": invalid, "ares-Y": invalid, "ares-C": invalid, "rreq": ok, "cres": ok, "fail": ok, "expire": ok},
		threeds.StateDecoupledPending: {"method": invalid, "areq": invalid, "ares-Y": invalid, "ares-C": invalid, "rreq": ok, "cres": invalid, "fail": ok, "expire": ok},
		threeds.StateFinal:            {"method": final, "areq": final, "ares-Y": final, "ares-C": final, "rreq": final, "cres": invalid, "fail": final, "expire": final},
		threeds.StateFailed:           {"method": invalid, "areq": invalid, "ares-Y": invalid, "ares-C": invalid, "rreq": invalid, "cres": invalid, "fail": invalid, "expire": invalid},
		threeds.StateExpired:          {"method": invalid, "areq": invalid, "ares-Y": invalid, "ares-C": invalid, "rreq": invalid, "cres": invalid, "fail": invalid, "expire": ok},
	}
	for _, s := range threeds.States {
		for _, o := range ops {
			t.Run(string(s)+"/"+o.name, func(t *testing.T) {
				tx := atState(t, s)
				before := tx.Clone()
				err := o.do(tx)
				w := want[s][o.name]
				if w == nil {
					require.NoError(t, err)
					return
				}
				require.ErrorIs(t, err, w)
				require.Equal(t, before, tx, "a refused transition must not change the transaction")
			})
		}
	}
}

func TestMethodCompletedIsIdempotent(t *testing.T) {
	tx := atState(t, threeds.StateMethodPending)
	require.NoError(t, tx.RecordMethodCompleted(t0.Add(time.Second)))
	require.NoError(t, tx.RecordMethodCompleted(t0.Add(5*time.Second)))
	require.Equal(t, t0.Add(time.Second), tx.MethodCompletedAt)
	require.Equal(t, emv3ds.ThreeDSCompIndCompleted, tx.DefaultCompInd())

	// A late notification after the AReq went with N changes nothing.
	late := atState(t, threeds.StateMethodPending)
	require.NoError(t, late.RecordAReqSent(threeds.AReqSent{}, t0.Add(11*time.Second), ret))
	require.Equal(t, emv3ds.ThreeDSCompIndNotCompleted, late.CompInd)
	require.NoError(t, late.RecordMethodCompleted(t0.Add(12*time.Second)))
	require.Equal(t, threeds.StateAReqSent, late.State)
	require.True(t, late.MethodCompletedAt.IsZero())
}

func TestCompIndDefaults(t *testing.T) {
	for _, tc := range []struct {
		state threeds.State
		want  emv3ds.ThreeDSCompInd
	}{
		{threeds.StatePreAuthenticated, emv3ds.ThreeDSCompIndUnavailable},
		{threeds.StateMethodPending, emv3ds.ThreeDSCompIndNotCompleted},
		{threeds.StateMethodCompleted, emv3ds.ThreeDSCompIndCompleted},
	} {
		tx := atState(t, tc.state)
		require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{}, t0, ret))
		require.Equal(t, tc.want, tx.CompInd, tc.state)
	}
}

func TestAResOutcomes(t *testing.T) {
	for _, tc := range []struct {
		status  emv3ds.TransStatus
		state   threeds.State
		expires time.Duration
	}{
		{emv3ds.TransStatusAuthenticated, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusNotAuthenticated, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusAttempted, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusUnavailable, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusRejected, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusInformational, threeds.StateFinal, ret.Result},
		{emv3ds.TransStatusChallenge, threeds.StateChallengePending, ret.Pending},
		{emv3ds.TransStatusChallengeSPC, threeds.StateChallengePending, ret.Pending},
		{emv3ds.TransStatusDecoupled, threeds.StateDecoupledPending, ret.Decoupled},
	} {
		t.Run(string(tc.status), func(t *testing.T) {
			tx := atState(t, threeds.StateAReqSent)
			now := t0.Add(2 * time.Second)
			require.NoError(t, tx.RecordARes(ares(tc.status), now, ret))
			require.Equal(t, tc.state, tx.State)
			require.Equal(t, now.Add(tc.expires), tx.ExpiresAt)
			require.Equal(t, "ds-1", tx.ARes.DSTransID)
			if tc.state == threeds.StateFinal {
				require.Equal(t, tc.status, tx.Result.TransStatus)
				require.Equal(t, threeds.SourceARes, tx.Result.Source)
				require.Equal(t, ares(tc.status).AuthenticationValue, tx.Result.AuthenticationValue)
			} else {
				require.Nil(t, tx.Result)
			}
		})
	}
	tx := atState(t, threeds.StateAReqSent)
	require.ErrorIs(t, tx.RecordARes(threeds.AResData{TransStatus: "Q"}, t0, ret), threeds.ErrInvalidTransition)
	require.Equal(t, threeds.StateAReqSent, tx.State)
}

func TestRReqFinalNeverChanges(t *testing.T) {
	tx := atState(t, threeds.StateChallengePending)
	rres, err := tx.RecordRReq(rreq("fp1", emv3ds.TransStatusAuthenticated), t0.Add(time.Minute), ret)
	require.NoError(t, err)
	require.JSONEq(t, `{"resultsStatus":"01","fp":"fp1"}`, string(rres))
	require.Equal(t, threeds.StateFinal, tx.State)
	require.Equal(t, threeds.SourceRReq, tx.Result.Source)
	require.Equal(t, t0.Add(time.Minute+ret.Result), tx.ExpiresAt)
	stored := tx.Clone()

	// identical repeat: same RRes, nothing changes
	again, err := tx.RecordRReq(rreq("fp1", emv3ds.TransStatusAuthenticated), t0.Add(2*time.Minute), ret)
	require.NoError(t, err)
	require.Equal(t, rres, again)
	require.Equal(t, stored, tx)

	// different RReq: rejected, result kept
	_, err = tx.RecordRReq(rreq("fp2", emv3ds.TransStatusNotAuthenticated), t0.Add(3*time.Minute), ret)
	require.ErrorIs(t, err, threeds.ErrResultFinal)
	require.Equal(t, stored, tx)

	// the CRes after the RReq is recorded once, state unchanged
	require.NoError(t, tx.RecordCRes(t0.Add(4*time.Minute)))
	require.NoError(t, tx.RecordCRes(t0.Add(5*time.Minute)))
	require.Equal(t, t0.Add(4*time.Minute), tx.CResReceivedAt)
	require.Equal(t, stored.Result, tx.Result)
}

func TestRReqValidation(t *testing.T) {
	for name, in := range map[string]threeds.RReqData{
		"no fingerprint": {TransStatus: emv3ds.TransStatusAuthenticated},
		"acs mismatch":   {TransStatus: emv3ds.TransStatusAuthenticated, Fingerprint: "f", ACSTransID: "other"},
		"ds mismatch":    {TransStatus: emv3ds.TransStatusAuthenticated, Fingerprint: "f", DSTransID: "other"},
		"status C":       {TransStatus: emv3ds.TransStatusChallenge, Fingerprint: "f"},
		"status missing": {Fingerprint: "f"},
	} {
		t.Run(name, func(t *testing.T) {
			tx := atState(t, threeds.StateDecoupledPending)
			_, err := tx.RecordRReq(in, t0, ret)
			require.ErrorIs(t, err, threeds.ErrInvalidTransition)
			require.Equal(t, threeds.StateDecoupledPending, tx.State)
		})
	}
}

func TestExpireKeepsRecordExpiry(t *testing.T) {
	tx := atState(t, threeds.StateChallengePending)
	exp := tx.ExpiresAt
	require.NoError(t, tx.Expire(t0.Add(time.Hour)))
	require.Equal(t, threeds.StateExpired, tx.State)
	require.Equal(t, exp, tx.ExpiresAt)
	require.True(t, tx.State.IsFinal())
}

func TestStates(t *testing.T) {
	for _, s := range threeds.States {
		require.True(t, s.Valid())
	}
	require.False(t, threeds.State("bogus").Valid())
	final := map[threeds.State]bool{threeds.StateFinal: true, threeds.StateFailed: true, threeds.StateExpired: true}
	for _, s := range threeds.States {
		require.Equal(t, final[s], s.IsFinal(), s)
	}
}

func TestExpiredBoundary(t *testing.T) {
	exp := t0.Add(time.Minute)
	require.False(t, threeds.Expired(exp, exp.Add(-time.Nanosecond)))
	require.True(t, threeds.Expired(exp, exp))
	require.False(t, threeds.Expired(time.Time{}, exp))
	require.Equal(t, time.Date(2026, 11, 24, 10, 1, 0, 0, time.UTC), threeds.Expiry(t0.Add(900*time.Millisecond), time.Minute))
}

func TestLogValueHidesCardData(t *testing.T) {
	tx := atState(t, threeds.StateFinal)
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("tx", "tx", tx)
	out := buf.String()
	require.Contains(t, out, tx.ID)
	require.NotContains(t, out, string(tx.Result.AuthenticationValue))
	require.NotContains(t, out, tx.Card.PANHash)
}

type fakeHasher struct{}

func (fakeHasher) HashPAN(p emv3ds.PAN) string { return "hash-of-" + p.Last4() }

func TestNewCard(t *testing.T) {
	c := threeds.NewCard("4000000000001000", emv3ds.SchemeVisa, fakeHasher{})
	require.Equal(t, threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "hash-of-1000"}, c)
	require.Equal(t, "400000******1000", c.MaskedPAN())
	require.False(t, strings.Contains(c.MaskedPAN(), "4000000000001000"))
}

func TestTenantHelpersAreErrorsIs(t *testing.T) {
	require.True(t, errors.Is(threeds.ErrTransactionNotFound, threeds.ErrTransactionNotFound))
}
