package cardinal

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// AuthUseCase is the authentication use case (threeds.AuthService).
type AuthUseCase interface {
	Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
}

// LookupRoutes are the dialect's routes of the auth step: POST
// /cardinal/lookup.
// A DFReferenceId naming a browser session of the merchant (the sessionId
// of payments.setupComplete) continues its 3DS Method transaction and lets
// the session's cardinal.js show the challenge (Cardinal.continue).
func LookupRoutes(svc AuthUseCase, auth Authenticator, b Browser, log *slog.Logger) []apigw.Route {
	h := lookupHandler{svc: svc, auth: auth, b: b, log: log}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, "/cardinal/lookup", Errors{}, h.Handle)}
}

type lookupHandler struct {
	svc  AuthUseCase
	auth Authenticator
	b    Browser
	log  *slog.Logger
}

// LookupRequest is the cmpi_lookup message in JSON (Cardinal's names).
type LookupRequest struct {
	OrderNumber              string     `json:"OrderNumber"`
	Amount                   string     `json:"Amount"`       // minor units
	CurrencyCode             string     `json:"CurrencyCode"` // ISO 4217 numeric
	CardNumber               emv3ds.PAN `json:"CardNumber"`
	CardExpMonth             string     `json:"CardExpMonth"` // MM
	CardExpYear              string     `json:"CardExpYear"`  // YYYY
	DFReferenceId            string     `json:"DFReferenceId"`
	Email                    string     `json:"Email"`
	BillingFirstName         string     `json:"BillingFirstName"`
	BillingLastName          string     `json:"BillingLastName"`
	BillingAddress1          string     `json:"BillingAddress1"`
	BillingCity              string     `json:"BillingCity"`
	BillingState             string     `json:"BillingState"`
	BillingPostalCode        string     `json:"BillingPostalCode"`
	BillingCountryCode       string     `json:"BillingCountryCode"` // ISO 3166 numeric
	IPAddress                string     `json:"IPAddress"`
	UserAgent                string     `json:"UserAgent"`
	BrowserHeader            string     `json:"BrowserHeader"`
	BrowserLanguage          string     `json:"BrowserLanguage"`
	BrowserColorDepth        string     `json:"BrowserColorDepth"`
	BrowserScreenHeight      string     `json:"BrowserScreenHeight"`
	BrowserScreenWidth       string     `json:"BrowserScreenWidth"`
	BrowserTimeZone          string     `json:"BrowserTimeZone"`
	BrowserJavaEnabled       string     `json:"BrowserJavaEnabled"`
	BrowserJavascriptEnabled string     `json:"BrowserJavascriptEnabled"`
	ChallengeIndicator       string     `json:"ChallengeIndicator"`
	ReturnURL                string     `json:"ReturnUrl"`
	ChallengeWindowSize      string     `json:"ChallengeWindowSize"`
}

// LookupResponse is the cmpi_lookup answer in JSON (Cardinal's names).
// ThreeDSSessionData is ours: what the browser posts with Payload (the
// CReq) to ACSUrl.
type LookupResponse struct {
	ErrorNo               string `json:"ErrorNo"`
	ErrorDesc             string `json:"ErrorDesc"`
	Enrolled              string `json:"Enrolled"`
	PAResStatus           string `json:"PAResStatus,omitempty"`
	ACSUrl                string `json:"ACSUrl,omitempty"`
	Payload               string `json:"Payload,omitempty"`
	ThreeDSSessionData    string `json:"ThreeDSSessionData,omitempty"`
	TransactionId         string `json:"TransactionId,omitempty"`
	EciFlag               string `json:"EciFlag,omitempty"`
	Cavv                  string `json:"Cavv,omitempty"`
	ThreeDSVersion        string `json:"ThreeDSVersion,omitempty"`
	DSTransactionId       string `json:"DSTransactionId,omitempty"`
	SignatureVerification string `json:"SignatureVerification,omitempty"`
	StatusReason          string `json:"StatusReason,omitempty"`
	ActionCode            string `json:"ActionCode,omitempty"`
}

func init() {
	apigw.RegisterElementNames("OrderNumber", "Amount", "CurrencyCode", "CardNumber", "CardExpMonth", "CardExpYear",
		"DFReferenceId", "Email", "BillingFirstName", "BillingLastName", "BillingAddress1", "BillingCity", "BillingState",
		"BillingPostalCode", "BillingCountryCode", "IPAddress", "UserAgent", "BrowserHeader", "BrowserLanguage",
		"BrowserColorDepth", "BrowserScreenHeight", "BrowserScreenWidth", "BrowserTimeZone", "BrowserJavaEnabled",
		"BrowserJavascriptEnabled", "ChallengeIndicator", "ReturnUrl", "ChallengeWindowSize", "TransactionId")
}

// verify answers the refusal of a request JWT, or the session.
func verify(ctx context.Context, a Authenticator, log *slog.Logger, ev events.APIGatewayProxyRequest) (*Session, *apigw.Response) {
	s, err := a.Verify(ctx, bearer(ev))
	var ce *cruise.ClaimError
	if errors.As(err, &ce) {
		log.WarnContext(ctx, "cardinal request JWT refused", slog.String("claim", ce.Claim), slog.Int("status", http.StatusUnauthorized))
		r := jwtRefused(err)
		return nil, &r
	}
	if err != nil {
		r := apigw.Error(ctx, log, Errors{}, err, apigw.About{})
		return nil, &r
	}
	return s, nil
}

// areq maps the lookup to the EMV names of a browser AReq; the lenient
// AReq decoder and the domain's validation do the rest.
func (r LookupRequest) areq(now time.Time) map[string]any {
	m := map[string]any{
		"messageCategory": "01", "deviceChannel": "02", "threeDSRequestorAuthenticationInd": "01", "transType": "01",
		"purchaseAmount": r.Amount, "purchaseCurrency": r.CurrencyCode, "purchaseExponent": "2",
		"purchaseDate": now.UTC().Format("20060102150405"), "acctNumber": r.CardNumber.Reveal(),
		"email": r.Email, "billAddrLine1": r.BillingAddress1,
		"billAddrCity": r.BillingCity, "billAddrState": r.BillingState, "billAddrPostCode": r.BillingPostalCode,
		"billAddrCountry": r.BillingCountryCode, "browserIP": r.IPAddress, "browserUserAgent": r.UserAgent,
		"browserAcceptHeader": r.BrowserHeader, "browserLanguage": r.BrowserLanguage, "browserColorDepth": r.BrowserColorDepth,
		"browserScreenHeight": r.BrowserScreenHeight, "browserScreenWidth": r.BrowserScreenWidth, "browserTZ": r.BrowserTimeZone,
		"threeDSRequestorChallengeInd": r.ChallengeIndicator,
	}
	if len(r.CardExpYear) == 4 && len(r.CardExpMonth) == 2 {
		m["cardExpiryDate"] = r.CardExpYear[2:] + r.CardExpMonth
	} else if r.CardExpYear != "" || r.CardExpMonth != "" {
		m["cardExpiryDate"] = r.CardExpYear + r.CardExpMonth // invalid: the AReq validation names it
	}
	if name := r.BillingFirstName + " " + r.BillingLastName; len(name) > 1 {
		m["cardholderName"] = name
	}
	for k, v := range map[string]string{"browserJavaEnabled": r.BrowserJavaEnabled, "browserJavascriptEnabled": r.BrowserJavascriptEnabled} {
		switch v {
		case "true", "Y", "1":
			m[k] = true
		case "false", "N", "0":
			m[k] = false
		}
	}
	for k, v := range m {
		if s, ok := v.(string); ok && s == "" {
			delete(m, k)
		}
	}
	return m
}

func (h lookupHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	s, refused := verify(ctx, h.auth, h.log, ev)
	if refused != nil {
		return *refused
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req LookupRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	cs, err := h.session(ctx, s.MerchantID, req)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	fields := req.areq(h.auth.Now())
	if cs != nil {
		if id := h.b.methodTransaction(cs, req.CardNumber); id != "" {
			fields["threeDSServerTransID"] = id
		}
	}
	raw, _ := json.Marshal(fields)
	areq, err := emv3ds.DecodeAReq(raw)
	if areq == nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	out, err := h.svc.Authenticate(ctx, s.MerchantID, threeds.AuthInput{
		AReq: areq, ReturnURL: req.ReturnURL, ChallengeWindowSize: emv3ds.ChallengeWindowSize(req.ChallengeWindowSize),
		CallbackBaseURL: apigw.BaseURL(ev), Dialect: Name,
	})
	if errors.Is(err, threeds.ErrNotEnrolled) {
		h.log.InfoContext(ctx, "cardinal lookup", slog.String("merchantId", s.MerchantID), slog.String("enrolled", "N"), slog.Int("status", http.StatusOK))
		return apigw.JSON(http.StatusOK, LookupResponse{ErrorNo: "0", ErrorDesc: "", Enrolled: "N", ActionCode: cruise.ActionNoAction})
	}
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	ares := out.ARes
	if cs != nil {
		if err := h.b.remember(ctx, cs, ares.ThreeDSServerTransID); err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
	}
	resp := LookupResponse{
		ErrorNo: "0", Enrolled: "Y", PAResStatus: string(ares.TransStatus), TransactionId: ares.ThreeDSServerTransID,
		EciFlag: string(ares.ECI), Cavv: ares.AuthenticationValue.Reveal(), ThreeDSVersion: string(ares.MessageVersion),
		DSTransactionId: ares.DSTransID, StatusReason: string(ares.TransStatusReason),
		ActionCode: ActionCode(ares.TransStatus, false),
	}
	if ares.TransStatus != emv3ds.TransStatusChallenge {
		resp.SignatureVerification = "Y"
	}
	if out.ChallengeRequest != "" {
		resp.ACSUrl, resp.Payload, resp.ThreeDSSessionData = ares.ACSURL, out.ChallengeRequest, out.SessionData
		resp.ActionCode = ""
	}
	h.log.InfoContext(ctx, "cardinal lookup", slog.String("threeDSServerTransID", ares.ThreeDSServerTransID),
		slog.String("merchantId", s.MerchantID), slog.String("transStatus", string(ares.TransStatus)), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, resp)
}

// session is the merchant's live browser session named by DFReferenceId;
// nil when there is none (an unknown, expired or foreign reference is
// ignored, as Cardinal ignores a device data reference it cannot match).
func (h lookupHandler) session(ctx context.Context, merchantID string, req LookupRequest) (*threeds.CardinalSession, error) {
	if req.DFReferenceId == "" || h.b.Sessions == nil || !validSessionID(req.DFReferenceId) {
		return nil, nil
	}
	cs, err := h.b.Sessions.GetCardinalSession(ctx, req.DFReferenceId)
	if errors.Is(err, threeds.ErrCardinalSessionNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if cs.MerchantID != merchantID || !h.auth.Now().Before(cs.ExpiresAt) {
		return nil, nil
	}
	return cs, nil
}
