package main

import (
	"context"
	"strings"
	"testing"

	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// BenchmarkAuthHandler is the CPU of one frictionless /auth on the handler
// path, storage excluded (an in-memory store, a directory answering at
// once): the API Gateway event decoded, the AReq decoded leniently,
// validated and built, the ARes validated, the transaction updated (CAVV
// sealed), the answer encoded. The preauth that opens each transaction is
// outside the timer.
func BenchmarkAuthHandler(b *testing.B) {
	h := newHarness(b)
	ev := fixture(b, "hyperswitch-frictionless.json")
	delete(ev.Headers, "Idempotency-Key")
	delete(ev.MultiValueHeaders, "Idempotency-Key")
	const fixtureID = "00000000-0000-4000-8000-000000000001"
	if !strings.Contains(ev.Body, fixtureID) {
		b.Fatal("fixture names no transaction")
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		out, err := h.pre.Preauth(ctx, "merchant-a", threeds.PreauthInput{AcctNumber: emv3ds.PAN("4000000000001000")})
		if err != nil {
			b.Fatal(err)
		}
		e := ev
		e.Body = strings.Replace(ev.Body, fixtureID, out.ThreeDSServerTransID, 1)
		b.StartTimer()
		res, err := h.h.Handle(ctx, e)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("%v %d %s", err, res.StatusCode, res.Body)
		}
	}
}
