package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/shared/dialect/uas"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/stacktest"
)

// seedStore is the store the stack was seeded with (policy_test.go).
var seedStore stack.Store

var uasSeq atomic.Int64

const hsNotificationURL = "https://hs.example.com/payments/pay_Q1w2E3r4/merchant_1718/authorize/stripe"

// Hyperswitch's UAS client (authenticate_by=juspaythreedsserver), byte for
// byte (client-contracts.md §5): no credential header, the capability token
// in the base URL, every key it serialises (nulls included), and its
// response parsing rules applied to our answers: required keys, the exact
// status string, types.
func TestUAS(t *testing.T) {
	require.True(t, strings.HasSuffix(stk.UASBaseURL, "/"), "the UAS base is joined as {base}path: it must end in /")

	t.Run("frictionless Y", func(t *testing.T) {
		src := newSource()
		elig := uasPreauth(t, stk.UASBaseURL, src, visa(dssim.ScenarioFrictionlessY))
		txID := elig["three_ds_server_trans_id"].(string)
		require.Equal(t, uas.TransID("merchant-1", src), txID, "the transaction ID is derived from the authentication ID")

		auth := uasAuth(t, stk.UASBaseURL, src)
		require.Equal(t, "Y", auth["trans_status"])
		require.Len(t, auth["authentication_value"], 28)
		require.Equal(t, "05", auth["eci"])

		areq := sentAReq(t, txID)
		require.Equal(t, hsNotificationURL, areq["notificationURL"], "the pre-auth notification_url is the AReq's notificationURL")
		require.Equal(t, "15100", areq["purchaseAmount"], "151.0 EUR in minor units")
		require.Equal(t, "978", areq["purchaseCurrency"])
		require.Equal(t, "2", areq["purchaseExponent"])
		require.Equal(t, "-120", areq["browserTZ"])
		require.Equal(t, "24", areq["browserColorDepth"])
		require.Equal(t, "1080", areq["browserScreenHeight"])
		require.Equal(t, "02", areq["deviceChannel"])
		require.Equal(t, "N", areq["threeDSCompInd"])

		d := uasSync(t, stk.UASBaseURL, src)
		require.Equal(t, "Y", d["trans_status"])
		require.Equal(t, "05", d["eci"])
		dyn := d["dynamic_data_details"].(map[string]any)
		require.Equal(t, auth["authentication_value"], dyn["dynamic_data_value"])
		require.Equal(t, "cavv", dyn["dynamic_data_type"])
		require.Equal(t, auth["ds_trans_id"], dyn["ds_trans_id"])
	})

	t.Run("challenge through the simulator's pages", func(t *testing.T) {
		src := newSource()
		uasPreauth(t, stk.UASBaseURL, src, mc(dssim.ScenarioChallenge))
		auth := uasAuth(t, stk.UASBaseURL, src)
		require.Equal(t, "C", auth["trans_status"], "trans_status C triggers Hyperswitch's challenge")
		require.Equal(t, "Y", auth["acs_challenge_mandated"])
		require.Equal(t, "creq", auth["challenge_request_key"])
		require.NotEmpty(t, auth["acs_url"])
		require.NotEmpty(t, auth["challenge_request"])

		pending := uasSync(t, stk.UASBaseURL, src)
		require.Equal(t, "C", pending["trans_status"], "pending while the challenge runs")

		// Hyperswitch's browser posts our CReq as creq to acs_url.
		p := api.PostForm(t, auth["acs_url"].(string), map[string][]string{"creq": {auth["challenge_request"].(string)}})
		require.Equal(t, http.StatusOK, p.Status, p.HTML)
		action, fields := enters("1234")(t, p)
		p = api.PostForm(t, action, fields)
		back, _ := p.Form(t)
		require.Equal(t, hsNotificationURL, back, "the ACS returns the browser to Hyperswitch's notification_url")

		d := uasSync(t, stk.UASBaseURL, src)
		require.Equal(t, "Y", d["trans_status"], "post_authentication_sync holds the RReq's result: %v", d)
		require.Equal(t, "02", d["eci"])
		require.Len(t, d["dynamic_data_details"].(map[string]any)["dynamic_data_value"], 28)

		// The push path: Hyperswitch forwards the webhook body it received
		// (ours) to the webhooks route as bytes.
		hook, _ := json.Marshal(map[string]any{"three_ds_server_trans_id": auth["three_ds_server_trans_id"], "trans_status": "Y"})
		nums := make([]int, len(hook))
		for i, b := range hook {
			nums[i] = int(b)
		}
		body, _ := json.Marshal(map[string]any{"authenticate_by": "juspaythreedsserver", "body": nums, "routing_region": "region1"})
		r := uasPost(t, stk.UASBaseURL+"webhooks", body, "")
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
		w := r.JSON(t)
		require.Equal(t, "Y", w["trans_status"])
		require.Equal(t, auth["three_ds_server_trans_id"], w["three_ds_server_transaction_id"])
		require.Equal(t, d["eci"], w["eci"])
	})

	t.Run("N carries the same eci in the answer and the sync", func(t *testing.T) {
		src := newSource()
		uasPreauth(t, stk.UASBaseURL, src, visa(dssim.ScenarioFrictionlessN))
		auth := uasAuth(t, stk.UASBaseURL, src)
		require.Equal(t, "N", auth["trans_status"])
		require.Equal(t, "07", auth["eci"])
		require.Equal(t, "07", uasSync(t, stk.UASBaseURL, src)["eci"])
	})

	t.Run("Bearer key instead of the token", func(t *testing.T) {
		src := newSource()
		base := stk.URL + "/uas/not-a-token/"
		body := uasBody(t, "uas_preauth.json", src, visa(dssim.ScenarioFrictionlessY))
		r := uasPost(t, base+"pre_authentication_processing", body, key1)
		require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	})

	t.Run("wrong or revoked token is 401 {error}", func(t *testing.T) {
		src := newSource()
		body := uasBody(t, "uas_preauth.json", src, visa(dssim.ScenarioFrictionlessY))
		for _, base := range []string{stk.URL + "/uas/wrong-token/", stk.URL + "/uas/" + stk.UASToken + "x/"} {
			r := uasPost(t, base+"pre_authentication_processing", body, "")
			requireUASError(t, r, http.StatusUnauthorized)
		}
		// A native API key in the path is not a UAS token.
		requireUASError(t, uasPost(t, stk.URL+"/uas/"+key1+"/pre_authentication_processing", body, ""), http.StatusUnauthorized)

		token, err := vault.NewSecret(24)
		require.NoError(t, err)
		k := &threeds.APIKey{ID: "uas-e2e-" + src, MerchantID: "merchant-1", Hash: vault.HashAPIKey(uas.TokenMaterial(token)),
			Kind: uas.TokenKind, CreatedAt: time.Now()}
		require.NoError(t, seedStore.CreateAPIKey(context.Background(), k))
		base := stk.URL + "/uas/" + token + "/"
		uasPreauth(t, base, src, visa(dssim.ScenarioFrictionlessY))
		require.NoError(t, seedStore.RevokeAPIKey(context.Background(), "merchant-1", k.ID, time.Now()))
		// Revoked elsewhere (threedsctl), the token stops once the
		// functions' key cache lets it go: within API_KEY_CACHE_TTL (10 s).
		var last stacktest.Response
		require.Eventually(t, func() bool {
			last = uasPost(t, base+"post_authentication_sync", uasBody(t, "uas_sync.json", src, ""), "")
			return last.Status == http.StatusUnauthorized
		}, 15*time.Second, 250*time.Millisecond, "a revoked token stops within the key cache TTL")
		requireUASError(t, last, http.StatusUnauthorized)
		require.NotContains(t, logs.String(), token, "the capability token is never logged")
	})

	t.Run("bad input names the field", func(t *testing.T) {
		src := newSource()
		uasPreauth(t, stk.UASBaseURL, src, visa(dssim.ScenarioFrictionlessY))
		var body map[string]any
		require.NoError(t, json.Unmarshal(uasBody(t, "uas_auth.json", src, ""), &body))
		body["transaction_details"].(map[string]any)["amount"] = 151.005
		b, _ := json.Marshal(body)
		e := requireUASError(t, uasPost(t, stk.UASBaseURL+"authentication_initiation", b, ""), http.StatusBadRequest)
		require.Contains(t, e, "transaction_details.amount")

		e = requireUASError(t, uasPost(t, stk.UASBaseURL+"post_authentication_sync", uasBody(t, "uas_sync.json", newSource(), ""), ""), http.StatusNotFound)
		require.Contains(t, e, "source_authentication_id")
		e = requireUASError(t, uasPost(t, stk.UASBaseURL+"authentication_initiation", uasBody(t, "uas_auth.json", newSource(), ""), ""), http.StatusNotFound)
		require.Contains(t, e, "source_authentication_id")
	})
}

func newSource() string {
	return "authn_e2e" + time.Now().Format("150405") + "x" + string(rune('a'+uasSeq.Add(1)%26)) + strings.ReplaceAll(time.Now().Format(".000000"), ".", "")
}

// uasBody is a testdata request with this run's authentication ID (and PAN).
func uasBody(t *testing.T, file, src, pan string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	require.NoError(t, err)
	s := strings.ReplaceAll(string(raw), "authn_7Hk2LmN9pQ", src)
	if pan != "" {
		s = strings.ReplaceAll(s, "4000000000001091", pan)
	}
	return []byte(s)
}

// uasPost sends exactly what Hyperswitch's UAS client sends: no credential
// header (unless bearer is given), Source: application/json (sic), Via.
func uasPost(t *testing.T, url string, body []byte, bearer string) stacktest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header["Content-Type"] = []string{"application/json"}
	req.Header["Source"] = []string{"application/json"}
	req.Header["Via"] = []string{"HyperSwitch"}
	if bearer != "" {
		req.Header["Authorization"] = []string{"Bearer " + bearer}
	}
	return api.Do(t, req)
}

func requireUASError(t *testing.T, r stacktest.Response, status int) string {
	t.Helper()
	require.Equal(t, status, r.Status, string(r.Body))
	var e map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &e), string(r.Body))
	require.Len(t, e, 1, "UAS's error shape is {\"error\": …}: %s", r.Body)
	msg, ok := e["error"].(string)
	require.True(t, ok && msg != "", string(r.Body))
	return msg
}

// uasPreauth answers the eligibility Hyperswitch parses.
func uasPreauth(t *testing.T, base, src, pan string) map[string]any {
	t.Helper()
	r := uasPost(t, base+"pre_authentication_processing", uasBody(t, "uas_preauth.json", src, pan), "")
	require.Equal(t, http.StatusOK, r.Status, "pre_authentication_processing: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "A_C_K_S_U_C_C_E_S_S", m["status"])
	el := m["eligibility"].(map[string]any)
	require.Equal(t, "ThreeDsEligibilityResponse", el["eligibility"], "serde's internal tag")
	in := el["three_ds_eligibility_response"].(map[string]any)
	requireUUID(t, in["three_ds_server_trans_id"], "three_ds_server_trans_id")
	require.Equal(t, true, in["is_card_found_in_2x_ranges"])
	versions := in["acs_protocol_versions"].([]any)
	require.NotEmpty(t, versions)
	for _, v := range versions {
		pv := v.(map[string]any)
		require.Regexp(t, semverRE, pv["version"])
		require.IsType(t, []any{}, pv["acs_info_ind"], "acs_info_ind is required (an array)")
	}
	return in
}

func uasAuth(t *testing.T, base, src string) map[string]any {
	t.Helper()
	r := uasPost(t, base+"authentication_initiation", uasBody(t, "uas_auth.json", src, ""), "")
	require.Equal(t, http.StatusOK, r.Status, "authentication_initiation: %s", r.Body)
	m := r.JSON(t)["three_ds_auth_response"].(map[string]any)
	for _, k := range []string{"three_ds_server_trans_id", "acs_trans_id", "acs_reference_number", "ds_trans_id", "trans_status"} {
		require.IsType(t, "", m[k], "Hyperswitch requires %q (a string): %v", k, m)
	}
	require.Contains(t, []any{"Y", "N", "U", "A", "R", "C", "D", "I"}, m["trans_status"])
	return m
}

func uasSync(t *testing.T, base, src string) map[string]any {
	t.Helper()
	r := uasPost(t, base+"post_authentication_sync", uasBody(t, "uas_sync.json", src, ""), "")
	require.Equal(t, http.StatusOK, r.Status, "post_authentication_sync: %s", r.Body)
	return r.JSON(t)["authentication_details"].(map[string]any)
}
