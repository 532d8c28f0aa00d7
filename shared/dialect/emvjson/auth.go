package emvjson

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

// Authenticator is the authentication use case (threeds.AuthService).
type Authenticator interface {
	Authenticate(ctx context.Context, merchantID string, in threeds.AuthInput) (*threeds.AuthOutput, error)
}

// AuthRoutes are the dialect's routes of the auth step.
func AuthRoutes(svc Authenticator, idem threeds.IdempotencyStore, log *slog.Logger) []apigw.Route {
	h := authHandler{svc: svc, idem: idem, log: log}
	return []apigw.Route{apigw.Post(apigw.StepAuth, Name, "/auth", Errors{}, h.Handle)}
}

type authHandler struct {
	svc  Authenticator
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
	return apigw.Idempotent(ctx, h.log, Errors{}, h.idem, ev, merchantID, body, about, func() apigw.Response {
		areq, err := emv3ds.DecodeAReq(body)
		if areq == nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		about.MessageVersion, about.ThreeDSServerTransID = areq.MessageVersion, areq.ThreeDSServerTransID
		var x extras
		if err := apigw.DecodeFields(body, &x); err != nil { // the same decoder and duplicate check as the AReq
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		out, err := h.svc.Authenticate(ctx, merchantID, threeds.AuthInput{
			AReq:                areq,
			ReturnURL:           x.ReturnURL,
			ChallengeWindowSize: emv3ds.ChallengeWindowSize(x.ChallengeWindowSize),
			CallbackBaseURL:     apigw.BaseURL(ev),
			Dialect:             Name,
		})
		if err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		resp, err := answer(out)
		if err != nil {
			return apigw.Error(ctx, h.log, Errors{}, err, about)
		}
		ares := out.ARes
		h.log.InfoContext(ctx, "auth", slog.String("threeDSServerTransID", ares.ThreeDSServerTransID),
			slog.String("merchantId", merchantID), slog.String("dsTransID", ares.DSTransID),
			slog.String("acsTransID", ares.ACSTransID), slog.String("messageVersion", string(ares.MessageVersion)),
			slog.String("transStatus", string(ares.TransStatus)), slog.Int("status", http.StatusOK))
		return resp
	})
}

// answer is the ARes as the DS sent it (spec names, its version's shape)
// plus the challenge helpers and the scheme. It goes through a map on
// purpose: the answer's members are in name order, which is the native API's
// wire form since its first release (clients compare bodies byte for byte).
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
	if _, ok := m["eci"]; !ok && out.ECI != "" {
		m["eci"] = str(string(out.ECI)) // the ECI /postauth and the webhook report (07 on a Visa N/U/R)
	}
	m["scheme"] = str(string(out.Scheme))
	return apigw.JSON(http.StatusOK, m), nil
}
