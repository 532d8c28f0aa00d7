package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/shared/dynamostore"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

type cli struct {
	t        *testing.T
	base     []string
	keyFile  string
	table    string
	endpoint string
}

func newCLI(t *testing.T) *cli {
	inst := ddblocal.Shared(t)
	table := "admin-" + strings.ReplaceAll(strings.ToLower(t.Name()), "/", "-")
	c := &cli{t: t, endpoint: inst.Endpoint(), table: table, base: []string{"-endpoint", inst.Endpoint(), "-table", table}}
	out, code := c.run("table-create")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "created")
	k, err := vault.GenerateMasterKey()
	require.NoError(t, err)
	c.keyFile = filepath.Join(t.TempDir(), "master.key")
	require.NoError(t, os.WriteFile(c.keyFile, []byte(hexOf(k)+"\n"), 0o600))
	return c
}

func hexOf(b []byte) string {
	const h = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, h[x>>4], h[x&15])
	}
	return string(out)
}

// run executes one threedsctl command with the table flags and returns
// stdout+stderr and the exit status.
func (c *cli) run(name string, args ...string) (string, int) {
	return c.runIn("", name, args...)
}

func (c *cli) runIn(stdin, name string, args ...string) (string, int) {
	var out, errb bytes.Buffer
	code := run(append(append([]string{name}, c.base...), args...), strings.NewReader(stdin), &out, &errb)
	return out.String() + errb.String(), code
}

func (c *cli) store(withKey bool) *dynamostore.Store {
	opts := dynamostore.Options{SkipWebhookSecrets: !withKey}
	if withKey {
		b, err := os.ReadFile(c.keyFile)
		require.NoError(c.t, err)
		k, err := vault.ParseMasterKey(string(b))
		require.NoError(c.t, err)
		v, err := vault.New(k)
		require.NoError(c.t, err)
		opts.Sealer = v
	}
	return dynamostore.New(ddblocal.NewClient(c.endpoint), c.table, opts)
}

func TestAdminMerchantsAndKeys(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()

	out, code := c.run("merchant-create", "-id", "m1", "-name", "Shop One", "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-1",
		"-mcc", "5411", "-country", "840", "-requestor-id", "req-1", "-requestor-name", "Req One", "-schemes", "visa, Mastercard",
		"-origins", "https://shop.example, http://localhost:*")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "merchant m1 created")
	out, code = c.run("merchant-create", "-id", "m1", "-name", "Again", "-acquirer-bin", "400551", "-acquirer-merchant-id", "a", "-mcc", "5411", "-country", "840")
	require.Equal(t, 1, code)
	require.Contains(t, out, "duplicate merchant")

	out, code = c.run("merchant-create", "-name", "", "-acquirer-bin", "40x", "-mcc", "54", "-country", "US", "-schemes", "diners", "-origins", "javascript:alert(1)")
	require.Equal(t, 2, code)
	for _, f := range []string{"-name", "-acquirer-bin", "-acquirer-merchant-id", "-mcc", "-country", "-schemes", "-origins"} {
		require.Contains(t, out, f, "every bad flag is named")
	}

	m, err := c.store(false).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, []emv3ds.Scheme{emv3ds.SchemeVisa, emv3ds.SchemeMastercard}, m.AllowedSchemes)
	require.Equal(t, "5411", m.MCC)
	require.Equal(t, []string{"https://shop.example", "http://localhost:*"}, m.AllowedOrigins)
	require.False(t, m.RestrictReturnURL)

	// webhook: generated secret shown once, stored sealed, readable with the key
	out, code = c.run("merchant-webhook", "-merchant", "m1", "-url", "https://shop.example/hooks", "-generate-secret")
	require.Equal(t, 1, code, "needs the master key")
	require.Contains(t, out, "master key")
	out, code = c.run("merchant-webhook", "-master-key-file", c.keyFile, "-merchant", "m1", "-url", "https://shop.example/hooks", "-generate-secret")
	require.Equal(t, 0, code, out)
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]+`).FindString(out)
	require.NotEmpty(t, secret)
	m, err = c.store(true).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, secret, m.WebhookSecret)
	require.Equal(t, "https://shop.example/hooks", m.WebhookURL)
	out, code = c.runIn("whsec_from_stdin_0123456789\n", "merchant-webhook", "-master-key-file", c.keyFile, "-merchant", "m1", "-url", "https://shop.example/h2", "-secret-file", "-")
	require.Equal(t, 0, code, out)
	require.NotContains(t, out, "whsec_from_stdin", "a given secret is not echoed")
	m, err = c.store(true).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, "whsec_from_stdin_0123456789", m.WebhookSecret)
	_, code = c.run("merchant-webhook", "-master-key-file", c.keyFile, "-merchant", "m1", "-url", "http://shop.example/h", "-generate-secret")
	require.Equal(t, 2, code, "plain http is refused")

	// allowed origins
	out, code = c.run("merchant-origins", "-master-key-file", c.keyFile, "-merchant", "m1", "-origins", "https://shop.example/path")
	require.Equal(t, 2, code, out)
	out, code = c.run("merchant-origins", "-master-key-file", c.keyFile, "-merchant", "m1", "-origins", "https://shop.example,https://pay.shop.example:8443", "-restrict-return-url")
	require.Equal(t, 0, code, out)
	m, err = c.store(true).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.Equal(t, []string{"https://shop.example", "https://pay.shop.example:8443"}, m.AllowedOrigins)
	require.True(t, m.RestrictReturnURL)
	require.Equal(t, "whsec_from_stdin_0123456789", m.WebhookSecret, "the secret survives the update")

	out, code = c.run("merchant-list")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "Shop One")
	require.Contains(t, out, "https://pay.shop.example:8443 (returnURL restricted)")
	require.Contains(t, out, "https://shop.example/h2")
	require.NotContains(t, out, "whsec_")
	require.Contains(t, out, "refused", "overrides are refused by default")

	// policy: a PSP profile may override its profile's identity elements
	require.False(t, m.AllowProfileOverrides)
	out, code = c.run("merchant-policy", "-merchant", "m1", "-allow-overrides")
	require.Equal(t, 1, code, "needs the master key (the update re-seals the webhook secret): "+out)
	out, code = c.run("merchant-policy", "-master-key-file", c.keyFile, "-merchant", "m1")
	require.Equal(t, 2, code, "-allow-overrides must be given: "+out)
	out, code = c.run("merchant-policy", "-master-key-file", c.keyFile, "-merchant", "m1", "-allow-overrides")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "acquirerBIN, acquirerMerchantID, threeDSRequestorID, threeDSRequestorName, merchantName, acquirerCountryCode allowed")
	m, err = c.store(true).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.True(t, m.AllowProfileOverrides)
	require.Equal(t, "whsec_from_stdin_0123456789", m.WebhookSecret, "the secret survives the update")
	out, _ = c.run("merchant-list")
	require.Contains(t, out, "allowed")
	out, code = c.run("merchant-policy", "-master-key-file", c.keyFile, "-merchant", "m1", "-allow-overrides=false")
	require.Equal(t, 0, code, out)
	m, err = c.store(false).GetMerchant(ctx, "m1")
	require.NoError(t, err)
	require.False(t, m.AllowProfileOverrides)
	out, code = c.run("merchant-create", "-id", "psp", "-name", "PSP", "-acquirer-bin", "400551", "-acquirer-merchant-id", "acq-p",
		"-mcc", "5411", "-country", "840", "-allow-overrides")
	require.Equal(t, 0, code, out)
	m, err = c.store(false).GetMerchant(ctx, "psp")
	require.NoError(t, err)
	require.True(t, m.AllowProfileOverrides)

	// API keys
	out, code = c.run("key-create", "-merchant", "m1", "-name", "prod")
	require.Equal(t, 0, code, out)
	key := regexp.MustCompile(`o3ds_[0-9A-Za-z]{43}`).FindString(out)
	require.NotEmpty(t, key)
	keyID := regexp.MustCompile(`key ID: (key_[0-9a-f]+)`).FindStringSubmatch(out)[1]
	k, err := c.store(false).LookupAPIKey(ctx, vault.HashAPIKey(key))
	require.NoError(t, err)
	require.Equal(t, "m1", k.MerchantID)
	_, code = c.run("key-create", "-merchant", "ghost")
	require.Equal(t, 1, code, "no key for an unknown merchant")

	out, code = c.run("key-list", "-merchant", "m1")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, keyID)
	require.Contains(t, out, key[:11])
	require.NotContains(t, out, key, "the key is shown only once")
	require.Contains(t, out, "active")

	out, code = c.run("key-revoke", "-merchant", "m2", "-key", keyID)
	require.Equal(t, 1, code, out)
	out, code = c.run("key-revoke", "-merchant", "m1", "-key", keyID)
	require.Equal(t, 0, code, out)
	_, err = c.store(false).LookupAPIKey(ctx, vault.HashAPIKey(key))
	require.ErrorIs(t, err, threeds.ErrAPIKeyRevoked)
	out, _ = c.run("key-list", "-merchant", "m1")
	require.Contains(t, out, "revoked")
}

func TestAdminCardRangesAndTx(t *testing.T) {
	c := newCLI(t)
	ctx := context.Background()

	out, code := c.run("cardranges-load", "-ds", "visa", "-file", "testdata/admin/pres_v220_full.json")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "5 card ranges loaded, serialNum 10")
	r, err := c.store(false).LookupCardRange(ctx, "4012000000001500")
	require.NoError(t, err)
	require.Equal(t, "visa", r.DS)
	require.Equal(t, emv3ds.Version220, r.ACSEndVersion)
	require.Equal(t, []string{"01", "02", "03", "04", "80", "81", "82"}, r.ACSInfoInd)

	inc := `{"messageType":"PRes","serialNum":"11","dsStartProtocolVersion":"2.1.0","dsEndProtocolVersion":"2.2.0","cardRangeData":[
	  {"startRange":"4012000000001000","endRange":"4012000000001999","actionInd":"D"},
	  {"startRange":"4111110000000000","endRange":"4111119999999999","actionInd":"A","acsStartProtocolVersion":"2.1.0","acsEndProtocolVersion":"2.1.0"}]}`
	out, code = c.runIn(inc, "cardranges-load", "-ds", "visa", "-file", "-", "-incremental")
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "5 card ranges loaded, serialNum 11")
	_, err = c.store(false).LookupCardRange(ctx, "4012000000001500")
	require.ErrorIs(t, err, threeds.ErrCardRangeNotFound)
	r, err = c.store(false).LookupCardRange(ctx, "4111111111111111")
	require.NoError(t, err)
	require.Equal(t, emv3ds.Version220, r.DSEndVersion, "2.1.0-style top-level DS versions apply to each range")

	out, code = c.runIn(`{"messageType":"ARes"}`, "cardranges-load", "-ds", "visa", "-file", "-")
	require.Equal(t, 1, code)
	require.Contains(t, out, "not PRes")
	out, code = c.runIn(`{"serialNum":"12","cardRangeData":[{"startRange":"4999","endRange":"4999"}]}`, "cardranges-load", "-ds", "visa", "-file", "-")
	require.Equal(t, 1, code)
	require.Contains(t, out, "invalid card range")

	// tx-show: masked card and authentication value (sealed at rest: the
	// store that writes it needs the master key; tx-show reads without it)
	st := c.store(true)
	r0 := threeds.DefaultRetention()
	tx, err := threeds.NewTransaction(threeds.NewTransactionInput{ID: "6f1c9b58-1c57-4d8e-9b76-1f6c1c0f2a11", MerchantID: "m1",
		Card: threeds.Card{Scheme: emv3ds.SchemeVisa, BIN: "400000", Last4: "1000", PANHash: "ab12"}}, nowUTC(), r0)
	require.NoError(t, err)
	require.NoError(t, tx.RecordAReqSent(threeds.AReqSent{DeviceChannel: emv3ds.DeviceChannelBrowser}, nowUTC(), r0))
	require.NoError(t, tx.RecordARes(threeds.AResData{TransStatus: emv3ds.TransStatusAuthenticated, ECI: "05", DSTransID: "ds-77",
		AuthenticationValue: "AAABBEg0VhI0VniQEjRWAAAAAAA="}, nowUTC(), r0))
	require.NoError(t, st.Create(ctx, tx))

	out, code = c.run("tx-show", tx.ID)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "400000******1000")
	require.Contains(t, out, "ds-77")
	require.Regexp(t, `transStatus\s+Y`, out)
	require.NotContains(t, out, "AAABBEg0VhI0VniQEjRWAAAAAAA=")
	require.Regexp(t, `authenticationValue\s+\*\*\*\*`, out)
	out, code = c.run("tx-show", "-master-key-file", c.keyFile, tx.ID)
	require.Equal(t, 0, code, out)
	require.NotContains(t, out, "AAABBEg0VhI0VniQEjRWAAAAAAA=", "masked with the key too")
	require.Regexp(t, `authenticationValue\s+\*\*\*\*`, out)
	_, err = c.store(false).Update(ctx, tx.ID, func(x *threeds.Transaction) error { x.CResReceivedAt = nowUTC(); return nil })
	require.Error(t, err, "a store without the master key never rewrites a sealed CAVV")
	out, code = c.run("tx-show", "-merchant", "other", tx.ID)
	require.Equal(t, 1, code)
	require.Contains(t, out, "transaction not found")
	_, code = c.run("tx-show")
	require.Equal(t, 2, code)
}

func TestAdminUsage(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 2, run([]string{"merchant-list"}, strings.NewReader(""), &out, &errb))
	require.Contains(t, errb.String(), "-table is required")
	require.Equal(t, 2, run([]string{"key-create", "-bogus"}, strings.NewReader(""), &out, &errb))
	errb.Reset()
	require.Equal(t, 2, run(nil, strings.NewReader(""), &out, &errb))
	for _, name := range []string{"merchant-create", "merchant-list", "merchant-webhook", "merchant-policy", "key-create", "key-list", "key-revoke", "cardranges-load", "tx-show", "table-create", "master-key-generate"} {
		require.Contains(t, errb.String(), name)
	}
	out.Reset()
	require.Equal(t, 0, run([]string{"master-key-generate"}, strings.NewReader(""), &out, &errb))
	_, err := vault.ParseMasterKey(out.String())
	require.NoError(t, err)
}

func nowUTC() time.Time { return time.Now().UTC() }
