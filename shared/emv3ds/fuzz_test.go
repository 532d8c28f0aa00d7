package emv3ds

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// seed adds every fixture and valid message, plus a few odd inputs.
func seed(f *testing.F) {
	files, _ := filepath.Glob("testdata/fixtures/*.json")
	more, _ := filepath.Glob("testdata/valid/*.json")
	for _, p := range append(files, more...) {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"", "null", "{}", "[]", `{"messageType":null}`, `{"a":{"b":[{"c":1e999}]}}`, hyperswitchAReq} {
		f.Add([]byte(s))
	}
}

// fuzzDecoder runs a decoder, then validation and re-encoding, which must not
// panic; what decodes must re-encode and decode again.
func fuzzDecoder[T interface {
	Message
	*AReq | *ARes | *PReq | *PRes | *CReq | *CRes | *RReq | *RRes | *Erro
}](f *testing.F, decode func([]byte) (T, error)) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decode(data)
		if isNilMessage(m) {
			if err == nil {
				t.Fatal("nil message without error")
			}
			return
		}
		_ = Validate(m)
		_ = NewErro(err, ErrorComponentServer, m)
		out, merr := json.Marshal(m)
		if merr != nil {
			t.Fatalf("re-encode: %v", merr)
		}
		if _, err := decode(out); err != nil && CodeOf(err) == ErrorCodeMessageInvalid {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
	})
}

func FuzzParse(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if m == nil {
			if CodeOf(err) != ErrorCodeMessageInvalid {
				t.Fatalf("nil message with code %s", CodeOf(err))
			}
			_ = NewErro(err, ErrorComponentServer, nil)
			return
		}
		_ = NewErro(Validate(m), ErrorComponentServer, m)
	})
}

func FuzzDecodeAReq(f *testing.F) { fuzzDecoder(f, DecodeAReq) }
func FuzzDecodeARes(f *testing.F) { fuzzDecoder(f, DecodeARes) }
func FuzzDecodePReq(f *testing.F) { fuzzDecoder(f, DecodePReq) }
func FuzzDecodePRes(f *testing.F) { fuzzDecoder(f, DecodePRes) }
func FuzzDecodeCReq(f *testing.F) { fuzzDecoder(f, DecodeCReq) }
func FuzzDecodeCRes(f *testing.F) { fuzzDecoder(f, DecodeCRes) }
func FuzzDecodeRReq(f *testing.F) { fuzzDecoder(f, DecodeRReq) }
func FuzzDecodeRRes(f *testing.F) { fuzzDecoder(f, DecodeRRes) }
func FuzzDecodeErro(f *testing.F) { fuzzDecoder(f, DecodeErro) }

func FuzzParseCRes(f *testing.F) {
	f.Add("eyJtZXNzYWdlVHlwZSI6IkNSZXMifQ")
	f.Add(CRes{MessageType: MessageTypeCRes, TransStatus: "Y"}.Encode() + "==")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		c, e, err := ParseCRes(s)
		if c != nil {
			_ = c.Validate()
		}
		if e != nil {
			_ = e.Validate()
		}
		if c == nil && e == nil && err == nil {
			t.Fatal("nothing and no error")
		}
	})
}

func FuzzParseThreeDSMethodData(f *testing.F) {
	f.Add(NewThreeDSMethodData("6c57c18f-e55b-4333-a991-460b04ee0730", "https://x.example/n").Encode())
	f.Add("eyJ0aHJlZURTU2VydmVyVHJhbnNJRCI6IjZjNTdjMThmLWU1NWItNDMzMy1hOTkxLTQ2MGIwNGVlMDczMCJ9")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseThreeDSMethodData(s)
		_, _ = ParseCReq(s)
	})
}

func FuzzDecodeBase64URL(f *testing.F) {
	f.Add([]byte{0xfb, 0xff, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := DecodeBase64URL(EncodeBase64URL(b))
		if err != nil || string(got) != string(b) {
			t.Fatalf("round trip failed: %v", err)
		}
	})
}
