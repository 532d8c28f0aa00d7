package threeds_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dialect/emvjson"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/session"
	"github.com/open3ds/server/shared/threeds"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/threedstest"
)

// Test cards (the simulator's table; Luhn-valid test PANs only).
const (
	panFrictionless = "4000000000001000" // range without a 3DS Method
	panMethod       = "4000000000001059" // range whose ACS has a 3DS Method URL
	panOld          = "4000000000001133" // range that supports 2.1.0 only
	panMastercard   = "5200000000001005"
	panNotEnrolled  = "4111111111111111"

	methodURL  = "https://acs.example.com/3ds-method"
	resultsURL = "https://results.3ds.example.com/ds/results"
	callbacks  = "https://api.3ds.example.com/prod"
	refNumber  = "3DS_LOA_SER_OPEN_020200_00001"
	merchantA  = "merchant-a"
	merchantB  = "merchant-b"
	cavv       = "AAABBZEEBgAAAAAAAAQGAAAAAAA="
	acsURL     = "https://acs.example.com/challenge"
)

var svcNow = time.Date(2026, 6, 25, 10, 15, 30, 0, time.FixedZone("CEST", 2*3600))

// fakeDirectory is a Directory whose behaviour the test sets per message; it
// records what it was sent.
type fakeDirectory struct {
	AReq func(ctx context.Context, scheme emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error)
	PReq func(ctx context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error)
	Erro func(ctx context.Context, scheme emv3ds.Scheme, erro *emv3ds.Erro) error

	mu    sync.Mutex
	areqs []emv3ds.AReq
	preqs []emv3ds.PReq
	erros []emv3ds.Erro
}

func (d *fakeDirectory) SendAReq(ctx context.Context, scheme emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error) {
	d.mu.Lock()
	d.areqs = append(d.areqs, *areq)
	d.mu.Unlock()
	if d.AReq == nil {
		return aresFor(areq, emv3ds.TransStatusAuthenticated), nil
	}
	return d.AReq(ctx, scheme, areq)
}

func (d *fakeDirectory) SendPReq(ctx context.Context, scheme emv3ds.Scheme, preq *emv3ds.PReq) (*emv3ds.PRes, error) {
	d.mu.Lock()
	d.preqs = append(d.preqs, *preq)
	d.mu.Unlock()
	if d.PReq == nil {
		return nil, &threeds.DirectoryUnavailableError{Cause: "no PReq behaviour"}
	}
	return d.PReq(ctx, scheme, preq)
}

func (d *fakeDirectory) SendErro(ctx context.Context, scheme emv3ds.Scheme, erro *emv3ds.Erro) error {
	d.mu.Lock()
	d.erros = append(d.erros, *erro)
	d.mu.Unlock()
	if d.Erro == nil {
		return nil
	}
	return d.Erro(ctx, scheme, erro)
}

func (d *fakeDirectory) sentAReqs() []emv3ds.AReq {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]emv3ds.AReq(nil), d.areqs...)
}

func (d *fakeDirectory) sentErros() []emv3ds.Erro {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]emv3ds.Erro(nil), d.erros...)
}

func (d *fakeDirectory) sentPReqs() []emv3ds.PReq {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]emv3ds.PReq(nil), d.preqs...)
}

// fakeWebhooks records posts and answers with the statuses queued in Status
// (the last one repeats).
type fakeWebhooks struct {
	mu     sync.Mutex
	Status []int
	Err    error
	// OnPost runs before each post answers (e.g. a concurrent invocation's
	// work meanwhile).
	OnPost func()
	posts  []webhookPost
}

type webhookPost struct {
	URL     string
	Body    []byte
	Headers map[string]string
}

// Send renders the event in the native dialect, as the webhook function's
// poster does, and records the post.
func (w *fakeWebhooks) Send(_ context.Context, to threeds.WebhookTarget, ev threeds.WebhookEvent, at time.Time) (int, error) {
	body, headers, err := emvjson.Webhook{}.RenderWebhook(ev, to.Secret, at)
	if err != nil {
		return 0, err
	}
	url := to.URL
	if w.OnPost != nil {
		w.OnPost()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.posts = append(w.posts, webhookPost{URL: url, Body: append([]byte(nil), body...), Headers: headers})
	if w.Err != nil {
		return 0, w.Err
	}
	status := 200
	if n := len(w.Status); n > 0 {
		i := len(w.posts) - 1
		if i >= n {
			i = n - 1
		}
		status = w.Status[i]
	}
	return status, nil
}

func (w *fakeWebhooks) sent() []webhookPost {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]webhookPost(nil), w.posts...)
}

// env is a Service wired to in-memory fakes, with a fixed clock, counting
// UUIDs and a recording Sleep.
type env struct {
	t     *testing.T
	clock *threedstest.Clock
	store *threedstest.MemoryStore
	// txs is the transaction store the flows use: store, or claimingStore
	// over it (withClaims).
	txs      threeds.Store
	dir      *fakeDirectory
	hooks    *fakeWebhooks
	vault    *vault.Vault
	sessions *session.Tokens
	svc      services
	cfg      threeds.ServiceConfig

	mu     sync.Mutex
	ids    int
	sleeps []time.Duration
	// onSleep runs at each Sleep (e.g. to deliver the RReq meanwhile).
	onSleep func(n int)
}

func newEnv(t *testing.T, opts ...func(*env)) *env {
	t.Helper()
	e := &env{t: t, clock: threedstest.NewClock(svcNow), dir: &fakeDirectory{}, hooks: &fakeWebhooks{}}
	e.store = threedstest.NewMemoryStore(e.clock.Now, threeds.DefaultRetention())
	master := make([]byte, vault.KeySize)
	for i := range master {
		master[i] = byte(i + 1)
	}
	var err error
	e.vault, err = vault.New(master)
	require.NoError(t, err)
	e.sessions, err = session.New([]byte("0123456789abcdef0123456789abcdef"), 15*time.Minute, e.clock.Now)
	require.NoError(t, err)
	e.cfg = threeds.ServiceConfig{
		ServerRefNumber:  refNumber,
		ServerOperatorID: "OPERATOR1",
		ResultsURL:       resultsURL,
		CallbackBaseURL:  callbacks + "/",
		ResultWait:       time.Second,
	}
	for _, o := range opts {
		o(e)
	}
	use := []threeds.Option{threeds.WithClock(e.clock.Now), threeds.WithIDs(e.newID), threeds.WithSleep(e.sleep)}
	if e.txs == nil {
		e.txs = e.store
	}
	e.svc = services{
		PreauthService:   threeds.NewPreauthService(e.txs, e.store, e.store, e.vault, e.cfg, use...),
		AuthService:      threeds.NewAuthService(e.txs, e.store, e.store, e.vault, e.dir, e.sessions, e.cfg, use...),
		ResultService:    threeds.NewResultService(e.store, use...),
		CallbackService:  threeds.NewCallbackService(e.store, e.sessions, e.cfg, use...),
		WebhookService:   threeds.NewWebhookService(e.store, e.store, e.hooks, e.cfg, use...),
		KeyService:       threeds.NewKeyService(e.store, use...),
		CardRangeService: threeds.NewCardRangeService(e.store, e.dir, e.cfg, use...),
	}
	e.seed()
	return e
}

func (e *env) newID() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ids++
	return fmt.Sprintf("00000000-0000-4000-8000-%012d", e.ids)
}

func (e *env) sleep(ctx context.Context, d time.Duration) error {
	e.mu.Lock()
	e.sleeps = append(e.sleeps, d)
	n := len(e.sleeps)
	hook := e.onSleep
	e.mu.Unlock()
	e.clock.Advance(d)
	if hook != nil {
		hook(n)
	}
	return ctx.Err()
}

func (e *env) slept() []time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]time.Duration(nil), e.sleeps...)
}

func (e *env) seed() {
	ctx := context.Background()
	for _, m := range []*threeds.Merchant{
		{
			ID: merchantA, Name: "Example Shop", AcquirerBIN: "444444", AcquirerMerchantID: "ACQMID0001",
			MCC: "5411", Country: "840", RequestorID: "10000001", RequestorName: "Example Shop",
			RequestorURL: "https://shop.example.com", WebhookURL: "https://shop.example.com/hooks/3ds",
			WebhookSecret: "whsec_test_merchant_a",
		},
		{
			ID: merchantB, Name: "Other Shop", AcquirerBIN: "555555", AcquirerMerchantID: "ACQMID0002",
			MCC: "5999", Country: "826", RequestorID: "10000002", RequestorName: "Other Shop",
			RequestorURL: "https://other.example.com", AllowedSchemes: []emv3ds.Scheme{emv3ds.SchemeMastercard},
		},
	} {
		require.NoError(e.t, e.store.CreateMerchant(ctx, m))
	}
	require.NoError(e.t, e.store.LoadRanges(ctx, threeds.CardRangeLoad{
		DS: "visa", Scheme: emv3ds.SchemeVisa, SerialNum: "1", Full: true,
		Changes: []threeds.CardRangeChange{
			{Range: threeds.CardRange{Start: "4000000000001000", End: "4000000000001049",
				DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0"}},
			{Range: threeds.CardRange{Start: "4000000000001050", End: "4000000000001099",
				DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0",
				ThreeDSMethodURL: methodURL, ACSInfoInd: []string{"01", "02"}}},
			{Range: threeds.CardRange{Start: "4000000000001100", End: "4000000000001149",
				DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.1.0"}},
		},
	}))
	require.NoError(e.t, e.store.LoadRanges(ctx, threeds.CardRangeLoad{
		DS: "mastercard", Scheme: emv3ds.SchemeMastercard, SerialNum: "7", Full: true,
		Changes: []threeds.CardRangeChange{
			{Range: threeds.CardRange{Start: "5200000000001000", End: "5200000000001999",
				DSStartVersion: "2.1.0", DSEndVersion: "2.2.0", ACSStartVersion: "2.1.0", ACSEndVersion: "2.2.0"}},
		},
	}))
}

// preauth opens a transaction for merchant A and returns its ID.
func (e *env) preauth(pan string) string {
	e.t.Helper()
	out, err := e.svc.Preauth(context.Background(), merchantA, threeds.PreauthInput{AcctNumber: emv3ds.PAN(pan)})
	require.NoError(e.t, err)
	return out.ThreeDSServerTransID
}

func (e *env) tx(id string) *threeds.Transaction {
	e.t.Helper()
	tx, err := e.store.Get(context.Background(), id)
	require.NoError(e.t, err)
	return tx
}

// browserAReqJSON is a merchant's flat browser AReq: no server fields, no
// merchant defaults (the profile fills them), no version.
const browserAReqJSON = `{
  "deviceChannel": "02",
  "messageCategory": "01",
  "acctNumber": %q,
  "cardExpiryDate": "3012",
  "purchaseAmount": "15100",
  "purchaseCurrency": "840",
  "purchaseExponent": "2",
  "transType": "01",
  "threeDSRequestorChallengeInd": "01",
  "billAddrCity": "Springfield",
  "billAddrCountry": "840",
  "billAddrLine1": "1 Main Street",
  "billAddrPostCode": "62701",
  "billAddrState": "IL",
  "email": "jane@example.com",
  "cardholderName": "Jane Doe",
  "browserAcceptHeader": "text/html,application/xhtml+xml",
  "browserIP": "203.0.113.7",
  "browserJavaEnabled": false,
  "browserJavascriptEnabled": true,
  "browserLanguage": "en-US",
  "browserColorDepth": "24",
  "browserScreenHeight": "1080",
  "browserScreenWidth": "1920",
  "browserTZ": "-120",
  "browserUserAgent": "Mozilla/5.0 (X11; Linux x86_64)"
}`

// browserAReq returns the merchant's request for pan, on transaction id
// (empty: no preauth), modified by mods.
func browserAReq(t *testing.T, pan, id string, mods ...func(m map[string]any)) *emv3ds.AReq {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(fmt.Appendf(nil, browserAReqJSON, pan), &m))
	if id != "" {
		m["threeDSServerTransID"] = id
	}
	for _, f := range mods {
		f(m)
	}
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	areq, err := emv3ds.DecodeAReq(raw)
	require.NotNil(t, areq, "decode: %v", err)
	return areq
}

// aresFor answers areq with status: a valid ARes for each outcome.
func aresFor(areq *emv3ds.AReq, status emv3ds.TransStatus) *emv3ds.ARes {
	a := &emv3ds.ARes{
		MessageType:          emv3ds.MessageTypeARes,
		MessageVersion:       areq.MessageVersion,
		ThreeDSServerTransID: areq.ThreeDSServerTransID,
		ACSTransID:           "a0000000-0000-4000-8000-000000000001",
		DSTransID:            "d0000000-0000-4000-8000-000000000001",
		ACSReferenceNumber:   "ACSRefNum1234",
		DSReferenceNumber:    "DSRef123456",
		TransStatus:          status,
	}
	switch status {
	case emv3ds.TransStatusAuthenticated, emv3ds.TransStatusAttempted:
		a.AuthenticationValue = cavv
		a.ECI = "05"
	case emv3ds.TransStatusNotAuthenticated, emv3ds.TransStatusUnavailable, emv3ds.TransStatusRejected:
		a.TransStatusReason = "01"
	case emv3ds.TransStatusChallenge:
		a.ACSURL = acsURL
		a.ACSChallengeMandated = "Y"
		a.AuthenticationType = "02"
	case emv3ds.TransStatusDecoupled:
		a.ACSChallengeMandated = "N"
		a.ACSDecConInd = "Y"
		a.AuthenticationType = "04"
		a.CardholderInfo = &emv3ds.CardholderInfo{Text: "Open your banking app"}
	}
	return a
}

// rreqJSON is the DS's RReq for a challenged transaction.
func rreqJSON(id string, mods ...func(m map[string]any)) []byte {
	m := map[string]any{
		"messageType":          "RReq",
		"messageVersion":       "2.2.0",
		"messageCategory":      "01",
		"threeDSServerTransID": id,
		"acsTransID":           "a0000000-0000-4000-8000-000000000001",
		"dsTransID":            "d0000000-0000-4000-8000-000000000001",
		"transStatus":          "Y",
		"authenticationValue":  cavv,
		"eci":                  "05",
		"authenticationType":   "02",
		"interactionCounter":   "01",
	}
	for _, f := range mods {
		f(m)
	}
	b, _ := json.Marshal(m)
	return b
}

// challenged runs preauth and a browser auth answered C; it returns the
// transaction ID and the auth output.
func (e *env) challenged(pan string) (string, *threeds.AuthOutput) {
	e.t.Helper()
	e.dir.AReq = func(_ context.Context, _ emv3ds.Scheme, areq *emv3ds.AReq) (*emv3ds.ARes, error) {
		return aresFor(areq, emv3ds.TransStatusChallenge), nil
	}
	id := e.preauth(pan)
	out, err := e.svc.Authenticate(context.Background(), merchantA, threeds.AuthInput{
		AReq: browserAReq(e.t, pan, id), ReturnURL: "https://shop.example.com/checkout/return",
	})
	require.NoError(e.t, err)
	require.Equal(e.t, threeds.StateChallengePending, e.tx(id).State)
	return id, out
}

// cresFor is the base64url final CRes the ACS page posts.
func cresFor(id, acsTransID string, status emv3ds.TransStatus) string {
	b, _ := json.Marshal(map[string]string{
		"messageType": "CRes", "messageVersion": "2.2.0", "threeDSServerTransID": id,
		"acsTransID": acsTransID, "challengeCompletionInd": "Y", "transStatus": string(status),
	})
	return emv3ds.EncodeBase64URL(b)
}

// cresWith is cresFor with one element replaced ("" removes it).
func cresWith(id, acsTransID, name, value string) string {
	m := map[string]string{
		"messageType": "CRes", "messageVersion": "2.2.0", "threeDSServerTransID": id,
		"acsTransID": acsTransID, "challengeCompletionInd": "Y", "transStatus": "Y",
	}
	if value == "" {
		delete(m, name)
	} else {
		m[name] = value
	}
	b, _ := json.Marshal(m)
	return emv3ds.EncodeBase64URL(b)
}

// fieldsOf returns the element names a validation error reports.
func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var verr *emv3ds.ValidationError
	require.ErrorAs(t, err, &verr)
	var out []string
	for _, f := range verr.Fields {
		out = append(out, f.Field)
	}
	return out
}

// services are every use case, wired to the same fakes.
type services struct {
	*threeds.PreauthService
	*threeds.AuthService
	*threeds.ResultService
	*threeds.CallbackService
	*threeds.WebhookService
	*threeds.KeyService
	*threeds.CardRangeService
}

// rreqAnswer is the answer to an RReq as the results endpoint encodes it.
type rreqAnswer struct {
	*threeds.ResultsAnswer
	Body []byte
}

// ReceiveRReq decodes body as the results endpoint does and encodes the
// answer (RRes or Erro) it would send.
func (s services) ReceiveRReq(ctx context.Context, body []byte) (*rreqAnswer, error) {
	rreq, derr := emv3ds.DecodeRReq(body)
	ans, err := s.CallbackService.ReceiveRReq(ctx, rreq, derr)
	if err != nil {
		return nil, err
	}
	var out []byte
	if ans.Erro != nil {
		out, err = json.Marshal(ans.Erro)
	} else {
		out, err = json.Marshal(ans.RRes)
	}
	if err != nil {
		return nil, err
	}
	return &rreqAnswer{ResultsAnswer: ans, Body: out}, nil
}
