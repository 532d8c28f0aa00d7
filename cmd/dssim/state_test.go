package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/dynamostore/tabledef"
	"github.com/open3ds/server/shared/emv3ds"
)

// The sandbox Lambda's state store on DynamoDB Local, in the table
// template.yaml defines (SimulatorTable): duplicates refused, revisions
// compared, expired records gone before TTL deletes them.
func TestTableState(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	root, err := lambdalocal.ModuleRoot(".")
	require.NoError(t, err)
	inst, err := ddblocal.Start(ctx, ddblocal.Options{Dir: root})
	require.NoError(t, err)
	t.Cleanup(func() { _ = inst.Stop() })
	require.NoError(t, tabledef.CreateTableFromTemplate(ctx, inst.Client(), root+"/template.yaml", "SimulatorTable", "dssim-test"))

	// Real time, not a fixed date: DynamoDB Local's TTL sweeper deletes items
	// whose expiresAt has passed on the real clock, at a moment of its own.
	now := time.Now().UTC()
	st := &tableState{db: inst.Client(), table: "dssim-test", now: func() time.Time { return now }}
	rec := &dssim.TxRecord{ID: "tx-1", ACSTransID: "acs-1", Scheme: emv3ds.SchemeVisa, Scenario: dssim.ScenarioChallenge, Amount: "19.99"}
	require.NoError(t, st.Create(ctx, rec))
	require.ErrorIs(t, st.Create(ctx, &dssim.TxRecord{ID: "tx-1", ACSTransID: "acs-2"}), dssim.ErrDuplicateTransaction)

	a, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	require.Equal(t, "19.99", a.Amount)
	require.Equal(t, 0, a.Rev)
	b, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	a.WrongTries = 1
	require.NoError(t, st.Update(ctx, a))
	require.Equal(t, 1, a.Rev)
	b.State = 3
	require.ErrorIs(t, st.Update(ctx, b), dssim.ErrStaleTransaction, "another environment moved it on first")
	got, err := st.Get(ctx, "acs-1")
	require.NoError(t, err)
	require.Equal(t, 1, got.WrongTries)
	require.Equal(t, 1, got.Rev)

	_, err = st.Get(ctx, "acs-unknown")
	require.ErrorIs(t, err, dssim.ErrUnknownTransaction)
	now = now.Add(stateTTL + time.Second)
	_, err = st.Get(ctx, "acs-1")
	require.ErrorIs(t, err, dssim.ErrUnknownTransaction, "expired (TTL deletes lag)")
}
