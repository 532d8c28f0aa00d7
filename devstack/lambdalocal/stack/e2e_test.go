package stack_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/testkit/stacktest"
)

// The whole system through Start, the entry point of make run: real
// DynamoDB Local, the simulator over HTTP, every function's bootstrap behind
// the local gateway, the stream into the webhook function.
func TestEndToEnd(t *testing.T) {
	s, _ := stacktest.Start(t, stack.Config{
		APIKey:   "o3ds_e2eTestKeyOne000000000000000000000000000000",
		NewStore: stack.DynamoStore,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.Len(t, s.Merchants, 2)
	key1, key2 := s.Merchants[0].APIKey, s.Merchants[1].APIKey
	require.Equal(t, "o3ds_e2eTestKeyOne000000000000000000000000000000", key1, "THREEDS_API_KEY is honoured")
	require.NotEmpty(t, key2)

	c := stacktest.NewClient(s.URL, 40*time.Second)
	r := c.Get(t, "/health")
	require.Equal(t, 200, r.Status, string(r.Body))
	require.Equal(t, "ok", r.JSON(t)["status"])

	r = c.Call(t, "/preauth", "", map[string]any{"acctNumber": "4000000000001000"})
	require.Equal(t, 401, r.Status, "no key")
	require.True(t, json.Valid(r.Body), string(r.Body))

	// auth sends the browser AReq as this test always has: 3DS Method not
	// run, no challenge preference.
	auth := func(t *testing.T, txID, pan string) map[string]any {
		t.Helper()
		return c.Auth(t, key1, stacktest.BrowserAReq(txID, pan).With(
			"threeDSCompInd", "U", "threeDSRequestorChallengeInd", "01"))
	}
	preauth := func(t *testing.T, pan string) string {
		t.Helper()
		return c.Preauth(t, key1, map[string]any{"acctNumber": pan})["threeDSServerTransID"].(string)
	}
	// form posts like a browser and requires the page.
	form := func(t *testing.T, action string, v url.Values) stacktest.Page {
		t.Helper()
		p := c.PostForm(t, action, v)
		require.Equal(t, 200, p.Status, p.HTML)
		return p
	}

	t.Run("frictionless", func(t *testing.T) {
		txID := preauth(t, "4000000000001000")
		ares := auth(t, txID, "4000000000001000")
		require.Equal(t, "Y", ares["transStatus"], ares)

		res := c.Postauth(t, key1, txID, 200)
		require.Equal(t, "Y", res["transStatus"])
		require.NotEmpty(t, res["authenticationValue"])
		require.Equal(t, "05", res["eci"])

		// Tenant isolation: the other merchant's key does not see it.
		c.Postauth(t, key2, txID, 404)

		// The stream → webhook function → local sink, signed.
		require.Eventually(t, func() bool {
			for _, w := range s.Webhooks() {
				if w.Signature == "valid" && strings.Contains(string(w.Body), txID) {
					return true
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond, "a signed webhook for the transaction reaches the sink")
	})

	t.Run("challenge through the simulator's pages", func(t *testing.T) {
		pan := "4000000000001059"
		txID := preauth(t, pan)
		ares := auth(t, txID, pan)
		require.Equal(t, "C", ares["transStatus"], ares)
		acsURL, _ := ares["acsURL"].(string)
		creq, _ := ares["base64EncodedChallengeRequest"].(string)
		require.NotEmpty(t, acsURL)
		require.NotEmpty(t, creq)

		v := url.Values{"creq": {creq}}
		if sd, ok := ares["threeDSSessionData"].(string); ok {
			v.Set("threeDSSessionData", sd)
		}
		action, fields := form(t, acsURL, v).Form(t)
		fields.Set("otp", "1234")
		fields.Set("action", "submit")
		// The ACS's answer: an auto-posting form with the final cres.
		action, fields = form(t, action, fields).Form(t)
		require.True(t, strings.HasPrefix(action, s.URL+"/callbacks/challenge"), action)
		require.NotEmpty(t, fields.Get("cres"))
		form(t, action, fields) // the browser lands back on our challenge callback

		res := c.Postauth(t, key1, txID, 200)
		require.Equal(t, "Y", res["transStatus"], res)
		require.NotEmpty(t, res["authenticationValue"])
	})

	require.NoError(t, s.Close())
	_, err := http.Get(s.URL + "/health")
	require.Error(t, err, "nothing listens after Close")
}

// A fresh sandbox stack as CloudFormation creates it: no card ranges until
// the deploy-time load (the CardRangesInitialLoad custom resource), and the
// simulator as its Lambda with three execution environments that take turns
// (AReq, CReq and OTP land on different ones), its state in SimulatorTable,
// its RReqs signed. In-memory ACS state would fail the challenge here.
func TestFreshSandboxStack(t *testing.T) {
	s, _ := stacktest.Start(t, stack.Config{
		SimulatorLambda: true, NoCardRangeLoad: true,
		NewStore: stack.DynamoStore,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.Nil(t, s.Sim, "no in-process simulator")
	key := s.Merchants[0].APIKey
	c := stacktest.NewClient(s.URL, 40*time.Second)
	pan := "4000000000001059"

	r := c.Call(t, "/preauth", key, map[string]any{"acctNumber": pan})
	require.NotEqual(t, 200, r.Status, "a fresh stack has no card ranges: %s", r.Body)

	results, err := s.CreateCustomResources(t.Context())
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.Equal(t, "CardRangesInitialLoad", results[0].LogicalID)
	require.Equal(t, "SUCCESS", string(results[0].Response.Status), results[0].Response.Reason)
	require.Equal(t, "true", results[0].Response.Data["Loaded"], results[0].Response.Reason)

	txID := c.Preauth(t, key, map[string]any{"acctNumber": pan})["threeDSServerTransID"].(string)
	ares := c.Auth(t, key, stacktest.BrowserAReq(txID, pan).With("threeDSCompInd", "U", "threeDSRequestorChallengeInd", "01"))
	require.Equal(t, "C", ares["transStatus"], ares)
	acsURL, _ := ares["acsURL"].(string)
	require.True(t, strings.HasPrefix(acsURL, s.SimulatorURL()), acsURL)
	v := url.Values{"creq": {ares["base64EncodedChallengeRequest"].(string)}}
	if sd, ok := ares["threeDSSessionData"].(string); ok {
		v.Set("threeDSSessionData", sd)
	}
	p := c.PostForm(t, acsURL, v)
	require.Equal(t, 200, p.Status, p.HTML)
	action, fields := p.Form(t)
	fields.Set("otp", "1234")
	fields.Set("action", "submit")
	p = c.PostForm(t, action, fields)
	require.Equal(t, 200, p.Status, p.HTML)
	action, fields = p.Form(t)
	require.True(t, strings.HasPrefix(action, s.URL+"/callbacks/challenge"), action)
	require.Equal(t, 200, c.PostForm(t, action, fields).Status)

	res := c.Postauth(t, key, txID, 200)
	require.Equal(t, "Y", res["transStatus"], res)
	require.Equal(t, "RReq", res["resultSource"], "the signed RReq was accepted")
	require.Equal(t, 3, s.Environments("SimulatorFunction"), "AReq, CReq and OTP each started an execution environment")

	// Anyone but the simulator posting a result is refused (the sandbox's
	// stand-in for production's mutual TLS).
	// (stacktest's client signs what it posts there, as the DS: post raw.)
	resp, err := http.Post(s.URL+"/ds/results", "application/json", strings.NewReader(`{"messageType":"RReq","threeDSServerTransID":"`+txID+`"}`))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, 403, resp.StatusCode, string(body))
	require.Contains(t, string(body), "Dssim-Signature")
	// The same RReq signed with the stack's key passes the check (and then
	// meets the domain's own: the transaction already has its result).
	signed := c.PostRReq(t, map[string]any{"messageType": "RReq", "threeDSServerTransID": txID})
	require.NotEqual(t, 403, signed.Status, string(signed.Body))
}
