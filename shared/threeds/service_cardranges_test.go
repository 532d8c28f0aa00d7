package threeds_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// presFor answers preq with the given serial number and ranges.
func presFor(preq *emv3ds.PReq, serial string, ranges ...emv3ds.CardRangeData) *emv3ds.PRes {
	return &emv3ds.PRes{
		MessageType: emv3ds.MessageTypePRes, MessageVersion: preq.MessageVersion,
		ThreeDSServerTransID: preq.ThreeDSServerTransID, DSTransID: "d0000000-0000-4000-8000-0000000000aa",
		SerialNum: serial, DSStartProtocolVersion: emv3ds.Version210, DSEndProtocolVersion: emv3ds.Version220,
		CardRangeData: ranges,
	}
}

func rng(start, end string, action emv3ds.ActionInd) emv3ds.CardRangeData {
	return emv3ds.CardRangeData{
		StartRange: start, EndRange: end, ActionInd: action,
		ACSStartProtocolVersion: emv3ds.Version210, ACSEndProtocolVersion: emv3ds.Version220,
		ThreeDSMethodURL: "https://acs.example.com/m",
	}
}

func TestRefreshCardRangesFullLoad(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.dir.PReq = func(_ context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		require.Equal(t, emv3ds.SchemeAmex, scheme)
		return presFor(preq, "100", rng("340000000001000", "340000000001999", "")), nil
	}
	set, err := e.svc.RefreshCardRanges(ctx, "amex", emv3ds.SchemeAmex)
	require.NoError(t, err)
	require.Equal(t, "100", set.SerialNum)
	require.Equal(t, 1, set.Count)
	preqs := e.dir.sentPReqs()
	require.Len(t, preqs, 1)
	p := preqs[0]
	require.Empty(t, p.SerialNum, "first load is full")
	require.Equal(t, emv3ds.MessageTypePReq, p.MessageType)
	require.Equal(t, refNumber, p.ThreeDSServerRefNumber)
	require.NotEmpty(t, p.ThreeDSServerTransID)

	cr, err := e.store.LookupCardRange(ctx, "340000000001007")
	require.NoError(t, err)
	require.Equal(t, emv3ds.SchemeAmex, cr.Scheme)
	require.Equal(t, "https://acs.example.com/m", cr.ThreeDSMethodURL)
	require.Equal(t, emv3ds.Version220, cr.DSEndVersion)

	// The new range serves preauth at once.
	out, err := e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: "340000000001007"})
	require.NoError(t, err)
	require.Equal(t, emv3ds.SchemeAmex, out.Scheme)
	require.Equal(t, "https://acs.example.com/m", out.ThreeDSMethodURL)
}

func TestRefreshCardRangesIncremental(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		require.Equal(t, "1", preq.SerialNum, "incremental from the stored serialNum")
		del := rng("4000000000001000", "4000000000001049", emv3ds.ActionIndDelete)
		return presFor(preq, "2", del, rng("4000000000002000", "4000000000002999", emv3ds.ActionIndAdd)), nil
	}
	set, err := e.svc.RefreshCardRanges(ctx, "visa", emv3ds.SchemeVisa)
	require.NoError(t, err)
	require.Equal(t, "2", set.SerialNum)
	require.Equal(t, 3, set.Count, "3 seeded - 1 deleted + 1 added")
	_, err = e.store.LookupCardRange(ctx, panFrictionless)
	require.ErrorIs(t, err, threeds.ErrCardRangeNotFound)
	_, err = e.store.LookupCardRange(ctx, panMethod)
	require.NoError(t, err, "untouched ranges stay")
	_, err = e.store.LookupCardRange(ctx, "4000000000002006")
	require.NoError(t, err)
}

func TestRefreshCardRangesSerialRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		if preq.SerialNum != "" {
			return nil, &threeds.PeerErroError{Erro: &emv3ds.Erro{
				MessageType: emv3ds.MessageTypeErro, ErrorCode: emv3ds.ErrorCodeSerialNumberInvalid,
				ErrorComponent: emv3ds.ErrorComponentDS, ErrorMessageType: emv3ds.MessageTypePReq,
			}}
		}
		return presFor(preq, "50", rng("4000000000005000", "4000000000005999", "")), nil
	}
	set, err := e.svc.RefreshCardRanges(ctx, "visa", emv3ds.SchemeVisa)
	require.NoError(t, err)
	preqs := e.dir.sentPReqs()
	require.Len(t, preqs, 2)
	require.Equal(t, "1", preqs[0].SerialNum)
	require.Empty(t, preqs[1].SerialNum, "Erro 307 → full reload")
	require.NotEqual(t, preqs[0].ThreeDSServerTransID, preqs[1].ThreeDSServerTransID)
	require.Equal(t, "50", set.SerialNum)
	require.Equal(t, 1, set.Count, "a full load replaces every range")
	_, err = e.store.LookupCardRange(ctx, panMethod)
	require.ErrorIs(t, err, threeds.ErrCardRangeNotFound)
}

func TestRefreshCardRangesOtherErroIsNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.PReq = func(context.Context, emv3ds.Scheme, *emv3ds.PReq) (*emv3ds.PRes, error) {
		return nil, &threeds.PeerErroError{Erro: &emv3ds.Erro{ErrorCode: emv3ds.ErrorCodeAccessDenied, ErrorComponent: emv3ds.ErrorComponentDS}}
	}
	_, err := e.svc.RefreshCardRanges(context.Background(), "visa", emv3ds.SchemeVisa)
	var peer *threeds.PeerErroError
	require.ErrorAs(t, err, &peer)
	require.Len(t, e.dir.sentPReqs(), 1)
}

func TestRefreshCardRangesInvalidPRes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		bad := rng("4000000000009999", "4000000000009000", "") // start after end
		return presFor(preq, "2", bad), nil
	}
	_, err := e.svc.RefreshCardRanges(ctx, "visa", emv3ds.SchemeVisa)
	var rejected *threeds.RejectedMessageError
	require.ErrorAs(t, err, &rejected)
	require.Equal(t, emv3ds.ErrorCodeInvalidFormat, rejected.Erro.ErrorCode)
	require.Equal(t, emv3ds.MessageTypePRes, rejected.Erro.ErrorMessageType)
	require.Contains(t, rejected.Erro.ErrorDetail, "cardRangeData[0].endRange")
	erros := e.dir.sentErros()
	require.Len(t, erros, 1, "the DS is told")
	require.Equal(t, e.dir.sentPReqs()[0].ThreeDSServerTransID, erros[0].ThreeDSServerTransID)

	set, err := e.store.CardRangeSet(ctx, "visa")
	require.NoError(t, err)
	require.Equal(t, "1", set.SerialNum, "nothing loaded")
	require.Equal(t, 3, set.Count)
}

func TestRefreshCardRangesDirectoryUnavailable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.svc.RefreshCardRanges(context.Background(), "visa", emv3ds.SchemeVisa)
	require.ErrorIs(t, err, threeds.ErrDirectoryUnavailable)
	require.Contains(t, err.Error(), "visa")
}
