package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
	"github.com/open3ds/server/testkit/stacktest"
)

// Test PANs (architecture.md §6): the scenario is the two digits before the
// Luhn check digit.
func visa(ss dssim.Scenario) string { return dssim.TestPAN(emv3ds.SchemeVisa, ss) }
func mc(ss dssim.Scenario) string   { return dssim.TestPAN(emv3ds.SchemeMastercard, ss) }

const (
	amexY       = "340000000001007"
	notEnrolled = "4111111111111111"
	nonLuhn     = "4000000000001001"
)

// seenCAVVs are the authentication values results carried, for the
// card-data sweep.
var seenCAVVs sync.Map

// preauth opens a transaction for pan as merchant one and returns the answer.
func preauth(t *testing.T, pan string) map[string]any {
	t.Helper()
	m := api.Preauth(t, key1, map[string]any{"acctNumber": pan, "ds": nil})
	requireUUID(t, m["threeDSServerTransID"], "preauth threeDSServerTransID")
	return m
}

// auth sends an AReq body as merchant one and requires 200.
func auth(t *testing.T, body stacktest.AReq) map[string]any {
	t.Helper()
	return api.Auth(t, key1, body)
}

// start runs preauth and auth for pan with the extra AReq members.
func start(t *testing.T, pan string, kv ...any) (txID string, ares map[string]any) {
	t.Helper()
	txID = preauth(t, pan)["threeDSServerTransID"].(string)
	return txID, auth(t, stacktest.BrowserAReq(txID, pan).With(kv...))
}

// postauth reads the result as merchant one and requires want.
func postauth(t *testing.T, txID string, want int) map[string]any {
	t.Helper()
	return api.Postauth(t, key1, txID, want)
}

// outcome is the expected final result of a transaction.
type outcome struct {
	status  string // transStatus
	reason  string // transStatusReason ("" = absent)
	eci     string // "" = absent
	cavv    bool   // authenticationValue present (28 characters)
	cancel  string // challengeCancel ("" = absent)
	version string // messageVersion
}

// requireResult checks a postauth answer (or a frictionless ARes) against want.
func requireResult(t *testing.T, got map[string]any, want outcome) {
	t.Helper()
	require.Equal(t, want.status, got["transStatus"], "transStatus in %v", got)
	requireOptional(t, got, "transStatusReason", want.reason)
	requireOptional(t, got, "eci", want.eci)
	requireOptional(t, got, "challengeCancel", want.cancel)
	if want.cavv {
		av, _ := got["authenticationValue"].(string)
		require.Len(t, av, 28, "authenticationValue must be a 28-character CAVV, got %v", got)
		seenCAVVs.Store(av, true)
	} else {
		require.NotContains(t, got, "authenticationValue", "no CAVV for %s", want.status)
	}
	requireUUID(t, got["dsTransID"], "dsTransID")
	requireUUID(t, got["acsTransID"], "acsTransID")
	if want.version != "" {
		require.Equal(t, want.version, got["messageVersion"])
	}
}

func requireOptional(t *testing.T, got map[string]any, key, want string) {
	t.Helper()
	if want == "" {
		v, ok := got[key]
		require.True(t, !ok || v == "", "%s must be absent, got %v", key, v)
		return
	}
	require.Equal(t, want, got[key], "%s in %v", key, got)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

var semverRE = regexp.MustCompile(`^\d+\.\d+\.\d+$`)

func requireUUID(t *testing.T, v any, what string) {
	t.Helper()
	s, _ := v.(string)
	require.Regexp(t, uuidRE, strings.ToLower(s), "%s must be a UUID", what)
}

// --- the simulator, seen from outside --------------------------------------

// exchanges reads the simulator's debug route for a transaction.
func exchanges(t *testing.T, txID string) []dssim.Exchange {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, stk.Sim.URL()+"/debug/transactions/"+txID, nil)
	require.NoError(t, err)
	r := api.Do(t, req)
	if r.Status == http.StatusNotFound {
		return nil
	}
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var doc struct {
		Exchanges []dssim.Exchange `json:"exchanges"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &doc))
	return doc.Exchanges
}

// messages filters exchanges by direction and message type.
func messages(list []dssim.Exchange, dir dssim.Direction, typ string) []dssim.Exchange {
	var out []dssim.Exchange
	for _, e := range list {
		if e.Direction == dir && e.MessageType == typ {
			out = append(out, e)
		}
	}
	return out
}

// sentAReq is the one AReq the simulator received for txID, decoded.
func sentAReq(t *testing.T, txID string) map[string]any {
	t.Helper()
	list := messages(exchanges(t, txID), dssim.Received, "AReq")
	require.Len(t, list, 1, "the DS receives exactly one AReq per transaction")
	var m map[string]any
	require.NoError(t, json.Unmarshal(list[0].Body, &m))
	return m
}

// --- the cardholder's browser ----------------------------------------------

// cardholder drives the simulator's challenge page.
type cardholder func(t *testing.T, challenge stacktest.Page) (action string, fields url.Values)

// enters submits OTP codes in turn; the last one must end the challenge.
func enters(codes ...string) cardholder {
	return func(t *testing.T, p stacktest.Page) (string, url.Values) {
		for i, code := range codes {
			action, fields := p.Form(t)
			fields.Set("otp", code)
			fields.Set("action", "submit")
			if i == len(codes)-1 {
				return action, fields
			}
			p = api.PostForm(t, action, fields)
			require.Equal(t, http.StatusOK, p.Status, p.HTML)
			require.Contains(t, p.HTML, "The code is not correct", "a wrong code shows the page again")
		}
		panic("no codes")
	}
}

// cancels presses Cancel.
func cancels(t *testing.T, p stacktest.Page) (string, url.Values) {
	action, fields := p.Form(t)
	fields.Set("action", "cancel")
	return action, fields
}

// challenge runs a browser challenge from an ARes C: CReq to acsURL, the
// cardholder's input, then the ACS's auto-post of the final CRes back to the
// notificationURL (our /callbacks/challenge). It returns our callback page.
func challenge(t *testing.T, ares map[string]any, who cardholder) stacktest.Page {
	t.Helper()
	back, fields := challengeToReturn(t, ares, who)
	cb := api.PostForm(t, back, fields)
	require.Equal(t, http.StatusOK, cb.Status, cb.HTML)
	return cb
}

// challengeToReturn runs the challenge up to the ACS's final auto-post and
// returns its action and fields without following it.
func challengeToReturn(t *testing.T, ares map[string]any, who cardholder) (string, url.Values) {
	t.Helper()
	require.Equal(t, "C", ares["transStatus"], "ARes: %v", ares)
	acsURL, _ := ares["acsURL"].(string)
	creq, _ := ares["base64EncodedChallengeRequest"].(string)
	session, _ := ares["threeDSSessionData"].(string)
	require.True(t, strings.HasPrefix(acsURL, stk.Sim.URL()), "acsURL %q is the simulator's", acsURL)
	require.NotEmpty(t, creq)
	require.NotEmpty(t, session)

	p := api.PostForm(t, acsURL, url.Values{"creq": {creq}, "threeDSSessionData": {session}})
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	action, fields := who(t, p)
	p = api.PostForm(t, action, fields) // the ACS answers an auto-posting form with the final cres
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	back, fields := p.Form(t)
	require.Equal(t, stk.URL+"/callbacks/challenge", back, "the ACS returns the browser to our callback")
	require.NotEmpty(t, fields.Get("cres"))
	require.Equal(t, session, fields.Get("threeDSSessionData"), "the ACS echoes threeDSSessionData")
	return back, fields
}

// runMethod does what the merchant's hidden iframe does: post
// threeDSMethodData to the ACS's 3DS Method URL, then follow its auto-post
// to the notification URL.
func runMethod(t *testing.T, pre map[string]any) stacktest.Page {
	t.Helper()
	methodURL, _ := pre["threeDSMethodURL"].(string)
	data, _ := pre["threeDSMethodData"].(string)
	require.NotEmpty(t, methodURL, "preauth answers threeDSMethodURL: %v", pre)
	require.NotEmpty(t, data, "preauth answers threeDSMethodData: %v", pre)
	p := api.PostForm(t, methodURL, url.Values{"threeDSMethodData": {data}})
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	action, fields := p.Form(t)
	require.Equal(t, stk.URL+"/callbacks/method", action, "the ACS notifies our method callback")
	cb := api.PostForm(t, action, fields)
	require.Equal(t, http.StatusOK, cb.Status, cb.HTML)
	return cb
}

// eventuallyFinal polls postauth until the result is final.
func eventuallyFinal(t *testing.T, txID string, within time.Duration) map[string]any {
	t.Helper()
	var last map[string]any
	require.Eventually(t, func() bool {
		last = postauth(t, txID, http.StatusOK)
		return last["status"] == "final"
	}, within, 200*time.Millisecond, "result of %s never became final; last %v", txID, last)
	return last
}
