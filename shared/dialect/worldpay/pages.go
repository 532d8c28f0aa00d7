package worldpay

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

// CollectPath receives what the DDC page collected (challenge-callback).
const CollectPath = DDCPath + "/collect"

// maxMD is the longest MD the challenge form may post (echoed back).
const maxMD = 1024

// methodTimeout is the 3DS Method's limit on the DDC page (the spec's 10 s).
const methodTimeout = 10000

// MerchantReader reads merchant profiles: the origins that may frame the
// pages and the return-URL policy.
type MerchantReader interface {
	GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error)
}

// PageRoutes are the dialect's hosted pages, served by challenge-callback
// without an authorizer: each is authenticated by the JWT it receives.
func PageRoutes(signer Signer, merchants MerchantReader, log *slog.Logger) []apigw.Route {
	h := pageHandler{signer: signer, merchants: merchants, log: log}
	return []apigw.Route{
		apigw.Post(apigw.StepCallback, Name, DDCPath, pageErrors{}, h.ddc),
		apigw.Post(apigw.StepCallback, Name, CollectPath, pageErrors{}, h.collect),
		apigw.Post(apigw.StepCallback, Name, ChallengePath, pageErrors{}, h.challenge),
	}
}

type pageHandler struct {
	signer    Signer
	merchants MerchantReader
	log       *slog.Logger
}

// pageErrors answers what the router itself refuses (a GET) as a page.
type pageErrors struct{}

func (pageErrors) RenderError(status int, _ *emv3ds.Erro) apigw.Response {
	return browser.WorldpayPage(status, browser.WorldpayError{Message: "This page accepts only the form POST of Worldpay's integration."}, browser.Policy{})
}

// refuse answers a clear error page; the DDC one also tells the parent
// (Status false).
func (h pageHandler) refuse(ctx context.Context, what string, status int, msg string, ddc bool) apigw.Response {
	h.log.WarnContext(ctx, what, slog.String("dialect", Name), slog.Int("status", status), slog.String("reason", msg))
	n := browser.Nonce()
	resp := browser.WorldpayPage(status, browser.WorldpayError{Nonce: n, Message: msg, DDC: ddc}, browser.Policy{Nonce: n})
	// Any page may frame the error page: it shows one fixed sentence and
	// acts on nothing, and the merchant's frame must receive Status false
	// even when the JWT (which names the merchant) did not verify.
	resp.Headers["Content-Security-Policy"] = strings.Replace(resp.Headers["Content-Security-Policy"], "frame-ancestors 'self'", "frame-ancestors *", 1)
	return resp
}

// token reads the form and checks its JWT.
func (h pageHandler) token(ev events.APIGatewayProxyRequest, purpose string) (map[string][]string, *Claims, string) {
	form, err := apigw.Form(ev)
	if err != nil {
		return nil, nil, "The form could not be read."
	}
	c, err := h.signer.Parse(strings.TrimSpace(form.Get("JWT")), purpose)
	if err != nil {
		return form, nil, "The JWT is missing, altered or expired (it is valid for 10 minutes); start again from your checkout."
	}
	return form, c, ""
}

// merchant reads the JWT's merchant: its origins may frame the pages.
func (h pageHandler) merchant(ctx context.Context, id string) (*threeds.Merchant, error) {
	if h.merchants == nil {
		return nil, errors.New("worldpay: no merchant reader")
	}
	return h.merchants.GetMerchant(ctx, id)
}

// ddc is deviceDataCollection.url: the merchant's hidden form posts Bin and
// JWT; the page runs the 3DS Method and collects the browser's values.
func (h pageHandler) ddc(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "worldpay ddc page refused"
	form, c, msg := h.token(ev, "ddc")
	if c == nil {
		return h.refuse(ctx, what, http.StatusBadRequest, msg, true)
	}
	if bin := strings.TrimSpace(first(form, "Bin")); bin != c.Bin {
		return h.refuse(ctx, what, http.StatusBadRequest, "Bin is not the BIN of this JWT.", true)
	}
	m, err := h.merchant(ctx, c.MerchantID)
	if err != nil {
		return h.refuse(ctx, what, http.StatusInternalServerError, "The page is not available; try again.", true)
	}
	cfg := map[string]any{"threeDSServerTransID": c.TransactionID, "threeDSMethodURL": "", "threeDSMethodData": "", "timeout": methodTimeout}
	var frameSrc, formAction []string
	if o := threeds.OriginOf(c.MethodURL); o != "" && threeds.CheckHTTPURL(c.MethodURL) == nil {
		cfg["threeDSMethodURL"], cfg["threeDSMethodData"] = c.MethodURL, c.MethodData
		frameSrc, formAction = []string{o}, []string{o}
	}
	n := browser.Nonce()
	h.log.InfoContext(ctx, "worldpay ddc page", slog.String("threeDSServerTransID", c.TransactionID), slog.String("merchantId", c.MerchantID),
		slog.Bool("threeDSMethod", len(frameSrc) > 0), slog.Int("status", http.StatusOK))
	return browser.WorldpayPage(http.StatusOK, browser.WorldpayDDC{Nonce: n, ScriptURL: browser.WorldpayScriptURL,
		TransID: c.TransactionID, JWT: first(form, "JWT"), Bin: c.Bin, CollectURL: "ddc/collect", Config: cfg},
		browser.Policy{Nonce: n, FrameAncestors: m.AllowedOrigins, FrameSrc: frameSrc, FormAction: formAction})
}

// collect receives the DDC page's values and hands the merchant page its
// SessionId (the collection reference).
func (h pageHandler) collect(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "worldpay ddc collection refused"
	form, c, msg := h.token(ev, "ddc")
	if c == nil {
		return h.refuse(ctx, what, http.StatusBadRequest, msg, true)
	}
	if first(form, "Bin") != c.Bin {
		return h.refuse(ctx, what, http.StatusBadRequest, "Bin is not the BIN of this JWT.", true)
	}
	m, err := h.merchant(ctx, c.MerchantID)
	if err != nil {
		return h.refuse(ctx, what, http.StatusInternalServerError, "The page is not available; try again.", true)
	}
	got := Collected{ColorDepth: first(form, "browserColorDepth"), ScreenHeight: first(form, "browserScreenHeight"),
		ScreenWidth: first(form, "browserScreenWidth"), TZ: first(form, "browserTZ"),
		Java: first(form, "browserJavaEnabled") == "true", Language: first(form, "browserLanguage")}
	ref := h.signer.CollectionReference(c.TransactionID, got)
	n := browser.Nonce()
	h.log.InfoContext(ctx, "worldpay ddc collected", slog.String("threeDSServerTransID", c.TransactionID), slog.String("merchantId", c.MerchantID),
		slog.String("threeDSCompInd", compInd(first(form, "threeDSCompInd"))), slog.Int("status", http.StatusOK))
	return browser.WorldpayPage(http.StatusOK, browser.WorldpayDDCDone{Nonce: n, SessionID: ref, Status: true, Message: "Device data collected."},
		browser.Policy{Nonce: n, FrameAncestors: m.AllowedOrigins})
}

// challenge is challenge.url: the merchant's form posts JWT and MD in an
// iframe; the page shows the ACS and then posts TransactionId and MD to
// the JWT's ReturnUrl in the same frame.
func (h pageHandler) challenge(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	const what = "worldpay challenge page refused"
	form, c, msg := h.token(ev, "challenge")
	if c == nil {
		return h.refuse(ctx, what, http.StatusBadRequest, msg, false)
	}
	md := first(form, "MD")
	if len(md) > maxMD {
		return h.refuse(ctx, what, http.StatusBadRequest, "MD must be at most 1024 characters.", false)
	}
	p := c.Payload
	if p == nil || threeds.CheckHTTPURL(p.ACSUrl) != nil || p.Payload == "" || threeds.CheckHTTPURL(c.ReturnURL) != nil {
		return h.refuse(ctx, what, http.StatusBadRequest, "This JWT carries no challenge to show.", false)
	}
	m, err := h.merchant(ctx, c.MerchantID)
	if err != nil {
		return h.refuse(ctx, what, http.StatusInternalServerError, "The page is not available; try again.", false)
	}
	if !m.AllowsReturnURL(c.ReturnURL) {
		return h.refuse(ctx, what, http.StatusBadRequest, "The returnUrl is not on one of the merchant's allowed origins.", false)
	}
	acs, ret := threeds.OriginOf(p.ACSUrl), threeds.OriginOf(c.ReturnURL)
	n := browser.Nonce()
	h.log.InfoContext(ctx, "worldpay challenge page", slog.String("threeDSServerTransID", c.TransactionID), slog.String("merchantId", c.MerchantID),
		slog.Int("status", http.StatusOK))
	return browser.WorldpayPage(http.StatusOK, browser.WorldpayChallenge{Nonce: n, ScriptURL: browser.WorldpayScriptURL, TransID: c.TransactionID,
		ReturnURL: c.ReturnURL, MD: md, Config: map[string]any{"acsURL": p.ACSUrl, "creq": p.Payload, "threeDSSessionData": p.SessionData}},
		browser.Policy{Nonce: n, FrameAncestors: m.AllowedOrigins, FrameSrc: []string{acs}, FormAction: []string{acs, ret}})
}

func first(form map[string][]string, k string) string {
	if v := form[k]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func compInd(s string) string {
	switch s {
	case "Y", "N", "U":
		return s
	}
	return "U"
}
