package emvjson

import (
	"context"
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

// PreauthRoutes are the dialect's routes of the preauth step.
func PreauthRoutes(svc Preauther, idem threeds.IdempotencyStore, log *slog.Logger) []apigw.Route {
	h := preauthHandler{svc: svc, idem: idem, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPreauth, Name, "/preauth", Errors{}, h.Handle)}
}

type preauthHandler struct {
	svc  Preauther
	idem threeds.IdempotencyStore
	log  *slog.Logger
}

// preauthRequest is the preauth body: {"acctNumber": "...", "ds": null} as
// 3dsecure.io clients send it, plus optional overrides.
type preauthRequest struct {
	AcctNumber                   emv3ds.PAN     `json:"acctNumber"`
	MessageVersion               emv3ds.Version `json:"messageVersion"`
	ThreeDSMethodNotificationURL string         `json:"threeDSMethodNotificationURL"`
	ThreeDSMethodID              string         `json:"threeDSMethodId"` // 2.3.1: reuse an earlier 3DS Method run
}

// preauthResponse keeps the names Hyperswitch's threedsecureio connector reads.
type preauthResponse struct {
	ThreeDSServerTransID         string   `json:"threeDSServerTransID"`
	DSStartProtocolVersion       string   `json:"dsStartProtocolVersion"`
	DSEndProtocolVersion         string   `json:"dsEndProtocolVersion"`
	ACSStartProtocolVersion      string   `json:"acsStartProtocolVersion"`
	ACSEndProtocolVersion        string   `json:"acsEndProtocolVersion"`
	MessageVersion               string   `json:"messageVersion"`
	ThreeDSMethodURL             string   `json:"threeDSMethodURL,omitempty"`
	ThreeDSMethodData            string   `json:"threeDSMethodData,omitempty"`
	ThreeDSMethodNotificationURL string   `json:"threeDSMethodNotificationURL,omitempty"`
	ACSInfoInd                   []string `json:"acsInfoInd,omitempty"`
	Scheme                       string   `json:"scheme"`
	ThreeDSMethodID              string   `json:"threeDSMethodId,omitempty"` // 2.3.1: the method run the AReq will name
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
	return apigw.Idempotent(ctx, h.log, Errors{}, h.idem, ev, merchantID, body, about, func() apigw.Response {
		var req preauthRequest
		if err := apigw.DecodeFields(body, &req); err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		out, err := h.svc.Preauth(ctx, merchantID, threeds.PreauthInput{
			AcctNumber:            req.AcctNumber,
			MessageVersion:        req.MessageVersion,
			MethodNotificationURL: req.ThreeDSMethodNotificationURL,
			CallbackBaseURL:       apigw.BaseURL(ev),
			Dialect:               Name,
			ThreeDSMethodID:       req.ThreeDSMethodID,
		})
		if err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		h.log.InfoContext(ctx, "preauth", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
			slog.String("merchantId", merchantID), slog.String("messageVersion", string(out.MessageVersion)),
			slog.Bool("threeDSMethod", out.ThreeDSMethodURL != ""), slog.Int("status", http.StatusOK))
		return apigw.JSON(http.StatusOK, preauthResponse{
			ThreeDSServerTransID:         out.ThreeDSServerTransID,
			DSStartProtocolVersion:       string(out.DSStartProtocolVersion),
			DSEndProtocolVersion:         string(out.DSEndProtocolVersion),
			ACSStartProtocolVersion:      string(out.ACSStartProtocolVersion),
			ACSEndProtocolVersion:        string(out.ACSEndProtocolVersion),
			MessageVersion:               string(out.MessageVersion),
			ThreeDSMethodURL:             out.ThreeDSMethodURL,
			ThreeDSMethodData:            out.ThreeDSMethodData,
			ThreeDSMethodNotificationURL: out.ThreeDSMethodNotificationURL,
			ACSInfoInd:                   out.ACSInfoInd,
			Scheme:                       string(out.Scheme),
			ThreeDSMethodID:              out.ThreeDSMethodID,
		})
	})
}
