package juspay

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// memStore is an in-memory OrderStore (unit tests only; the e2e suite uses
// dynamostore on DynamoDB Local).
type memStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (s *memStore) CreateDialectRecord(_ context.Context, kind, scope, key string, body []byte, _ time.Time) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kind + "|" + scope + "|" + key
	if b, ok := s.m[k]; ok {
		return b, false, nil
	}
	s.m[k] = body
	return nil, true, nil
}

func (s *memStore) GetDialectRecord(_ context.Context, kind, scope, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.m[kind+"|"+scope+"|"+key]
	return b, ok, nil
}

func (s *memStore) UpdateDialectRecord(_ context.Context, kind, scope, key string, _ time.Time, fn func([]byte) ([]byte, error)) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := kind + "|" + scope + "|" + key
	b, ok := s.m[k]
	if !ok {
		return nil, false, nil
	}
	n, err := fn(b)
	if err != nil {
		return nil, true, err
	}
	s.m[k] = n
	return n, true, nil
}

type merchants map[string]*threeds.Merchant

func (m merchants) GetMerchant(_ context.Context, id string) (*threeds.Merchant, error) {
	if x, ok := m[id]; ok {
		return x, nil
	}
	return nil, threeds.ErrMerchantNotFound
}

// The seed's order fields and the limits of acquirer_details, every
// failure reported by the name of its parameter.
func TestParseOrder(t *testing.T) {
	raw, err := os.ReadFile("testdata/orders.json")
	require.NoError(t, err)
	var cases []struct {
		Name   string            `json:"name"`
		Params map[string]string `json:"params"`
		Errors []string          `json:"errors"`
	}
	require.NoError(t, json.Unmarshal(raw, &cases))
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			o, err := parseOrder(tc.Params)
			if len(tc.Errors) == 0 {
				require.NoError(t, err)
				require.NotEmpty(t, o.RequestHash)
				return
			}
			var verr *emv3ds.ValidationError
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, f := range verr.Fields {
				got = append(got, f.Field)
			}
			require.ElementsMatch(t, tc.Errors, got)
			for _, v := range tc.Params {
				if len(v) > 3 {
					require.NotContains(t, err.Error(), v, "errors name parameters, never values")
				}
			}
		})
	}
}

func TestMinorUnits(t *testing.T) {
	for _, tc := range []struct {
		amount string
		exp    int
		want   string
		ok     bool
	}{{"100.00", 2, "10000", true}, {"100", 2, "10000", true}, {"0.5", 2, "50", true}, {"1.001", 2, "", false},
		{"100", 0, "100", true}, {"1.5", 0, "", false}, {"1.250", 3, "1250", true}, {"0.00", 2, "0", true}} {
		got, ok := minorUnits(tc.amount, tc.exp)
		require.Equal(t, tc.ok, ok, tc.amount)
		require.Equal(t, tc.want, got, tc.amount)
	}
}

// Juspay's rule, checked against an independent computation (Python's
// hmac/urllib.parse.quote_plus over the same parameters and key).
func TestSignature(t *testing.T) {
	p := map[string]string{"order_id": "ord-1718", "status": "SUCCESS", "status_id": "21"}
	require.Equal(t, "GnFtMi8WW//4A9rk89OwQzH3rLa0IxIa8HsnGiAFCgM=", Sign("resp-key-1", p))
	u, err := url.Parse(SignedReturnURL("https://shop.example.com/r?ref=a b", "resp-key-1", "ord-1718", "SUCCESS", 21))
	require.NoError(t, err)
	require.Contains(t, u.RawQuery, "%253D", "the signature is percent-encoded twice in the URL, as in Juspay's example")
	q := u.Query()
	require.Equal(t, "a b", q.Get("ref"))
	require.True(t, Verify("resp-key-1", q))
	require.False(t, Verify("resp-key-2", q))
	q.Set("status", "FAILED")
	require.False(t, Verify("resp-key-1", q), "a changed status does not verify")
}

// The seed's example block (N, reason 01): exactly its keys, nulls where
// the protocol gave nothing.
func TestSecondFactorResponse(t *testing.T) {
	res := &threeds.ResultOutput{ThreeDSServerTransID: "c10e57e3-7fdd-4f17-b154-1f04515ab426", Status: threeds.ResultFinal,
		TransStatus: "N", TransStatusReason: "01", MessageVersion: "2.2.0", DSTransID: "3f083000-5050-47a0-b413-f180a490ce85", ECI: "00"}
	b, err := json.Marshal(SecondFactorResponse(res))
	require.NoError(t, err)
	require.JSONEq(t, `{"eci":"07","cavv":null,"threeDSVersion":"2.2.0","threeDSTransStatusReason":"01",
		"threeDSServerTransID":"c10e57e3-7fdd-4f17-b154-1f04515ab426","threeDSTransStatus":"N","cavvAlgorithm":null,
		"threeDSTransId":"3f083000-5050-47a0-b413-f180a490ce85"}`, string(b))
	for ts, eci := range map[emv3ds.TransStatus]string{"Y": "05", "A": "06", "N": "07", "U": "07", "R": "07"} {
		require.Equal(t, eci, juspayECI(ts), ts)
	}
	o := &Order{ID: "ordeh_1", OrderID: "o1", TxID: res.ThreeDSServerTransID}
	require.Equal(t, "FAILED", StatusBody(o, res).Status)
	require.Equal(t, "PENDING_VBV", StatusBody(o, &threeds.ResultOutput{Status: threeds.ResultPending}).Status)
	require.Empty(t, StatusBody(o, nil).SecondFactorResponse, "blank while pending")
	require.Equal(t, "NEW", StatusBody(&Order{OrderID: "o1"}, nil).Status)
}

func TestErrors(t *testing.T) {
	resp := Errors{}.RenderError(400, &emv3ds.Erro{ErrorDetail: "acquirer_details.acquirerBin", ErrorDescription: "Invalid format"})
	require.JSONEq(t, `{"status":"invalid_request_error","error_code":"invalid_request",
		"error_message":"Invalid acquirer_details.acquirerBin: Invalid format","error_field":"acquirer_details.acquirerBin"}`, resp.Body)
	resp = Errors{}.RenderError(401, &emv3ds.Erro{ErrorDetail: "Authorization"})
	require.JSONEq(t, `{"status":"invalid_request_error","error_code":"access_denied","error_message":"Access denied: missing or invalid credentials"}`, resp.Body)
}

// Order create through the handler: Basic-authenticated merchant (the
// authorizer's context) whose Juspay id is x-merchantid; a repeat with the
// same body answers the same order, another body is 400 naming order_id.
func TestOrderCreate(t *testing.T) {
	st := &memStore{m: map[string][]byte{}}
	require.NoError(t, Provision(context.Background(), st, "shop_one", MerchantMapping{MerchantID: "m1", ResponseKey: "k"}))
	h := OrderRoutes(st, merchants{"m1": {ID: "m1", AllowProfileOverrides: true}}, slog.New(slog.DiscardHandler))[0].Handle
	call := func(merchant, mid string, form url.Values) (int, map[string]any) {
		ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Resource: "/orders", Path: "/orders",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "x-merchantid": mid},
			Body:    form.Encode()}
		if merchant != "" {
			ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: merchant}
		}
		r := h(context.Background(), ev)
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(r.Body), &m), r.Body)
		return r.StatusCode, m
	}
	form := url.Values{"order_id": {"ord-1"}, "amount": {"100.00"}, "currency": {"INR"}, "txn_type": {"AUTHENTICATION"},
		"acquirer_details": {`{"acquirerBin":"12345","acquirerMId":"22222","mcc":"3333","merchantName":"easebuzz"}`}}
	code, first := call("m1", "shop_one", form)
	require.Equal(t, 200, code, first)
	require.Equal(t, "CREATED", first["status"])
	tok := first["juspay"].(map[string]any)["client_auth_token"].(string)
	require.True(t, strings.HasPrefix(tok, "tkn_"))
	for k, v := range st.m {
		require.NotContains(t, string(v), tok, "only the token's hash is stored (%s)", k)
	}
	code, again := call("m1", "shop_one", form)
	require.Equal(t, 200, code)
	require.Equal(t, first["id"], again["id"])
	form.Set("amount", "101.00")
	code, e := call("m1", "shop_one", form)
	require.Equal(t, 400, code)
	require.Equal(t, "order_id", e["error_field"])
	code, _ = call("", "shop_one", form)
	require.Equal(t, 401, code, "no merchant from the authorizer")
	code, _ = call("m1", "another", form)
	require.Equal(t, 401, code, "x-merchantid of no merchant or of another")
	code, e = call("m1", "shop_one", url.Values{"order_id": {"ord-2", "ord-3"}, "amount": {"1.00"}, "txn_type": {"AUTHENTICATION"}})
	require.Equal(t, 400, code, e)
	require.Equal(t, "order_id", e["error_field"], "a parameter given twice is named")
}

// A profile that may not be overridden refuses other acquirer details at
// order create, naming Juspay's parameter.
func TestOrderCreateProfilePolicy(t *testing.T) {
	st := &memStore{m: map[string][]byte{}}
	require.NoError(t, Provision(context.Background(), st, "shop_two", MerchantMapping{MerchantID: "m2", ResponseKey: "k"}))
	h := OrderRoutes(st, merchants{"m2": {ID: "m2", AcquirerBIN: "400002"}}, slog.New(slog.DiscardHandler))[0].Handle
	ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Path: "/orders",
		Headers: map[string]string{"Content-Type": "application/json", "x-merchantid": "shop_two"},
		Body:    `{"order_id":"o1","amount":"1.00","txn_type":"AUTHENTICATION","acquirer_details":{"acquirerBin":"12345"}}`}
	ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "m2"}
	r := h(context.Background(), ev)
	require.Equal(t, 400, r.StatusCode, r.Body)
	require.Contains(t, r.Body, `"error_field":"acquirer_details.acquirerBin"`)
	ev.Body = `{"order_id":"o1","amount":"1.00","txn_type":"AUTHENTICATION","acquirer_details":{"acquirerBin":"400002"}}`
	r = h(context.Background(), ev)
	require.Equal(t, 200, r.StatusCode, r.Body)
}
