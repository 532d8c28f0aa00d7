package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Endpoint names used in the report.
const (
	epPreauth      = "POST /preauth"
	epMethodACS    = "POST {acs}/acs/method"
	epMethodCB     = "POST /callbacks/method"
	epAuth         = "POST /auth"
	epChallengeACS = "POST {acs}/acs/challenge"
	epSubmitACS    = "POST {acs}/acs/challenge/submit"
	epChallengeCB  = "POST /callbacks/challenge"
	epPostauth     = "POST /postauth"
)

// client speaks to the 3DS Server as a merchant backend and, for the
// challenge and 3DS Method, as the cardholder's browser.
type client struct {
	base string
	key  string
	http *http.Client
	rec  *recorder
}

// flowResult is what a finished flow leaves for the final checks.
type flowResult struct {
	scenario  string
	txID      string
	authStart time.Time
	authDur   time.Duration // /auth end to end
	final     map[string]any
	dur       time.Duration // the whole flow
	err       *flowError
}

// flowError is a classified failure; kind groups them in the report.
type flowError struct {
	kind string
	msg  string
}

func (e *flowError) Error() string { return e.kind + ": " + e.msg }

func failf(kind, format string, args ...any) *flowError {
	return &flowError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// run executes one complete flow of sc and checks the postauth result.
func (c *client) run(ctx context.Context, sc scenario) (res flowResult) {
	res.scenario = sc.name
	pre, ferr := c.api(ctx, epPreauth, "/preauth", map[string]any{"acctNumber": sc.pan})
	if ferr != nil {
		res.err = ferr
		return res
	}
	res.txID, _ = pre["threeDSServerTransID"].(string)
	if res.txID == "" {
		res.err = failf("wrong preauth", "no threeDSServerTransID")
		return res
	}
	if sc.method {
		if ferr := c.runMethod(ctx, pre); ferr != nil {
			res.err = ferr
			return res
		}
	}

	body := browserAReq(res.txID, sc.pan)
	for k, v := range sc.areq {
		body[k] = v
	}
	if sc.erro != nil {
		res.err = c.runFailing(ctx, sc, res.txID, body)
		return res
	}
	res.authStart = time.Now()
	ares, ferr := c.api(ctx, epAuth, "/auth", body)
	res.authDur = time.Since(res.authStart)
	if ferr != nil {
		res.err = ferr
		return res
	}
	if got, _ := ares["transStatus"].(string); got != sc.aresWant {
		res.err = failf("wrong ARes transStatus", "%s: want %s, got %q", sc.name, sc.aresWant, got)
		return res
	}
	if sc.aresWant == "C" {
		if ferr := c.challenge(ctx, ares, sc.challenge); ferr != nil {
			res.err = ferr
			return res
		}
	}

	final, ferr := c.api(ctx, epPostauth, "/postauth", map[string]any{"threeDSServerTransID": res.txID})
	// A decoupled result arrives with the ACS's later RReq: poll, bounded.
	for deadline := time.Now().Add(20 * time.Second); ferr == nil && sc.aresWant == "D" &&
		stringOf(final["status"]) == "pending" && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			res.err = failf("cancelled", "%s: waiting for the decoupled result", sc.name)
			return res
		case <-time.After(250 * time.Millisecond):
		}
		final, ferr = c.api(ctx, epPostauth, "/postauth", map[string]any{"threeDSServerTransID": res.txID})
	}
	if ferr != nil {
		res.err = ferr
		return res
	}
	res.final = final
	res.err = checkResult(sc, ares, final)
	return res
}

// runFailing runs a flow that must fail with sc.erro: /auth answers it, and
// postauth answers the same Erro afterwards (the failure is not lost either).
func (c *client) runFailing(ctx context.Context, sc scenario, txID string, body map[string]any) *flowError {
	check := func(ep, path string, body any, want int) *flowError {
		raw, _ := json.Marshal(body)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
		if err != nil {
			return failf("request", "%s: %v", ep, err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+c.key)
		status, b, ferr := c.do(req, ep)
		if ferr != nil {
			return ferr
		}
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if status != want || stringOf(m["messageType"]) != "Erro" ||
			stringOf(m["errorCode"]) != sc.erro.code || stringOf(m["errorComponent"]) != sc.erro.component ||
			stringOf(m["threeDSServerTransID"]) != txID {
			return failf("wrong result", "%s %s: HTTP %d %s, want HTTP %d errorCode %s component %s",
				sc.name, ep, status, erroSummary(b), want, sc.erro.code, sc.erro.component)
		}
		return nil
	}
	if ferr := check(epAuth, "/auth", body, sc.erro.status); ferr != nil {
		return ferr
	}
	want := sc.erro.status
	if sc.erro.postauthStatus != 0 {
		want = sc.erro.postauthStatus
	}
	return check(epPostauth, "/postauth", map[string]any{"threeDSServerTransID": txID}, want)
}

// checkResult compares the postauth answer with the scenario's outcome and
// with what the ARes said.
func checkResult(sc scenario, ares, final map[string]any) *flowError {
	str := func(k string) string { s, _ := final[k].(string); return s }
	w := sc.want
	switch {
	case str("status") != "final":
		return failf("wrong result", "%s: status %q, want final", sc.name, str("status"))
	case str("transStatus") != w.transStatus:
		return failf("wrong result", "%s: transStatus %q, want %s", sc.name, str("transStatus"), w.transStatus)
	case str("transStatusReason") != w.reason:
		return failf("wrong result", "%s: transStatusReason %q, want %q", sc.name, str("transStatusReason"), w.reason)
	case str("eci") != w.eci:
		return failf("wrong result", "%s: eci %q, want %q", sc.name, str("eci"), w.eci)
	case str("challengeCancel") != w.cancel:
		return failf("wrong result", "%s: challengeCancel %q, want %q", sc.name, str("challengeCancel"), w.cancel)
	case w.cavv != (len(str("authenticationValue")) == 28):
		return failf("wrong result", "%s: authenticationValue present=%v, want %v", sc.name, str("authenticationValue") != "", w.cavv)
	case !w.cavv && str("authenticationValue") != "":
		return failf("wrong result", "%s: an authenticationValue for %s", sc.name, w.transStatus)
	case w.source != "" && str("resultSource") != w.source:
		return failf("wrong result", "%s: resultSource %q, want %s", sc.name, str("resultSource"), w.source)
	case str("dsTransID") == "" || str("dsTransID") != ares["dsTransID"]:
		return failf("wrong result", "%s: dsTransID differs from the ARes's", sc.name)
	case w.source == "ARes" && str("authenticationValue") != stringOf(ares["authenticationValue"]):
		return failf("wrong result", "%s: authenticationValue differs from the ARes's", sc.name)
	}
	return nil
}

func stringOf(v any) string { s, _ := v.(string); return s }

// api POSTs JSON to a merchant route and decodes a 200 JSON object.
func (c *client) api(ctx context.Context, ep, path string, body any) (map[string]any, *flowError) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(raw))
	if err != nil {
		return nil, failf("request", "%s: %v", ep, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.key)
	status, b, ferr := c.do(req, ep)
	if ferr != nil {
		return nil, ferr
	}
	if status != http.StatusOK {
		return nil, failf(fmt.Sprintf("HTTP %d %s", status, ep), "%s", erroSummary(b))
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, failf("bad JSON "+ep, "%v", err)
	}
	return m, nil
}

// form POSTs a form as a browser does and returns the HTML.
func (c *client) form(ctx context.Context, ep, action string, v url.Values) (string, *flowError) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action, strings.NewReader(v.Encode()))
	if err != nil {
		return "", failf("request", "%s: %v", ep, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	status, b, ferr := c.do(req, ep)
	if ferr != nil {
		return "", ferr
	}
	if status != http.StatusOK {
		return "", failf(fmt.Sprintf("HTTP %d %s", status, ep), "%.200s", b)
	}
	return string(b), nil
}

// do sends a request, reads the whole answer and records its latency
// (first byte written to last byte read) under ep.
func (c *client) do(req *http.Request, ep string) (int, []byte, *flowError) {
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		c.rec.fail(ep)
		return 0, nil, failf("transport "+ep, "%s", transportKind(err))
	}
	b, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	_ = res.Body.Close()
	d := time.Since(start)
	if err != nil {
		c.rec.fail(ep)
		return 0, nil, failf("transport "+ep, "reading body: %s", transportKind(err))
	}
	c.rec.observe(ep, d, res.StatusCode)
	return res.StatusCode, b, nil
}

func transportKind(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	}
	return err.Error()
}

// erroSummary keeps an error answer's code and detail (never values).
func erroSummary(b []byte) string {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return fmt.Sprintf("%.120s", b)
	}
	parts := []string{}
	for _, k := range []string{"errorCode", "errorComponent", "errorDetail", "error", "message"} {
		if v, ok := m[k].(string); ok && v != "" {
			parts = append(parts, k+"="+v)
		}
	}
	return strings.Join(parts, " ")
}

// --- the browser -------------------------------------------------------------

var (
	formRE   = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	inputRE  = regexp.MustCompile(`<input[^>]*>`)
	nameRE   = regexp.MustCompile(`\bname="([^"]*)"`)
	valueRE  = regexp.MustCompile(`\bvalue="([^"]*)"`)
	typeRE   = regexp.MustCompile(`\btype="([^"]*)"`)
	wrongOTP = "The code is not correct"
)

// parseForm returns the first form's action and its hidden inputs, as a
// browser would submit them.
func parseForm(page string) (string, url.Values, bool) {
	m := formRE.FindStringSubmatch(page)
	if m == nil {
		return "", nil, false
	}
	v := url.Values{}
	for _, in := range inputRE.FindAllString(page, -1) {
		if t := typeRE.FindStringSubmatch(in); t == nil || t[1] != "hidden" {
			continue
		}
		n := nameRE.FindStringSubmatch(in)
		if n == nil {
			continue
		}
		val := ""
		if x := valueRE.FindStringSubmatch(in); x != nil {
			val = html.UnescapeString(x[1])
		}
		v.Set(html.UnescapeString(n[1]), val)
	}
	return html.UnescapeString(m[1]), v, true
}

// runMethod is the merchant page's hidden iframe: threeDSMethodData to the
// ACS's method URL, then the ACS's auto-post to our notification URL.
func (c *client) runMethod(ctx context.Context, pre map[string]any) *flowError {
	methodURL, _ := pre["threeDSMethodURL"].(string)
	data, _ := pre["threeDSMethodData"].(string)
	if methodURL == "" || data == "" {
		return failf("wrong preauth", "no threeDSMethodURL/threeDSMethodData for a method card")
	}
	page, ferr := c.form(ctx, epMethodACS, methodURL, url.Values{"threeDSMethodData": {data}})
	if ferr != nil {
		return ferr
	}
	action, fields, ok := parseForm(page)
	if !ok {
		return failf("bad page "+epMethodACS, "no auto-post form")
	}
	_, ferr = c.form(ctx, epMethodCB, action, fields)
	return ferr
}

// challenge plays the cardholder: CReq to acsURL, the ACS page's form with
// the action chosen, then the ACS's auto-post of the CRes to our callback.
func (c *client) challenge(ctx context.Context, ares map[string]any, act cardholderAction) *flowError {
	acsURL, _ := ares["acsURL"].(string)
	creq, _ := ares["base64EncodedChallengeRequest"].(string)
	session, _ := ares["threeDSSessionData"].(string)
	if acsURL == "" || creq == "" || session == "" {
		return failf("wrong ARes", "C without acsURL, base64EncodedChallengeRequest or threeDSSessionData")
	}
	page, ferr := c.form(ctx, epChallengeACS, acsURL, url.Values{"creq": {creq}, "threeDSSessionData": {session}})
	if ferr != nil {
		return ferr
	}
	codes := []string{"1234"}
	switch act {
	case wrongThreeTime:
		codes = []string{"0000", "1111", "2222"}
	case pressCancel:
		codes = []string{""}
	}
	for i, code := range codes {
		action, fields, ok := parseForm(page)
		if !ok {
			return failf("bad page "+epChallengeACS, "no challenge form")
		}
		if act == pressCancel {
			fields.Set("action", "cancel")
		} else {
			fields.Set("otp", code)
			fields.Set("action", "submit")
		}
		if page, ferr = c.form(ctx, epSubmitACS, action, fields); ferr != nil {
			return ferr
		}
		if i < len(codes)-1 && !strings.Contains(page, wrongOTP) {
			return failf("bad page "+epSubmitACS, "a wrong code did not show the page again")
		}
	}
	back, fields, ok := parseForm(page)
	if !ok || fields.Get("cres") == "" {
		return failf("bad page "+epSubmitACS, "no final cres form")
	}
	cb, ferr := c.form(ctx, epChallengeCB, back, fields)
	if ferr != nil {
		return ferr
	}
	if !strings.Contains(cb, "3ds-challenge-complete") {
		return failf("bad page "+epChallengeCB, "the callback page does not report completion")
	}
	return nil
}

// browserAReq is a complete browser AReq body in EMV names.
func browserAReq(txID, pan string) map[string]any {
	return map[string]any{
		"threeDSServerTransID":              txID,
		"messageCategory":                   "01",
		"deviceChannel":                     "02",
		"threeDSRequestorAuthenticationInd": "01",
		"purchaseAmount":                    "4999",
		"purchaseCurrency":                  "978",
		"purchaseExponent":                  "2",
		"transType":                         "01",
		"acctNumber":                        pan,
		"cardExpiryDate":                    "3012",
		"cardholderName":                    "Load Test",
		"email":                             "load@example.com",
		"billAddrCity":                      "Springfield",
		"billAddrCountry":                   "840",
		"billAddrLine1":                     "1 Main Street",
		"billAddrPostCode":                  "12345",
		"billAddrState":                     "CA",
		"returnURL":                         "https://shop.example.com/checkout/return",
		"browserAcceptHeader":               "text/html,application/xhtml+xml",
		"browserIP":                         "192.0.2.10",
		"browserJavaEnabled":                false,
		"browserJavascriptEnabled":          true,
		"browserLanguage":                   "en-GB",
		"browserColorDepth":                 "24",
		"browserScreenHeight":               "1080",
		"browserScreenWidth":                "1920",
		"browserTZ":                         "-60",
		"browserUserAgent":                  "Mozilla/5.0 (X11; Linux x86_64) open3ds-loadgen",
	}
}
