package emv3ds_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open3ds/server/shared/emv3ds"
)

// The hot path of every /auth: the merchant's AReq decoded and validated,
// encoded for the DS; the DS's ARes decoded and validated against the AReq.

func benchFixture(b *testing.B, name string) []byte {
	b.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		b.Fatal(err)
	}
	return raw
}

const (
	benchAReq = "valid/areq_brw_220_nojs.json"
	benchARes = "fixtures/visa-220-101_ares_Y_eci05.json"
)

func BenchmarkAReqDecodeValidate(b *testing.B) {
	raw := benchFixture(b, benchAReq)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		a, err := emv3ds.DecodeAReq(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAReqEncode(b *testing.B) {
	a, err := emv3ds.DecodeAReq(benchFixture(b, benchAReq))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(a); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAReqBuild is what the server does per AReq: decode the
// merchant's body, validate it, encode it for the DS.
func BenchmarkAReqBuild(b *testing.B) {
	raw := benchFixture(b, benchAReq)
	b.ReportAllocs()
	for b.Loop() {
		a, err := emv3ds.DecodeAReq(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := a.Validate(); err != nil {
			b.Fatal(err)
		}
		if _, err := json.Marshal(a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAResDecodeValidate(b *testing.B) {
	a, err := emv3ds.DecodeAReq(benchFixture(b, benchAReq))
	if err != nil {
		b.Fatal(err)
	}
	raw := benchFixture(b, benchARes)
	ctx := emv3ds.AResContextFor(a)
	// The fixture's ARes answers another AReq: bind it to ours by ID.
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		b.Fatal(err)
	}
	ctx.ThreeDSServerTransID, _ = m["threeDSServerTransID"].(string)
	ctx.MessageVersion = emv3ds.Version(m["messageVersion"].(string))
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := emv3ds.DecodeARes(raw)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Validate(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
