package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/threeds"
)

// withKit gives the harness the browser kit and a merchant-a profile with
// allowed origins.
func withKit(t *testing.T, h *harness) {
	t.Helper()
	require.NoError(t, h.store.CreateMerchant(context.Background(), &threeds.Merchant{ID: "merchant-a", Name: "Shop A",
		AllowedOrigins: []string{"https://shop.example.com", "http://localhost:*"}}))
	h.h.kit = &browser.Kit{Transactions: h.store, Merchants: h.store, Sessions: h.sessions,
		BaseURL: func(events.APIGatewayProxyRequest) string { return "https://api.example.com" }}
}

var nonceRE = regexp.MustCompile(`'nonce-([A-Za-z0-9_-]+)'`)

// requireSecured checks the headers every HTML answer carries, and that the
// header's nonce is the one the page's scripts carry.
func requireSecured(t *testing.T, resp events.APIGatewayProxyResponse, ancestors string) {
	t.Helper()
	csp := resp.Headers["Content-Security-Policy"]
	require.NotEmpty(t, csp, "CSP as a header, not only a <meta>")
	require.Contains(t, csp, "default-src 'none'")
	require.Contains(t, csp, "frame-ancestors "+ancestors)
	require.Equal(t, "nosniff", resp.Headers["X-Content-Type-Options"])
	require.Equal(t, "no-referrer", resp.Headers["Referrer-Policy"])
	if strings.Contains(resp.Body, "<script") {
		m := nonceRE.FindStringSubmatch(csp)
		require.NotNil(t, m, csp)
		require.Contains(t, resp.Body, `<script nonce="`+m[1]+`"`)
	}
}

func TestCallbackPagesCarryHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	withKit(t, h)
	resp := h.handle(t, "method.json")
	require.Equal(t, 200, resp.StatusCode)
	requireSecured(t, resp, "'self' https://shop.example.com http://localhost:*")

	bad := h.handle(t, "method-garbage.json")
	requireSecured(t, bad, "'self'")

	c := newHarness(t, false)
	withKit(t, c)
	c.handle(t, "results.json")
	page := c.handle(t, "challenge.json")
	require.Equal(t, 200, page.StatusCode)
	requireSecured(t, page, "'self' https://shop.example.com http://localhost:*")
	require.Contains(t, page.Headers["Content-Security-Policy"], "form-action 'self' https://shop.example.com")
}

func get(t *testing.T, h *harness, path string, q map[string]string) events.APIGatewayProxyResponse {
	t.Helper()
	resp, err := h.h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: path, Path: path, QueryStringParameters: q})
	require.NoError(t, err)
	return resp
}

func TestScriptRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	withKit(t, h)
	js := get(t, h, "/js/threeds.js", nil)
	require.Equal(t, 200, js.StatusCode)
	require.Equal(t, "text/javascript; charset=utf-8", js.Headers["Content-Type"])
	require.Contains(t, js.Body, "window.ThreeDS = create(")
	require.Equal(t, "public, max-age=300", js.Headers["Cache-Control"])
	versioned := get(t, h, "/js/threeds.js", map[string]string{"v": browser.Version})
	require.Contains(t, versioned.Headers["Cache-Control"], "immutable")
	mjs := get(t, h, "/js/threeds.mjs", nil)
	require.Equal(t, "*", mjs.Headers["Access-Control-Allow-Origin"], "a module from another origin needs CORS")
	require.Contains(t, mjs.Body, "export default ThreeDS")
	require.NotContains(t, mjs.Body, "window.ThreeDS =")
}

func TestHostedPages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, true)
	withKit(t, h)
	ok := get(t, h, "/hosted/method", map[string]string{"threeDSServerTransID": txID, "parentOrigin": "http://localhost:5173", "timeout": "2500"})
	require.Equal(t, 200, ok.StatusCode, ok.Body)
	requireSecured(t, ok, "'self' https://shop.example.com http://localhost:*")
	require.Contains(t, ok.Headers["Content-Security-Policy"], "frame-src 'self' https://acs.example.com")
	require.Contains(t, ok.Body, `"threeDSMethodURL":"https://acs.example.com/method"`)
	require.Contains(t, ok.Body, `"parentOrigin":"http://localhost:5173"`)
	require.Contains(t, ok.Body, `"timeout":2500`)

	for name, q := range map[string]map[string]string{
		"foreign parent": {"threeDSServerTransID": txID, "parentOrigin": "https://evil.example"},
		"pattern parent": {"threeDSServerTransID": txID, "parentOrigin": "http://localhost:*"},
		"no parent":      {"threeDSServerTransID": txID},
		"bad id":         {"threeDSServerTransID": `"><script>x</script>`, "parentOrigin": "https://shop.example.com"},
		"bad timeout":    {"threeDSServerTransID": txID, "parentOrigin": "https://shop.example.com", "timeout": "99999"},
	} {
		resp := get(t, h, "/hosted/method", q)
		require.Equal(t, 400, resp.StatusCode, name)
		requireSecured(t, resp, "'self'")
		require.NotContains(t, resp.Body, "<script", name)
	}
	unknown := get(t, h, "/hosted/method", map[string]string{"threeDSServerTransID": "00000000-0000-4000-8000-0000000000ff", "parentOrigin": "https://shop.example.com"})
	require.Equal(t, 404, unknown.StatusCode)

	c := newHarness(t, false)
	withKit(t, c)
	token, err := c.sessions.Issue(txID)
	require.NoError(t, err)
	creq := "eyJtZXNzYWdlVHlwZSI6IkNSZXEiLCJtZXNzYWdlVmVyc2lvbiI6IjIuMi4wIiwidGhyZWVEU1NlcnZlclRyYW5zSUQiOiIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDEiLCJhY3NUcmFuc0lEIjoiYTAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAxIiwiY2hhbGxlbmdlV2luZG93U2l6ZSI6IjAyIn0"
	page := get(t, c, "/hosted/challenge", map[string]string{"threeDSSessionData": token, "creq": creq, "parentOrigin": "https://shop.example.com"})
	require.Equal(t, 200, page.StatusCode, page.Body)
	requireSecured(t, page, "'self' https://shop.example.com http://localhost:*")
	require.Contains(t, page.Body, `"acsURL":"https://acs.example.com/challenge"`)
	require.Contains(t, page.Body, `"windowSize":"02"`)
	forged := get(t, c, "/hosted/challenge", map[string]string{"threeDSSessionData": token + "x", "creq": creq, "parentOrigin": "https://shop.example.com"})
	require.Equal(t, 400, forged.StatusCode)
	require.NotContains(t, forged.Body, "acs.example.com")
}
