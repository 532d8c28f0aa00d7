package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/testkit/threedstest"
)

func u(s string) *url.URL {
	p, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return p
}

func TestTargets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  config.Config
		want []target
	}{
		{name: "one default DS (the simulator)", cfg: config.Config{DS: config.DS{URL: u("https://ds.example.com")}},
			want: []target{{DS: "default"}}},
		{name: "visa has its own DS", cfg: config.Config{DS: config.DS{URL: u("https://ds.example.com"), SchemeURLs: map[string]*url.URL{"visa": u("https://visa.example.com")}}},
			want: []target{{DS: "default"}, {DS: "visa", Scheme: emv3ds.SchemeVisa}}},
		{name: "every scheme its own DS", cfg: config.Config{DS: config.DS{URL: u("https://ds.example.com"), SchemeURLs: map[string]*url.URL{
			"visa": u("https://v.example.com"), "mastercard": u("https://m.example.com"), "amex": u("https://a.example.com")}}},
			want: []target{{DS: "amex", Scheme: emv3ds.SchemeAmex}, {DS: "mastercard", Scheme: emv3ds.SchemeMastercard}, {DS: "visa", Scheme: emv3ds.SchemeVisa}}},
		{name: "no default URL: schemes without a DS are skipped", cfg: config.Config{DS: config.DS{SchemeURLs: map[string]*url.URL{"visa": u("https://v.example.com")}}},
			want: []target{{DS: "visa", Scheme: emv3ds.SchemeVisa}}},
		{name: "disabled scheme's own DS is not refreshed", cfg: config.Config{SchemesEnabled: []string{"mastercard"},
			DS: config.DS{URL: u("https://ds.example.com"), SchemeURLs: map[string]*url.URL{"visa": u("https://v.example.com")}}},
			want: []target{{DS: "default"}}},
		{name: "only enabled schemes with their own DS", cfg: config.Config{SchemesEnabled: []string{"visa"},
			DS: config.DS{URL: u("https://ds.example.com"), SchemeURLs: map[string]*url.URL{"visa": u("https://v.example.com")}}},
			want: []target{{DS: "visa", Scheme: emv3ds.SchemeVisa}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, targets(tc.cfg))
		})
	}
}

type directory struct {
	schemes []emv3ds.Scheme
}

func (d *directory) SendPReq(_ context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
	d.schemes = append(d.schemes, scheme)
	if scheme == emv3ds.SchemeMastercard {
		return nil, &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}
	}
	start, end := "4000000000001000", "4000000000001999"
	if scheme == "" {
		start, end = "5200000000001000", "5200000000001999"
	}
	return &emv3ds.PRes{MessageType: emv3ds.MessageTypePRes, MessageVersion: preq.MessageVersion, ThreeDSServerTransID: preq.ThreeDSServerTransID,
		DSTransID: "d0000000-0000-4000-8000-0000000000aa", SerialNum: "7", DSStartProtocolVersion: "2.1.0", DSEndProtocolVersion: "2.2.0",
		CardRangeData: []emv3ds.CardRangeData{{StartRange: start, EndRange: end, ACSStartProtocolVersion: "2.1.0", ACSEndProtocolVersion: "2.2.0"}}}, nil
}

func (d *directory) SendAReq(context.Context, emv3ds.Scheme, *emv3ds.AReq) (*emv3ds.ARes, error) {
	panic("no AReq from cardranges")
}

func (d *directory) SendErro(context.Context, emv3ds.Scheme, *emv3ds.Erro) error { return nil }

func TestHandle(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/scheduled.json")
	require.NoError(t, err)
	var ev events.CloudWatchEvent
	require.NoError(t, json.Unmarshal(raw, &ev))
	require.Equal(t, "Scheduled Event", ev.DetailType)

	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 0, 0, 0, time.UTC))
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	dir := &directory{}
	svc := threeds.NewCardRangeService(store, dir, threeds.ServiceConfig{ServerRefNumber: "REF"}, threeds.WithClock(clock.Now))
	logs := &bytes.Buffer{}
	h := handler{svc: svc, log: slog.New(slog.NewJSONHandler(logs, nil)), targets: []target{
		{DS: "default"}, {DS: "mastercard", Scheme: emv3ds.SchemeMastercard}, {DS: "visa", Scheme: emv3ds.SchemeVisa},
	}}
	err = h.Handle(context.Background(), ev)
	require.Error(t, err, "a failing DS fails the invocation so the alarm sees it")
	require.ErrorIs(t, err, threeds.ErrDirectoryUnavailable)
	require.Equal(t, []emv3ds.Scheme{"", emv3ds.SchemeMastercard, emv3ds.SchemeVisa}, dir.schemes, "one failing DS does not stop the others")

	for ds, pan := range map[string]emv3ds.PAN{"visa": "4000000000001000", "default": "5200000000001005"} {
		set, err := store.CardRangeSet(context.Background(), ds)
		require.NoError(t, err, ds)
		require.Equal(t, "7", set.SerialNum)
		cr, err := store.LookupCardRange(context.Background(), pan)
		require.NoError(t, err)
		require.Equal(t, ds, cr.DS)
	}
	_, err = store.CardRangeSet(context.Background(), "mastercard")
	require.ErrorIs(t, err, threeds.ErrCardRangesNotLoaded)
	require.Contains(t, logs.String(), `"ds":"mastercard"`)
	require.Contains(t, logs.String(), "card ranges refreshed")

	// The next run is incremental from the stored serialNum: nothing to fail.
	h.targets = []target{{DS: "visa", Scheme: emv3ds.SchemeVisa}}
	require.NoError(t, h.Handle(context.Background(), ev))
}
