package hostile

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/testkit/stacktest"
)

// Target is the running stack the probes hit.
type Target struct {
	API    *stacktest.Client // the API (and the simulator's pages, by absolute URL)
	SimURL string            // the DS/ACS simulator's base URL (its debug routes)
	// Keys are two merchants' credentials (as the dialect presents them).
	Keys [2]string
	// SessionKey is the HS256 key of threeDSSessionData, so that forged
	// tokens can be signed correctly (expired, another transaction's, HS512
	// with the right key); a positive control proves it is the right key.
	SessionKey []byte
	// Logs returns everything the stack logged so far.
	Logs func() string
	// UASBase is merchant-1's UAS base URL (…/uas/<token>/), for the UAS rows.
	UASBase string
	// Cardinal is merchant-1's Cardinal credential set (API identifier,
	// OrgUnitId, API Key), for the Cardinal rows' JWTs.
	Cardinal [3]string
	// Juspay is merchant-1's Juspay merchant id and API key.
	Juspay [2]string
}

// Probe is one hostile request and what the rules say it must get.
type Probe struct {
	Name   string
	Method string // POST when empty
	Path   string
	Header http.Header // sent as given: a name may carry several values
	Body   []byte
	Want   Want
}

// Want is the expected answer of a Probe.
type Want struct {
	// Status is the exact status; 0 accepts any 4xx.
	Status int
	// NotStatus, when set, is a status the answer must not have (the
	// control rows: a consistent credential is not 401).
	NotStatus int
	// Code and Field are the error's code and detail in the dialect's
	// error shape (checked when set).
	Code, Field string
	// Never are strings that must appear neither in the answer nor in any
	// log line (a card number used as a member name, a malformed ID).
	Never []string
	// Times sends the probe this many times: the answer must be the same
	// every time (default 1).
	Times int
}

// Dialect is one merchant API's rows and flows.
type Dialect struct {
	Name string
	// Probes returns the dialect's request rows; it may open transactions
	// first (a row about a real transaction).
	Probes func(t *testing.T, tg Target) []Probe
	// ErrorOf reads the dialect's error shape: its code and detail.
	ErrorOf func(body []byte) (code, detail string, ok bool)
	// Flows drives the flow probes: a Flows runs them all, a DSFlows those
	// that need no CRes of ours; nil, none (another dialect's flows).
	Flows DSFlows
}

// Run probes every dialect: its request rows, then every flow probe.
func Run(t *testing.T, tg Target, dialects ...Dialect) {
	for _, d := range dialects {
		t.Run(d.Name, func(t *testing.T) {
			t.Run("requests", func(t *testing.T) {
				for _, p := range d.Probes(t, tg) {
					t.Run(p.Name, func(t *testing.T) { runProbe(t, tg, d, p) })
				}
			})
			if d.Flows == nil {
				return // a dialect whose browser and DS traffic is another's flows (probed there)
			}
			_, browser := d.Flows.(Flows)
			for _, fp := range FlowProbes {
				if fp.Browser && !browser {
					continue // the final CRes goes to the merchant, not to us
				}
				t.Run(fp.Name, func(t *testing.T) { fp.Run(t, tg, d.Flows) })
			}
		})
	}
}

func runProbe(t *testing.T, tg Target, d Dialect, p Probe) {
	times := max(p.Want.Times, 1)
	for i := 0; i < times; i++ {
		method := p.Method
		if method == "" {
			method = http.MethodPost
		}
		req, err := http.NewRequest(method, tg.API.URL+p.Path, bytes.NewReader(p.Body))
		require.NoError(t, err)
		for name, vs := range p.Header {
			for _, v := range vs {
				req.Header.Add(name, v)
			}
		}
		if strings.HasSuffix(p.Path, "/ds/results") {
			// The probe plays the DS: past the sandbox's signature check, the
			// RReq's own rules are what is tested.
			stacktest.SignRReq(tg.API.URL, req, p.Body)
		}
		r := tg.API.Do(t, req)
		switch {
		case p.Want.Status != 0:
			require.Equal(t, p.Want.Status, r.Status, "attempt %d: %s", i, r.Body)
		case p.Want.NotStatus == 0:
			require.True(t, r.Status >= 400 && r.Status < 500, "a client mistake is a 4xx, never a 5xx (attempt %d): %d %s", i, r.Status, r.Body)
		}
		if p.Want.NotStatus != 0 {
			require.NotEqual(t, p.Want.NotStatus, r.Status, "attempt %d: %s", i, r.Body)
			require.Less(t, r.Status, 500, "attempt %d: %s", i, r.Body)
		}
		if p.Want.Code != "" || p.Want.Field != "" {
			code, detail, ok := d.ErrorOf(r.Body)
			require.True(t, ok, "the answer is the dialect's error shape: %s", r.Body)
			if p.Want.Code != "" {
				require.Equal(t, p.Want.Code, code, "%s", r.Body)
			}
			if p.Want.Field != "" {
				require.Equal(t, p.Want.Field, detail, "the error names the field: %s", r.Body)
			}
		}
		for _, s := range p.Want.Never {
			require.NotContains(t, string(r.Body), s, "client text echoed in the answer")
		}
	}
	if tg.Logs != nil {
		logs := tg.Logs()
		for _, s := range p.Want.Never {
			require.NotContains(t, logs, s, "client text copied into a log line")
		}
	}
}

// header builds an http.Header from name, value pairs; a name given twice
// is sent twice.
func header(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func jsonBody(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// longID is an identifier of n bytes that starts like a UUID.
func longID(n int) string {
	const u = "8a483188-1f7c-4f0e-9a43-0b6c1f2d3e4f"
	if n <= len(u) {
		return u[:n]
	}
	return u + strings.Repeat("a", n-len(u))
}

// IDLengths are the identifier sizes every identified route is probed with:
// one past a UUID, DynamoDB's key limit and beyond.
var IDLengths = []int{37, 1025, 2048, 2049, 4096}
