package worldpay_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/worldpay"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/session"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

const seedPAN = "4444333322221111"

// directory answers by the PAN's last four digits.
type directory struct {
	mu    sync.Mutex
	areqs []emv3ds.AReq
}

func (d *directory) SendAReq(_ context.Context, _ emv3ds.Scheme, a *emv3ds.AReq) (*emv3ds.ARes, error) {
	d.mu.Lock()
	d.areqs = append(d.areqs, *a)
	d.mu.Unlock()
	ares := &emv3ds.ARes{MessageType: emv3ds.MessageTypeARes, MessageVersion: a.MessageVersion, ThreeDSServerTransID: a.ThreeDSServerTransID,
		ACSTransID: "a0000000-0000-4000-8000-000000000001", DSTransID: "d0000000-0000-4000-8000-000000000001",
		ACSReferenceNumber: "ACSRef", DSReferenceNumber: "DSRef"}
	switch a.AcctNumber.Last4() {
	case "1004":
		ares.TransStatus, ares.TransStatusReason = "N", "01"
	case "1012":
		ares.TransStatus, ares.ACSURL, ares.ACSChallengeMandated, ares.AuthenticationType = "C", "https://acs.example.com/challenge", "Y", "02"
	case "1020":
		ares.TransStatus, ares.TransStatusReason = "U", "08"
	case "1038":
		ares.TransStatus, ares.ECI = "I", "07"
	case "1046":
		ares.TransStatus, ares.ECI, ares.AuthenticationValue = "A", "06", "AAABBZEEBgAAAAAAAAQGAAAAAAA="
	case "1053":
		return nil, &threeds.DirectoryUnavailableError{Timeout: true, Cause: "Connection timeout"}
	case "1079": // Y without its authentication value: the ARes fails our checks
		ares.TransStatus, ares.ECI = "Y", "05"
	case "1087":
		return nil, &threeds.PeerErroError{Erro: &emv3ds.Erro{MessageType: emv3ds.MessageTypeErro, MessageVersion: a.MessageVersion,
			ThreeDSServerTransID: a.ThreeDSServerTransID, ErrorCode: "305", ErrorComponent: emv3ds.ErrorComponentDS,
			ErrorDescription: "Transaction data not valid", ErrorDetail: "acctNumber", ErrorMessageType: emv3ds.MessageTypeAReq}}
	default:
		ares.TransStatus, ares.ECI, ares.AuthenticationValue = "Y", "05", "MAAAAAAAAAAAAAAAAAAAAAAAAAA="
	}
	return ares, nil
}

func (d *directory) SendPReq(context.Context, emv3ds.Scheme, *emv3ds.PReq) (*emv3ds.PRes, error) {
	return nil, &threeds.DirectoryUnavailableError{Cause: "unused"}
}

func (d *directory) SendErro(context.Context, emv3ds.Scheme, *emv3ds.Erro) error { return nil }

// entityStore keeps the dialect's entity records in memory.
type entityStore struct {
	mu   sync.Mutex
	recs map[string][]byte
}

func (e *entityStore) CreateDialectRecord(_ context.Context, kind, scope, key string, body []byte, _ time.Time) ([]byte, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.recs == nil {
		e.recs = map[string][]byte{}
	}
	k := kind + "\x00" + scope + "\x00" + key
	if b, ok := e.recs[k]; ok {
		return b, false, nil
	}
	e.recs[k] = body
	return nil, true, nil
}

func (e *entityStore) GetDialectRecord(_ context.Context, kind, scope, key string) ([]byte, bool, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b, ok := e.recs[kind+"\x00"+scope+"\x00"+key]
	return b, ok, nil
}

type harness struct {
	router *apigw.Router
	dir    *directory
	store  *threedstest.MemoryStore
	clock  *threedstest.Clock
	logs   *bytes.Buffer
	signer worldpay.Signer
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	store := threedstest.NewMemoryStore(clock.Now, threeds.DefaultRetention())
	ctx := context.Background()
	require.NoError(t, store.CreateMerchant(ctx, &threeds.Merchant{ID: "merchant-a", Name: "Mind Palace", AcquirerBIN: "444444",
		AcquirerMerchantID: "ACQMID0001", MCC: "5411", Country: "826", RequestorID: "10000001", RequestorName: "Mind Palace", RequestorURL: "https://shop.example.com",
		AllowProfileOverrides: true, AllowedOrigins: []string{"https://shop.example.com"}}))
	require.NoError(t, store.LoadRanges(ctx, threeds.CardRangeLoad{DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "1", Full: true,
		Changes: []threeds.CardRangeChange{{Range: threeds.CardRange{Start: "4444333322220000", End: "4444333322229999",
			DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0",
			ThreeDSMethodURL: "https://acs.example.com/method"}}}}))
	v, err := vault.New(bytes.Repeat([]byte{7}, vault.KeySize))
	require.NoError(t, err)
	sessions, err := session.New(bytes.Repeat([]byte{9}, 32), 15*time.Minute, clock.Now)
	require.NoError(t, err)
	dir := &directory{}
	cfg := threeds.ServiceConfig{ServerRefNumber: "3DS_LOA_SER_TEST_020200_00001", ResultsURL: "https://results.example.com/ds/results"}
	pre := threeds.NewPreauthService(store, store, store, v, cfg, threeds.WithClock(clock.Now))
	auth := threeds.NewAuthService(store, store, store, v, dir, sessions, cfg, threeds.WithClock(clock.Now))
	res := threeds.NewResultService(store, threeds.WithClock(clock.Now))
	signer := worldpay.Signer{Key: worldpay.JWTKey([]byte("session-key")), Now: clock.Now}
	entities := &entityStore{}
	require.NoError(t, worldpay.PutEntity(ctx, entities, "merchant-a", "MindPalaceLtd", "key_1", clock.Now()))
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	noSleep := func(context.Context, time.Duration) error { return nil }
	r := apigw.NewRouter(log, worldpay.Errors{},
		worldpay.PreauthRoutes(pre, signer, entities, log),
		worldpay.AuthRoutes(auth, res, signer, entities, log),
		worldpay.PostauthRoutes(res, entities, noSleep, log),
		worldpay.PageRoutes(signer, store, log))
	return &harness{router: r, dir: dir, store: store, clock: clock, logs: logs, signer: signer}
}

func seed(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(raw)
}

// event is the REST API event API Gateway sends after the authorizer
// resolved the Basic credential to merchant-a.
func event(path, body string, merchant bool) events.APIGatewayProxyRequest {
	ev := events.APIGatewayProxyRequest{Resource: path, Path: path, HTTPMethod: "POST", Body: body,
		Headers: map[string]string{"Content-Type": worldpay.MediaType, "Accept": worldpay.MediaType, "Host": "api.example.com",
			"X-Forwarded-Proto": "https"}}
	ev.RequestContext.Stage = "prod"
	if merchant {
		ev.RequestContext.Authorizer = map[string]any{apigw.AuthorizerMerchantKey: "merchant-a", apigw.AuthorizerDialectKey: worldpay.Name}
	}
	return ev
}

func (h *harness) post(t *testing.T, path, body string) (int, map[string]any, map[string]string) {
	t.Helper()
	resp, err := h.router.Handle(context.Background(), event(path, body, true))
	require.NoError(t, err)
	var b map[string]any
	require.NoError(t, json.Unmarshal([]byte(resp.Body), &b), resp.Body)
	return resp.StatusCode, b, resp.Headers
}

func withPAN(body, pan string) string { return strings.Replace(body, seedPAN, pan, 1) }

// The seed's card/front body, verbatim, for every outcome the DS can give.
func TestAuthenticationOutcomes(t *testing.T) {
	t.Parallel()
	front := seed(t, "authentication-card-front.json")
	for _, tc := range []struct {
		name, pan string
		want      string
		areqs     int
		auth      map[string]any
		links     string
	}{
		{"authenticated", seedPAN, `{"outcome":"authenticated","transactionReference":"Memory265-13/08/1876","authentication":{"version":"2.2.0","authenticationValue":"MAAAAAAAAAAAAAAAAAAAAAAAAAA=","eci":"05","transactionId":"d0000000-0000-4000-8000-000000000001"}}`, 1, nil, ""},
		{"attempted", "4444333322221046", `{"outcome":"authenticated","transactionReference":"Memory265-13/08/1876","authentication":{"version":"2.2.0","authenticationValue":"AAABBZEEBgAAAAAAAAQGAAAAAAA=","eci":"06","transactionId":"d0000000-0000-4000-8000-000000000001"}}`, 1, nil, ""},
		{"authenticationFailed", "4444333322221004", "", 1, map[string]any{"version": "2.2.0", "eci": "07", "transactionId": "d0000000-0000-4000-8000-000000000001"}, "3ds:authenticate"},
		{"unavailable", "4444333322221020", "", 1, nil, "3ds:authenticate"},
		{"notEnrolled", "4111111111111111", `{"outcome":"notEnrolled","transactionReference":"Memory265-13/08/1876","authentication":{"version":"1.0.2","eci":"06"}}`, 0, nil, ""},
		{"authenticationOutage", "4444333322221053", "", 1, nil, "3ds:authenticate"},
		{"bypassed", "4444333322221038", `{"outcome":"bypassed","transactionReference":"Memory265-13/08/1876","authentication":{"version":"2.2.0","eci":"07","transactionId":"d0000000-0000-4000-8000-000000000001"}}`, 1, nil, ""},
		{"signatureFailed", "4444333322221079", "", 1, nil, "3ds:authenticate"},
		{"unavailable DS Erro", "4444333322221087", "", 1, nil, "3ds:authenticate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			body := withPAN(front, tc.pan)
			if tc.name == "bypassed" {
				// I answers an AReq without a challenge preference (the
				// ARes check allows it then, or for challengeInd 05–07).
				body = strings.Replace(body, `"preference": "noPreference",`, ``, 1)
			}
			status, b, headers := h.post(t, worldpay.PathAuthentication, body)
			require.Equal(t, 200, status, b)
			require.Equal(t, worldpay.MediaType, headers["Content-Type"])
			require.Regexp(t, `^[0-9a-f-]{36}$`, headers[worldpay.CorrelationHeader])
			require.Contains(t, h.logs.String(), headers[worldpay.CorrelationHeader], "the correlation ID is in the request's log lines")
			require.Len(t, h.dir.areqs, tc.areqs)
			wantOutcome := tc.name
			switch tc.name {
			case "attempted":
				wantOutcome = "authenticated"
			case "unavailable DS Erro":
				wantOutcome = "unavailable"
			}
			require.Equal(t, wantOutcome, b["outcome"])
			if tc.want != "" {
				raw, _ := json.Marshal(b)
				require.JSONEq(t, tc.want, string(raw))
			}
			if tc.auth != nil {
				require.Equal(t, tc.auth, b["authentication"])
			}
			if tc.links != "" {
				l := b["_links"].(map[string]any)
				require.Equal(t, "https://api.example.com/verifications/customers/3ds/authentication", l[tc.links].(map[string]any)["href"])
				require.Equal(t, []any{map[string]any{"href": "https://api.example.com/rels/verifications/customers/3ds/{rel}", "templated": true, "name": "3ds"}}, l["curies"])
			}
			require.NotContains(t, h.logs.String(), tc.pan, "no PAN in logs")
			require.NotContains(t, h.logs.String(), "Sherlock", "no cardholder data in logs")
		})
	}
}

// The seed's body maps into a valid AReq: countries, currency, challenge
// preferences and every riskData field.
func TestAuthenticationMapping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, b, _ := h.post(t, worldpay.PathAuthentication, seed(t, "authentication-card-front.json"))
	require.Equal(t, 200, status, b)
	require.Len(t, h.dir.areqs, 1)
	a := h.dir.areqs[0]
	require.NoError(t, a.Validate())
	require.Equal(t, worldpay.TransID("merchant-a", "Memory265-13/08/1876"), a.ThreeDSServerTransID)
	require.Equal(t, "3505", a.CardExpiryDate)
	require.Equal(t, "Sherlock Holmes", a.CardholderName)
	require.Equal(t, "221B Baker Street", a.BillAddrLine1)
	require.Equal(t, "NW1 6XE", a.BillAddrPostCode)
	require.Equal(t, "826", a.BillAddrCountry)
	require.Equal(t, "826", a.PurchaseCurrency)
	require.Equal(t, "2", a.PurchaseExponent)
	require.Equal(t, "250", a.PurchaseAmount)
	require.Equal(t, "20260625081530", a.PurchaseDate)
	require.Equal(t, "text/html", a.BrowserAcceptHeader)
	require.Equal(t, "en-GB", a.BrowserLanguage)
	require.Equal(t, "192.0.0.0", a.BrowserIP)
	require.Equal(t, []emv3ds.ChallengeInd{"01"}, a.ThreeDSRequestorChallengeInd)
	require.Equal(t, "sherlock.holmes@example.com", a.Email)
	require.Equal(t, "Disneyland", a.ShipAddrLine1)
	require.Equal(t, "CA", a.ShipAddrState)
	require.Equal(t, "826", a.ShipAddrCountry)
	require.Equal(t, &emv3ds.AcctInfo{ChAccAgeInd: "05", ChAccDate: "20191118", ChAccChange: "20191118", ChAccChangeInd: "04",
		ChAccPwChange: "20191015", ChAccPwChangeInd: "05", PaymentAccAge: "20191118", PaymentAccInd: "05",
		NbPurchaseAccount: "6", ProvisionAttemptsDay: "5", TxnActivityDay: "2", TxnActivityYear: "6",
		ShipAddressUsage: "20180918", ShipAddressUsageInd: "04", ShipNameIndicator: "02", SuspiciousAccActivity: "01"}, a.AcctInfo)
	require.Equal(t, &emv3ds.MerchantRiskIndicator{DeliveryEmailAddress: "sherlock.holmes@example.com", DeliveryTimeframe: "03",
		GiftCardAmount: "10", GiftCardCount: "04", GiftCardCurr: "826", PreOrderDate: "20191118", PreOrderPurchaseInd: "02",
		ReorderItemsInd: "02", ShipIndicator: "02"}, a.MerchantRiskIndicator)
}

// A second authentication for a finished reference answers the stored
// result; no second AReq goes out.
func TestAuthenticationReplay(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := seed(t, "authentication-card-front.json")
	_, first, _ := h.post(t, worldpay.PathAuthentication, body)
	status, second, _ := h.post(t, worldpay.PathAuthentication, body)
	require.Equal(t, 200, status)
	require.Equal(t, first, second)
	require.Len(t, h.dir.areqs, 1)
}

// The tokenized body of the seed: a clear 400 naming the href.
func TestAuthenticationTokenized(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	status, b, headers := h.post(t, worldpay.PathAuthentication, seed(t, "authentication-card-tokenized.json"))
	require.Equal(t, 400, status)
	require.NotEmpty(t, headers[worldpay.CorrelationHeader])
	require.Equal(t, "bodyDoesNotMatchSchema", b["errorName"])
	verrs := b["validationErrors"].([]any)
	require.Len(t, verrs, 1)
	require.Equal(t, "$.instruction.paymentInstrument.href", verrs[0].(map[string]any)["jsonPath"])
	require.Empty(t, h.dir.areqs)
}

// Bad input: Worldpay's error shape, every failure named by its JSON path,
// never a value, never a 5xx.
func TestErrors(t *testing.T) {
	t.Parallel()
	front := seed(t, "authentication-card-front.json")
	for _, tc := range []struct {
		name, path, body string
		status           int
		errorName        string
		paths            []string
	}{
		{"bad amount and currency", worldpay.PathAuthentication,
			strings.Replace(strings.Replace(front, `"amount": 250`, `"amount": -1`, 1), `"currency": "GBP",
"amount": -1`, `"currency": "XXX",
"amount": -1`, 1), 400, "bodyDoesNotMatchSchema", []string{"$.instruction.value.currency", "$.instruction.value.amount"}},
		{"luhn", worldpay.PathAuthentication, withPAN(front, "4444333322221112"), 400, "bodyDoesNotMatchSchema", []string{"$.instruction.paymentInstrument.cardNumber"}},
		{"long reference", worldpay.PathAuthentication, strings.Replace(front, "Memory265-13/08/1876", strings.Repeat("x", 65), 1), 400, "bodyDoesNotMatchSchema", []string{"$.transactionReference"}},
		{"window size", worldpay.PathAuthentication, strings.Replace(front, `"600x400"`, `"1x1"`, 1), 400, "bodyDoesNotMatchSchema", []string{"$.challenge.windowSize"}},
		{"country", worldpay.PathAuthentication, strings.Replace(front, `"countryCode": "GB"`, `"countryCode": "ZZ"`, 1), 400, "bodyDoesNotMatchSchema", []string{"$.instruction.paymentInstrument.billingAddress.countryCode"}},
		{"dates", worldpay.PathAuthentication, strings.Replace(front, `"createdAt": "2019-11-18"`, `"createdAt": "18/11/2019"`, 1), 400, "bodyDoesNotMatchSchema", []string{"$.riskData.account.history.createdAt"}},
		{"not json", worldpay.PathAuthentication, `{"transactionReference":`, 400, "bodyIsNotJson", nil},
		{"ddc missing card", worldpay.PathDeviceData, `{"transactionReference":"r1","merchant":{"entity":"MindPalaceLtd"},"paymentInstrument":{"type":"card/front"}}`, 400, "bodyDoesNotMatchSchema", []string{"$.paymentInstrument.cardNumber"}},
		{"foreign entity", worldpay.PathAuthentication, strings.Replace(front, `"MindPalaceLtd"`, `"SomeoneElseLtd"`, 1), 403, "accessDenied", nil},
		{"foreign entity ddc", worldpay.PathDeviceData, `{"transactionReference":"r1","merchant":{"entity":"SomeoneElseLtd"},"paymentInstrument":{"type":"card/front","cardNumber":"4444333322221111"}}`, 403, "accessDenied", nil},
		{"foreign entity verification", worldpay.PathVerification, `{"transactionReference":"r1","merchant":{"entity":"SomeoneElseLtd"},"challenge":{"reference":"` + worldpay.TransID("merchant-a", "r1") + `"}}`, 403, "accessDenied", nil},
		{"empty body", worldpay.PathAuthentication, ``, 400, "bodyIsEmpty", nil},
		{"long overrideName", worldpay.PathAuthentication, strings.Replace(front, "The Baskerville Animal Sanctuary", strings.Repeat("n", 41), 1), 400, "bodyDoesNotMatchSchema", []string{"$.merchant.overrideName"}},
		{"returnUrl", worldpay.PathAuthentication, strings.Replace(front, `"http://payment.example.com"`, `"javascript:alert(1)"`, 1), 400, "bodyDoesNotMatchSchema", []string{"$.challenge.returnUrl"}},
		{"verification unknown", worldpay.PathVerification, `{"transactionReference":"nope","merchant":{"entity":"MindPalaceLtd"},"challenge":{"reference":"` + worldpay.TransID("merchant-a", "nope") + `"}}`, 404, "resourceNotFound", nil},
		{"verification reference", worldpay.PathVerification, `{"transactionReference":"r1","merchant":{"entity":"MindPalaceLtd"},"challenge":{"reference":"other"}}`, 400, "bodyDoesNotMatchSchema", []string{"$.challenge.reference"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			status, b, headers := h.post(t, tc.path, tc.body)
			require.Equal(t, tc.status, status, b)
			require.Equal(t, worldpay.MediaType, headers["Content-Type"])
			require.NotEmpty(t, headers[worldpay.CorrelationHeader])
			require.Equal(t, tc.errorName, b["errorName"])
			require.NotEmpty(t, b["message"])
			var got []string
			for _, v := range asSlice(b["validationErrors"]) {
				got = append(got, v.(map[string]any)["jsonPath"].(string))
			}
			require.Equal(t, tc.paths, got)
			require.NotContains(t, h.logs.String(), "4444333322221112")
		})
	}
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

// No credential: 401 in Worldpay's shape, from the handler.
func TestUnauthenticated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	resp, err := h.router.Handle(context.Background(), event(worldpay.PathAuthentication, seed(t, "authentication-card-front.json"), false))
	require.NoError(t, err)
	require.Equal(t, 401, resp.StatusCode)
	require.JSONEq(t, `{"errorName":"accessDenied","message":"Access to the requested resource has been denied"}`, resp.Body)
	require.NotEmpty(t, resp.Headers[worldpay.CorrelationHeader])
	require.Empty(t, h.dir.areqs)
}

// deviceDataInitialization → authentication (challenged) → verification
// (pending, then the RReq's result).
func TestChallengeFlow(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const pan = "4444333322221012"
	status, ddc, _ := h.post(t, worldpay.PathDeviceData, `{"transactionReference":"Memory265-13/08/1876","merchant":{"entity":"MindPalaceLtd"},"paymentInstrument":{"type":"card/front","cardNumber":"`+pan+`"}}`)
	require.Equal(t, 200, status, ddc)
	require.Equal(t, "initialized", ddc["outcome"])
	dc := ddc["deviceDataCollection"].(map[string]any)
	require.Equal(t, "44443333", dc["bin"])
	require.Equal(t, "https://api.example.com/worldpay/ddc", dc["url"])
	claims, err := h.signer.Parse(dc["jwt"].(string), "ddc")
	require.NoError(t, err)
	id := worldpay.TransID("merchant-a", "Memory265-13/08/1876")
	require.Equal(t, id, claims.TransactionID)
	require.Equal(t, "https://acs.example.com/method", claims.MethodURL)
	require.Contains(t, ddc["_links"], "3ds:authenticate")

	status, b, _ := h.post(t, worldpay.PathAuthentication, withPAN(seed(t, "authentication-card-front.json"), pan))
	require.Equal(t, 200, status, b)
	require.Equal(t, "challenged", b["outcome"])
	require.Equal(t, map[string]any{"version": "2.2.0"}, b["authentication"])
	ch := b["challenge"].(map[string]any)
	require.Equal(t, id, ch["reference"])
	require.Equal(t, "https://api.example.com/worldpay/challenge", ch["url"])
	creq, err := emv3ds.ParseCReq(ch["payload"].(string))
	require.NoError(t, err)
	require.Equal(t, id, creq.ThreeDSServerTransID)
	require.Equal(t, emv3ds.ChallengeWindowSize("04"), creq.ChallengeWindowSize)
	c, err := h.signer.Parse(ch["jwt"].(string), "challenge")
	require.NoError(t, err)
	require.Equal(t, "http://payment.example.com", c.ReturnURL)
	require.Equal(t, "https://acs.example.com/challenge", c.Payload.ACSUrl)
	require.Equal(t, ch["payload"], c.Payload.Payload)
	require.Contains(t, b["_links"], "3ds:verify")
	_, err = h.signer.Parse(ch["jwt"].(string), "ddc")
	require.ErrorIs(t, err, worldpay.ErrInvalidJWT, "a challenge JWT is not a DDC JWT")

	verify := `{"transactionReference":"Memory265-13/08/1876","merchant":{"entity":"MindPalaceLtd"},"challenge":{"reference":"` + id + `"}}`
	status, v, _ := h.post(t, worldpay.PathVerification, verify)
	require.Equal(t, 200, status, v)
	require.Equal(t, "challengePending", v["outcome"])

	// The RReq arrives.
	_, err = h.store.Update(context.Background(), id, func(tx *threeds.Transaction) error {
		_, err := tx.RecordRReq(threeds.RReqData{TransStatus: "Y", ECI: "05", AuthenticationValue: "AAABBZEEBgAAAAAAAAQGAAAAAAA=", Fingerprint: "rreq-1", RRes: json.RawMessage(`{}`)}, h.clock.Now(), threeds.DefaultRetention())
		return err
	})
	require.NoError(t, err)
	status, v, _ = h.post(t, worldpay.PathVerification, verify)
	require.Equal(t, 200, status, v)
	require.Equal(t, "authenticated", v["outcome"])
	require.Equal(t, map[string]any{"version": "2.2.0", "authenticationValue": "AAABBZEEBgAAAAAAAAQGAAAAAAA=", "eci": "05",
		"transactionId": "d0000000-0000-4000-8000-000000000001"}, v["authentication"])
}

// JWTs: altered or expired ones are refused.
func TestJWT(t *testing.T) {
	t.Parallel()
	clock := threedstest.NewClock(time.Date(2026, 6, 25, 8, 15, 30, 0, time.UTC))
	s := worldpay.Signer{Key: []byte("k"), Now: clock.Now}
	tok, err := s.Issue("https://api.example.com", worldpay.Claims{Purpose: "challenge", TransactionID: "t1", MerchantID: "merchant-a"})
	require.NoError(t, err)
	_, err = s.Parse(tok, "challenge")
	require.NoError(t, err)
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	parts[1] = base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(`"t1"`), []byte(`"t2"`), 1))
	_, err = s.Parse(strings.Join(parts, "."), "challenge")
	require.ErrorIs(t, err, worldpay.ErrInvalidJWT)
	_, err = (worldpay.Signer{Key: []byte("other"), Now: clock.Now}).Parse(tok, "challenge")
	require.ErrorIs(t, err, worldpay.ErrInvalidJWT)
	clock.Advance(worldpay.JWTTTL + time.Second)
	_, err = s.Parse(tok, "challenge")
	require.ErrorIs(t, err, worldpay.ErrInvalidJWT)
}

// transactionReference → our transaction ID: deterministic, per merchant.
func TestTransID(t *testing.T) {
	t.Parallel()
	a := worldpay.TransID("merchant-a", "order-1")
	require.True(t, emv3ds.IsUUID(a))
	require.Equal(t, a, worldpay.TransID("merchant-a", "order-1"))
	require.NotEqual(t, a, worldpay.TransID("merchant-b", "order-1"))
	require.NotEqual(t, a, worldpay.TransID("merchant-a", "order-2"))
}
