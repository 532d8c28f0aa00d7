package cardinal

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// The browser calls of cardinal.js (README, "Cardinal Cruise-compatible JWT
// integration"). Each is a POST of a JSON body sent as text/plain (a CORS
// simple request: no preflight), carrying the session token in the body;
// each answers JSON with Access-Control-Allow-Origin for the page.
const (
	PathInit     = "/cardinal/songbird/init"     // preauth step: the request JWT traded for a session
	PathBin      = "/cardinal/songbird/bin"      // preauth step: bin.process (the 3DS Method)
	PathStart    = "/cardinal/songbird/start"    // auth step: Standard flow, the AReq
	PathContinue = "/cardinal/songbird/continue" // auth step: Hybrid flow, the challenge of a lookup
	PathResult   = "/cardinal/songbird/result"   // postauth step: the result and response JWT
)

// flexString is a JSON string, number or boolean.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*f = ""
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if string(b) == "true" || string(b) == "false" {
		*f = flexString(b)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return errors.New("must be a string or a number")
	}
	*f = flexString(n)
	return nil
}

// Address is Songbird's Consumer.BillingAddress / ShippingAddress.
type Address struct {
	FirstName, LastName, Address1, Address2, City, State, PostalCode, CountryCode, Phone1 flexString
}

// Account is Consumer.Account: the card. Never logged, never stored; the
// CardCode is not sent anywhere (EMV 3DS has no CVV).
type Account struct {
	AccountNumber   emv3ds.PAN
	ExpirationMonth flexString
	ExpirationYear  flexString
	CardCode        flexString
	NameOnAccount   flexString
}

// Order is Songbird's order object (Cardinal.start('cca', order)).
type Order struct {
	OrderDetails struct {
		OrderNumber, Amount, CurrencyCode, OrderChannel, TransactionId flexString
	}
	Consumer struct {
		Email1          flexString
		BillingAddress  Address
		ShippingAddress Address
		Account         Account
	}
}

// BrowserInfo is what cardinal.js reads of the browser for the AReq.
type BrowserInfo struct {
	ColorDepth, ScreenHeight, ScreenWidth, TimeZone, Language, JavaEnabled, JavascriptEnabled flexString
}

type browserRequest struct {
	SessionToken  string      `json:"sessionToken"`
	JWT           string      `json:"jwt"`
	Bin           flexString  `json:"bin"`
	Order         Order       `json:"order"`
	Browser       BrowserInfo `json:"browser"`
	WindowSize    string      `json:"windowSize"`
	TransactionId string      `json:"TransactionId"`
	Cancelled     bool        `json:"cancelled"`
}

// Done is the answer that ends a flow: the response payload (the first
// argument of payments.validated), the response JWT, and the ConfirmUrl the
// script posts the JWT to.
type Done struct {
	Status     string                 `json:"Status"` // "done"
	Payload    cruise.ResponsePayload `json:"Payload"`
	JWT        string                 `json:"JWT"`
	ConfirmUrl string                 `json:"ConfirmUrl,omitempty"`
}

// Challenge is start's answer when the ACS wants a challenge.
type Challenge struct {
	Status             string `json:"Status"` // "challenge"
	TransactionId      string `json:"TransactionId"`
	AcsUrl             string `json:"AcsUrl"`
	Payload            string `json:"Payload"` // the CReq
	ThreeDSSessionData string `json:"ThreeDSSessionData"`
	WindowSize         string `json:"WindowSize"`
}

type browserErrorBody struct {
	Status           string `json:"Status"` // "error"
	ErrorNumber      int    `json:"ErrorNumber"`
	ErrorDescription string `json:"ErrorDescription"`
}

// cors adds the headers that let the merchant's page read the answer:
// its Origin echoed (no credentials are ever sent: the token is in the body).
func cors(resp apigw.Response, ev events.APIGatewayProxyRequest) apigw.Response {
	if resp.Headers == nil {
		resp.Headers = map[string]string{}
	}
	origin := apigw.Header(ev, "Origin")
	if _, err := threeds.NormalizeOrigin(origin); err == nil {
		resp.Headers["Access-Control-Allow-Origin"] = origin
	} else {
		resp.Headers["Access-Control-Allow-Origin"] = "*"
	}
	resp.Headers["Vary"] = "Origin"
	return resp
}

func (b Browser) answer(ev events.APIGatewayProxyRequest, status int, v any) apigw.Response {
	return cors(apigw.JSON(status, v), ev)
}

// fail answers a refused call; anything that is not a browserError is a
// server failure, logged and answered 500 without detail.
func (b Browser) fail(ctx context.Context, ev events.APIGatewayProxyRequest, what string, err error) apigw.Response {
	var be *browserError
	if !errors.As(err, &be) {
		var ce *cruise.ClaimError
		if errors.As(err, &ce) {
			be = &browserError{Status: http.StatusUnauthorized, Number: ErrNumJWT, Desc: ce.Error()}
		} else {
			b.Log.ErrorContext(ctx, what+" failed", slog.String("error", err.Error()), slog.Int("status", http.StatusInternalServerError))
			be = &browserError{Status: http.StatusInternalServerError, Number: ErrNumProtocolFloor + 403, Desc: "Transient system failure"}
		}
	}
	if be.Status < 500 {
		b.Log.WarnContext(ctx, what+" refused", slog.Int("errorNumber", be.Number), slog.String("reason", be.Desc), slog.Int("status", be.Status))
	}
	return b.answer(ev, be.Status, browserErrorBody{Status: "error", ErrorNumber: be.Number, ErrorDescription: be.Desc})
}

func decodeBrowser(ev events.APIGatewayProxyRequest) (*browserRequest, error) {
	raw, err := apigw.JSONBody(ev)
	var na *apigw.BadTextError
	if errors.As(err, &na) {
		return nil, fieldErr(na.Field + " " + na.Rule())
	}
	if err != nil {
		return nil, fieldErr("the body must be a JSON object")
	}
	var r browserRequest
	if err := json.Unmarshal(raw, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" && apigw.ElementPath(te.Field) != "" {
			return nil, fieldErr(te.Field + " has the wrong type")
		}
		return nil, fieldErr("the body must be a JSON object of the documented shape")
	}
	return &r, nil
}

// session decodes a call and checks its session token.
func (b Browser) session(ctx context.Context, ev events.APIGatewayProxyRequest) (*browserRequest, *threeds.CardinalSession, error) {
	r, err := decodeBrowser(ev)
	if err != nil {
		return nil, nil, err
	}
	s, err := b.Session(ctx, r.SessionToken, apigw.Header(ev, "Origin"))
	if err != nil {
		return nil, nil, err
	}
	return r, s, nil
}

// transaction checks that the call's TransactionId is one of the session's.
func transaction(r *browserRequest, s *threeds.CardinalSession) error {
	if r.TransactionId == "" {
		return fieldErr("TransactionId is required")
	}
	if threeds.CheckTransID("TransactionId", r.TransactionId) != nil {
		return fieldErr("TransactionId must be a UUID")
	}
	if !owns(s, r.TransactionId) {
		return &browserError{Status: http.StatusNotFound, Number: ErrNumTransaction, Desc: "TransactionId is not a transaction of this session"}
	}
	return nil
}

// --- preauth step: init and bin.process -----------------------------------

// Preauther is the preauth use case (threeds.PreauthService).
type Preauther interface {
	Preauth(ctx context.Context, merchantID string, in threeds.PreauthInput) (*threeds.PreauthOutput, error)
}

// SetupRoutes are the browser routes of the preauth step:
// Cardinal.setup('init') and Cardinal.trigger('bin.process').
func SetupRoutes(b Browser, auth Authenticator, merchants MerchantReader, pre Preauther) []apigw.Route {
	h := setupHandler{b: b, auth: auth, merchants: merchants, pre: pre}
	return []apigw.Route{
		apigw.Post(apigw.StepPreauth, Name, PathInit, Errors{}, h.init),
		apigw.Post(apigw.StepPreauth, Name, PathBin, Errors{}, h.bin),
	}
}

type setupHandler struct {
	b         Browser
	auth      Authenticator
	merchants MerchantReader
	pre       Preauther
}

// SetupComplete is init's answer: payments.setupComplete's data and the
// session token the script keeps.
type SetupComplete struct {
	SessionID    string   `json:"sessionId"`
	SessionToken string   `json:"sessionToken"`
	ExpiresAt    int64    `json:"expiresAt"`
	Modules      []Module `json:"modules"`
}

// Module is one of setupComplete's modules.
type Module struct {
	Module string `json:"module"`
	Loaded bool   `json:"loaded"`
}

func (h setupHandler) init(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "cardinal setup"
	r, err := decodeBrowser(ev)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	s, err := h.auth.Verify(ctx, r.JWT) // the jti is claimed here: the JWT opens this session only
	if err != nil {
		var ce *cruise.ClaimError
		if errors.As(err, &ce) {
			h.b.Log.WarnContext(ctx, "cardinal request JWT refused", slog.String("claim", ce.Claim), slog.Int("status", http.StatusUnauthorized))
		}
		return h.b.fail(ctx, ev, what, err)
	}
	origin := apigw.Header(ev, "Origin")
	if origin != "" {
		m, err := h.merchants.GetMerchant(ctx, s.MerchantID)
		if err != nil {
			return h.b.fail(ctx, ev, what, err)
		}
		if _, err := threeds.NormalizeOrigin(origin); err != nil || !m.AllowsOrigin(origin) {
			return h.b.fail(ctx, ev, what, &browserError{Status: http.StatusForbidden, Number: ErrNumOrigin,
				Desc: "Origin is not one of the merchant's allowed origins"})
		}
	}
	cs, token, err := h.b.Trade(ctx, s, origin)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	h.b.Log.InfoContext(ctx, "cardinal session opened", slog.String("sessionId", cs.ID), slog.String("merchantId", cs.MerchantID), slog.Int("status", http.StatusOK))
	return h.b.answer(ev, http.StatusOK, SetupComplete{SessionID: cs.ID, SessionToken: token, ExpiresAt: cs.ExpiresAt.Unix(),
		Modules: []Module{{Module: "CCA", Loaded: true}}})
}

// BinAnswer is bin.process's answer: Status, and the 3DS Method the script
// runs when the card's ACS has one.
type BinAnswer struct {
	Status            bool   `json:"Status"`
	ThreeDSMethodURL  string `json:"ThreeDSMethodURL,omitempty"`
	ThreeDSMethodData string `json:"ThreeDSMethodData,omitempty"`
}

func (h setupHandler) bin(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "cardinal bin.process"
	r, s, err := h.b.session(ctx, ev)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	bin := string(r.Bin)
	if len(bin) < 6 || len(bin) > 19 || strings.Trim(bin, "0123456789") != "" {
		return h.b.fail(ctx, ev, what, fieldErr("bin must be 6 to 19 digits"))
	}
	// A BIN alone opens no transaction (the AReq must carry the card the
	// transaction was opened for): the 3DS Method needs the card number.
	if !threeds.ValidPAN(bin) || !emv3ds.LuhnValid(bin) {
		return h.b.answer(ev, http.StatusOK, BinAnswer{Status: true})
	}
	pan := emv3ds.PAN(bin)
	out, err := h.pre.Preauth(ctx, s.MerchantID, threeds.PreauthInput{AcctNumber: pan, CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if errors.Is(err, threeds.ErrNotEnrolled) || errors.Is(err, threeds.ErrSchemeNotServed) {
		return h.b.answer(ev, http.StatusOK, BinAnswer{Status: true})
	}
	if err != nil {
		return h.b.fail(ctx, ev, what, protocolError(err))
	}
	s.MethodTransID, s.MethodPANHash = out.ThreeDSServerTransID, h.b.PANs.HashPAN(pan)
	if err := h.b.Sessions.PutCardinalSession(ctx, s, false); err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	h.b.Log.InfoContext(ctx, "cardinal bin.process", slog.String("sessionId", s.ID), slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.Bool("method", out.ThreeDSMethodURL != ""), slog.Int("status", http.StatusOK))
	return h.b.answer(ev, http.StatusOK, BinAnswer{Status: true, ThreeDSMethodURL: out.ThreeDSMethodURL, ThreeDSMethodData: out.ThreeDSMethodData})
}

// protocolError is a domain error as a browser error: 1000 + the EMV
// errorCode, the description and the element named (never a value).
func protocolError(err error) error {
	status, erro := apigw.Status(err, apigw.About{})
	if status >= 500 && erro.ErrorCode == emv3ds.ErrorCode("403") {
		return err // our own failure: logged, answered without detail
	}
	desc := erro.ErrorDescription
	if erro.ErrorDetail != "" && !strings.Contains(desc, erro.ErrorDetail) {
		desc += " (" + erro.ErrorDetail + ")"
	}
	return &browserError{Status: status, Number: ErrNumProtocolFloor + errorNumber(string(erro.ErrorCode)), Desc: desc}
}

// --- auth step: start (Standard) and continue (Hybrid) ---------------------

// TransactionReader reads a transaction (the Hybrid challenge's ACS URL).
type TransactionReader interface {
	Get(ctx context.Context, id string) (*threeds.Transaction, error)
}

// SessionIssuer issues the threeDSSessionData posted with a CReq.
type SessionIssuer interface {
	Issue(threeDSServerTransID string) (string, error)
}

// StartRoutes are the browser routes of the auth step: Cardinal.start
// ('cca', order) and Cardinal.continue('cca', …).
func StartRoutes(b Browser, svc AuthUseCase, results ResultReader, txs TransactionReader, issuer SessionIssuer) []apigw.Route {
	h := startHandler{b: b, svc: svc, results: results, txs: txs, issuer: issuer}
	return []apigw.Route{
		apigw.Post(apigw.StepAuth, Name, PathStart, Errors{}, h.start),
		apigw.Post(apigw.StepAuth, Name, PathContinue, Errors{}, h.cont),
	}
}

type startHandler struct {
	b       Browser
	svc     AuthUseCase
	results ResultReader
	txs     TransactionReader
	issuer  SessionIssuer
}

// lookup maps Songbird's order and the browser to the lookup's fields (the
// signed JWT's Amount and CurrencyCode win over the browser's).
func (r *browserRequest) lookup(s *threeds.CardinalSession, ev events.APIGatewayProxyRequest) LookupRequest {
	o, c := r.Order.OrderDetails, r.Order.Consumer
	l := LookupRequest{
		OrderNumber: first(s.OrderNumber, string(o.OrderNumber)), Amount: first(s.Amount, string(o.Amount)),
		CurrencyCode: first(s.CurrencyCode, string(o.CurrencyCode)), CardNumber: c.Account.AccountNumber,
		CardExpMonth: string(c.Account.ExpirationMonth), CardExpYear: string(c.Account.ExpirationYear),
		Email: string(c.Email1), BillingFirstName: string(c.BillingAddress.FirstName), BillingLastName: string(c.BillingAddress.LastName),
		BillingAddress1: string(c.BillingAddress.Address1), BillingCity: string(c.BillingAddress.City),
		BillingState: string(c.BillingAddress.State), BillingPostalCode: string(c.BillingAddress.PostalCode),
		IPAddress: ev.RequestContext.Identity.SourceIP, UserAgent: apigw.Header(ev, "User-Agent"),
		BrowserHeader: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", BrowserLanguage: string(r.Browser.Language),
		BrowserColorDepth: string(r.Browser.ColorDepth), BrowserScreenHeight: string(r.Browser.ScreenHeight),
		BrowserScreenWidth: string(r.Browser.ScreenWidth), BrowserTimeZone: string(r.Browser.TimeZone),
		BrowserJavaEnabled: string(r.Browser.JavaEnabled), BrowserJavascriptEnabled: first(string(r.Browser.JavascriptEnabled), "true"),
		ChallengeWindowSize: r.WindowSize,
	}
	if len(l.CardExpMonth) == 1 {
		l.CardExpMonth = "0" + l.CardExpMonth
	}
	if len(l.CardExpYear) == 2 {
		l.CardExpYear = "20" + l.CardExpYear
	}
	// EMV wants the numeric country code; Songbird pages often send alpha-2
	// (or alpha-3). One we cannot map is left out, and the state with it
	// (EMV requires the country with a state).
	l.BillingCountryCode = numericCountry(string(c.BillingAddress.CountryCode))
	if l.BillingCountryCode == "" {
		l.BillingState = ""
	}
	if string(c.BillingAddress.FirstName) == "" && string(c.Account.NameOnAccount) != "" {
		l.BillingFirstName = string(c.Account.NameOnAccount)
	}
	return l
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h startHandler) start(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "cardinal start"
	r, s, err := h.b.session(ctx, ev)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	pan := r.Order.Consumer.Account.AccountNumber
	if pan == "" {
		return h.b.fail(ctx, ev, what, fieldErr("Consumer.Account.AccountNumber is required"))
	}
	if r.WindowSize != "" && !emv3ds.ChallengeWindowSize(r.WindowSize).Valid(emv3ds.Version231) {
		return h.b.fail(ctx, ev, what, fieldErr("windowSize must be 01 to 05"))
	}
	lk := r.lookup(s, ev)
	now := h.b.Now()
	fields := lk.areq(now)
	if id := h.b.methodTransaction(s, pan); id != "" {
		fields["threeDSServerTransID"] = id
	}
	raw, _ := json.Marshal(fields)
	areq, derr := emv3ds.DecodeAReq(raw)
	if areq == nil {
		return h.b.fail(ctx, ev, what, protocolError(derr))
	}
	out, err := h.svc.Authenticate(ctx, s.MerchantID, threeds.AuthInput{AReq: areq, ChallengeWindowSize: emv3ds.ChallengeWindowSize(r.WindowSize),
		CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name})
	if errors.Is(err, threeds.ErrNotEnrolled) {
		return h.b.done(ctx, ev, s, notEnrolledPayload(), what)
	}
	if err != nil {
		// The flow failed (the DS did not answer, an Erro, a field the AReq
		// refused): a signed ERROR response, so the merchant's server sees it too.
		var be *browserError
		if errors.As(protocolError(err), &be) {
			return h.b.done(ctx, ev, s, errorPayload(be.Number, be.Desc, ""), what)
		}
		return h.b.fail(ctx, ev, what, err)
	}
	id := out.ARes.ThreeDSServerTransID
	if err := h.b.remember(ctx, s, id); err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	if out.ChallengeRequest != "" {
		h.b.Log.InfoContext(ctx, "cardinal start", slog.String("sessionId", s.ID), slog.String("threeDSServerTransID", id),
			slog.String("transStatus", string(out.ARes.TransStatus)), slog.Int("status", http.StatusOK))
		return h.b.answer(ev, http.StatusOK, Challenge{Status: "challenge", TransactionId: id, AcsUrl: out.ARes.ACSURL,
			Payload: out.ChallengeRequest, ThreeDSSessionData: out.SessionData, WindowSize: string(out.ChallengeWindowSize)})
	}
	res, err := h.results.Result(ctx, s.MerchantID, id)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	return h.b.done(ctx, ev, s, resultPayload(res), what)
}

// ContinueAnswer is what the script needs to post the merchant's CReq to
// the ACS: the transaction's own ACS URL and threeDSSessionData.
type ContinueAnswer struct {
	TransactionId      string `json:"TransactionId"`
	AcsUrl             string `json:"AcsUrl"`
	ThreeDSSessionData string `json:"ThreeDSSessionData"`
}

func (h startHandler) cont(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "cardinal continue"
	r, s, err := h.b.session(ctx, ev)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	if err := transaction(r, s); err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	tx, err := h.txs.Get(ctx, r.TransactionId)
	if errors.Is(err, threeds.ErrTransactionNotFound) || (err == nil && tx.MerchantID != s.MerchantID) {
		return h.b.fail(ctx, ev, what, &browserError{Status: http.StatusNotFound, Number: ErrNumTransaction, Desc: "TransactionId is unknown or has expired"})
	}
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	if tx.State != threeds.StateChallengePending || threeds.CheckHTTPURL(tx.ARes.ACSURL) != nil {
		return h.b.fail(ctx, ev, what, &browserError{Status: http.StatusConflict, Number: ErrNumTransaction, Desc: "TransactionId has no challenge to show"})
	}
	sd, err := h.issuer.Issue(tx.ID)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	return h.b.answer(ev, http.StatusOK, ContinueAnswer{TransactionId: tx.ID, AcsUrl: tx.ARes.ACSURL, ThreeDSSessionData: sd})
}

// --- postauth step: result -------------------------------------------------

// ResultRoutes are the browser route of the postauth step: the result of
// a challenge (or its cancellation) as the response JWT.
func ResultRoutes(b Browser, results ResultReader) []apigw.Route {
	h := resultHandler{b: b, results: results}
	return []apigw.Route{apigw.Post(apigw.StepPostauth, Name, PathResult, Errors{}, h.Handle)}
}

type resultHandler struct {
	b       Browser
	results ResultReader
}

func (h resultHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "cardinal result"
	r, s, err := h.b.session(ctx, ev)
	if err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	if err := transaction(r, s); err != nil {
		return h.b.fail(ctx, ev, what, err)
	}
	out, err := h.results.Result(ctx, s.MerchantID, r.TransactionId)
	if errors.Is(err, threeds.ErrTransactionNotFound) {
		return h.b.fail(ctx, ev, what, &browserError{Status: http.StatusNotFound, Number: ErrNumTransaction, Desc: "TransactionId is unknown or has expired"})
	}
	if err != nil {
		return h.b.fail(ctx, ev, what, protocolError(err))
	}
	if out.Status == threeds.ResultPending {
		if !r.Cancelled {
			return h.b.answer(ev, http.StatusConflict, browserErrorBody{Status: "pending", ErrorNumber: ErrNumPending,
				ErrorDescription: "Authentication is not finished (challenge pending)"})
		}
		// The cardholder closed the challenge: no authentication, FAILURE.
		return h.b.done(ctx, ev, s, cancelledPayload(out), what)
	}
	return h.b.done(ctx, ev, s, resultPayload(out), what)
}

// done signs payload and answers it (the end of a flow).
func (b Browser) done(ctx context.Context, ev events.APIGatewayProxyRequest, s *threeds.CardinalSession, p cruise.ResponsePayload, what string) apigw.Response {
	token, err := b.sign(ctx, s, p)
	if err != nil {
		return b.fail(ctx, ev, what, err)
	}
	b.Log.InfoContext(ctx, what, slog.String("sessionId", s.ID), slog.String("threeDSServerTransID", p.Payment.ProcessorTransactionId),
		slog.String("actionCode", p.ActionCode), slog.Int("errorNumber", p.ErrorNumber), slog.Int("status", http.StatusOK))
	return b.answer(ev, http.StatusOK, Done{Status: "done", Payload: p, JWT: token, ConfirmUrl: s.ConfirmURL})
}

func notEnrolledPayload() cruise.ResponsePayload {
	return cruise.ResponsePayload{Validated: true, ActionCode: cruise.ActionNoAction, ErrorNumber: 0, ErrorDescription: "Success",
		Payment: cruise.Payment{Type: "CCA", ExtendedData: cruise.ExtendedData{Enrolled: "N"}}}
}

func errorPayload(number int, desc, txID string) cruise.ResponsePayload {
	return cruise.ResponsePayload{Validated: false, ActionCode: cruise.ActionError, ErrorNumber: number,
		ErrorDescription: fmt.Sprintf("Authentication failed: %s", desc),
		Payment:          cruise.Payment{Type: "CCA", ProcessorTransactionId: txID}}
}

// cancelledPayload: the ARes asked for a challenge the cardholder closed;
// no CAVV, FAILURE.
func cancelledPayload(out *threeds.ResultOutput) cruise.ResponsePayload {
	return cruise.ResponsePayload{Validated: true, ActionCode: cruise.ActionFailure, ErrorNumber: 0, ErrorDescription: "Cancelled by the cardholder",
		Payment: cruise.Payment{Type: "CCA", ProcessorTransactionId: out.ThreeDSServerTransID, ExtendedData: cruise.ExtendedData{
			PAResStatus: "C", Enrolled: "Y", XID: out.ThreeDSServerTransID, ThreeDSVersion: string(out.MessageVersion), DSTransactionId: out.DSTransID}}}
}

// countries maps the ISO 3166 alpha-2 and alpha-3 codes merchants send most
// to the numeric code EMV's billAddrCountry wants.
var countries = map[string]string{
	"US": "840", "USA": "840", "GB": "826", "GBR": "826", "CA": "124", "CAN": "124", "DE": "276", "DEU": "276",
	"FR": "250", "FRA": "250", "IT": "380", "ITA": "380", "ES": "724", "ESP": "724", "NL": "528", "NLD": "528",
	"BE": "056", "BEL": "056", "IE": "372", "IRL": "372", "AT": "040", "AUT": "040", "CH": "756", "CHE": "756",
	"SE": "752", "SWE": "752", "NO": "578", "NOR": "578", "DK": "208", "DNK": "208", "FI": "246", "FIN": "246",
	"PL": "616", "POL": "616", "PT": "620", "PRT": "620", "AU": "036", "AUS": "036", "NZ": "554", "NZL": "554",
	"IN": "356", "IND": "356", "JP": "392", "JPN": "392", "CN": "156", "CHN": "156", "SG": "702", "SGP": "702",
	"HK": "344", "HKG": "344", "BR": "076", "BRA": "076", "MX": "484", "MEX": "484", "ZA": "710", "ZAF": "710",
	"AE": "784", "ARE": "784",
}

func numericCountry(cc string) string {
	if len(cc) == 3 && strings.Trim(cc, "0123456789") == "" {
		return cc
	}
	return countries[strings.ToUpper(cc)]
}
