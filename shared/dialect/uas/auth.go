package uas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Authenticator is the authentication use case (threeds.AuthService).
type Authenticator interface {
	Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
}

// AuthRoutes are the dialect's routes of the auth step.
func AuthRoutes(svc Authenticator, idem threeds.IdempotencyStore, log *slog.Logger) []apigw.Route {
	h := authHandler{svc: svc, idem: idem, log: log}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, "/uas/{token}/authentication_initiation", Errors{}, h.Handle)}
}

type authHandler struct {
	svc  Authenticator
	idem threeds.IdempotencyStore
	log  *slog.Logger
}

// errUnknownAuthentication is a source_authentication_id with no
// pre-authentication (or another merchant's): 404.
var errUnknownAuthentication = &emv3ds.ValidationError{Fields: []emv3ds.FieldError{{
	Field: "source_authentication_id", Rule: "has no pre-authentication", Code: emv3ds.ErrorCodeTransIDNotRecognised, Err: emv3ds.ErrNotAllowed,
}}}

func (h authHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req authRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if err := checkSource(req.SourceAuthenticationID); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	pc, err := h.context(ctx, merchantID, req.SourceAuthenticationID)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	about.ThreeDSServerTransID = pc.ThreeDSServerTransID
	areq, err := req.areq(pc)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	out, err := h.svc.Authenticate(ctx, merchantID, threeds.AuthInput{
		AReq:            areq,
		CallbackBaseURL: apigw.BaseURL(ev),
		Dialect:         Name,
	})
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	ares := out.ARes
	h.log.InfoContext(ctx, "uas auth", slog.String("threeDSServerTransID", ares.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("dsTransID", ares.DSTransID),
		slog.String("messageVersion", string(ares.MessageVersion)),
		slog.String("transStatus", string(ares.TransStatus)), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, authAnswer(out))
}

// context reads the pre-authentication context of the authentication ID:
// one conditional write that finds the completed record (a miss is released
// at once and answers 404).
func (h authHandler) context(ctx context.Context, merchantID, source string) (preauthContext, error) {
	var pc preauthContext
	rec, err := h.idem.Begin(ctx, merchantID, contextKey(source), contextHash)
	switch {
	case errors.Is(err, threeds.ErrIdempotencyInProgress):
		return pc, errUnknownAuthentication // the pre-authentication has not finished
	case err != nil:
		return pc, fmt.Errorf("uas auth: read context: %w", err)
	}
	if !rec.Completed {
		if err := h.idem.Release(ctx, merchantID, contextKey(source), contextHash); err != nil {
			return pc, fmt.Errorf("uas auth: release: %w", err)
		}
		return pc, errUnknownAuthentication
	}
	if err := json.Unmarshal(rec.Response, &pc); err != nil || pc.ThreeDSServerTransID == "" {
		return pc, fmt.Errorf("uas auth: stored context unreadable")
	}
	return pc, nil
}

// areq builds the AReq from the authentication request and the kept
// pre-authentication. The merchant profile supplies the acquirer, merchant
// and requestor elements (threeds fills them).
func (r authRequest) areq(pc preauthContext) (*emv3ds.AReq, error) {
	td, dd := r.TransactionDetails, r.DeviceDetails
	if td == nil {
		return nil, missing("transaction_details")
	}
	if dd == nil {
		return nil, missing("device_details")
	}
	if td.Currency == "" {
		return nil, missing("transaction_details.currency")
	}
	currency, exp, err := currencyNumeric("transaction_details.currency", td.Currency)
	if err != nil {
		return nil, err
	}
	amount, err := minorUnits("transaction_details.amount", td.Amount, exp)
	if err != nil {
		return nil, err
	}
	category, err := messageCategory(td.MessageCategory)
	if err != nil {
		return nil, err
	}
	channel, err := deviceChannel(dd.DeviceChannel)
	if err != nil {
		return nil, err
	}
	a := &emv3ds.AReq{
		ThreeDSServerTransID: pc.ThreeDSServerTransID,
		MessageCategory:      category,
		DeviceChannel:        channel,
		AcctNumber:           emv3ds.PAN(pc.PAN),
		CardExpiryDate:       pc.CardExpiryDate,
		CardholderName:       pc.CardholderName,
		NotificationURL:      pc.NotificationURL,
		BillAddrCity:         pc.BillAddrCity,
		BillAddrCountry:      pc.BillAddrCountry,
		BillAddrLine1:        pc.BillAddrLine1,
		BillAddrLine2:        pc.BillAddrLine2,
		BillAddrLine3:        pc.BillAddrLine3,
		BillAddrPostCode:     pc.BillAddrPostCode,
		BillAddrState:        pc.BillAddrState,
		TransType:            "01",
	}
	if category == emv3ds.MessageCategoryPayment {
		a.PurchaseAmount, a.PurchaseCurrency, a.PurchaseExponent = amount, currency, fmt.Sprint(exp)
	}
	if d := td.ThreeDSData; d != nil {
		a.MessageVersion = emv3ds.Version(d.PreferredProtocolVersion)
		if a.ThreeDSCompInd, err = compInd(d.ThreeDSMethodCompInd); err != nil {
			return nil, err
		}
		switch {
		case d.Force3DSChallenge != nil && *d.Force3DSChallenge:
			a.ThreeDSRequestorChallengeInd = []emv3ds.ChallengeInd{"04"}
		case strings.EqualFold(d.PSD2SCAExemptionType, "transaction_risk_analysis"):
			a.ThreeDSRequestorChallengeInd = []emv3ds.ChallengeInd{"05"}
		}
	}
	switch channel {
	case emv3ds.DeviceChannelBrowser:
		if b := dd.BrowserInfo; b != nil {
			a.BrowserAcceptHeader, a.BrowserIP, a.BrowserLanguage = b.AcceptHeader, b.IPAddress, b.Language
			a.BrowserColorDepth, a.BrowserScreenHeight, a.BrowserScreenWidth = b.ColorDepth, b.ScreenHeight, b.ScreenWidth
			a.BrowserUserAgent, a.BrowserJavaEnabled, a.BrowserJavascriptEnabled = b.UserAgent, b.JavaEnabled, b.JavaScriptEnabled
			// Hyperswitch's time_zone is the JavaScript getTimezoneOffset(),
			// the same sign as browserTZ.
			a.BrowserTZ = b.TimeZone
			if b.AcceptLanguage != "" {
				a.AcceptLanguage = strings.Split(b.AcceptLanguage, ",")
			}
		}
	case emv3ds.DeviceChannelApp:
		if s := dd.SDKInfo; s != nil {
			a.SDKAppID, a.SDKEncData, a.SDKEphemPubKey = s.SDKAppID, s.SDKEncData, s.SDKEphemPubKey
			a.SDKTransID, a.SDKReferenceNumber, a.SDKMaxTimeout = s.SDKTransID, s.SDKReferenceNumber, s.SDKMaxTimeout
			if len(a.SDKMaxTimeout) == 1 {
				a.SDKMaxTimeout = "0" + a.SDKMaxTimeout
			}
		}
		a.DeviceRenderOptions = &emv3ds.DeviceRenderOptions{SDKInterface: "03", SDKUIType: []string{"01", "02", "03", "04", "05"}}
	}
	return a, nil
}

// authAnswer is the ThreeDsAuthDetails of the ARes. On C the challenge is
// ready: acs_url, challenge_request (our CReq, posted as creq) and
// acs_challenge_mandated "Y" (Hyperswitch looks at trans_status, Netcetera's
// clients at the mandate: both say challenge).
func authAnswer(out *threeds.AuthOutput) authResponse {
	a := out.ARes
	d := threeDSAuthDetails{
		ThreeDSServerTransID: a.ThreeDSServerTransID,
		ACSTransID:           a.ACSTransID,
		ACSReferenceNumber:   a.ACSReferenceNumber,
		DSTransID:            a.DSTransID,
		TransStatus:          string(a.TransStatus),
		ACSOperatorID:        a.ACSOperatorID,
		DSReferenceNumber:    a.DSReferenceNumber,
		SDKTransID:           a.SDKTransID,
		ACSChallengeMandated: a.ACSChallengeMandated,
		MessageType:          string(emv3ds.MessageTypeARes),
		MessageVersion:       string(a.MessageVersion),
		ACSSignedContent:     a.ACSSignedContent,
		AuthenticationValue:  a.AuthenticationValue.Reveal(),
		ECI:                  string(out.ECI),
		TransStatusReason:    string(a.TransStatusReason),
	}
	if a.TransStatus == emv3ds.TransStatusChallenge {
		d.ACSURL = a.ACSURL
		d.ACSChallengeMandated = "Y"
		if out.ChallengeRequest != "" {
			d.ChallengeRequest, d.ChallengeRequestKey = out.ChallengeRequest, "creq"
		}
	}
	return authResponse{ThreeDSAuthResponse: d}
}
