package dssim

import (
	"strconv"

	"github.com/open3ds/server/shared/emv3ds"
)

// DS protocol versions the simulated Directory Server accepts.
const (
	dsStartVersion = emv3ds.Version210
	dsEndVersion   = emv3ds.Version231
)

// rangeDef is one card range the simulated DS serves, before it is shaped
// for a PRes version.
type rangeDef struct {
	scheme     emv3ds.Scheme
	start, end string
	method     bool // the ACS has a 3DS Method URL
	// silentMethod: the method page never notifies the 3DS Server, which
	// must then time out (3dsecure.io's "method timeout" test cards).
	silentMethod bool
	acsStart     emv3ds.Version
	acsEnd       emv3ds.Version
	acsInfoInd   []emv3ds.ACSInfoInd
	since        int  // the serial number that added it
	v231         bool // a 2.3.1 range (v231.go): per-version 3DS Method URLs
}

// rangeTable is the DS's card-range table and its change history. The
// serial numbers are "1" (Visa and Mastercard) and "2" (Amex added), which is
// the current one, so an incremental PReq from "1" gets the Amex ranges.
type rangeTable struct {
	defs    []rangeDef
	current int
}

// newRangeTable builds the ranges: per scheme, runs of consecutive scenarios
// whose range attributes are equal are merged into one range, and the PANs
// after the last scenario (16–99) join the run of scenario 15 when equal.
func newRangeTable(acsEnd emv3ds.Version) *rangeTable {
	t := &rangeTable{current: 2}
	for _, sc := range schemes {
		since := 1
		if sc.scheme == emv3ds.SchemeAmex {
			since = 2
		}
		attrs := func(s scenarioInfo) rangeDef {
			d := rangeDef{scheme: sc.scheme, method: s.method, acsStart: emv3ds.Version210, acsEnd: acsEnd, since: since}
			if s.only210 {
				d.acsEnd = emv3ds.Version210
			}
			ind := s.acsInfoInd
			if ind == nil {
				ind = []string{"01", "02"}
			}
			for _, v := range ind {
				d.acsInfoInd = append(d.acsInfoInd, emv3ds.ACSInfoInd(v))
			}
			return d
		}
		var cur *rangeDef
		for i, s := range scenarios {
			d := attrs(s)
			d.start = sc.prefix + string(s.ss) + "0"
			d.end = sc.prefix + string(s.ss) + "9"
			if i == len(scenarios)-1 {
				d.end = sc.prefix + "999" // 16–99 behave as 00; attributes of the default kind
			}
			if cur != nil && sameAttrs(*cur, d) {
				cur.end = d.end
				continue
			}
			t.defs = append(t.defs, d)
			cur = &t.defs[len(t.defs)-1]
		}
	}
	t.defs = append(t.defs, ioRanges(acsEnd)...) // 3dsecure.io test cards (threedsecureio.go)
	t.defs = append(t.defs, v231Ranges()...)     // 2.3.1 ranges (v231.go)
	return t
}

func sameAttrs(a, b rangeDef) bool {
	if a.method != b.method || a.acsStart != b.acsStart || a.acsEnd != b.acsEnd || len(a.acsInfoInd) != len(b.acsInfoInd) {
		return false
	}
	for i := range a.acsInfoInd {
		if a.acsInfoInd[i] != b.acsInfoInd[i] {
			return false
		}
	}
	return true
}

// find returns the range holding pan.
func (t *rangeTable) find(pan string) (rangeDef, bool) {
	for _, d := range t.defs {
		if len(pan) == len(d.start) && pan >= d.start && pan <= d.end {
			return d, true
		}
	}
	return rangeDef{}, false
}

// serial is the current serialNum.
func (t *rangeTable) serial() string { return strconv.Itoa(t.current) }

// since returns the ranges added after serial from ("" = everything); ok is
// false for a serial number the DS never issued (Erro 307).
func (t *rangeTable) since(from string) ([]rangeDef, bool) {
	n := 0
	if from != "" {
		var ok bool
		if n, ok = atoiSmall(from); !ok || n < 1 || n > t.current {
			return nil, false
		}
	}
	var out []rangeDef
	for _, d := range t.defs {
		if d.since > n {
			out = append(out, d)
		}
	}
	return out, true
}

// cardRange shapes d for a PRes of version v; methodURL is the ACS's 3DS
// Method URL.
func (d rangeDef) cardRange(v emv3ds.Version, methodURL string) emv3ds.CardRangeData {
	c := emv3ds.CardRangeData{StartRange: d.start, EndRange: d.end, ActionInd: emv3ds.ActionIndAdd}
	mURL := ""
	if d.method {
		mURL = methodURL
		if d.silentMethod {
			mURL += silentMethodSuffix
		}
	}
	if v.AtLeast(emv3ds.Version231) {
		for _, av := range emv3ds.SupportedVersions {
			if av.Compare(d.acsStart) >= 0 && av.Compare(d.acsEnd) <= 0 {
				u := mURL
				if d.v231 && u != "" {
					u = v231MethodURL(u, av)
				}
				c.ACSProtocolVersions = append(c.ACSProtocolVersions, emv3ds.ACSProtocolVersion{
					Version: av, ThreeDSMethodURL: u, ACSInfoInd: d.acsInfoInd,
				})
			}
		}
		c.DSProtocolVersions = dsVersions()
		return c
	}
	c.ACSStartProtocolVersion, c.ACSEndProtocolVersion = d.acsStart, d.acsEnd
	c.DSStartProtocolVersion, c.DSEndProtocolVersion = dsStartVersion, dsEndVersion
	c.ThreeDSMethodURL = mURL
	if v.AtLeast(emv3ds.Version220) {
		c.ACSInfoInd = d.acsInfoInd
	}
	return c
}

func dsVersions() []emv3ds.Version {
	var out []emv3ds.Version
	for _, v := range emv3ds.SupportedVersions {
		if v.Compare(dsStartVersion) >= 0 && v.Compare(dsEndVersion) <= 0 {
			out = append(out, v)
		}
	}
	return out
}

// CardRanges returns every card range the simulator serves, shaped as a
// 2.2.0 PRes carries them (per-range DS/ACS versions, acsInfoInd, 3DS
// Method URL), with URL() as the base of the method URL.
func (s *Simulator) CardRanges() []emv3ds.CardRangeData {
	all, _ := s.ranges.since("")
	out := make([]emv3ds.CardRangeData, len(all))
	for i, d := range all {
		out[i] = d.cardRange(emv3ds.Version220, s.URL()+methodPath)
	}
	return out
}

// SerialNum is the current card-range serial number.
func (s *Simulator) SerialNum() string { return s.ranges.serial() }

func atoiSmall(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
