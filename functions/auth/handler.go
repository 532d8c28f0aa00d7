package main

import (
	"context"
	"encoding/json"
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

// extras are the request members that are not AReq elements.
type extras struct {
	ReturnURL           string `json:"returnURL"`
	ChallengeWindowSize string `json:"challengeWindowSize"`
}

// Handle accepts a flat AReq (EMV element names, any case, nulls for absent
// members, numbers where strings are due) and answers the ARes elements, plus
// on a browser challenge the ready creq and its threeDSSessionData.
func (h handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	merchantID, err := apigw.MerchantID(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about), nil
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about), nil
	}
	return apigw.Idempotent(ctx, h.log, h.idem, ev, merchantID, body, about, func() apigw.Response {
		areq, err := emv3ds.DecodeAReq(body)
		if areq == nil {
			return apigw.Error(ctx, h.log, err, about)
		}
		about.MessageVersion, about.ThreeDSServerTransID = areq.MessageVersion, areq.ThreeDSServerTransID
		var x extras
		if err := apigw.DecodeFields(body, &x); err != nil { // the same decoder and duplicate check as the AReq
			return apigw.Error(ctx, h.log, err, about)
		}
		out, err := h.svc.Authenticate(ctx, merchantID, threeds.AuthInput{
			AReq:                areq,
			ReturnURL:           x.ReturnURL,
			ChallengeWindowSize: emv3ds.ChallengeWindowSize(x.ChallengeWindowSize),
			CallbackBaseURL:     apigw.BaseURL(ev),
		})
		if err != nil {
			return apigw.Error(ctx, h.log, err, about)
		}
		resp, err := answer(out)
		if err != nil {
			return apigw.Error(ctx, h.log, err, about)
		}
		ares := out.ARes
		h.log.InfoContext(ctx, "auth", slog.String("threeDSServerTransID", ares.ThreeDSServerTransID),
			slog.String("merchantId", merchantID), slog.String("dsTransID", ares.DSTransID),
			slog.String("acsTransID", ares.ACSTransID), slog.String("messageVersion", string(ares.MessageVersion)),
			slog.String("transStatus", string(ares.TransStatus)), slog.Int("status", http.StatusOK))
		return resp
	}), nil
}

// answer is the ARes as the DS sent it (spec names, its version's shape)
// plus the challenge helpers.
func answer(out *threeds.AuthOutput) (apigw.Response, error) {
	raw, err := json.Marshal(out.ARes)
	if err != nil {
		return apigw.Response{}, err
	}
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil {
		return apigw.Response{}, err
	}
	str := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	if out.ChallengeRequest != "" {
		m["base64EncodedChallengeRequest"] = str(out.ChallengeRequest)
		m["threeDSSessionData"] = str(out.SessionData)
		m["challengeWindowSize"] = str(string(out.ChallengeWindowSize))
	}
	m["scheme"] = str(string(out.Scheme))
	return apigw.JSON(http.StatusOK, m), nil
}
