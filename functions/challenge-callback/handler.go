package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// The routes of this function carry no API key and belong to no dialect:
// the browser callbacks and the DS's results are EMV protocol traffic that
// every dialect's transactions share.

type handler struct {
	svc     *threeds.CallbackService
	log     *slog.Logger
	rreqSig rreqSignature // sandbox only (rreqsig.go)
	kit     *browser.Kit  // threeds.js, the hosted pages, the merchants' frame-ancestors
	// dialects are the dialects' own callback routes (main.go, one line
	// each); those with a credential rule (Juspay's /3ds/results) are
	// checked by guard.
	dialects []apigw.Route
	// guard checks the merchant credential of the routes with a credential
	// rule (nil in the handler tests, which set the authorizer context).
	guard *apigw.CredentialGuard
}

// routes are the callback step's paths.
func (h handler) routes() []apigw.Route {
	return append([]apigw.Route{
		apigw.Post(apigw.StepCallback, "", "/callbacks/method", apigw.ErroJSON{}, h.method),
		apigw.Post(apigw.StepCallback, "", "/callbacks/challenge", apigw.ErroJSON{}, h.challenge),
		apigw.Post(apigw.StepCallback, "", "/ds/results", apigw.ErroJSON{}, h.results),
	}, h.dialects...)
}

// router routes the callback paths; an unknown path is a 404 Erro.
func (h handler) router() *apigw.Router {
	return apigw.NewRouter(h.log, apigw.ErroJSON{}, h.routes()).WithGuard(h.guard)
}

// Handle is the Lambda handler.
func (h handler) Handle(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if resp, ok := h.kit.Serve(ctx, ev); ok {
		return resp, nil
	}
	return h.router().Handle(ctx, ev)
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
		status, _ := apigw.Status(err, apigw.About{})
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
		status, _ := apigw.Status(err, apigw.About{})
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

// results takes the RReq from the DS and answers the RRes, or an Erro. The
// RReq is decoded here, at the edge; the flow sees an emv3ds value.
func (h handler) results(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeRReq}
	body, err := apigw.Body(ev)
	if err != nil {
		return apigw.Error(ctx, h.log, apigw.ErroJSON{}, err, about)
	}
	if err := h.rreqSig.verify(ev, body); err != nil {
		h.log.WarnContext(ctx, "RReq rejected", slog.String("reason", err.Error()), slog.Int("status", http.StatusForbidden))
		return refuseUnsigned()
	}
	rreq, derr := emv3ds.DecodeRReq(body)
	ans, err := h.svc.ReceiveRReq(ctx, rreq, derr)
	if err != nil {
		return apigw.Error(ctx, h.log, apigw.ErroJSON{}, err, about)
	}
	if ans.Erro != nil {
		status := apigw.ErroStatus(ans.Erro)
		h.log.WarnContext(ctx, "RReq rejected", slog.String("threeDSServerTransID", ans.ThreeDSServerTransID),
			slog.String("errorCode", string(ans.Erro.ErrorCode)), slog.String("errorDetail", ans.Erro.ErrorDetail), slog.Int("status", status))
		return apigw.JSON(status, ans.Erro)
	}
	out, err := json.Marshal(ans.RRes)
	if err != nil {
		return apigw.Error(ctx, h.log, apigw.ErroJSON{}, err, about)
	}
	h.log.InfoContext(ctx, "RReq received", slog.String("threeDSServerTransID", ans.ThreeDSServerTransID),
		slog.String("transStatus", string(ans.TransStatus)), slog.Bool("repeat", ans.Repeat), slog.Int("status", http.StatusOK))
	return apigw.RawJSON(http.StatusOK, out)
}
