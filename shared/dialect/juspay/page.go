package juspay

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"html"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// AuthenticatePath is our hosted authentication page (payment.authentication
// of /txns): POST with the sealed session it renders the page, which
// collects the browser data, runs the ACS's 3DS Method and posts itself
// back with step=areq; that post sends the AReq and answers the ACS's
// challenge (an auto-posted form) or the way to return_url.
const AuthenticatePath = "/txns/authenticate"

//go:embed assets/page.html
var pageHTML string

var pages = template.Must(template.New("juspay").Parse(pageHTML))

// pageSession is what the hosted page carries between /txns and its AReq:
// sealed (AES-GCM, bound to pageAAD), expiring with the client token, used
// once (the AReq of a transaction goes once). The card is in it because we
// never store it.
type pageSession struct {
	TxID       string `json:"t"`
	MerchantID string `json:"m"`
	OrderID    string `json:"o"`
	PAN        string `json:"n"`
	Expiry     string `json:"e,omitempty"`
	Name       string `json:"h,omitempty"`
	MethodURL  string `json:"u,omitempty"`
	MethodData string `json:"d,omitempty"`
	Exp        int64  `json:"x"`
}

var pageAAD = []byte("open3ds juspay hosted page v1")

// maxSession bounds the session parameter before any work.
const maxSession = 4096

func (h txnHandler) seal(s pageSession) (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	sealed, err := h.Sealer.Seal(b, pageAAD)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(sealed), nil
}

// open reads a session; every refusal is the same 401.
func (h txnHandler) open(token string) (*pageSession, error) {
	refused := apigw.ErrUnauthenticated
	if token == "" || len(token) > maxSession {
		return nil, refused
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return nil, refused
	}
	b, err := h.Sealer.Open(raw, pageAAD)
	if err != nil {
		return nil, refused
	}
	var s pageSession
	if err := json.Unmarshal(b, &s); err != nil || h.now().Unix() > s.Exp {
		return nil, refused
	}
	return &s, nil
}

// Page answers AuthenticatePath: the page itself, or (step=areq, the
// page's own post) the AReq.
func (h txnHandler) Page(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	about := apigw.About{MessageType: emv3ds.MessageTypeAReq}
	fail := func(err error) apigw.Response { return apigw.Error(ctx, h.Log, Errors{}, err, about) }
	p, err := params(ev)
	if err != nil {
		return fail(err)
	}
	if st := p["step"]; st != "" && st != "areq" {
		return fail(fieldErr("step", "must be areq", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
	}
	s, err := h.open(p["session"])
	if err != nil {
		return fail(err)
	}
	about.ThreeDSServerTransID = s.TxID
	b, ok, err := h.Orders.GetDialectRecord(ctx, kindOrder, s.MerchantID, s.OrderID)
	if err != nil {
		return fail(err)
	}
	if !ok {
		return fail(apigw.ErrUnauthenticated)
	}
	var o Order
	if err := json.Unmarshal(b, &o); err != nil {
		return fail(err)
	}
	if o.TxID != s.TxID {
		return fail(fieldErr("session", "belongs to an earlier attempt of this order", emv3ds.ErrorCodeInvalidFormat, emv3ds.ErrFormat))
	}
	if p["step"] == "" {
		return h.renderPage(ctx, ev, &o, p["session"], s.MethodURL, s.MethodData, s.TxID)
	}
	// The page's post: the browser data it collected, the User-Agent and
	// Accept of this very request; threeDSCompInd is the transaction's
	// (Y once our notification page heard from the ACS, N when the page's
	// wait ended first, U without a 3DS Method).
	bi := browserFields(p, ev)
	var c checks
	if bi.javascript {
		for _, f := range []string{"browser_screen_width", "browser_screen_height", "browser_color_depth", "browser_tz"} {
			if p[f] == "" {
				c.fail(f, "is required", emv3ds.ErrMissing)
			}
		}
	}
	if bi.userAgent == "" {
		c.fail("browser_user_agent", "is required (the User-Agent header)", emv3ds.ErrMissing)
	}
	if err := c.err(); err != nil {
		return fail(err)
	}
	auth, err := h.authenticate(ctx, ev, &o, s.TxID, card{number: emv3ds.PAN(s.PAN), expiry: s.Expiry, name: s.Name}, bi)
	if err != nil {
		return fail(err)
	}
	h.Log.InfoContext(ctx, "juspay hosted page", slog.String("threeDSServerTransID", s.TxID), slog.String("next", auth.Method),
		slog.Int("status", http.StatusOK))
	if auth.Method == http.MethodPost {
		n := browser.Nonce()
		var buf bytes.Buffer
		if err := pages.ExecuteTemplate(&buf, "acs", map[string]any{"Nonce": n, "URL": auth.URL, "Params": auth.Params}); err != nil {
			return fail(err)
		}
		var form []string
		if o := threeds.OriginOf(auth.URL); o != "" {
			form = []string{o}
		}
		return browser.Secure(apigw.HTML(http.StatusOK, buf.String()), browser.Policy{Nonce: n, FormAction: form})
	}
	if o.ReturnURL == "" {
		st := "PENDING_VBV"
		if res, err := h.resultOf(ctx, o.MerchantID, s.TxID); err == nil {
			st = StatusBody(&o, res).Status
		}
		var buf bytes.Buffer
		_ = pages.ExecuteTemplate(&buf, "done", map[string]any{"OrderID": o.OrderID, "Status": st})
		return browser.Secure(apigw.HTML(http.StatusOK, buf.String()), browser.Policy{})
	}
	return returnPage(auth.URL)
}

// renderPage is the hosted authentication page of a transaction.
func (h txnHandler) renderPage(ctx context.Context, ev events.APIGatewayProxyRequest, o *Order, session, methodURL, methodData, txID string) apigw.Response {
	cfg := map[string]any{"threeDSServerTransID": txID, "threeDSMethodURL": methodURL, "threeDSMethodData": methodData}
	var frame []string
	if o := threeds.OriginOf(methodURL); o != "" {
		frame = []string{o}
	}
	var ancestors []string
	if h.Merchants != nil {
		if m, err := h.Merchants.GetMerchant(ctx, o.MerchantID); err == nil && m != nil {
			ancestors = m.AllowedOrigins
		}
	}
	n := browser.Nonce()
	var buf bytes.Buffer
	err := pages.ExecuteTemplate(&buf, "page", map[string]any{"Nonce": n, "ScriptURL": apigw.BaseURL(ev) + "/js/threeds.js?v=" + browser.Version,
		"Action": apigw.BaseURL(ev) + AuthenticatePath, "Session": session, "Config": cfg})
	if err != nil {
		return apigw.Error(ctx, h.Log, Errors{}, err, apigw.About{})
	}
	// The page posts itself (form-action 'self') and the 3DS Method form to
	// the ACS's method URL, which it frames.
	return browser.Secure(apigw.HTML(http.StatusOK, buf.String()),
		browser.Policy{Nonce: n, FrameAncestors: ancestors, FrameSrc: frame, FormAction: frame})
}

// returnPage sends the browser on to loc: a page that navigates, not a 303
// (a form's CSP form-action applies to the redirects of its submission).
func returnPage(loc string) apigw.Response {
	esc := html.EscapeString(loc)
	return apigw.Response{StatusCode: http.StatusOK,
		Body: `<!doctype html><html><head><meta http-equiv="refresh" content="0;url=` + esc + `"></head><body><a id="return" href="` + esc + `">Continue</a></body></html>`,
		Headers: map[string]string{"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}}
}
