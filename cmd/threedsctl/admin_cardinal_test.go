package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/cardinal"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/vault"
)

func field(t *testing.T, out, label string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(label) + `[^:]*: (\S+)`).FindStringSubmatch(out)
	require.NotNil(t, m, "%q in %s", label, out)
	return m[1]
}

// cardinal-credentials: create (key shown once, stored sealed), rotate
// (the previous key verifies for the overlap), and the JWT commands.
func TestAdminCardinal(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()
	out, code := c.run("merchant-create", "-id", "m1", "-name", "Shop One", "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-1",
		"-mcc", "5411", "-country", "840")
	require.Equal(t, 0, code, out)

	out, code = c.run("cardinal-credentials", "-master-key-file", c.keyFile, "-merchant", "nobody")
	require.Equal(t, 1, code, out)
	out, code = c.run("cardinal-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-rotate")
	require.Equal(t, 2, code, out)

	out, code = c.run("cardinal-credentials", "-master-key-file", c.keyFile, "-merchant", "m1")
	require.Equal(t, 0, code, out)
	apiID, orgUnit, key := field(t, out, "API identifier"), field(t, out, "OrgUnitId"), field(t, out, "API Key")

	st := c.store(true)
	cred, err := st.GetCardinalCredential(ctx, apiID)
	require.NoError(t, err)
	require.Equal(t, "m1", cred.MerchantID)
	require.Equal(t, orgUnit, cred.OrgUnitID)
	require.NotContains(t, string(cred.SealedKey), key, "the API Key is stored sealed")
	b, err := os.ReadFile(c.keyFile)
	require.NoError(t, err)
	mk, err := vault.ParseMasterKey(string(b))
	require.NoError(t, err)
	v, err := vault.New(mk)
	require.NoError(t, err)
	keys, err := cardinal.Keys(cred, v, time.Now())
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte(key)}, keys)

	out, code = c.run("cardinal-credentials", "-master-key-file", c.keyFile, "-merchant", "m1", "-api-id", apiID, "-rotate", "-overlap", "1h")
	require.Equal(t, 0, code, out)
	newKey := field(t, out, "new API Key")
	require.NotEqual(t, key, newKey)
	cred, err = st.GetCardinalCredential(ctx, apiID)
	require.NoError(t, err)
	keys, err = cardinal.Keys(cred, v, time.Now())
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte(newKey), []byte(key)}, keys, "the previous key verifies during the overlap")
	keys, err = cardinal.Keys(cred, v, time.Now().Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, [][]byte{[]byte(newKey)}, keys, "and not after")

	// cardinal jwt makes a request JWT the server accepts.
	var sout, serr bytes.Buffer
	require.Equal(t, 0, run([]string{"cardinal", "jwt", "-api-key", newKey, "-api-id", apiID, "-org-unit-id", orgUnit, "-jti", "j-1", "-objectify=false"},
		strings.NewReader(""), &sout, &serr), serr.String())
	r, err := cruise.ParseRequest(strings.TrimSpace(sout.String()), func(string) (cruise.Credential, error) {
		return cruise.Credential{OrgUnitID: orgUnit, Keys: keys}, nil
	}, time.Now())
	require.NoError(t, err)
	require.Equal(t, "j-1", r.JTI)
	require.False(t, r.Objectify)

	// cardinal verify checks a response JWT: good, wrong aud, wrong key.
	now := time.Now()
	resp, err := cruise.SignResponse(cruise.Response{Issuer: apiID, JTI: "r-1", Audience: "j-1", IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		Objectify: true, Payload: cruise.ResponsePayload{Validated: true, ActionCode: "SUCCESS", Payment: cruise.Payment{Type: "CCA"}}}, []byte(newKey))
	require.NoError(t, err)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-api-key", newKey, "-aud", "j-1", resp}, 0, `"ActionCode": "SUCCESS"`},
		{[]string{"-api-key", newKey, "-aud", "other", resp}, 1, "aud"},
		{[]string{"-api-key", key, resp}, 1, "signature"},
	} {
		sout.Reset()
		serr.Reset()
		require.Equal(t, tc.code, run(append([]string{"cardinal", "verify"}, tc.args...), strings.NewReader(""), &sout, &serr), serr.String())
		require.Contains(t, sout.String()+serr.String(), tc.want)
	}
}
