package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

type handler struct {
	svc *threeds.Service
	log *slog.Logger
	kit *browser.Kit // threeds.js, the hosted pages, the merchants' frame-ancestors
}

func (h handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if resp, ok := h.kit.Serve(ctx, ev); ok {
		return resp, nil
	}
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
	n := browser.Nonce()
	form, err := apigw.Form(ev)
	if err != nil {
		h.log.WarnContext(ctx, "3DS method notification rejected", slog.String("reason", "malformed form"))
		return browser.Secure(apigw.HTML(http.StatusBadRequest, renderMethod(n, "")), browser.Policy{Nonce: n})
	}
	id, err := h.svc.MethodCompleted(ctx, form.Get("threeDSMethodData"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, threeds.ErrTransactionNotFound) {
			status = http.StatusNotFound
		}
		h.log.WarnContext(ctx, "3DS method notification rejected", slog.String("threeDSServerTransID", id), slog.Int("status", status), slog.String("reason", err.Error()))
		return browser.Secure(apigw.HTML(status, renderMethod(n, "")), browser.Policy{Nonce: n, FrameAncestors: h.kit.Origins(ctx, id)})
	}
	h.log.InfoContext(ctx, "3DS method completed", slog.String("threeDSServerTransID", id), slog.Int("status", http.StatusOK))
	return browser.Secure(apigw.HTML(http.StatusOK, renderMethod(n, id)), browser.Policy{Nonce: n, FrameAncestors: h.kit.Origins(ctx, id)})
}

// challenge receives the final CRes and hands control back to the merchant
// page. The result shown is the RReq's; the CRes only proves the browser came
// back from this transaction's ACS.
func (h handler) challenge(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	n := browser.Nonce()
	form, err := apigw.Form(ev)
	if err != nil {
		h.log.WarnContext(ctx, "challenge callback rejected", slog.String("reason", "malformed form"))
		return browser.Secure(apigw.HTML(http.StatusBadRequest, renderChallenge(n, challengeView{Message: "The authentication could not be verified."})), browser.Policy{Nonce: n})
	}
	out, err := h.svc.ChallengeCompleted(ctx, form.Get("cres"), form.Get("threeDSSessionData"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, threeds.ErrTransactionNotFound) {
			status = http.StatusNotFound
		}
		h.log.WarnContext(ctx, "challenge callback rejected", slog.Int("status", status), slog.String("reason", err.Error()))
		return browser.Secure(apigw.HTML(status, renderChallenge(n, challengeView{Message: "The authentication could not be verified."})), browser.Policy{Nonce: n})
	}
	h.log.InfoContext(ctx, "challenge completed", slog.String("threeDSServerTransID", out.ThreeDSServerTransID),
		slog.String("transStatus", string(out.TransStatus)), slog.Bool("resultReady", out.ResultReady), slog.Int("status", http.StatusOK))
	page := apigw.HTML(http.StatusOK, renderChallenge(n, challengeView{
		TransID: out.ThreeDSServerTransID, TransStatus: string(out.TransStatus),
		ResultReady: out.ResultReady, ReturnURL: out.ReturnURL,
	}))
	policy := browser.Policy{Nonce: n, FrameAncestors: h.kit.Origins(ctx, out.ThreeDSServerTransID)}
	if o := threeds.OriginOf(out.ReturnURL); o != "" {
		policy.FormAction = []string{o}
	}
	return browser.Secure(page, policy)
}

// results takes the RReq from the DS and answers the RRes, or an Erro.
func (h handler) results(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeRReq}
	body, err := apigw.Body(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, err, about)
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
