package main

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
)

// cardholderAction is what the simulated cardholder does on the ACS page.
type cardholderAction string

const (
	noChallenge    cardholderAction = ""
	enterOTP       cardholderAction = "otp"    // types 1234
	pressCancel    cardholderAction = "cancel" // presses Cancel
	wrongThreeTime cardholderAction = "wrong"  // three wrong codes
)

// expected is a flow's final result as postauth and the webhook must show it.
type expected struct {
	transStatus string
	reason      string // transStatusReason; "" = absent
	eci         string
	cavv        bool   // a 28-character authenticationValue
	cancel      string // challengeCancel; "" = absent
	source      string // resultSource: ARes or RReq
}

// expectedErro is a flow that must end in a protocol error: /auth and then
// postauth answer this status and Erro.
type expectedErro struct {
	status    int
	code      string
	component string
	// postauthStatus, when set, is postauth's status: a transaction that
	// failed reads as 422 afterwards, never 5xx (e2e TestInvalidARes), even
	// when /auth answered 502 for the DS's invalid ARes.
	postauthStatus int
}

// scenario is one kind of complete flow.
type scenario struct {
	name      string
	pan       string
	method    bool             // run the 3DS Method in the "browser" before /auth
	areq      map[string]any   // extra AReq members
	aresWant  string           // transStatus of the /auth answer
	challenge cardholderAction // for aresWant C
	want      expected
	erro      *expectedErro // the flow must fail with this Erro instead
}

// scenarios are the flows loadgen knows, by name. Outcomes come from the
// simulator's test-card table (README "Test cards").
var scenarios = map[string]scenario{
	"frictionless": {name: "frictionless", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioFrictionlessY), aresWant: "Y",
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "ARes"}},
	"frictionless-mc": {name: "frictionless-mc", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioFrictionlessY), aresWant: "Y",
		want: expected{transStatus: "Y", eci: "02", cavv: true, source: "ARes"}},
	"attempts": {name: "attempts", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioAttempts), aresWant: "A",
		want: expected{transStatus: "A", eci: "06", cavv: true, source: "ARes"}},
	"not-authenticated": {name: "not-authenticated", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioFrictionlessN), aresWant: "N",
		want: expected{transStatus: "N", reason: "01", eci: "07", source: "ARes"}},
	"rejected": {name: "rejected", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioRejected), aresWant: "R",
		want: expected{transStatus: "R", reason: "11", eci: "00", source: "ARes"}},
	"informational": {name: "informational", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioInformational), aresWant: "I",
		areq: map[string]any{"threeDSRequestorChallengeInd": "05"},
		want: expected{transStatus: "I", eci: "07", cavv: true, source: "ARes"}},
	"method": {name: "method", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioMethodFrictionles), method: true, aresWant: "Y",
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "ARes"}},
	"challenge": {name: "challenge", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioChallenge), aresWant: "C", challenge: enterOTP,
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "RReq"}},
	"challenge-mc": {name: "challenge-mc", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioChallenge), aresWant: "C", challenge: enterOTP,
		want: expected{transStatus: "Y", eci: "02", cavv: true, source: "RReq"}},
	"challenge-cancel": {name: "challenge-cancel", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioChallenge), aresWant: "C", challenge: pressCancel,
		want: expected{transStatus: "N", reason: "01", eci: "07", cancel: "01", source: "RReq"}},
	"challenge-fail": {name: "challenge-fail", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioChallenge), aresWant: "C", challenge: wrongThreeTime,
		want: expected{transStatus: "N", reason: "01", eci: "00", source: "RReq"}},
	// Faults the simulator injects (architecture.md §6): the result must be
	// exactly the documented error or the result of the RReq, never lost.
	"unavailable": {name: "unavailable", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioUnavailable), aresWant: "U",
		want: expected{transStatus: "U", reason: "22", eci: "07", source: "ARes"}},
	"ds-erro": {name: "ds-erro", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioDSErro),
		erro: &expectedErro{status: 422, code: "305", component: "D"}},
	"invalid-ares": {name: "invalid-ares", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioInvalidARes),
		erro: &expectedErro{status: 502, postauthStatus: 422, code: "201", component: "S"}},
	"duplicate-rreq": {name: "duplicate-rreq", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioDuplicateRReq), aresWant: "C", challenge: enterOTP,
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "RReq"}},
	"decoupled": {name: "decoupled", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioDecoupled), aresWant: "D",
		areq: map[string]any{"threeDSRequestorDecReqInd": "Y", "threeDSRequestorDecMaxTime": "00010"},
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "RReq"}},
	"slow-acs": {name: "slow-acs", pan: dssim.TestPAN(emv3ds.SchemeMastercard, dssim.ScenarioSlowACS), aresWant: "Y",
		want: expected{transStatus: "Y", eci: "02", cavv: true, source: "ARes"}},
	"method-challenge": {name: "method-challenge", pan: dssim.TestPAN(emv3ds.SchemeVisa, dssim.ScenarioMethodChallenge), method: true, aresWant: "C", challenge: enterOTP,
		want: expected{transStatus: "Y", eci: "05", cavv: true, source: "RReq"}},
}

// defaultMix is a plausible checkout population: mostly frictionless, a
// sixth challenged, some declines and every path touched.
const defaultMix = "frictionless=45,frictionless-mc=10,attempts=5,not-authenticated=5,rejected=3,informational=2,method=5,challenge=15,challenge-mc=3,challenge-cancel=3,challenge-fail=2,method-challenge=2"

// faultMix is defaultMix with the simulator's fault rows mixed in: a DS that
// answers Erro, an ACS that answers an invalid ARes, RReqs delivered twice, a
// slow ACS, decoupled results arriving seconds later. `-mix faults` picks it.
const faultMix = defaultMix + ",unavailable=2,ds-erro=3,invalid-ares=3,duplicate-rreq=3,decoupled=2,slow-acs=1"

// weighted is a mix entry.
type weighted struct {
	sc     scenario
	weight int
}

// mix picks scenarios deterministically in proportion to their weights, so
// a run of N flows has exactly the mix's shares (rounded), not a random draw.
type mix struct {
	entries []weighted
	total   int
}

// parseMix reads "name=weight,name=weight".
func parseMix(s string) (*mix, error) {
	switch s {
	case "default":
		s = defaultMix
	case "faults":
		s = faultMix
	}
	m := &mix{}
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, w, ok := strings.Cut(part, "=")
		if !ok {
			w = "1"
		}
		name = strings.TrimSpace(name)
		sc, found := scenarios[name]
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(scenarioNames(), ", "))
		}
		if seen[name] {
			return nil, fmt.Errorf("scenario %q listed twice", name)
		}
		seen[name] = true
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("scenario %q: weight %q is not a non-negative integer", name, w)
		}
		if n == 0 {
			continue
		}
		m.entries = append(m.entries, weighted{sc, n})
		m.total += n
	}
	if m.total == 0 {
		return nil, fmt.Errorf("mix %q selects no scenario", s)
	}
	return m, nil
}

// pick returns the scenario of flow i: a smooth weighted round robin over
// the total weight, so every prefix of the run is close to the mix.
func (m *mix) pick(i int) scenario {
	slot := (i * 7919) % m.total // a prime stride spreads the kinds over time
	for _, e := range m.entries {
		if slot < e.weight {
			return e.sc
		}
		slot -= e.weight
	}
	return m.entries[len(m.entries)-1].sc
}

func scenarioNames() []string {
	out := make([]string, 0, len(scenarios))
	for k := range scenarios {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
