package browser

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/open3ds/server/shared/apigw"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

//go:embed assets/hosted.html
var hostedHTML string

var hosted = template.Must(template.New("hosted").Parse(hostedHTML))

// Transactions, Merchants and Sessions are what the kit reads: the
// transaction of a page, its merchant's allowed origins, and the
// threeDSSessionData we issued.
type Transactions interface {
	Get(ctx context.Context, id string) (*threeds.Transaction, error)
}

// Merchants reads merchant profiles.
type Merchants interface {
	GetMerchant(ctx context.Context, id string) (*threeds.Merchant, error)
}

// Sessions verifies threeDSSessionData and returns its transaction ID.
type Sessions interface {
	Verify(token string) (string, error)
}

// Kit serves the browser routes of the API (GET /js/threeds.js,
// /js/threeds.mjs, /hosted/method, /hosted/challenge) and gives the other
// HTML answers their frame-ancestors.
type Kit struct {
	Transactions Transactions
	Merchants    Merchants
	Sessions     Sessions
	// BaseURL is the public base of our routes for a request (the 3DS
	// Method notification URL is BaseURL + "/callbacks/method").
	BaseURL func(ev events.APIGatewayProxyRequest) string
	Log     *slog.Logger
}

// Serve answers the kit's routes; ok is false for every other route.
func (k *Kit) Serve(ctx context.Context, ev events.APIGatewayProxyRequest) (resp apigw.Response, ok bool) {
	if k == nil {
		return apigw.Response{}, false
	}
	route := ev.Resource
	if route == "" {
		route = ev.Path
	}
	switch {
	case strings.HasSuffix(route, "/js/threeds.js"):
		return Asset(false, ev.QueryStringParameters, ev.Headers), true
	case strings.HasSuffix(route, "/js/threeds.mjs"):
		return Asset(true, ev.QueryStringParameters, ev.Headers), true
	case strings.HasSuffix(route, "/hosted/method"):
		return k.hostedMethod(ctx, ev), true
	case strings.HasSuffix(route, "/hosted/challenge"):
		return k.hostedChallenge(ctx, ev), true
	}
	return apigw.Response{}, false
}

// Origins returns the allowed origins of the merchant of a transaction;
// nil when either is unknown (then only our own origin may frame a page).
func (k *Kit) Origins(ctx context.Context, txID string) []string {
	if k == nil || k.Transactions == nil || k.Merchants == nil || !wellFormedID(txID) {
		return nil
	}
	tx, err := k.Transactions.Get(ctx, txID)
	if err != nil {
		return nil
	}
	m, err := k.Merchants.GetMerchant(ctx, tx.MerchantID)
	if err != nil {
		return nil
	}
	return m.AllowedOrigins
}

type hostedView struct {
	Nonce, ScriptURL, TransID string
	Config                    map[string]any
}

// pageError is a refused hosted page: its status and the sentence shown.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

func (k *Kit) hostedMethod(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	q := ev.QueryStringParameters
	id := q["threeDSServerTransID"]
	tx, m, err := k.load(ctx, id, q["parentOrigin"])
	if err != nil {
		return k.refuse(ctx, "hosted method page refused", err)
	}
	timeout := 10000
	if s := q["timeout"]; s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 10000 {
			return k.refuse(ctx, "hosted method page refused", &pageError{http.StatusBadRequest, "timeout must be 1 to 10000 milliseconds."})
		}
		timeout = n
	}
	cfg := map[string]any{"parentOrigin": q["parentOrigin"], "timeout": timeout, "threeDSServerTransID": tx.ID, "threeDSMethodURL": "", "threeDSMethodData": ""}
	var frameSrc, formAction []string
	if tx.ThreeDSMethodURL != "" {
		cfg["threeDSMethodURL"] = tx.ThreeDSMethodURL
		cfg["threeDSMethodData"] = emv3ds.NewThreeDSMethodData(tx.ID, k.base(ev)+"/callbacks/method").Encode()
		if o := threeds.OriginOf(tx.ThreeDSMethodURL); o != "" {
			frameSrc, formAction = []string{o}, []string{o}
		}
	}
	n := Nonce()
	return k.page(http.StatusOK, "method", hostedView{Nonce: n, ScriptURL: "../js/threeds.js?v=" + Version, TransID: tx.ID, Config: cfg},
		Policy{Nonce: n, FrameAncestors: m.AllowedOrigins, FrameSrc: frameSrc, FormAction: formAction})
}

func (k *Kit) hostedChallenge(ctx context.Context, ev events.APIGatewayProxyRequest) apigw.Response {
	q := ev.QueryStringParameters
	const what = "hosted challenge page refused"
	if k.Sessions == nil {
		return k.refuse(ctx, what, &pageError{http.StatusInternalServerError, "The page is not available."})
	}
	id, err := k.Sessions.Verify(q["threeDSSessionData"])
	if err != nil {
		return k.refuse(ctx, what, &pageError{http.StatusBadRequest, "threeDSSessionData is missing or does not verify."})
	}
	creq, err := emv3ds.ParseCReq(q["creq"])
	if err != nil || creq.ThreeDSServerTransID != id {
		return k.refuse(ctx, what, &pageError{http.StatusBadRequest, "creq is missing or is not this transaction's CReq."})
	}
	size := q["windowSize"]
	if size == "" {
		size = string(creq.ChallengeWindowSize)
	}
	if size != "auto" && !ValidWindowSize(size) {
		size = "05"
	}
	tx, m, err := k.load(ctx, id, q["parentOrigin"])
	if err != nil {
		return k.refuse(ctx, what, err)
	}
	acs := tx.ARes.ACSURL
	if threeds.CheckHTTPURL(acs) != nil || tx.ARes.ACSTransID != creq.ACSTransID {
		return k.refuse(ctx, what, &pageError{http.StatusConflict, "This transaction has no challenge to show."})
	}
	o := threeds.OriginOf(acs)
	cfg := map[string]any{"parentOrigin": q["parentOrigin"], "acsURL": acs, "creq": q["creq"],
		"threeDSSessionData": q["threeDSSessionData"], "windowSize": size}
	n := Nonce()
	return k.page(http.StatusOK, "challenge", hostedView{Nonce: n, ScriptURL: "../js/threeds.js?v=" + Version, TransID: tx.ID, Config: cfg},
		Policy{Nonce: n, FrameAncestors: m.AllowedOrigins, FrameSrc: []string{o}, FormAction: []string{o}})
}

// load reads a hosted page's transaction and merchant and checks that the
// page's parent is one of the merchant's origins.
func (k *Kit) load(ctx context.Context, id, parentOrigin string) (*threeds.Transaction, *threeds.Merchant, error) {
	if !wellFormedID(id) {
		return nil, nil, &pageError{http.StatusBadRequest, "threeDSServerTransID must be a UUID."}
	}
	if k.Transactions == nil || k.Merchants == nil {
		return nil, nil, &pageError{http.StatusInternalServerError, "The page is not available."}
	}
	tx, err := k.Transactions.Get(ctx, id)
	if errors.Is(err, threeds.ErrTransactionNotFound) {
		return nil, nil, &pageError{http.StatusNotFound, "This transaction is unknown or has expired."}
	}
	if err != nil {
		return nil, nil, &pageError{http.StatusInternalServerError, "The page is not available; try again."}
	}
	m, err := k.Merchants.GetMerchant(ctx, tx.MerchantID)
	if err != nil {
		return nil, nil, &pageError{http.StatusInternalServerError, "The page is not available; try again."}
	}
	if _, err := threeds.NormalizeOrigin(parentOrigin); err != nil || strings.HasSuffix(parentOrigin, ":*") || !m.AllowsOrigin(parentOrigin) {
		return nil, nil, &pageError{http.StatusBadRequest, "parentOrigin must be one of the merchant's allowed origins."}
	}
	return tx, m, nil
}

func (k *Kit) refuse(ctx context.Context, what string, err error) apigw.Response {
	var pe *pageError
	if !errors.As(err, &pe) {
		pe = &pageError{http.StatusInternalServerError, "The page is not available."}
	}
	if k.Log != nil {
		k.Log.WarnContext(ctx, what, slog.Int("status", pe.status), slog.String("reason", pe.msg))
	}
	return k.page(pe.status, "error", pe.msg, Policy{})
}

func (k *Kit) page(status int, name string, v any, p Policy) apigw.Response {
	var b bytes.Buffer
	if err := hosted.ExecuteTemplate(&b, name, v); err != nil {
		return Secure(apigw.HTML(http.StatusInternalServerError, "<!DOCTYPE html><p>The page is not available.</p>"), Policy{})
	}
	return Secure(apigw.HTML(status, b.String()), p)
}

func (k *Kit) base(ev events.APIGatewayProxyRequest) string {
	if k.BaseURL == nil {
		return ""
	}
	return strings.TrimSuffix(k.BaseURL(ev), "/")
}

// wellFormedID accepts a UUID (the only transaction IDs we issue) before any
// store access.
func wellFormedID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
