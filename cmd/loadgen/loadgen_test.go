package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
)

func TestParseMix(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
		total   int
	}{
		{defaultMix, "", 100},
		{"frictionless=3,challenge=1", "", 4},
		{"frictionless", "", 1},
		{"frictionless=0,challenge=2", "", 2},
		{"nope=1", `unknown scenario "nope"`, 0},
		{"frictionless=x", `weight "x"`, 0},
		{"frictionless=1,frictionless=2", "listed twice", 0},
		{"frictionless=0", "selects no scenario", 0},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			m, err := parseMix(tc.in)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.total, m.total)
		})
	}
}

// Every block of total flows holds each scenario exactly weight times.
func TestMixPickIsExact(t *testing.T) {
	m, err := parseMix(defaultMix)
	require.NoError(t, err)
	got := map[string]int{}
	for i := range m.total * 3 {
		got[m.pick(i).name]++
	}
	for _, e := range m.entries {
		require.Equal(t, 3*e.weight, got[e.sc.name], e.sc.name)
	}
}

func TestParseForm(t *testing.T) {
	page := `<html><body><form method="post" action="http://127.0.0.1:9/acs/challenge/submit?a=1&amp;b=2">
<input type="hidden" name="acsTransID" value="abc-123">
<input type="hidden" value="e30=" name="threeDSSessionData">
<input type="text" name="otp" value="">
<input type="submit" name="action" value="submit"></form></body></html>`
	action, v, ok := parseForm(page)
	require.True(t, ok)
	require.Equal(t, "http://127.0.0.1:9/acs/challenge/submit?a=1&b=2", action)
	require.Equal(t, "abc-123", v.Get("acsTransID"))
	require.Equal(t, "e30=", v.Get("threeDSSessionData"))
	require.False(t, v.Has("otp"), "only hidden inputs are carried")
	require.False(t, v.Has("action"))

	_, _, ok = parseForm("<p>no form</p>")
	require.False(t, ok)
}

func TestDSLeg(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	list := []dssim.Exchange{
		{Direction: dssim.Received, MessageType: "ThreeDSMethod", Time: t0},
		{Direction: dssim.Received, MessageType: "AReq", Time: t0.Add(time.Millisecond)},
		{Direction: dssim.Sent, MessageType: "ARes", Peer: "3DS Server", Time: t0.Add(1750 * time.Microsecond)},
		{Direction: dssim.Sent, MessageType: "RReq", Peer: "3DS Server", Time: t0.Add(time.Second)},
	}
	d, err := dsLeg(list)
	require.NoError(t, err)
	require.Equal(t, 750*time.Microsecond, d)

	_, err = dsLeg(list[:2])
	require.Error(t, err, "an AReq without an answer has no leg")
	_, err = dsLeg(nil)
	require.Error(t, err)
}

func TestCheckResult(t *testing.T) {
	sc := scenarios["frictionless"]
	ares := map[string]any{"dsTransID": "d1", "authenticationValue": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	good := map[string]any{"status": "final", "transStatus": "Y", "eci": "05", "authenticationValue": "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"resultSource": "ARes", "dsTransID": "d1"}
	require.Nil(t, checkResult(sc, ares, good))

	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for a, b := range good {
			m[a] = b
		}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for name, final := range map[string]map[string]any{
		"pending":           with("status", "pending"),
		"other status":      with("transStatus", "N"),
		"wrong eci":         with("eci", "07"),
		"no cavv":           with("authenticationValue", nil),
		"other cavv":        with("authenticationValue", "BBBBBBBBBBBBBBBBBBBBBBBBBBB="),
		"other dsTransID":   with("dsTransID", "d2"),
		"from RReq":         with("resultSource", "RReq"),
		"unexpected cancel": with("challengeCancel", "01"),
	} {
		t.Run(name, func(t *testing.T) {
			ferr := checkResult(sc, ares, final)
			require.NotNil(t, ferr)
			require.Equal(t, "wrong result", ferr.kind)
		})
	}
}

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	require.Equal(t, 100, s.N)
	require.Equal(t, 50.0, s.P50)
	require.Equal(t, 90.0, s.P90)
	require.Equal(t, 99.0, s.P99)
	require.Equal(t, 100.0, s.Max)
	require.Equal(t, 50.5, s.Mean)
	require.Equal(t, summary{}, summarize(nil))
}

func TestItemSize(t *testing.T) {
	got := itemSize(map[string]json.RawMessage{
		"pk": json.RawMessage(`{"S":"TX#1"}`),           // 2 + 4
		"n":  json.RawMessage(`{"N":"1234"}`),           // 1 + 3
		"ok": json.RawMessage(`{"BOOL":true}`),          // 2 + 1
		"m":  json.RawMessage(`{"M":{"a":{"S":"xy"}}}`), // 1 + 3 + 1 + 2
	})
	require.Equal(t, 6+4+3+7, got)
}

// The fault mix adds every fault row of the simulator to the default mix,
// and each failing scenario names the Erro it must end in.
func TestFaultMix(t *testing.T) {
	m, err := parseMix("faults")
	require.NoError(t, err)
	names := map[string]bool{}
	for _, e := range m.entries {
		names[e.sc.name] = true
	}
	for _, want := range []string{"frictionless", "challenge", "ds-erro", "invalid-ares", "duplicate-rreq", "decoupled", "slow-acs", "unavailable"} {
		require.True(t, names[want], "fault mix lacks %s", want)
	}
	require.Equal(t, &expectedErro{status: 422, code: "305", component: "D"}, scenarios["ds-erro"].erro)
	require.Equal(t, &expectedErro{status: 502, postauthStatus: 422, code: "201", component: "S"}, scenarios["invalid-ares"].erro, "502 from /auth, 422 from postauth afterwards")
	require.Nil(t, scenarios["decoupled"].erro)
	require.Equal(t, "D", scenarios["decoupled"].aresWant)

	d, err := parseMix("default")
	require.NoError(t, err)
	require.Less(t, len(d.entries), len(m.entries))
}

// TestFloorRelate: the ratio and the overhead come from the same run's
// figures.
func TestFloorRelate(t *testing.T) {
	f := &floorReport{Sequence: summary{P50: 4}}
	f.relate(summary{P50: 6}, summary{P50: 4.5})
	if f.AuthOverFloor != 1.5 || f.OverheadP50 != 0.5 {
		t.Fatalf("got %v× and %v ms, want 1.5× and 0.5 ms", f.AuthOverFloor, f.OverheadP50)
	}
}
