package apigw_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/threeds"
)

func TestCheckIdempotencyKey(t *testing.T) {
	t.Parallel()
	for key, ok := range map[string]bool{
		"order-1718-attempt-1":    true,
		"a":                       true,
		"with space ~":            true,
		strings.Repeat("k", 255):  true,
		"":                        false,
		strings.Repeat("k", 256):  false,
		strings.Repeat("k", 4096): false,
		"tab\there":               false,
		"new\nline":               false,
		"caf\u00e9":               false,
		"del\x7f":                 false,
	} {
		err := apigw.CheckIdempotencyKey(key)
		if ok {
			require.NoError(t, err, "%q", key)
		} else {
			require.ErrorIs(t, err, apigw.ErrIdempotencyKeySize, "%q", key)
		}
	}
}

// An Erro body and its log line repeat the client's threeDSServerTransID
// only when it is a well-formed UUID.
func TestErroEchoesOnlyWellFormedIDs(t *testing.T) {
	t.Parallel()
	good := "8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4f"
	for id, echoed := range map[string]bool{
		good:                      true,
		strings.Repeat("x", 2048): false,
		"4000000000001000":        false,
		`8a483188"><script>`:      false,
		good + " ":                false,
	} {
		require.Equal(t, echoed, apigw.EchoableTransID(id) == id)
		_, erro := apigw.Status(threeds.ErrTransactionNotFound, apigw.About{ThreeDSServerTransID: id})
		var logs bytes.Buffer
		resp := apigw.Error(context.Background(), slog.New(slog.NewJSONHandler(&logs, nil)), apigw.ErroJSON{}, threeds.ErrTransactionNotFound, apigw.About{ThreeDSServerTransID: id})
		if echoed {
			require.Equal(t, id, erro.ThreeDSServerTransID)
			require.Contains(t, resp.Body, id)
			continue
		}
		require.Empty(t, erro.ThreeDSServerTransID)
		require.NotContains(t, resp.Body, id)
		require.NotContains(t, logs.String(), id)
	}
}
