package hostile

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// Challenge is a transaction waiting for its browser challenge.
type Challenge struct {
	TxID, ACSTransID, DSTransID, MessageVersion string
	Session                                     string // our threeDSSessionData
	ACSURL, CReq                                string
	ARes                                        map[string]any
}

// DSFlows is what every dialect offers the flow probes: its way to open a
// challenge, read a result, race AReqs and post RReqs as the DS does.
// A dialect whose challenge ends at the merchant (the ACS posts the final
// CRes to the merchant's own notificationURL, as juspay3ds's does) offers
// only these. Every method fails t on a transport error.
type DSFlows interface {
	// Challenge opens a browser transaction the ACS answers C.
	Challenge(t *testing.T, tg Target) *Challenge
	// Result reads the merchant's result: its status (final, pending…) and
	// transStatus ("C" while the challenge's result is pending).
	Result(t *testing.T, tg Target, txID string) (status, transStatus string, raw map[string]any)
	// Preauth opens a transaction for a frictionless card whose AReq is
	// not sent yet.
	Preauth(t *testing.T, tg Target) (txID, pan string)
	// TryAuth sends the transaction's AReq (safe from goroutines).
	TryAuth(tg Target, txID, pan string) stacktest.Response
	// TryRReq posts an RReq as a DS would (safe from goroutines).
	TryRReq(tg Target, rreq map[string]any) stacktest.Response
	// AReqsAtDS is how many AReqs the DS received for the transaction.
	AReqsAtDS(t *testing.T, tg Target, txID string) int
}

// Flows are the DSFlows of a dialect whose challenge ends at our challenge
// callback (our threeDSSessionData, the browser's CRes).
type Flows interface {
	DSFlows
	// FinalCRes runs the ACS's challenge with the code given and returns
	// the final cres the ACS page would post back, without posting it.
	FinalCRes(t *testing.T, tg Target, c *Challenge, otp string) string
	// PostCRes posts a cres and threeDSSessionData to the challenge callback
	// as the browser does.
	PostCRes(t *testing.T, tg Target, cres, session string) stacktest.Page
}

// FlowProbe is a probe that needs a flow's state. A Browser probe needs
// Flows (the CRes comes to us); the others run on any DSFlows.
type FlowProbe struct {
	Name    string
	Browser bool
	Run     func(t *testing.T, tg Target, f DSFlows)
}

// FlowProbes run against every dialect's flows.
var FlowProbes = []FlowProbe{
	{"forged session tokens", true, func(t *testing.T, tg Target, f DSFlows) { forgedSessionTokens(t, tg, f.(Flows)) }},
	{"forged CRes", true, func(t *testing.T, tg Target, f DSFlows) { forgedCRes(t, tg, f.(Flows)) }},
	{"forged RReq", false, forgedRReq},
	{"50 racing AReqs", false, racingAReqs},
	{"50 racing RReqs", false, racingRReqs},
}

func isNative(f DSFlows) bool { _, ok := f.(nativeFlows); return ok }

// CRes builds a well-formed final CRes of c with transStatus.
func CRes(c *Challenge, transStatus string) string {
	b, _ := json.Marshal(map[string]string{
		"messageType": "CRes", "messageVersion": c.MessageVersion, "threeDSServerTransID": c.TxID,
		"acsTransID": c.ACSTransID, "challengeCompletionInd": "Y", "transStatus": transStatus,
	})
	return base64.RawURLEncoding.EncodeToString(b)
}

// sessionClaims are the claims of our threeDSSessionData.
func sessionClaims(txID string, exp time.Time) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{Issuer: "open3ds", Subject: txID, Audience: jwt.ClaimStrings{"challenge-callback"},
		IssuedAt: jwt.NewNumericDate(exp.Add(-15 * time.Minute)), ExpiresAt: jwt.NewNumericDate(exp)}
}

func signed(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	require.NoError(t, err)
	return s
}

// noneToken is an unsigned token (alg none), crafted by hand.
func noneToken(c jwt.Claims) string {
	h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT"})
	p, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

// algConfusion signs an RS256-labelled token with the HMAC key, the
// classic confusion attack.
func algConfusion(key []byte, c jwt.Claims) string {
	h, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	p, _ := json.Marshal(c)
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func requireRefusedPage(t *testing.T, p stacktest.Page, what string) {
	t.Helper()
	require.True(t, p.Status >= 400 && p.Status < 500, "%s: want a 4xx page, got %d: %s", what, p.Status, p.HTML)
	require.NotContains(t, p.HTML, `data-trans-status="Y"`, what)
	require.NotContains(t, p.HTML, `data-trans-status="N"`, what)
}

func requirePending(t *testing.T, tg Target, f DSFlows, txID, what string) {
	t.Helper()
	status, ts, raw := f.Result(t, tg, txID)
	require.Equal(t, "pending", status, "%s changed nothing: %v", what, raw)
	require.Equal(t, "C", ts, "%s: %v", what, raw)
}

// forgedSessionTokens: every forged threeDSSessionData is refused and
// changes nothing; a correctly signed one (the control) is accepted.
func forgedSessionTokens(t *testing.T, tg Target, f Flows) {
	require.NotEmpty(t, tg.SessionKey, "the suite needs the session key to sign forgeries")
	a := f.Challenge(t, tg)
	b := f.Challenge(t, tg)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	live := time.Now().Add(10 * time.Minute)
	altered := []byte(a.Session)
	last := len(altered) - 2
	if altered[last] == 'A' {
		altered[last] = 'B'
	} else {
		altered[last] = 'A'
	}
	forgeries := []struct{ name, token string }{
		{"alg none", noneToken(sessionClaims(a.TxID, live))},
		{"HS512 with the right key", signed(t, jwt.SigningMethodHS512, tg.SessionKey, sessionClaims(a.TxID, live))},
		{"RS256 with an attacker's key", signed(t, jwt.SigningMethodRS256, rsaKey, sessionClaims(a.TxID, live))},
		{"RS256 header, HMAC signature (alg confusion)", algConfusion(tg.SessionKey, sessionClaims(a.TxID, live))},
		{"altered signature", string(altered)},
		{"HS256 with another key", signed(t, jwt.SigningMethodHS256, []byte("another-key-of-32-bytes-or-more-0123"), sessionClaims(a.TxID, live))},
		{"expired", signed(t, jwt.SigningMethodHS256, tg.SessionKey, sessionClaims(a.TxID, time.Now().Add(-time.Minute)))},
		{"another transaction's", b.Session},
		{"no audience", signed(t, jwt.SigningMethodHS256, tg.SessionKey, jwt.RegisteredClaims{Issuer: "open3ds", Subject: a.TxID, ExpiresAt: jwt.NewNumericDate(live)})},
		{"over-long", a.Session + "." + strings.Repeat("A", 2048)},
	}
	for _, fg := range forgeries {
		p := f.PostCRes(t, tg, CRes(a, "Y"), fg.token)
		requireRefusedPage(t, p, fg.name)
	}
	// No threeDSSessionData at all: an ACS may leave it out (v231 branch),
	// and the CRes's own IDs must then be the transaction's. Another
	// transaction's acsTransID is refused; the right IDs are taken and, as
	// any CRes, change nothing and show no status the RReq has not confirmed.
	otherACS := CRes(&Challenge{TxID: a.TxID, ACSTransID: b.ACSTransID, MessageVersion: a.MessageVersion}, "Y")
	requireRefusedPage(t, f.PostCRes(t, tg, otherACS, ""), "empty, another transaction's acsTransID")
	requirePending(t, tg, f, a.TxID, "a forged session token")
	p := f.PostCRes(t, tg, CRes(a, "Y"), "")
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	require.Contains(t, p.HTML, `data-trans-status=""`, "empty, the transaction's own IDs: no status before the RReq")
	requirePending(t, tg, f, a.TxID, "a CRes without threeDSSessionData")
	// Control: the right key and claims are accepted, so the refusals above
	// were for the forgery, not for a wrong test key.
	p = f.PostCRes(t, tg, CRes(a, "Y"), signed(t, jwt.SigningMethodHS256, tg.SessionKey, sessionClaims(a.TxID, live)))
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	requirePending(t, tg, f, a.TxID, "a CRes")
}

// forgedCRes: a CRes Y posted before the RReq shows no Y; an invalid CRes is
// refused; the result is the RReq's, whatever the CRes says.
func forgedCRes(t *testing.T, tg Target, f Flows) {
	c := f.Challenge(t, tg)
	p := f.PostCRes(t, tg, CRes(c, "Y"), c.Session)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	require.Contains(t, p.HTML, `data-trans-status=""`, "no status the RReq has not confirmed")
	require.NotContains(t, p.HTML, `name="transStatus"`, "nor in the return URL")
	require.Regexp(t, `resultReady:\s*false`, p.HTML)
	require.Regexp(t, `transStatus:\s*""`, p.HTML, "nor in the postMessage")

	bad := func(mut func(m map[string]string)) string {
		m := map[string]string{"messageType": "CRes", "messageVersion": c.MessageVersion, "threeDSServerTransID": c.TxID,
			"acsTransID": c.ACSTransID, "challengeCompletionInd": "Y", "transStatus": "Y"}
		mut(m)
		b, _ := json.Marshal(m)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	for name, cres := range map[string]string{
		"transStatus X":           bad(func(m map[string]string) { m["transStatus"] = "X" }),
		"transStatus C":           bad(func(m map[string]string) { m["transStatus"] = "C" }),
		"another acsTransID":      bad(func(m map[string]string) { m["acsTransID"] = "00000000-0000-4000-8000-00000000beef" }),
		"another messageVersion":  bad(func(m map[string]string) { m["messageVersion"] = otherVersion(c.MessageVersion) }),
		"another transaction":     bad(func(m map[string]string) { m["threeDSServerTransID"] = "00000000-0000-4000-8000-00000000beef" }),
		"a 2,048-byte acsTransID": bad(func(m map[string]string) { m["acsTransID"] = longID(2048) }),
		"not a CRes":              bad(func(m map[string]string) { m["messageType"] = "RReq" }),
		"not base64":              "%%%",
	} {
		requireRefusedPage(t, f.PostCRes(t, tg, cres, c.Session), "CRes with "+name)
	}
	requirePending(t, tg, f, c.TxID, "a forged CRes")

	// The real challenge fails (wrong codes): the RReq says N; a CRes Y
	// posted afterwards still shows the RReq's N.
	final := f.FinalCRes(t, tg, c, "0000")
	p = f.PostCRes(t, tg, final, c.Session)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	require.Contains(t, p.HTML, `data-trans-status="N"`)
	p = f.PostCRes(t, tg, CRes(c, "Y"), c.Session)
	require.Equal(t, http.StatusOK, p.Status, p.HTML)
	require.Contains(t, p.HTML, `data-trans-status="N"`, "a forged CRes Y never shows Y")
	status, ts, raw := f.Result(t, tg, c.TxID)
	require.Equal(t, "final", status, "%v", raw)
	require.Equal(t, "N", ts, "the result is the RReq's: %v", raw)
}

func otherVersion(v string) string {
	if v == "2.1.0" {
		return "2.2.0"
	}
	return "2.1.0"
}

// rreqFor is a well-formed RReq for c.
func rreqFor(c *Challenge, status string) map[string]any {
	return stacktest.RReqFor(map[string]any{"messageVersion": c.MessageVersion, "threeDSServerTransID": c.TxID,
		"acsTransID": c.ACSTransID, "dsTransID": c.DSTransID}, status)
}

// forgedRReq: RReqs with other IDs, duplicated keys or over-long IDs are
// refused with an Erro (never a 5xx) and change nothing; once final, no
// RReq changes the result.
func forgedRReq(t *testing.T, tg Target, f DSFlows) {
	c := f.Challenge(t, tg)
	refused := func(name string, rreq map[string]any, raw []byte) {
		var r stacktest.Response
		if raw != nil {
			r = tg.API.Call(t, "/ds/results", "", raw, "Content-Type", stacktest.RReqContentType)
		} else {
			r = f.TryRReq(tg, rreq)
		}
		require.True(t, r.Status >= 400 && r.Status < 500, "%s: %d %s", name, r.Status, r.Body)
		m := r.JSON(t)
		require.Equal(t, "Erro", m["messageType"], "%s: %s", name, r.Body)
	}
	other := rreqFor(c, "Y")
	other["acsTransID"] = "00000000-0000-4000-8000-00000000beef"
	refused("another acsTransID", other, nil)
	other = rreqFor(c, "Y")
	other["dsTransID"] = "00000000-0000-4000-8000-00000000beef"
	refused("another dsTransID", other, nil)
	other = rreqFor(c, "Y")
	other["threeDSServerTransID"] = longID(2048)
	refused("a 2,048-byte threeDSServerTransID", other, nil)
	dup := jsonBody(rreqFor(c, "N"))
	dup = append(dup[:len(dup)-1], []byte(`,"TRANSSTATUS":"Y"}`)...)
	refused("transStatus twice", nil, dup)
	requirePending(t, tg, f, c.TxID, "a forged RReq")

	// The real result (the cardholder's challenge, or where the CRes is
	// not ours the DS's RReq Y), then a late RReq of another outcome.
	if bf, ok := f.(Flows); ok {
		p := bf.PostCRes(t, tg, bf.FinalCRes(t, tg, c, "1234"), c.Session)
		require.Equal(t, http.StatusOK, p.Status, p.HTML)
	} else {
		r := f.TryRReq(tg, rreqFor(c, "Y"))
		require.Equal(t, http.StatusOK, r.Status, "the DS's RReq: %s", r.Body)
	}
	status, ts, before := f.Result(t, tg, c.TxID)
	require.Equal(t, "final", status)
	require.Equal(t, "Y", ts)
	refused("a late RReq N", rreqFor(c, "N"), nil)
	_, _, after := f.Result(t, tg, c.TxID)
	require.Equal(t, before, after, "a final result never changes")
}

// racingAReqs: 50 simultaneous AReqs for one transaction: exactly one is
// answered with an ARes, the others are refused (4xx), and the DS received
// exactly one AReq.
func racingAReqs(t *testing.T, tg Target, f DSFlows) {
	txID, pan := f.Preauth(t, tg)
	const n = 50
	res := make([]stacktest.Response, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i] = f.TryAuth(tg, txID, pan)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, r := range res {
		switch {
		case r.Status == http.StatusOK:
			wins++
		case r.Status >= 400 && r.Status < 500:
		default:
			t.Fatalf("AReq %d: want 200 or 4xx, got %d: %s", i, r.Status, r.Body)
		}
	}
	require.Equal(t, 1, wins, "exactly one AReq wins")
	require.Equal(t, 1, f.AReqsAtDS(t, tg, txID), "the DS receives exactly one AReq")
}

// racingRReqs: 50 simultaneous RReqs, each a different outcome, for one
// challenge: exactly one is stored (RRes), every other gets an Erro, and
// the final result is the winner's and stays so.
func racingRReqs(t *testing.T, tg Target, f DSFlows) {
	c := f.Challenge(t, tg)
	const n = 50
	res := make([]stacktest.Response, n)
	rreqs := make([]map[string]any, n)
	for i := range n {
		if i%2 == 0 {
			rreqs[i] = rreqFor(c, "N")
		} else {
			rreqs[i] = rreqFor(c, "Y")
		}
		rreqs[i]["interactionCounter"] = fmt.Sprintf("%02d", i%99+1) // every RReq a different result
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res[i] = f.TryRReq(tg, rreqs[i])
		}()
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, r := range res {
		switch {
		case r.Status == http.StatusOK:
			require.Equal(t, -1, winner, "a second RReq won (%d and %d)", winner, i)
			winner = i
		case r.Status >= 400 && r.Status < 500:
		default:
			t.Fatalf("RReq %d: want 200 or 4xx, got %d: %s", i, r.Status, r.Body)
		}
	}
	require.NotEqual(t, -1, winner, "one RReq wins")
	status, ts, raw := f.Result(t, tg, c.TxID)
	require.Equal(t, "final", status, "%v", raw)
	require.Equal(t, rreqs[winner]["transStatus"], ts, "the result is the winner's")
	if ic, shown := raw["interactionCounter"]; shown || isNative(f) {
		// A result that shows the RReq's interactionCounter (the native
		// one must) proves which RReq won; the others prove it by status.
		require.Equal(t, rreqs[winner]["interactionCounter"], ic, "the result is the winner's")
	}
	for i := range n {
		if i != winner {
			r := f.TryRReq(tg, rreqs[i])
			require.GreaterOrEqual(t, r.Status, 400, "a loser resent after the race is refused too")
		}
	}
	_, _, after := f.Result(t, tg, c.TxID)
	require.Equal(t, raw, after, "no final result changed")
}
