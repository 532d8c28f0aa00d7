package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

type handler struct {
	svc  *threeds.Service
	idem threeds.IdempotencyStore
	log  *slog.Logger
}

// request is the preauth body: {"acctNumber": "...", "ds": null} as
// 3dsecure.io clients send it, plus optional overrides.
type request struct {
	AcctNumber                   emv3ds.PAN     `json:"acctNumber"`
	MessageVersion               emv3ds.Version `json:"messageVersion"`
	ThreeDSMethodNotificationURL string         `json:"threeDSMethodNotificationURL"`
}

// response keeps the names Hyperswitch's threedsecureio connector reads.
type response struct {
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
}

func (h handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	about := apigw.About{}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about), nil
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about), nil
	}
	return apigw.Idempotent(ctx, h.log, h.idem, ev, merchantID, body, about, func() apigw.Response {
		var req request
		if err := apigw.DecodeFields(body, &req); err != nil {
			return apigw.Error(ctx, h.log, err, about)
		}
		out, err := h.svc.Preauth(ctx, merchantID, threeds.PreauthInput{
			AcctNumber:            req.AcctNumber,
			MessageVersion:        req.MessageVersion,
			MethodNotificationURL: req.ThreeDSMethodNotificationURL,
			CallbackBaseURL:       apigw.BaseURL(ev),
		})
		if err != nil {
			return apigw.Error(ctx, h.log, err, about)
		}
		h.log.InfoContext(ctx, "preauth", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
			slog.String("merchantId", merchantID), slog.String("messageVersion", string(out.MessageVersion)),
			slog.Bool("threeDSMethod", out.ThreeDSMethodURL != ""), slog.Int("status", http.StatusOK))
		return apigw.JSON(http.StatusOK, response{
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
		})
	}), nil
}
