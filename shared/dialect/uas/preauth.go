package uas

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Status values of the pre-authentication answer. Hyperswitch's enum has
// the variants ACKSUCCESS and ACKFAILURE under
// #[serde(rename_all = "SCREAMING_SNAKE_CASE")]: serde's rule puts "_"
// before every uppercase character except the first and upper-cases the
// result, so ACKSUCCESS is "A_C_K_S_U_C_C_E_S_S".
const (
	StatusAckSuccess = "A_C_K_S_U_C_C_E_S_S"
	StatusAckFailure = "A_C_K_F_A_I_L_U_R_E"
)

// Preauther is the preauth use case (threeds.PreauthService).
type Preauther interface {
	Preauth(ctx context.Context, merchantID string, in threeds.PreauthInput) (*threeds.PreauthOutput, error)
}

// PreauthRoutes are the dialect's routes of the preauth step.
func PreauthRoutes(svc Preauther, idem threeds.IdempotencyStore, log *slog.Logger) []apigw.Route {
	h := preauthHandler{svc: svc, idem: idem, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPreauth, Name, "/uas/{token}/pre_authentication_processing", Errors{}, h.Handle)}
}

type preauthHandler struct {
	svc  Preauther
	idem threeds.IdempotencyStore
	log  *slog.Logger
}

// preauthContext is what the AReq needs from the pre-authentication (the
// authentication request carries no card): kept sealed in the idempotency
// store until the AReq is built.
type preauthContext struct {
	ThreeDSServerTransID string `json:"id"`
	PAN                  string `json:"pan"`
	CardExpiryDate       string `json:"exp,omitempty"`
	CardholderName       string `json:"name,omitempty"`
	NotificationURL      string `json:"notify,omitempty"`
	BillAddrCity         string `json:"bc,omitempty"`
	BillAddrCountry      string `json:"bco,omitempty"`
	BillAddrLine1        string `json:"b1,omitempty"`
	BillAddrLine2        string `json:"b2,omitempty"`
	BillAddrLine3        string `json:"b3,omitempty"`
	BillAddrPostCode     string `json:"bp,omitempty"`
	BillAddrState        string `json:"bs,omitempty"`
}

// sourceFormat is the accepted form of Hyperswitch's authentication IDs.
var sourceFormat = threeds.ReferenceFormat(1, 64)

func checkSource(id string) error {
	if id == "" {
		return missing("source_authentication_id")
	}
	return threeds.CheckIdentifier("source_authentication_id", id, sourceFormat)
}

func (h preauthHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req preauthRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	pc, err := req.context()
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	id := TransID(merchantID, req.SourceAuthenticationID)
	pc.ThreeDSServerTransID = id
	out, err := h.svc.Preauth(ctx, merchantID, threeds.PreauthInput{
		AcctNumber:           emv3ds.PAN(pc.PAN),
		CallbackBaseURL:      apigw.BaseURL(ev),
		Dialect:              Name,
		ThreeDSServerTransID: id,
	})
	switch {
	case errors.Is(err, threeds.ErrNotEnrolled):
		// Not a failure for Hyperswitch: the card is in no 2.x range, so it
		// skips external 3DS (no ACS protocol version to speak).
		h.log.InfoContext(ctx, "uas preauth", slog.String("threeDSServerTransID", id),
			slog.String("merchantId", merchantID), slog.Bool("enrolled", false), slog.Int("status", http.StatusOK))
		return apigw.JSON(http.StatusOK, preauthResponse{Status: StatusAckSuccess, Eligibility: &eligibility{
			Eligibility: "ThreeDsEligibilityResponse",
			ThreeDSEligibilityResponse: &threeDSEligibilityResponse{
				ThreeDSServerTransID: id, ACSProtocolVersions: []acsProtocolVersion{}, IsCardFoundIn2xRanges: false,
			},
		}})
	case errors.Is(err, threeds.ErrDuplicateTransaction):
		return apigw.Error(ctx, h.log, Errors{}, fieldErr("source_authentication_id", "was already pre-authenticated", emv3ds.ErrorCodeTransactionDataInvalid), about)
	case err != nil:
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if err := h.keep(ctx, merchantID, req.SourceAuthenticationID, pc); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	h.log.InfoContext(ctx, "uas preauth", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", merchantID), slog.String("messageVersion", string(out.MessageVersion)),
		slog.Bool("threeDSMethod", out.ThreeDSMethodURL != ""), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, eligibilityAnswer(out))
}

// keep stores the pre-authentication context under the authentication ID
// (sealed by the store, like every stored answer; it expires with the
// idempotency retention).
func (h preauthHandler) keep(ctx context.Context, merchantID, source string, pc preauthContext) error {
	raw, err := json.Marshal(pc)
	if err != nil {
		return err
	}
	rec, err := h.idem.Begin(ctx, merchantID, contextKey(source), contextHash)
	if err != nil {
		return fmt.Errorf("uas preauth: keep context: %w", err)
	}
	if rec.Completed {
		return fieldErr("source_authentication_id", "was already pre-authenticated", emv3ds.ErrorCodeTransactionDataInvalid)
	}
	if err := h.idem.Complete(ctx, merchantID, contextKey(source), contextHash, http.StatusOK, raw); err != nil {
		return fmt.Errorf("uas preauth: keep context: %w", err)
	}
	return nil
}

// context checks the request and extracts what the AReq will need.
func (r preauthRequest) context() (preauthContext, error) {
	var pc preauthContext
	if err := checkSource(r.SourceAuthenticationID); err != nil {
		return pc, err
	}
	if r.PmtDetails == nil || r.PmtDetails.PAN == "" {
		return pc, missing("pmt_details.pan")
	}
	pc.PAN = r.PmtDetails.PAN
	exp, err := expiry(r.PmtDetails.CardExpiryMonth, r.PmtDetails.CardExpiryYear)
	if err != nil {
		return pc, err
	}
	pc.CardExpiryDate, pc.CardholderName = exp, r.PmtDetails.CardholderName
	if sd := r.ServiceDetails; sd != nil && sd.MerchantDetails != nil && sd.MerchantDetails.NotificationURL != "" {
		if err := threeds.CheckReturnURL("service_details.merchant_details.notification_url", sd.MerchantDetails.NotificationURL); err != nil {
			return pc, err
		}
		pc.NotificationURL = sd.MerchantDetails.NotificationURL
	}
	if b := r.BillingAddress; b != nil {
		country, err := countryNumeric("billing_address.country", b.Country)
		if err != nil {
			return pc, err
		}
		pc.BillAddrCity, pc.BillAddrCountry, pc.BillAddrLine1, pc.BillAddrLine2 = b.City, country, b.Line1, b.Line2
		pc.BillAddrLine3, pc.BillAddrPostCode, pc.BillAddrState = b.Line3, b.PostCode, b.State
	}
	return pc, nil
}

// eligibilityAnswer is the ThreeDsEligibilityResponse of a card in a 2.x
// range: the negotiated version as the one ACS protocol version (Hyperswitch
// takes the highest entry as the message version and its method URL), the
// 3DS Method data both as the form's base64 and as its plain members.
func eligibilityAnswer(out *threeds.PreauthOutput) preauthResponse {
	info := out.ACSInfoInd
	if info == nil {
		info = []string{}
	}
	e := &threeDSEligibilityResponse{
		ThreeDSServerTransID:  out.ThreeDSServerTransID,
		SchemeID:              string(out.Scheme),
		ACSProtocolVersions:   []acsProtocolVersion{{Version: string(out.MessageVersion), ACSInfoInd: info, ThreeDSMethodURL: out.ThreeDSMethodURL}},
		IsCardFoundIn2xRanges: true,
	}
	for _, v := range []emv3ds.Version{emv3ds.Version210, emv3ds.Version220, emv3ds.Version231} {
		if v >= out.DSStartProtocolVersion && v <= out.DSEndProtocolVersion {
			e.DSProtocolVersions = append(e.DSProtocolVersions, string(v))
		}
	}
	if out.ThreeDSMethodData != "" {
		e.ThreeDSMethodDataForm = &threeDSMethodDataForm{ThreeDSMethodData: out.ThreeDSMethodData}
		e.ThreeDSMethodData = &threeDSMethodDataPlain{
			ThreeDSMethodNotificationURL: out.ThreeDSMethodNotificationURL,
			ServerTransactionID:          out.ThreeDSServerTransID,
		}
	}
	return preauthResponse{Status: StatusAckSuccess, Eligibility: &eligibility{Eligibility: "ThreeDsEligibilityResponse", ThreeDSEligibilityResponse: e}}
}
