package worldpay

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Preauther is the preauth use case (threeds.PreauthService).
type Preauther interface {
	Preauth(ctx context.Context, merchantID string, in threeds.PreauthInput) (*threeds.PreauthOutput, error)
}

// DDCPath is our hosted device data collection page (challenge-callback).
const DDCPath = "/worldpay/ddc"

// ChallengePath is our hosted challenge page (challenge-callback).
const ChallengePath = "/worldpay/challenge"

// PreauthRoutes are the dialect's routes of the preauth step.
// entities are the merchants' merchant.entity records.
func PreauthRoutes(svc Preauther, signer Signer, entities EntityReader, log *slog.Logger) []apigw.Route {
	h := ddcHandler{svc: svc, signer: signer, entities: entities, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPreauth, Name, PathDeviceData, Errors{}, h.Handle)}
}

type ddcHandler struct {
	svc      Preauther
	signer   Signer
	entities EntityReader
	log      *slog.Logger
}

type ddcRequest struct {
	TransactionReference string      `json:"transactionReference"`
	Merchant             merchantRef `json:"merchant"`
	PaymentInstrument    struct {
		Type       string     `json:"type"`
		CardNumber emv3ds.PAN `json:"cardNumber"`
		Href       string     `json:"href"`
	} `json:"paymentInstrument"`
}

type ddcResponse struct {
	Outcome              string               `json:"outcome"`
	TransactionReference string               `json:"transactionReference"`
	DeviceDataCollection deviceDataCollection `json:"deviceDataCollection"`
	Links                links                `json:"_links"`
}

type deviceDataCollection struct {
	JWT string `json:"jwt"`
	URL string `json:"url"`
	Bin string `json:"bin"`
}

// Handle opens the transaction of transactionReference (the preauth: card
// range, versions, the 3DS Method) and answers the DDC form's JWT, URL and
// BIN.
func (h ddcHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	r, resp, ok := begin(ctx, h.log, ev)
	if !ok {
		return resp
	}
	var req ddcRequest
	if err := r.decode(&req); err != nil {
		return r.fail(err)
	}
	verrs := checkReference(req.TransactionReference, req.Merchant.Entity)
	const base = "$.paymentInstrument"
	pi := req.PaymentInstrument
	pan := pi.CardNumber.Reveal()
	switch pi.Type {
	case "card/front":
		if pan == "" {
			verrs = append(verrs, validationError{fieldIsMissing, "cardNumber is required", base + ".cardNumber"})
		} else if v := checkPAN(pan, base+".cardNumber"); v != nil {
			verrs = append(verrs, *v)
		}
	case "card/tokenized":
		verrs = append(verrs, validationError{fieldHasInvalidValue, "the token could not be resolved: this server holds no token vault; send card/front", base + ".href"})
	case "":
		verrs = append(verrs, validationError{fieldIsMissing, "paymentInstrument.type is required", base + ".type"})
	default:
		verrs = append(verrs, validationError{fieldHasInvalidValue, "paymentInstrument.type must be card/front or card/tokenized", base + ".type"})
	}
	if len(verrs) > 0 {
		return r.invalid(verrs)
	}
	if resp, ok := r.entity(h.entities, req.Merchant.Entity); !ok {
		return resp
	}
	id := TransID(r.merchantID, req.TransactionReference)
	claims := Claims{Purpose: "ddc", TransactionID: id, MerchantID: r.merchantID}
	out, err := h.svc.Preauth(ctx, r.merchantID, threeds.PreauthInput{
		AcctNumber: pi.CardNumber, CallbackBaseURL: r.base, Dialect: Name, ThreeDSServerTransID: id,
	})
	switch {
	case errors.Is(err, threeds.ErrNotEnrolled), errors.Is(err, threeds.ErrSchemeNotServed):
		// Worldpay initializes DDC for every card; authentication answers
		// notEnrolled. No transaction is opened.
	case err != nil:
		return r.fail(err)
	default:
		claims.MethodURL, claims.MethodData = out.ThreeDSMethodURL, out.ThreeDSMethodData
	}
	bin := pan[:6]
	if len(pan) >= 16 {
		bin = pan[:8]
	}
	claims.Bin = bin
	jwt, err := h.signer.Issue(r.base, claims)
	if err != nil {
		return r.fail(err)
	}
	r.log.InfoContext(ctx, "deviceDataInitialization", slog.String("threeDSServerTransID", id),
		slog.String("merchantId", r.merchantID), slog.Bool("threeDSMethod", claims.MethodURL != ""), slog.Int("status", http.StatusOK))
	return r.ok(ddcResponse{
		Outcome:              "initialized",
		TransactionReference: req.TransactionReference,
		DeviceDataCollection: deviceDataCollection{JWT: jwt, URL: r.base + DDCPath, Bin: bin},
		Links:                linksFor(r.base, "3ds:authenticate"),
	})
}
