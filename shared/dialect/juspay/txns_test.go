package juspay

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
)

const (
	testPAN   = "4000000000001000"
	testToken = "c2a1b6f0-5e1a-4c3b-9d2e-6f7a8b9c0d1e"
)

func newCard(kv ...string) map[string]string {
	p := map[string]string{"order_id": "ord-1", "merchant_id": "shop_one", "client_auth_token": "tkn_x", "payment_method_type": "CARD",
		"card_number": testPAN, "card_exp_month": "12", "card_exp_year": "2030", "name_on_card": "Test Cardholder",
		"card_security_code": "123", "format": "json"}
	return with(p, kv...)
}

func savedCardParams(kv ...string) map[string]string {
	p := map[string]string{"order_id": "ord-1", "merchant_id": "shop_one", "client_auth_token": "tkn_x", "payment_method_type": "CARD",
		"card_token": testToken, "card_security_code": "123", "format": "json"}
	return with(p, kv...)
}

// with sets (or, for the value "-", removes) parameters.
func with(p map[string]string, kv ...string) map[string]string {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			delete(p, kv[i])
		} else {
			p[kv[i]] = kv[i+1]
		}
	}
	return p
}

// Both shapes of /txns: every failure named by its parameter, never with
// its value.
func TestParseTxn(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      map[string]string
		fields []string // the failures, in order; none: valid
		token  string
	}{
		{name: "new card", p: newCard()},
		{name: "new card, two-digit year, no name or CVV", p: newCard("card_exp_year", "30", "name_on_card", "-", "card_security_code", "-")},
		{name: "saved card", p: savedCardParams(), token: testToken},
		{name: "saved card without CVV", p: savedCardParams("card_security_code", "-"), token: testToken},
		{name: "no order_id, merchant_id or token", p: newCard("order_id", "-", "merchant_id", "-", "client_auth_token", "-"), fields: []string{"order_id", "merchant_id", "client_auth_token"}},
		{name: "order_id too long", p: newCard("order_id", strings.Repeat("o", 22)), fields: []string{"order_id"}},
		{name: "merchant_id too long", p: newCard("merchant_id", strings.Repeat("m", 65)), fields: []string{"merchant_id"}},
		{name: "payment_method_type", p: newCard("payment_method_type", "UPI"), fields: []string{"payment_method_type"}},
		{name: "format", p: newCard("format", "xml"), fields: []string{"format"}},
		{name: "redirect_after_payment", p: newCard("redirect_after_payment", "yes"), fields: []string{"redirect_after_payment"}},
		{name: "new card: no card_number", p: newCard("card_number", "-"), fields: []string{"card_number"}},
		{name: "new card: card_number letters", p: newCard("card_number", "4000abcd00001000"), fields: []string{"card_number"}},
		{name: "new card: card_number short", p: newCard("card_number", "400000000000"), fields: []string{"card_number"}},
		{name: "new card: month 13", p: newCard("card_exp_month", "13"), fields: []string{"card_exp_month"}},
		{name: "new card: no month, year of 3", p: newCard("card_exp_month", "-", "card_exp_year", "203"), fields: []string{"card_exp_month", "card_exp_year"}},
		{name: "new card: CVV of 5", p: newCard("card_security_code", "12345"), fields: []string{"card_security_code"}},
		{name: "new card: name of 1", p: newCard("name_on_card", "X"), fields: []string{"name_on_card"}},
		{name: "neither shape", p: newCard("card_number", "-", "card_exp_month", "-", "card_exp_year", "-"), fields: []string{"card_number", "card_exp_month", "card_exp_year"}},
		{name: "both shapes", p: newCard("card_token", testToken), fields: []string{"card_token"}},
		{name: "saved card: token with a space", p: savedCardParams("card_token", "tok en"), fields: []string{"card_token"}},
		{name: "saved card: token of 129", p: savedCardParams("card_token", strings.Repeat("t", 129)), fields: []string{"card_token"}},
		{name: "saved card: expiry fields", p: savedCardParams("card_exp_month", "12", "card_exp_year", "2030"), fields: []string{"card_exp_month", "card_exp_year"}},
		{name: "saved card: CVV letters", p: savedCardParams("card_security_code", "12a"), fields: []string{"card_security_code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseTxn(tc.p)
			if len(tc.fields) == 0 {
				require.NoError(t, err)
				require.Equal(t, tc.token, r.token)
				if tc.token == "" {
					require.Equal(t, emv3ds.PAN(testPAN), r.card.number)
					require.Equal(t, "3012", r.card.expiry)
				}
				return
			}
			var verr *emv3ds.ValidationError
			require.ErrorAs(t, err, &verr)
			var got []string
			for _, f := range verr.Fields {
				got = append(got, f.Field)
			}
			require.Equal(t, tc.fields, got)
			for _, v := range []string{testPAN, testToken, "4000abcd", "12345", "tok en"} {
				require.NotContains(t, err.Error(), v, "never the value")
			}
		})
	}
}

func TestWantsJSON(t *testing.T) {
	for _, tc := range []struct {
		format, accept string
		want           bool
	}{
		{"json", "", true},
		{"json", "text/html", true},
		{"", "application/json", true},
		{"", "application/json, text/plain, */*", true},
		{"", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", false},
		{"", "*/*", false},
		{"", "", false},
	} {
		ev := events.APIGatewayProxyRequest{Headers: map[string]string{"Accept": tc.accept}}
		require.Equal(t, tc.want, wantsJSON(map[string]string{"format": tc.format}, ev), "format %q Accept %q", tc.format, tc.accept)
	}
}

// Every refusal of the API's own plumbing in Juspay's shape, with its 4xx.
func TestErrorShapes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		field  string
	}{
		{"method not allowed", apigw.ErrMethodNotAllowed, 405, "invalid_request", "httpMethod"},
		{"unsupported content type", apigw.ErrUnsupportedMedia, 415, "invalid_request", ""},
		{"route not found", apigw.ErrRouteNotFound, 404, "not_found", "path"},
		{"body too large", apigw.ErrBodyTooLarge, 413, "invalid_request", "body"},
		{"empty body", apigw.ErrEmptyBody, 400, "invalid_request", "body"},
		{"malformed body", apigw.ErrMalformedBody, 400, "invalid_request", "body"},
		{"bad text", &apigw.BadTextError{Field: "customer_id"}, 400, "invalid_request", "customer_id"},
		{"no credentials", apigw.ErrUnauthenticated, 401, "access_denied", ""},
		{"a parameter", fieldErr("card_token", "is unknown", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat), 400, "invalid_request", "card_token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := apigw.Error(context.Background(), slog.New(slog.DiscardHandler), Errors{}, tc.err, apigw.About{})
			require.Equal(t, tc.status, r.StatusCode, r.Body)
			require.Contains(t, r.Headers["Content-Type"], "application/json")
			var b ErrorBody
			require.NoError(t, json.Unmarshal([]byte(r.Body), &b), r.Body)
			require.Equal(t, "invalid_request_error", b.Status)
			require.Equal(t, tc.code, b.ErrorCode)
			require.NotEmpty(t, b.ErrorMessage)
			if tc.field != "" {
				require.Equal(t, tc.field, b.ErrorField)
			}
		})
	}
	// The router: another method on a Juspay route is a 405 in Juspay's shape.
	rt := apigw.NewRouter(slog.New(slog.DiscardHandler), nil, TxnRoutes(TxnDeps{Log: slog.New(slog.DiscardHandler)}))
	for _, m := range []string{http.MethodGet, http.MethodDelete, http.MethodPut} {
		r, err := rt.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: m, Resource: "/txns", Path: "/txns"})
		require.NoError(t, err)
		require.Equal(t, 405, r.StatusCode, r.Body)
		require.Contains(t, r.Body, `"status":"invalid_request_error"`)
	}
}

// fakes of the flows for the /txns handler.
type fakeFlows struct {
	mu    sync.Mutex
	pans  []emv3ds.PAN
	areqs []emv3ds.AReq
	res   map[string]*threeds.ResultOutput
}

func (f *fakeFlows) Preauth(_ context.Context, _ string, in threeds.PreauthInput) (*threeds.PreauthOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pans = append(f.pans, in.AcctNumber)
	return &threeds.PreauthOutput{ThreeDSServerTransID: "8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4" + string(rune('0'+len(f.pans))), Scheme: emv3ds.SchemeVisa}, nil
}

func (f *fakeFlows) Authenticate(_ context.Context, _ string, in threeds.AuthInput) (*threeds.AuthOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.areqs = append(f.areqs, *in.AReq)
	return &threeds.AuthOutput{ARes: &emv3ds.ARes{TransStatus: "Y"}}, nil
}

func (f *fakeFlows) Result(_ context.Context, _, txID string) (*threeds.ResultOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.res[txID]; ok {
		return r, nil
	}
	return nil, threeds.ErrTransactionNotFound
}

type fakeLocker map[string]*SavedCard

func (l fakeLocker) ResolveCardToken(_ context.Context, merchantID, customerID, token string) (*SavedCard, error) {
	if c, ok := l[merchantID+"/"+customerID+"/"+token]; ok {
		return c, nil
	}
	return nil, ErrUnknownCardToken
}

// txnsSetup provisions shop_one, creates order ord-1 for customer cust-1
// and returns the /txns handler, the client token and the fakes.
func txnsSetup(t *testing.T, cards CardResolver) (func(map[string]string) (int, string), string, *fakeFlows) {
	t.Helper()
	st := &memStore{m: map[string][]byte{}}
	require.NoError(t, Provision(context.Background(), st, "shop_one", MerchantMapping{MerchantID: "m1", ResponseKey: "k"}))
	ms := merchants{"m1": {ID: "m1", AllowProfileOverrides: true}}
	create := OrderRoutes(st, ms, slog.New(slog.DiscardHandler))[0].Handle
	ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Path: "/orders",
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "x-merchantid": "shop_one"},
		Body: url.Values{"order_id": {"ord-1"}, "amount": {"100.00"}, "currency": {"INR"}, "txn_type": {"AUTHENTICATION"},
			"customer_id": {"cust-1"}, "return_url": {"https://shop.example.com/back"}}.Encode()}
	ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "m1"}
	r := create(context.Background(), ev)
	require.Equal(t, 200, r.StatusCode, r.Body)
	var o map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.Body), &o))
	tok := o["juspay"].(map[string]any)["client_auth_token"].(string)
	master := make([]byte, vault.KeySize)
	v, err := vault.New(master)
	require.NoError(t, err)
	f := &fakeFlows{res: map[string]*threeds.ResultOutput{}}
	routes := TxnRoutes(TxnDeps{Orders: st, Merchants: ms, Preauth: f, Auth: f, Results: f, Sealer: v, Cards: cards, Log: slog.New(slog.DiscardHandler)})
	call := func(p map[string]string) (int, string) {
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		ev := events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost, Path: "/txns", Resource: "/txns",
			Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "test-agent", "Host": "api.example.com"},
			Body:    form.Encode()}
		r := routes[1].Handle(context.Background(), ev)
		return r.StatusCode, r.Body
	}
	return call, tok, f
}

var browserParams = []string{"browser_screen_width", "1280", "browser_screen_height", "800", "browser_color_depth", "24",
	"browser_tz", "-60", "browser_language", "de-CH"}

// The saved-card shape resolves its token through the CardResolver port;
// without one it is a 400 naming card_token; an unknown token too.
func TestTxnsSavedCard(t *testing.T) {
	call, tok, f := txnsSetup(t, nil)
	code, body := call(savedCardParams("client_auth_token", tok))
	require.Equal(t, 400, code, body)
	require.Contains(t, body, `"error_field":"card_token"`)
	require.Contains(t, body, "card locker")
	require.Empty(t, f.pans, "nothing opened")

	locker := fakeLocker{"m1/cust-1/" + testToken: {Number: testPAN, ExpMonth: "7", ExpYear: "2031", NameOnCard: "Saved Holder"}}
	call, tok, f = txnsSetup(t, locker)
	code, body = call(savedCardParams("client_auth_token", tok, "card_token", "another-token"))
	require.Equal(t, 400, code, body)
	require.Contains(t, body, `"error_field":"card_token"`)
	require.Contains(t, body, "unknown")
	code, body = call(with(savedCardParams("client_auth_token", tok), browserParams...))
	require.Equal(t, 200, code, body)
	require.Equal(t, []emv3ds.PAN{testPAN}, f.pans, "the resolved card goes to the flows")
	require.Len(t, f.areqs, 1)
	require.Equal(t, "3107", f.areqs[0].CardExpiryDate)
	require.Equal(t, "Saved Holder", f.areqs[0].CardholderName)
	require.NotContains(t, body, testPAN)
	var resp txnResponse
	require.NoError(t, json.Unmarshal([]byte(body), &resp))
	require.Equal(t, "GET", resp.Payment.Authentication.Method)
	require.True(t, strings.HasPrefix(resp.Payment.Authentication.URL, "https://shop.example.com/back?"))

	// A locker's card that cannot be authenticated is the token's fault.
	call, tok, _ = txnsSetup(t, fakeLocker{"m1/cust-1/" + testToken: {Number: "4000", ExpMonth: "7", ExpYear: "2031"}})
	code, body = call(savedCardParams("client_auth_token", tok))
	require.Equal(t, 400, code, body)
	require.Contains(t, body, `"error_field":"card_token"`)
}

// The hosted page's session: sealed, bound to its transaction, expiring.
func TestPageSession(t *testing.T) {
	v, err := vault.New(make([]byte, vault.KeySize))
	require.NoError(t, err)
	now := time.Now()
	h := txnHandler{TxnDeps: TxnDeps{Sealer: v}, now: func() time.Time { return now }}
	s := pageSession{TxID: "8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4f", MerchantID: "m1", OrderID: "o1", PAN: testPAN, Exp: now.Add(time.Minute).Unix()}
	tok, err := h.seal(s)
	require.NoError(t, err)
	require.NotContains(t, tok, testPAN)
	got, err := h.open(tok)
	require.NoError(t, err)
	require.Equal(t, s, *got)
	other, err := vault.New(append(make([]byte, vault.KeySize-1), 1))
	require.NoError(t, err)
	for name, fn := range map[string]func() (*pageSession, error){
		"altered":     func() (*pageSession, error) { return h.open(tok[:len(tok)-2] + "AA") },
		"another key": func() (*pageSession, error) { return txnHandler{TxnDeps: TxnDeps{Sealer: other}, now: h.now}.open(tok) },
		"expired": func() (*pageSession, error) {
			return txnHandler{TxnDeps: TxnDeps{Sealer: v}, now: func() time.Time { return now.Add(2 * time.Minute) }}.open(tok)
		},
		"empty":    func() (*pageSession, error) { return h.open("") },
		"too long": func() (*pageSession, error) { return h.open(strings.Repeat("A", maxSession+1)) },
	} {
		_, err := fn()
		require.True(t, errors.Is(err, apigw.ErrUnauthenticated), name)
	}
}
