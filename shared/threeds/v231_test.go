package threeds_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

const (
	pan231       = "4000000002310003" // the 2.3.1 range loaded by load231
	methodURL220 = "https://acs.example.com/method/220"
	methodURL231 = "https://acs.example.com/method/231"
)

// load231 adds a range as a 2.3.1 PRes gives it: ACS versions 2.1.0 and
// 2.3.1 (no 2.2.0), each with its own 3DS Method URL, and a DS list.
func load231(t *testing.T, e *env) {
	t.Helper()
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		require.Equal(t, emv3ds.Version231, preq.MessageVersion, "the PReq asks for the 2.3.1 shape")
		return &emv3ds.PRes{
			MessageType: emv3ds.MessageTypePRes, MessageVersion: preq.MessageVersion,
			ThreeDSServerTransID: preq.ThreeDSServerTransID, DSTransID: "d0000000-0000-4000-8000-0000000000aa", SerialNum: "1",
			DSProtocolVersions: []emv3ds.Version{emv3ds.Version210, emv3ds.Version220, emv3ds.Version231},
			CardRangeData: []emv3ds.CardRangeData{{
				StartRange: "4000000002310000", EndRange: "4000000002310999", ActionInd: emv3ds.ActionIndAdd,
				ACSProtocolVersions: []emv3ds.ACSProtocolVersion{
					{Version: emv3ds.Version210, ThreeDSMethodURL: methodURL220, ACSInfoInd: []emv3ds.ACSInfoInd{"01"}},
					{Version: emv3ds.Version231, ThreeDSMethodURL: methodURL231, ACSInfoInd: []emv3ds.ACSInfoInd{"01", "02", "03", "04"}},
				},
			}},
		}, nil
	}
	_, err := e.svc.RefreshCardRanges(context.Background(), "visa231", emv3ds.SchemeVisa)
	require.NoError(t, err)
}

func TestPReqFallsBackTo220(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		if preq.MessageVersion == emv3ds.Version231 {
			return nil, &threeds.PeerErroError{Erro: &emv3ds.Erro{MessageType: emv3ds.MessageTypeErro, MessageVersion: emv3ds.Version231,
				ErrorCode: emv3ds.ErrorCodeVersionNotSupported, ErrorComponent: emv3ds.ErrorComponentDS}}
		}
		return presFor(preq, "9", rng("340000000001000", "340000000001999", "")), nil
	}
	_, err := e.svc.RefreshCardRanges(context.Background(), "amex", emv3ds.SchemeAmex)
	require.NoError(t, err)
	var versions []emv3ds.Version
	for _, p := range e.dir.sentPReqs() {
		versions = append(versions, p.MessageVersion)
	}
	require.Equal(t, []emv3ds.Version{emv3ds.Version231, emv3ds.Version220}, versions)
}

func TestPReqVersionFollowsEnabledVersions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(e *env) { e.cfg.Versions = []emv3ds.Version{emv3ds.Version210, emv3ds.Version220} })
	e.dir.PReq = func(_ context.Context, _ emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
		return presFor(preq, "9", rng("340000000001000", "340000000001999", "")), nil
	}
	_, err := e.svc.RefreshCardRanges(context.Background(), "amex", emv3ds.SchemeAmex)
	require.NoError(t, err)
	require.Equal(t, emv3ds.Version220, e.dir.sentPReqs()[0].MessageVersion)
}

func TestNegotiateRangeVersion(t *testing.T) {
	t.Parallel()
	set := &threeds.CardRange{
		DSStartVersion: "2.1.0", DSEndVersion: "2.3.1", DSProtocolVersions: []emv3ds.Version{"2.1.0", "2.2.0", "2.3.1"},
		ACSStartVersion: "2.1.0", ACSEndVersion: "2.3.1",
		ACSProtocolVersions: []threeds.ACSProtocolVersion{{Version: "2.1.0"}, {Version: "2.3.1"}},
	}
	span := &threeds.CardRange{DSStartVersion: "2.1.0", DSEndVersion: "2.3.1", ACSStartVersion: "2.1.0", ACSEndVersion: "2.3.1"}
	dsOnly220 := &threeds.CardRange{DSStartVersion: "2.2.0", DSEndVersion: "2.2.0", DSProtocolVersions: []emv3ds.Version{"2.2.0"},
		ACSStartVersion: "2.1.0", ACSEndVersion: "2.3.1"}
	tests := []struct {
		name      string
		cr        *threeds.CardRange
		enabled   []emv3ds.Version
		requested emv3ds.Version
		want      emv3ds.Version
		err       bool
	}{
		{"the highest listed", set, nil, "", "2.3.1", false},
		{"2.2.0 is not listed by the ACS", set, nil, "2.2.0", "2.3.1", false},
		{"2.1.0 listed", set, nil, "2.1.0", "2.1.0", false},
		{"2.3.1 disabled: 2.1.0, not the unlisted 2.2.0", set, []emv3ds.Version{"2.1.0", "2.2.0"}, "", "2.1.0", false},
		{"only 2.2.0 enabled: nothing in common", set, []emv3ds.Version{"2.2.0"}, "", "", true},
		{"a span: 2.2.0 inside it", span, nil, "2.2.0", "2.2.0", false},
		{"the DS lists 2.2.0 only", dsOnly220, nil, "2.3.1", "2.2.0", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := threeds.NegotiateRangeVersion(tc.enabled, tc.cr, tc.requested)
			if tc.err {
				require.ErrorIs(t, err, emv3ds.ErrUnsupportedVersion)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, v)
		})
	}
}

// The 3DS Method URL is the one listed for the negotiated version, and a
// completed method can be named by threeDSMethodId for 10 minutes (Req 441).
func TestThreeDSMethodIDReuse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	load231(t, e)
	ctx := context.Background()

	first, err := e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: pan231})
	require.NoError(t, err)
	require.Equal(t, emv3ds.Version231, first.MessageVersion)
	require.Equal(t, methodURL231, first.ThreeDSMethodURL)
	require.Equal(t, []string{"01", "02", "03", "04"}, first.ACSInfoInd)
	old, err := e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: pan231, MessageVersion: emv3ds.Version210})
	require.NoError(t, err)
	require.Equal(t, methodURL220, old.ThreeDSMethodURL)
	_, err = e.svc.MethodCompleted(ctx, emv3ds.ThreeDSMethodData{ThreeDSServerTransID: first.ThreeDSServerTransID}.Encode())
	require.NoError(t, err)

	reuse := func(after time.Duration) (*emv3ds.AReq, error) {
		e.clock.Advance(after)
		id := e.preauth(pan231)
		req := browserAReq(t, pan231, id, func(m map[string]any) { m["threeDSMethodId"] = first.ThreeDSServerTransID })
		_, err := e.svc.Authenticate(ctx, merchantA, threeds.AuthInput{AReq: req})
		if err != nil {
			return nil, err
		}
		sent := e.dir.sentAReqs()
		return &sent[len(sent)-1], nil
	}
	sent, err := reuse(9 * time.Minute)
	require.NoError(t, err)
	require.Equal(t, first.ThreeDSServerTransID, sent.ThreeDSMethodID)
	require.Equal(t, emv3ds.ThreeDSCompIndCompleted, sent.ThreeDSCompInd)
	require.Equal(t, "840", sent.AcquirerCountryCode, "the profile's country")
	require.Equal(t, "01", sent.AcquirerCountryCodeSource)
	require.Equal(t, first.ThreeDSServerTransID, e.tx(sent.ThreeDSServerTransID).ThreeDSMethodID)

	_, err = reuse(2 * time.Minute) // 11 minutes after the run
	require.Error(t, err)
	require.Equal(t, []string{"threeDSMethodId"}, fieldsOf(t, err))
	require.Equal(t, emv3ds.ErrorCodeTransactionDataInvalid, emv3ds.CodeOf(err))
	require.NotContains(t, err.Error(), first.ThreeDSServerTransID, "never the value")

	// Another merchant's transaction is unknown to this one.
	id := e.preauth(pan231)
	_, err = e.svc.Authenticate(ctx, merchantB, threeds.AuthInput{AReq: browserAReq(t, pan231, id,
		func(m map[string]any) { m["threeDSMethodId"] = first.ThreeDSServerTransID })})
	require.Error(t, err)
}

// On a 2.2.0 range the element does not exist: it is dropped and the
// method's own state decides threeDSCompInd.
func TestThreeDSMethodIDDroppedBefore231(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.preauth(panMethod)
	_, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{AReq: browserAReq(t, panMethod, id,
		func(m map[string]any) { m["threeDSMethodId"] = "00000000-0000-4000-8000-000000000999" })})
	require.NoError(t, err)
	sent := e.dir.sentAReqs()[0]
	require.Empty(t, sent.ThreeDSMethodID)
	require.Empty(t, sent.AcquirerCountryCode, "no acquirerCountryCode before 2.3.1")
	require.Equal(t, emv3ds.ThreeDSCompIndNotCompleted, sent.ThreeDSCompInd)
}

func TestDecoupledFallbackFlag(t *testing.T) {
	t.Parallel()
	require.True(t, threeds.DecoupledFallback(emv3ds.Version231, "29"))
	require.True(t, threeds.DecoupledFallback(emv3ds.Version231, "30"))
	require.False(t, threeds.DecoupledFallback(emv3ds.Version231, "01"))
	require.False(t, threeds.DecoupledFallback(emv3ds.Version220, "29"), "29 is not a 2.2.0 reason")
}

// A reuse preauth accepted hands out no method; should the window pass
// before the AReq, the AReq goes without threeDSMethodId and with
// threeDSCompInd N instead of failing.
func TestThreeDSMethodIDFromPreauth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	load231(t, e)
	ctx := context.Background()
	first := e.preauth(pan231)
	_, err := e.svc.MethodCompleted(ctx, emv3ds.ThreeDSMethodData{ThreeDSServerTransID: first}.Encode())
	require.NoError(t, err)

	for _, tc := range []struct {
		name   string
		after  time.Duration
		wantID string
		comp   emv3ds.ThreeDSCompInd
	}{
		{"within the window", time.Minute, first, emv3ds.ThreeDSCompIndCompleted},
		{"the window passed before the AReq", 12 * time.Minute, "", emv3ds.ThreeDSCompIndNotCompleted},
	} {
		out, err := e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: pan231, ThreeDSMethodID: first})
		require.NoError(t, err, tc.name)
		require.Empty(t, out.ThreeDSMethodURL, "no method to run")
		require.Empty(t, out.ThreeDSMethodData)
		require.Equal(t, first, out.ThreeDSMethodID)
		e.clock.Advance(tc.after)
		_, err = e.svc.Authenticate(ctx, merchantA, threeds.AuthInput{AReq: browserAReq(t, pan231, out.ThreeDSServerTransID)})
		require.NoError(t, err, tc.name)
		sent := e.dir.sentAReqs()
		last := sent[len(sent)-1]
		require.Equal(t, tc.wantID, last.ThreeDSMethodID, tc.name)
		require.Equal(t, tc.comp, last.ThreeDSCompInd, tc.name)
	}
	// Refused at preauth when it cannot be reused now.
	_, err = e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: pan231, ThreeDSMethodID: first})
	require.Equal(t, []string{"threeDSMethodId"}, fieldsOf(t, err))
	// Ignored below 2.3.1: the method is handed out.
	out, err := e.svc.Preauth(ctx, merchantA, threeds.PreauthInput{AcctNumber: pan231, ThreeDSMethodID: first, MessageVersion: emv3ds.Version210})
	require.NoError(t, err)
	require.Equal(t, methodURL220, out.ThreeDSMethodURL)
	require.Empty(t, out.ThreeDSMethodID)
}
