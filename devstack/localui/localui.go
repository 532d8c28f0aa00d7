package localui

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/shared/threeds"
)

// Store is what the console reads from the table.
type Store interface {
	Get(ctx context.Context, id string) (*threeds.Transaction, error)
	ListWebhookDeliveries(ctx context.Context, merchantID string, limit int) ([]*threeds.WebhookDelivery, error)
}

// Webhook is one event the local webhook sink received.
type Webhook struct {
	At        time.Time
	Signature string // "valid", "invalid: …", "missing"
	Body      json.RawMessage
}

// Config wires the pages to the running stack.
type Config struct {
	// APIURL is the local API Gateway's base URL; APIKey the demo
	// merchant's key (used by the backend only, never sent to a browser).
	APIURL, APIKey string
	MerchantID     string
	Store          Store
	// TransactionIDs lists the table's transaction IDs (a scan).
	TransactionIDs func(ctx context.Context) ([]string, error)
	// Exchanges is the simulator's exchange log of a transaction.
	Exchanges func(txID string) []dssim.Exchange
	// Webhooks and DeadLetters are the sink's events and the stream's
	// on-failure records.
	Webhooks    func() []Webhook
	DeadLetters func() ([]json.RawMessage, error)
	// Client calls the API; nil: a client with a 70 s timeout.
	Client *http.Client
}

// UI serves the pages.
type UI struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the pages for cfg.
func New(cfg Config) *UI {
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 70 * time.Second}
	}
	u := &UI{cfg: cfg, mux: http.NewServeMux()}
	u.register(u.mux)
	return u
}

// Paths are the path prefixes the UI answers under.
var Paths = []string{"/_local/checkout", "/_local/checkout/", "/_local/console", "/_local/console/"}

// ServeHTTP answers the UI's routes (Paths).
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.mux.ServeHTTP(w, r) }

func (u *UI) register(mux *http.ServeMux) {
	mux.HandleFunc("GET /_local/checkout", u.checkout)
	mux.HandleFunc("GET /_local/checkout/return", u.checkout)
	mux.HandleFunc("POST /_local/checkout/api/{step}", u.backend)
	mux.HandleFunc("GET /_local/console", u.console)
	mux.HandleFunc("GET /_local/console/tx/{id}", u.transaction)
	mux.HandleFunc("GET /_local/console/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/_local/console", http.StatusFound) })
}

// securePage writes an HTML page with the same headers as the product's
// pages; local origins may frame it (a developer's framed checkout).
func securePage(w http.ResponseWriter, t *template.Template, name string, v any, nonce string) {
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, v); err != nil {
		http.Error(w, "page rendering failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; object-src 'none'; connect-src 'self'; img-src 'self' data:; "+
		"script-src 'self' 'nonce-"+nonce+"'; style-src 'nonce-"+nonce+"'; frame-src http: https:; form-action http: https:; "+
		"frame-ancestors 'self' http://127.0.0.1:* http://localhost:*")
	_, _ = w.Write(b.Bytes())
}

// --- the tiny merchant backend ---------------------------------------------

// backend is the demo merchant's server: the browser posts the card and
// browser data here; this calls /preauth, /auth and /postauth with the API
// key and answers only what the page needs.
func (u *UI) backend(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON object"})
		return
	}
	str := func(k string) string { s, _ := in[k].(string); return s }
	var path string
	var body map[string]any
	switch r.PathValue("step") {
	case "preauth":
		path, body = "/preauth", map[string]any{"acctNumber": str("acctNumber")}
	case "auth":
		path, body = "/auth", demoAReq(in, r)
	case "postauth":
		path, body = "/postauth", map[string]any{"threeDSServerTransID": str("threeDSServerTransID")}
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown step"})
		return
	}
	status, out, err := u.call(r.Context(), path, body)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "the API did not answer: " + err.Error()})
		return
	}
	maskResult(out)
	writeJSON(w, status, out)
}

func (u *UI) call(ctx context.Context, path string, body map[string]any) (int, map[string]any, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.cfg.APIURL+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+u.cfg.APIKey)
	resp, err := u.cfg.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, out, nil
}

// demoAReq is the AReq of the demo purchase: the card and the browser's
// data from the page, a fixed cardholder.
func demoAReq(in map[string]any, r *http.Request) map[string]any {
	str := func(k, def string) string {
		if s, ok := in[k].(string); ok && s != "" {
			return s
		}
		return def
	}
	areq := map[string]any{
		"threeDSServerTransID": str("threeDSServerTransID", ""), "acctNumber": str("acctNumber", ""),
		"messageCategory": "01", "deviceChannel": "02", "threeDSRequestorAuthenticationInd": "01",
		"purchaseAmount": str("purchaseAmount", "1999"), "purchaseCurrency": "840", "purchaseExponent": "2",
		"purchaseDate": time.Now().UTC().Format("20060102150405"), "transType": "01",
		"cardExpiryDate": "2812", "cardholderName": "Demo Cardholder", "email": "cardholder@example.com",
		"billAddrCity": "Springfield", "billAddrCountry": "840", "billAddrLine1": "1 Main Street", "billAddrPostCode": "12345", "billAddrState": "CA",
		"browserAcceptHeader": r.Header.Get("Accept"), "browserIP": "192.0.2.10", "browserJavaEnabled": false, "browserJavascriptEnabled": true,
		"browserLanguage": str("browserLanguage", "en-US"), "browserColorDepth": str("browserColorDepth", "24"),
		"browserScreenHeight": str("browserScreenHeight", "1080"), "browserScreenWidth": str("browserScreenWidth", "1920"),
		"browserTZ": str("browserTZ", "0"), "browserUserAgent": r.Header.Get("User-Agent"),
		"threeDSCompInd":      str("threeDSCompInd", "U"),
		"challengeWindowSize": str("challengeWindowSize", "05"),
	}
	if areq["browserAcceptHeader"] == "" {
		areq["browserAcceptHeader"] = "text/html"
	}
	if areq["browserUserAgent"] == "" {
		areq["browserUserAgent"] = "open3ds demo checkout"
	}
	if s := str("returnURL", ""); s != "" {
		areq["returnURL"] = s
	}
	return areq
}

// maskResult keeps the CAVV out of the page: its last four characters only.
func maskResult(m map[string]any) {
	if av, ok := m["authenticationValue"].(string); ok {
		m["authenticationValue"] = maskTail(av)
	}
}

func maskTail(s string) string {
	if len(s) <= 4 {
		return "****"
	}
	return "****" + s[len(s)-4:]
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// --- the checkout page -----------------------------------------------------

type checkoutView struct {
	Nonce, ScriptURL string
	Cards            []dssim.TestCard
	// DefaultPAN prefills the form: the simulator's challenge card, from
	// its own card table rather than a number written into the page.
	DefaultPAN string
	Return     bool
}

func (u *UI) checkout(w http.ResponseWriter, r *http.Request) {
	n := browser.Nonce()
	var cards []dssim.TestCard
	for _, c := range dssim.TestCards() {
		if c.Scheme == "visa" || c.Scheme == "mastercard" {
			cards = append(cards, c)
		}
	}
	securePage(w, pages, "checkout", checkoutView{Nonce: n, ScriptURL: "/js/threeds.js?v=" + browser.Version, Cards: cards,
		DefaultPAN: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioChallenge),
		Return:     strings.HasSuffix(r.URL.Path, "/return")}, n)
}
