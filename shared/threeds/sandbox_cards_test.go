package threeds_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// 3dsecure.io's test PANs fail Luhn: production refuses them (203 on
// acctNumber); with SandboxTestCards they pass the PAN check and reach the
// card-range lookup (the fake directory's ranges do not hold them, so: not
// enrolled). A PAN off the pattern keeps the Luhn rule in sandbox too.
func TestSandboxTestCardsSkipLuhn(t *testing.T) {
	t.Parallel()
	const demo = "9000100811111111"
	require.False(t, emv3ds.LuhnValid(demo))

	prod := newEnv(t)
	_, err := prod.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: demo})
	require.ErrorIs(t, err, emv3ds.ErrFormat)
	require.Equal(t, []string{"acctNumber"}, fieldsOf(t, err))

	sb := newEnv(t, func(e *env) { e.cfg.SandboxTestCards = true })
	_, err = sb.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: demo})
	require.ErrorIs(t, err, threeds.ErrNotEnrolled)
	_, err = sb.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: "9000100821111111"})
	require.ErrorIs(t, err, emv3ds.ErrFormat)

	for pan, want := range map[string]bool{demo: true, "3000101011111071": true, "2000100811111111": false, "9000100811111": false, "900010081111111a": false} {
		require.Equal(t, want, threeds.IsSandboxTestPAN(pan), pan)
	}
}
