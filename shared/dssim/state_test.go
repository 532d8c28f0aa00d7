package dssim

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/webhooksig"
)

// Two simulators sharing one StateStore stand for two execution
// environments of the sandbox Lambda: the AReq on one, the CReq and the OTP
// on the other, and the challenge still completes. With the default
// per-process memory the second one does not know the challenge — what
// happened on Lambda before the state moved to a table.
func TestStateSurvivesAnotherProcess(t *testing.T) {
	t.Parallel()
	key := []byte("sandbox-rreq-key-0123456789abcdef")
	shared := NewMemoryState()
	a := start(t, func(c *Config) { c.State = shared; c.RReqSigningKey = key })
	b, err := New(Config{State: shared, RReqSigningKey: key, HTTPClient: a.fake.srv.Client()})
	require.NoError(t, err)
	require.NoError(t, b.Start())
	t.Cleanup(func() { _ = b.Close() })

	ares := a.authenticate(t, a.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, ScenarioChallenge), emv3ds.Version220))
	ares.ACSURL = b.URL() + challengePath // the browser's CReq lands elsewhere
	page := a.startChallenge(t, ares, emv3ds.ChallengeWindowSizeFullScreen, "")
	_, action, _ := form(t, page)
	require.Equal(t, b.URL()+submitPath, action)
	page = a.submit(t, page, "submit", "0000") // a wrong code first: the count is stored too
	require.Contains(t, page, "2 tries left")
	page = a.submit(t, page, "submit", "1234")
	r := a.fake.waitRReq(t)
	require.Equal(t, emv3ds.TransStatusAuthenticated, r.TransStatus)
	require.Equal(t, "02", r.InteractionCounter)
	cres, _ := a.followCRes(t, page)
	require.Equal(t, emv3ds.TransStatusAuthenticated, cres.TransStatus)

	// The same form posted again (on either instance) is refused: the stored
	// state says the challenge is over.
	status, _ := a.postForm(t, a.sim.URL()+submitPath, map[string][]string{"acsTransID": {ares.ACSTransID}, "otp": {"1234"}, "action": {"submit"}})
	require.Equal(t, http.StatusConflict, status)

	// Signed with the sandbox key, over the exact body.
	a.fake.mu.Lock()
	sig, raw := a.fake.sigs[0], a.fake.raw[0]
	a.fake.mu.Unlock()
	require.NotEmpty(t, sig)
	require.NoError(t, webhooksig.Verify(key, sig, raw, time.Now(), webhooksig.DefaultTolerance))
	require.Error(t, webhooksig.Verify([]byte("another key, 32 characters long!!"), sig, raw, time.Now(), webhooksig.DefaultTolerance))

	t.Run("per-process memory does not", func(t *testing.T) {
		c := start(t, nil)
		d := start(t, nil)
		ares := c.authenticate(t, c.areq(t, "browser", TestPAN(emv3ds.SchemeVisa, ScenarioChallenge), emv3ds.Version220))
		creq := emv3ds.NewCReq(ares.ThreeDSServerTransID, ares.ACSTransID, ares.MessageVersion, emv3ds.ChallengeWindowSizeFullScreen)
		status, page := c.postForm(t, d.sim.URL()+challengePath, map[string][]string{"creq": {creq.Encode()}})
		require.Equal(t, http.StatusBadRequest, status)
		require.Contains(t, page, "unknown to the ACS")
	})
}

func TestMemoryStateRevisions(t *testing.T) {
	t.Parallel()
	st := NewMemoryState()
	ctx := t.Context()
	rec := &TxRecord{ID: "tx-1", ACSTransID: "acs-1", Scheme: emv3ds.SchemeVisa}
	require.NoError(t, st.Create(ctx, rec))
	require.ErrorIs(t, st.Create(ctx, &TxRecord{ID: "tx-1", ACSTransID: "acs-2"}), ErrDuplicateTransaction)
	one, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	two, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	one.State = int(stateChallenging)
	require.NoError(t, st.Update(ctx, one))
	require.Equal(t, 1, one.Rev)
	two.State = int(stateDone)
	require.ErrorIs(t, st.Update(ctx, two), ErrStaleTransaction, "the second writer read an older revision")
	got, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	require.Equal(t, int(stateChallenging), got.State)
	_, err = st.Get(ctx, "acs-9")
	require.ErrorIs(t, err, ErrUnknownTransaction)
}
