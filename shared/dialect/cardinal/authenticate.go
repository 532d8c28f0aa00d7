package cardinal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/dialect/cardinal/cruise"
	"github.com/open3ds/server/shared/threeds"
)

// ResultReader is the result use case (threeds.ResultService).
type ResultReader interface {
	Result(ctx context.Context, merchantID, threeDSServerTransID string) (*threeds.ResultOutput, error)
}

// AuthenticateRoutes are the dialect's routes of the postauth step: POST
// /cardinal/authenticate.
func AuthenticateRoutes(svc ResultReader, auth Authenticator, log *slog.Logger) []apigw.Route {
	h := authenticateHandler{svc: svc, auth: auth, log: log}
	return []apigw.Route{apigw.Post(apigw.StepPostauth, Name, "/cardinal/authenticate", Errors{}, h.Handle)}
}

type authenticateHandler struct {
	svc  ResultReader
	auth Authenticator
	log  *slog.Logger
}

// AuthenticateRequest is cmpi_authenticate in JSON: the lookup's
// TransactionId.
type AuthenticateRequest struct {
	TransactionId string `json:"TransactionId"`
}

// AuthenticateResponse is the cmpi_authenticate answer: the result fields
// and the signed response JWT (JWT) carrying the same values.
type AuthenticateResponse struct {
	ErrorNo               string `json:"ErrorNo"`
	ErrorDesc             string `json:"ErrorDesc"`
	ActionCode            string `json:"ActionCode"`
	PAResStatus           string `json:"PAResStatus,omitempty"`
	TransactionId         string `json:"TransactionId"`
	EciFlag               string `json:"EciFlag,omitempty"`
	Cavv                  string `json:"Cavv,omitempty"`
	ThreeDSVersion        string `json:"ThreeDSVersion,omitempty"`
	DSTransactionId       string `json:"DSTransactionId,omitempty"`
	SignatureVerification string `json:"SignatureVerification,omitempty"`
	StatusReason          string `json:"StatusReason,omitempty"`
	JWT                   string `json:"JWT"`
}

func newJTI() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = (b[6]&0x0f)|0x40, (b[8]&0x3f)|0x80
	h := hex.EncodeToString(b)
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[:8], h[8:12], h[12:16], h[16:20], h[20:])
}

func (h authenticateHandler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{}
	s, refused := verify(ctx, h.auth, h.log, ev)
	if refused != nil {
		return *refused
	}
	body, err := apigw.JSONBody(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	var req AuthenticateRequest
	if err := apigw.DecodeFields(body, &req); err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	if req.TransactionId == "" {
		return apigw.JSON(http.StatusBadRequest, errorBody{ErrorNo: "201", ErrorDesc: "TransactionId is required"})
	}
	if err := threeds.CheckTransID("TransactionId", req.TransactionId); err != nil {
		return apigw.JSON(http.StatusBadRequest, errorBody{ErrorNo: "203", ErrorDesc: "TransactionId must be a UUID"})
	}
	out, err := h.svc.Result(ctx, s.MerchantID, req.TransactionId)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, apigw.About{ThreeDSServerTransID: req.TransactionId})
	}
	if out.Status == threeds.ResultPending {
		return apigw.JSON(http.StatusConflict, errorBody{ErrorNo: "1020", ErrorDesc: "Authentication is not finished (challenge pending)"})
	}
	payload := resultPayload(out)
	now := h.auth.Now()
	token, err := cruise.SignResponse(cruise.Response{
		Issuer: s.Request.Issuer, JTI: newJTI(), Audience: s.Request.JTI, ConsumerSessionID: out.ThreeDSServerTransID,
		IssuedAt: now, ExpiresAt: now.Add(cruise.ResponseLifetime), Objectify: s.Request.Objectify, Payload: payload,
	}, s.Key)
	if err != nil {
		return apigw.Error(ctx, h.log, Errors{}, err, about)
	}
	x := payload.Payment.ExtendedData
	resp := AuthenticateResponse{
		ErrorNo: fmt.Sprint(payload.ErrorNumber), ErrorDesc: payload.ErrorDescription, ActionCode: payload.ActionCode,
		PAResStatus: x.PAResStatus, TransactionId: out.ThreeDSServerTransID, EciFlag: x.ECIFlag, Cavv: x.CAVV,
		ThreeDSVersion: x.ThreeDSVersion, DSTransactionId: x.DSTransactionId, SignatureVerification: x.SignatureVerification,
		StatusReason: string(out.TransStatusReason), JWT: token,
	}
	h.log.InfoContext(ctx, "cardinal authenticate", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("merchantId", s.MerchantID), slog.String("actionCode", payload.ActionCode), slog.Int("status", http.StatusOK))
	return apigw.JSON(http.StatusOK, resp)
}
