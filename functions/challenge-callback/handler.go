package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

type handler struct {
	svc     *threeds.Service
	log     *slog.Logger
	rreqSig rreqSignature // sandbox only (rreqsig.go)
}

func (h handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	route := ev.Resource
	if route == "" {
		route = ev.Path
	}
	switch {
	case strings.HasSuffix(route, "/callbacks/method"):
		return h.method(ctx, ev), nil
	case strings.HasSuffix(route, "/callbacks/challenge"):
		return h.challenge(ctx, ev), nil
	case strings.HasSuffix(route, "/ds/results"):
		return h.results(ctx, ev), nil
	default:
		return apigw.Error(ctx, h.log, apigw.ErrRouteNotFound, apigw.About{}), nil
	}
}

// method records the 3DS Method notification. The ACS page posts it into a
// hidden iframe: whatever happens, the browser gets a page, and a bad post
// changes nothing.
func (h handler) method(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	form, err := apigw.Form(ev)
	if err != nil {
		h.log.WarnContext(ctx, "3DS method notification rejected", slog.String("reason", "malformed form"))
		return apigw.HTML(http.StatusBadRequest, renderMethod(""))
	}
	id, err := h.svc.MethodCompleted(ctx, form.Get("threeDSMethodData"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, threeds.ErrTransactionNotFound) {
			status = http.StatusNotFound
		}
		h.log.WarnContext(ctx, "3DS method notification rejected", slog.String("threeDSServerTransID", id), slog.Int("status", status), slog.String("reason", err.Error()))
		return apigw.HTML(status, renderMethod(""))
	}
	h.log.InfoContext(ctx, "3DS method completed", slog.String("threeDSServerTransID", id), slog.Int("status", http.StatusOK))
	return apigw.HTML(http.StatusOK, renderMethod(id))
}

// challenge receives the final CRes and hands control back to the merchant
// page. The result shown is the RReq's; the CRes only proves the browser came
// back from this transaction's ACS.
func (h handler) challenge(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	form, err := apigw.Form(ev)
	if err != nil {
		h.log.WarnContext(ctx, "challenge callback rejected", slog.String("reason", "malformed form"))
		return apigw.HTML(http.StatusBadRequest, renderChallenge(challengeView{Message: "The authentication could not be verified."}))
	}
	out, err := h.svc.ChallengeCompleted(ctx, form.Get("cres"), form.Get("threeDSSessionData"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, threeds.ErrTransactionNotFound) {
			status = http.StatusNotFound
		}
		h.log.WarnContext(ctx, "challenge callback rejected", slog.Int("status", status), slog.String("reason", err.Error()))
		return apigw.HTML(status, renderChallenge(challengeView{Message: "The authentication could not be verified."}))
	}
	h.log.InfoContext(ctx, "challenge completed", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("transStatus", string(out.TransStatus)), slog.Bool("resultReady", out.ResultReady), slog.Int("status", http.StatusOK))
	return apigw.HTML(http.StatusOK, renderChallenge(challengeView{
		TransID: out.ThreeDSServerTransID, TransStatus: string(out.TransStatus),
		ResultReady: out.ResultReady, ReturnURL: out.ReturnURL,
	}))
}

// results takes the RReq from the DS and answers the RRes, or an Erro.
func (h handler) results(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeRReq}
	body, err := apigw.Body(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about)
	}
	if err := h.rreqSig.verify(ev, body); err != nil {
		h.log.WarnContext(ctx, "RReq rejected", slog.String("reason", err.Error()), slog.Int("status", http.StatusForbidden))
		return refuseUnsigned()
	}
	ans, err := h.svc.ReceiveRReq(ctx, body)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about)
	}
	if ans.Erro != nil {
		status := http.StatusBadRequest
		switch ans.Erro.ErrorCode {
		case emv3ds.ErrorCodeTransIDNotRecognised:
			status = http.StatusNotFound
		case emv3ds.ErrorCodeTransactionDataInvalid:
			status = http.StatusConflict
		}
		h.log.WarnContext(ctx, "RReq rejected", slog.String("threeDSServerTransID", ans.ThreeDSServerTransID),
			slog.String("errorCode", string(ans.Erro.ErrorCode)), slog.String("errorDetail", ans.Erro.ErrorDetail), slog.Int("status", status))
		return apigw.RawJSON(status, ans.Body)
	}
	h.log.InfoContext(ctx, "RReq received", slog.String("threeDSServerTransID", ans.ThreeDSServerTransID),
		slog.String("transStatus", string(ans.TransStatus)), slog.Bool("repeat", ans.Repeat), slog.Int("status", http.StatusOK))
	return apigw.RawJSON(http.StatusOK, ans.Body)
}
