package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateCommand(t *testing.T) {
	dir := filepath.Join("testdata", "validate")
	tests := []struct {
		name    string
		args    []string
		stdin   string
		code    int
		msgType string
		version string
		erro    string // expected errorCode
		detail  string // element named in errorDetail
	}{
		{name: "valid 2.3.1 browser AReq", args: []string{"valid_areq_brw_231.json"}, code: 0, msgType: "AReq", version: "2.3.1"},
		{name: "valid 2.2.0 browser AReq without JS", args: []string{"areq_brw_220.json"}, code: 0, msgType: "AReq", version: "2.2.0"},
		{name: "stdin with -", args: []string{"-"}, stdin: "areq_app_220.json", code: 0, msgType: "AReq", version: "2.2.0"},
		{name: "stdin by default", stdin: "ares_C_app_231.json", code: 0, msgType: "ARes", version: "2.3.1"},
		{name: "missing element", args: []string{"invalid_areq_missing_acquirerBIN.json"}, code: 1, erro: "201", detail: "acquirerBIN"},
		{name: "unsupported version", args: []string{"invalid_areq_version.json"}, code: 1, erro: "102", detail: "messageVersion"},
		{name: "not JSON", args: []string{"invalid_not_json.txt"}, code: 1, erro: "101"},
		{name: "duplicate element", args: []string{"invalid_duplicate.json"}, code: 1, erro: "204", detail: "challengeWindowSize"},
		{name: "ARes alone is judged as a payment: Y needs a CAVV", args: []string{"ares_Y_no_cavv.json"}, code: 1, erro: "201", detail: "authenticationValue"},
		{name: "ARes with its AReq: Y on a payment needs a CAVV", args: []string{"--areq", filepath.Join(dir, "areq_brw_220.json"), "ares_Y_no_cavv.json"}, code: 1, erro: "201", detail: "authenticationValue"},
		{name: "ARes with another transaction's AReq", args: []string{"--areq", filepath.Join(dir, "areq_app_220.json"), "ares_C_app_231.json"}, code: 1, erro: "203", detail: "messageVersion"},
		{name: "no such file", args: []string{"nope.json"}, code: 2},
		{name: "two files", args: []string{"a.json", "b.json"}, code: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"validate"}, tc.args...)
			for i, a := range args {
				if strings.HasSuffix(a, ".json") || strings.HasSuffix(a, ".txt") {
					if !strings.HasPrefix(a, dir) {
						args[i] = filepath.Join(dir, a)
					}
				}
			}
			var stdin bytes.Buffer
			if tc.stdin != "" {
				b, err := os.ReadFile(filepath.Join(dir, tc.stdin))
				require.NoError(t, err)
				stdin.Write(b)
			}
			var stdout, stderr bytes.Buffer
			code := run(args, &stdin, &stdout, &stderr)
			require.Equal(t, tc.code, code, "stdout %s stderr %s", stdout.String(), stderr.String())
			if tc.code == 2 {
				require.NotEmpty(t, stderr.String())
				return
			}
			var out map[string]any
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
			if tc.code == 0 {
				require.Equal(t, map[string]any{"valid": true, "messageType": tc.msgType, "messageVersion": tc.version}, out)
				return
			}
			require.Equal(t, "Erro", out["messageType"])
			require.Equal(t, tc.erro, out["errorCode"])
			require.Equal(t, "S", out["errorComponent"])
			require.Contains(t, out["errorDetail"], tc.detail)
			require.NotEmpty(t, out["messageVersion"])
		})
	}
}

// TestValidateNeverPrintsCardData: the Erro for a bad AReq names fields only.
func TestValidateNeverPrintsCardData(t *testing.T) {
	in := `{"messageType":"AReq","messageVersion":"2.2.0","acctNumber":"4000000000001092","cardholderName":"Q"}`
	var stdout, stderr bytes.Buffer
	code := run([]string{"validate"}, strings.NewReader(in), &stdout, &stderr)
	require.Equal(t, 1, code)
	require.NotContains(t, stdout.String(), "4000000000001092")
	require.Contains(t, stdout.String(), "acctNumber")
}

func FuzzValidateCommand(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "validate", "*"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var stdout, stderr bytes.Buffer
		code := run([]string{"validate", "-"}, bytes.NewReader(data), &stdout, &stderr)
		if code != 0 && code != 1 {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		var out map[string]any
		if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
			t.Fatalf("output is not JSON: %v", err)
		}
	})
}
