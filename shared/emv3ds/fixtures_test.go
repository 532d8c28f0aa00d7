package emv3ds

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden.json")

// fixtureExpect says, for each rbkmoney fixture, how it fares. Fixtures that
// break the spec keep doing so: the rules are not loosened for them.
var fixtureExpect = map[string]struct {
	code    ErrorCode // "" = valid
	fields  []string  // offending elements
	why     string
	dropped []string // elements that are not part of the message and are not re-encoded
}{
	"testplatform_areq_app_pa_v210.json": {
		code: "203", fields: []string{"acctNumber"},
		why: "acctNumber 7654370980201119 (an EMVCo test-platform card) fails the Luhn check; account numbers must be Luhn valid",
	},
	"visa-220-107_areq_brw_pa_challenge-mandated.json": {
		code: "203", fields: []string{"acctNumber", "billAddrCountry", "merchantRiskIndicator.giftCardCurr"},
		why: "rbkmoney's randomised values: acctNumber 0000000000001097 fails Luhn (203); billAddrCountry 695 " +
			"is not an ISO 3166-1 code and giftCardCurr 685 not an ISO 4217 code (304)",
		dropped: []string{"threeDSRequestorPriorAuthenticationInfo"}, // {} counts as absent
	},
	"visa-220-001_preq_v220.json": {
		dropped: []string{"threeDSRequestorURL"}, // not a PReq element
	},
}

func fixtureFiles(t testing.TB) []string {
	files, err := filepath.Glob("testdata/fixtures/*.json")
	require.NoError(t, err)
	require.Len(t, files, 20)
	return files
}

// TestFixtures decodes every fixture, re-encodes it (compared with the input
// and with a golden file) and validates it.
func TestFixtures(t *testing.T) {
	for _, f := range fixtureFiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			if name == "mir-1-10_acs_html_autopost_cres.json" {
				testAutopostPage(t, data)
				return
			}
			msg, err := Parse(data)
			require.NoError(t, err)
			exp := fixtureExpect[name]

			out, err := json.Marshal(msg)
			require.NoError(t, err)
			want := withoutKeys(t, data, exp.dropped)
			require.JSONEq(t, string(want), string(out), "re-encoding changes the message")

			golden(t, strings.TrimSuffix(name, ".json"), out)

			again, err := Parse(out)
			require.NoError(t, err)
			out2, _ := json.Marshal(again)
			require.JSONEq(t, string(out), string(out2))

			err = Validate(msg)
			if exp.code == "" {
				require.NoError(t, err)
				return
			}
			require.Equal(t, exp.code, CodeOf(err), exp.why)
			ve := asValidation(err)
			for _, field := range exp.fields {
				require.Contains(t, ve.Detail(), field, exp.why)
			}
		})
	}
}

// testAutopostPage: the fixture is the ACS's HTML page (a JSON string) that
// posts cres; the cres value is base64url without padding.
func testAutopostPage(t *testing.T, data []byte) {
	_, err := Parse(data)
	require.Equal(t, ErrorCodeMessageInvalid, CodeOf(err), "an HTML page is not a message")
	var page string
	require.NoError(t, json.Unmarshal(data, &page))
	m := regexp.MustCompile(`name="cres"\s+value="([^"]+)"`).FindStringSubmatch(page)
	require.Len(t, m, 2)
	cres, erro, err := ParseCRes(m[1])
	require.NoError(t, err)
	require.Nil(t, erro)
	require.Equal(t, TransStatusNotAuthenticated, cres.TransStatus)
	require.Equal(t, "b24ce22f-662b-48d2-8cdc-ed0f5962e890", cres.ThreeDSServerTransID)
	require.NoError(t, cres.Validate())
}

func withoutKeys(t *testing.T, data []byte, keys []string) []byte {
	if len(keys) == 0 {
		return data
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	for _, k := range keys {
		delete(m, k)
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return b
}

// golden compares out with testdata/golden/<name>.golden.json (indented);
// go test -update rewrites it.
func golden(t *testing.T, name string, out []byte) {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, json.Indent(&buf, out, "", "  "))
	buf.WriteByte('\n')
	path := filepath.Join("testdata", "golden", name+".golden.json")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create the golden file")
	require.Equal(t, string(want), buf.String())
}

// TestGoldenVersionShapes: one struct, encoded in the shape of its version.
func TestGoldenVersionShapes(t *testing.T) {
	for _, name := range []string{brw231, aresC, rreqY, aresD, app220, ri220} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", "valid", name))
			require.NoError(t, err)
			msg, err := Parse(b)
			require.NoError(t, err)
			out, err := json.Marshal(msg)
			require.NoError(t, err)
			require.JSONEq(t, string(b), string(out))
			golden(t, strings.TrimSuffix(name, ".json"), out)
		})
	}
}
