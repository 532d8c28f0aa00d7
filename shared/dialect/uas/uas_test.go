package uas

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/webhooksig"
)

// fakes: the use cases record their input, the idempotency store is a map.

type fakeFlows struct {
	preIn  threeds.PreauthInput
	preErr error
	authIn threeds.AuthInput
	ares   *emv3ds.ARes
	result *threeds.ResultOutput
	readID string
}

func (f *fakeFlows) Preauth(_ context.Context, _ string, in threeds.PreauthInput) (*threeds.PreauthOutput, error) {
	f.preIn = in
	if f.preErr != nil {
		return nil, f.preErr
	}
	return &threeds.PreauthOutput{ThreeDSServerTransID: in.ThreeDSServerTransID, Scheme: emv3ds.SchemeVisa,
		MessageVersion: "2.2.0", DSStartProtocolVersion: "2.1.0", DSEndProtocolVersion: "2.2.0",
		ACSStartProtocolVersion: "2.1.0", ACSEndProtocolVersion: "2.2.0", ThreeDSMethodURL: "https://acs.example/m",
		ThreeDSMethodData: "eyJ9", ThreeDSMethodNotificationURL: "https://api.example/callbacks/method", ACSInfoInd: []string{"01"}}, nil
}

func (f *fakeFlows) Authenticate(_ context.Context, _ string, in threeds.AuthInput) (*threeds.AuthOutput, error) {
	f.authIn = in
	out := &threeds.AuthOutput{ARes: f.ares, Scheme: emv3ds.SchemeVisa, ECI: "07"}
	if f.ares.TransStatus == emv3ds.TransStatusChallenge {
		out.ChallengeRequest = "eyJjcmVxIjoxfQ"
	}
	return out, nil
}

func (f *fakeFlows) Result(_ context.Context, _ string, id string) (*threeds.ResultOutput, error) {
	f.readID = id
	if f.result == nil {
		return nil, threeds.ErrTransactionNotFound
	}
	return f.result, nil
}

type memIdem struct {
	mu sync.Mutex
	m  map[string]*threeds.IdempotencyRecord
}

func (s *memIdem) Begin(_ context.Context, merchantID, key, hash string) (*threeds.IdempotencyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*threeds.IdempotencyRecord{}
	}
	k := merchantID + "|" + key
	if r, ok := s.m[k]; ok {
		if r.RequestHash != hash {
			return nil, threeds.ErrIdempotencyConflict
		}
		if !r.Completed {
			return nil, threeds.ErrIdempotencyInProgress
		}
		return r, nil
	}
	s.m[k] = &threeds.IdempotencyRecord{RequestHash: hash}
	return &threeds.IdempotencyRecord{RequestHash: hash}, nil
}

func (s *memIdem) Complete(_ context.Context, merchantID, key, _ string, status int, resp []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[merchantID+"|"+key]
	r.Completed, r.StatusCode, r.Response = true, status, resp
	return nil
}

func (s *memIdem) Release(_ context.Context, merchantID, key, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, merchantID+"|"+key)
	return nil
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(raw)
}

func event(body, merchant string) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Body: body,
		Headers: map[string]string{"Content-Type": "application/json", "Host": "api.example"}}
	if merchant != "" {
		ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: merchant}
	}
	return ev
}

func call(t *testing.T, routes []apigw.Route, path, body, merchant string) (int, map[string]any) {
	t.Helper()
	for _, r := range routes {
		if strings.HasSuffix(r.Path, path) {
			resp := r.Handle(context.Background(), event(body, merchant))
			var m map[string]any
			require.NoError(t, json.Unmarshal([]byte(resp.Body), &m), resp.Body)
			return resp.StatusCode, m
		}
	}
	t.Fatalf("no route %s", path)
	return 0, nil
}

var log = slog.New(slog.DiscardHandler)

// serde's SCREAMING_SNAKE_CASE of the variants ACKSUCCESS/ACKFAILURE: an
// underscore before every uppercase letter but the first, then upper case.
func TestStatusStrings(t *testing.T) {
	t.Parallel()
	screamingSnake := func(variant string) string {
		var b strings.Builder
		for i, r := range variant {
			if i > 0 && r >= 'A' && r <= 'Z' {
				b.WriteByte('_')
			}
			b.WriteRune(r)
		}
		return strings.ToUpper(b.String())
	}
	require.Equal(t, screamingSnake("ACKSUCCESS"), StatusAckSuccess)
	require.Equal(t, screamingSnake("ACKFAILURE"), StatusAckFailure)
	require.Equal(t, "A_C_K_S_U_C_C_E_S_S", StatusAckSuccess)
}

func TestPreauthAuthSync(t *testing.T) {
	t.Parallel()
	f, idem := &fakeFlows{}, &memIdem{}
	status, m := call(t, PreauthRoutes(f, idem, log), "pre_authentication_processing", fixture(t, "preauth.json"), "m-1")
	require.Equal(t, http.StatusOK, status, m)
	id := TransID("m-1", "authn_7Hk2LmN9pQ")
	require.Equal(t, id, f.preIn.ThreeDSServerTransID)
	require.Equal(t, Name, f.preIn.Dialect)
	require.Equal(t, "4000000000001091", f.preIn.AcctNumber.Reveal())
	raw, _ := json.Marshal(m)
	require.JSONEq(t, `{"status":"A_C_K_S_U_C_C_E_S_S","eligibility":{"eligibility":"ThreeDsEligibilityResponse",
		"three_ds_eligibility_response":{"three_ds_server_trans_id":"`+id+`","scheme_id":"visa",
		"acs_protocol_versions":[{"version":"2.2.0","acs_info_ind":["01"],"three_ds_method_url":"https://acs.example/m"}],
		"ds_protocol_versions":["2.1.0","2.2.0"],"three_ds_method_data_form":{"three_ds_method_data":"eyJ9"},
		"three_ds_method_data":{"three_ds_method_notification_url":"https://api.example/callbacks/method","server_transaction_id":"`+id+`"},
		"is_card_found_in_2x_ranges":true}}}`, string(raw))

	// A second pre-authentication of the same ID is refused.
	f.preErr = threeds.ErrDuplicateTransaction
	status, m = call(t, PreauthRoutes(f, idem, log), "pre_authentication_processing", fixture(t, "preauth.json"), "m-1")
	require.Equal(t, http.StatusBadRequest, status)
	require.Contains(t, m["error"], "source_authentication_id")
	f.preErr = nil

	f.ares = &emv3ds.ARes{ThreeDSServerTransID: id, ACSTransID: "acs-1", ACSReferenceNumber: "ACSREF", DSTransID: "ds-1",
		DSReferenceNumber: "DSREF", TransStatus: emv3ds.TransStatusChallenge, ACSURL: "https://acs.example/c", MessageVersion: "2.2.0"}
	status, m = call(t, AuthRoutes(f, idem, log), "authentication_initiation", fixture(t, "auth.json"), "m-1")
	require.Equal(t, http.StatusOK, status, m)
	raw, _ = json.Marshal(m)
	require.JSONEq(t, `{"three_ds_auth_response":{"three_ds_server_trans_id":"`+id+`","acs_trans_id":"acs-1",
		"acs_reference_number":"ACSREF","ds_trans_id":"ds-1","trans_status":"C","ds_reference_number":"DSREF",
		"acs_challenge_mandated":"Y","message_type":"ARes","message_version":"2.2.0","acs_url":"https://acs.example/c",
		"challenge_request":"eyJjcmVxIjoxfQ","challenge_request_key":"creq","eci":"07"}}`, string(raw))
	a := f.authIn.AReq
	require.Equal(t, id, a.ThreeDSServerTransID)
	require.Equal(t, "4000000000001091", a.AcctNumber.Reveal(), "the card kept from the pre-authentication")
	require.Equal(t, "3012", a.CardExpiryDate)
	require.Equal(t, "https://hs.example.com/payments/pay_Q1w2E3r4/merchant_1718/authorize/stripe", a.NotificationURL)
	require.Equal(t, "15100", a.PurchaseAmount)
	require.Equal(t, "978", a.PurchaseCurrency)
	require.Equal(t, "2", a.PurchaseExponent)
	require.Equal(t, "840", a.BillAddrCountry)
	require.Equal(t, "San Francisco", a.BillAddrCity)
	require.Equal(t, emv3ds.DeviceChannelBrowser, a.DeviceChannel)
	require.Equal(t, emv3ds.ThreeDSCompInd("N"), a.ThreeDSCompInd)
	require.Equal(t, "-120", a.BrowserTZ)
	require.Equal(t, "24", a.BrowserColorDepth)
	require.Equal(t, "1920", a.BrowserScreenWidth)
	require.Equal(t, "203.0.113.7", a.BrowserIP)
	require.Equal(t, []string{"en-US", "en;q=0.9"}, a.AcceptLanguage)
	require.Equal(t, emv3ds.Version("2.2.0"), a.MessageVersion)

	// Another merchant's authentication ID is unknown.
	status, m = call(t, AuthRoutes(f, idem, log), "authentication_initiation", fixture(t, "auth.json"), "m-2")
	require.Equal(t, http.StatusNotFound, status)
	require.Contains(t, m["error"], "source_authentication_id")

	f.result = &threeds.ResultOutput{ThreeDSServerTransID: id, Status: threeds.ResultFinal, TransStatus: "Y", ECI: "05",
		AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", DSTransID: "ds-1"}
	status, m = call(t, PostauthRoutes(f, log), "post_authentication_sync", fixture(t, "sync.json"), "m-1")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, id, f.readID, "one read by the derived ID")
	raw, _ = json.Marshal(m)
	require.JSONEq(t, `{"authentication_details":{"trans_status":"Y","eci":"05","dynamic_data_details":{
		"dynamic_data_value":"AAABBZEEBgAAAAAAAAQGAAAAAAA=","dynamic_data_type":"cavv","ds_trans_id":"ds-1"}}}`, string(raw))

	hook, _ := json.Marshal(map[string]string{"three_ds_server_trans_id": id})
	nums := make([]string, len(hook))
	for i, b := range hook {
		nums[i] = itoa(int(b))
	}
	status, m = call(t, PostauthRoutes(f, log), "webhooks", `{"authenticate_by":"juspaythreedsserver","body":[`+strings.Join(nums, ",")+`],"routing_region":null}`, "m-1")
	require.Equal(t, http.StatusOK, status, m)
	raw, _ = json.Marshal(m)
	require.JSONEq(t, `{"trans_status":"Y","three_ds_server_transaction_id":"`+id+`","authentication_value":"AAABBZEEBgAAAAAAAAQGAAAAAAA=","eci":"05"}`, string(raw))
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// Bad input: {"error": …} naming the field, never the value; 4xx.
func TestBadInput(t *testing.T) {
	t.Parallel()
	f := &fakeFlows{result: &threeds.ResultOutput{}}
	pre := PreauthRoutes(f, &memIdem{}, log)
	for _, tc := range []struct {
		name, path, body, merchant string
		status                     int
		field                      string
	}{
		{"no merchant", "pre_authentication_processing", fixture(t, "preauth.json"), "", 401, "Authorization"},
		{"no source id", "pre_authentication_processing", `{"pmt_details":{"pan":"4000000000001091"}}`, "m-1", 400, "source_authentication_id"},
		{"no pan", "pre_authentication_processing", `{"source_authentication_id":"a1"}`, "m-1", 400, "pmt_details.pan"},
		{"bad month", "pre_authentication_processing", `{"source_authentication_id":"a1","pmt_details":{"pan":"4000000000001091","card_expiry_month":"13","card_expiry_year":"2030"}}`, "m-1", 400, "pmt_details.card_expiry_month"},
		{"bad country", "pre_authentication_processing", `{"source_authentication_id":"a1","pmt_details":{"pan":"4000000000001091"},"billing_address":{"country":"ZZ"}}`, "m-1", 400, "billing_address.country"},
		{"bad notification_url", "pre_authentication_processing", `{"source_authentication_id":"a1","pmt_details":{"pan":"4000000000001091"},"service_details":{"merchant_details":{"notification_url":"javascript:alert(1)"}}}`, "m-1", 400, "notification_url"},
		{"not json", "pre_authentication_processing", `[1,2]`, "m-1", 400, "body"},
	} {
		status, m := call(t, pre, tc.path, tc.body, tc.merchant)
		require.Equal(t, tc.status, status, tc.name)
		require.Len(t, m, 1, tc.name)
		require.Contains(t, m["error"], tc.field, tc.name)
		require.NotContains(t, m["error"], "4000000000001091", tc.name)
	}
	for _, tc := range []struct{ name, body, field string }{
		{"no body", `{"authenticate_by":"x"}`, "body"},
		{"not bytes", `{"body":[1,300]}`, "body"},
		{"bytes not json", `{"body":[1,2]}`, "body"},
		{"no id", `{"body":[123,125]}`, "three_ds_server_trans_id"},
	} {
		status, m := call(t, PostauthRoutes(f, log), "webhooks", tc.body, "m-1")
		require.Equal(t, http.StatusBadRequest, status, tc.name)
		require.Contains(t, m["error"], tc.field, tc.name)
	}
}

func TestConversions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount string
		exp    int
		want   string
		ok     bool
	}{
		{"151", 2, "15100", true}, {"151.0", 2, "15100", true}, {"19.99", 2, "1999", true}, {"1.5e2", 2, "15000", true},
		{"0.1", 2, "10", true}, {"1999", 0, "1999", true}, {"12.345", 3, "12345", true},
		{"19.999", 2, "", false}, {"1.5", 0, "", false}, {"-1", 2, "", false}, {"abc", 2, "", false}, {"", 2, "", false},
	} {
		got, err := minorUnits("amount", tc.amount, tc.exp)
		require.Equal(t, tc.ok, err == nil, tc.amount)
		require.Equal(t, tc.want, got, tc.amount)
	}
	n, exp, err := currencyNumeric("c", "JPY")
	require.NoError(t, err)
	require.Equal(t, "392", n)
	require.Equal(t, 0, exp)
	n, exp, err = currencyNumeric("c", "eur")
	require.NoError(t, err)
	require.Equal(t, "978", n)
	require.Equal(t, 2, exp)
	_, _, err = currencyNumeric("c", "XXY")
	require.Error(t, err)
	c, err := countryNumeric("c", "DE")
	require.NoError(t, err)
	require.Equal(t, "276", c)
	c, err = countryNumeric("c", "840")
	require.NoError(t, err)
	require.Equal(t, "840", c)
	e, err := expiry("1", "30")
	require.NoError(t, err)
	require.Equal(t, "3001", e)
}

// The derived ID: a UUID (v5), stable, distinct per merchant and per ID.
func TestTransID(t *testing.T) {
	t.Parallel()
	a := TransID("m-1", "authn_1")
	require.True(t, emv3ds.IsUUID(a), a)
	require.Equal(t, a, TransID("m-1", "authn_1"))
	require.NotEqual(t, a, TransID("m-2", "authn_1"))
	require.NotEqual(t, a, TransID("m-1", "authn_2"))
	require.NotEqual(t, TransID("m-1a", "b"), TransID("m-1", "ab"))
	require.Equal(t, byte('5'), a[14], "version 5")
}

func TestCredentials(t *testing.T) {
	t.Parallel()
	r := events.APIGatewayCustomAuthorizerRequestTypeRequest{Resource: "/uas/{token}/webhooks", PathParameters: map[string]string{"token": "tok"}}
	rule, ok := apigw.RuleFor([]apigw.CredentialRule{Credentials}, r.Resource, r.Path)
	require.True(t, ok)
	got := rule.For(r)
	require.Equal(t, TokenKind, got.Kind)
	m, err := got.Material(r)
	require.NoError(t, err)
	require.Equal(t, TokenMaterial("tok"), m)
	require.False(t, got.GatewayRejects)

	r.Headers = map[string]string{"Authorization": "Bearer o3ds_key"}
	got = rule.For(r)
	require.Equal(t, "", got.Kind, "the native key when a Bearer is present")
	m, err = got.Material(r)
	require.NoError(t, err)
	require.Equal(t, "o3ds_key", m)

	r = events.APIGatewayCustomAuthorizerRequestTypeRequest{Resource: "/uas/{token}/webhooks"}
	_, err = rule.For(r).Material(r)
	require.True(t, errors.Is(err, apigw.ErrNoCredential))
}

func TestWebhookRender(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC)
	ev := threeds.WebhookEvent{ID: "evt_1", Type: threeds.EventAuthenticationCompleted, Created: at, Dialect: Name,
		Result: &threeds.ResultOutput{ThreeDSServerTransID: "tx-1", TransStatus: "Y", ECI: "05",
			AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", DSTransID: "ds-1", MessageVersion: "2.2.0", CardBIN: "400000"}}
	body, headers, err := Webhook{}.RenderWebhook(ev, []byte("whsec"), at)
	require.NoError(t, err)
	require.JSONEq(t, `{"event_id":"evt_1","event_type":"authentication.completed","created":1782375330,
		"three_ds_server_trans_id":"tx-1","trans_status":"Y","eci":"05","authentication_value":"AAABBZEEBgAAAAAAAAQGAAAAAAA=",
		"ds_trans_id":"ds-1","message_version":"2.2.0"}`, string(body))
	require.NoError(t, webhooksig.Verify([]byte("whsec"), headers[webhooksig.Header], body, at, webhooksig.DefaultTolerance))
	_, _, err = Webhook{}.RenderWebhook(threeds.WebhookEvent{ID: "x"}, nil, at)
	require.Error(t, err)
}
