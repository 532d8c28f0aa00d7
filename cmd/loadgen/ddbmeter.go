package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal"
	"github.com/open3ds/server/devstack/lambdalocal/stack"
)

// ddbMeter sits between the functions and DynamoDB Local: it asks for
// ReturnConsumedCapacity TOTAL on every request and sums what comes back, per
// operation and key prefix. The functions are unchanged: only their
// DYNAMODB_ENDPOINT points here. (DynamoDB Local does not check request
// signatures, so rewriting the body is accepted.)
type ddbMeter struct {
	URL      string
	upstream string
	ln       net.Listener
	srv      *http.Server
	hc       *http.Client

	mu    sync.Mutex
	stats map[string]*opStat
}

// opStat is the metered use of one operation on one kind of item.
type opStat struct {
	Calls     int           `json:"calls"`
	RCU       float64       `json:"read_units"`
	WCU       float64       `json:"write_units"`
	Writes    int           `json:"items_written"`    // items changed (each a stream record)
	CondFails int           `json:"condition_fails"`  // rejected conditional writes
	ItemBytes int           `json:"put_item_bytes"`   // DynamoDB-sized items of PutItem
	GSIItems  int           `json:"put_items_in_gsi"` // PutItem items that carry the gsi1 key
	Time      time.Duration `json:"time_ns"`          // summed round trips to DynamoDB Local
	Errors    int           `json:"errors"`
}

// withMeter starts a meter in front of a DynamoDB Local port chosen now and
// points the stack's functions at it.
func withMeter(cfg stack.Config) (*ddbMeter, stack.Config, error) {
	port, err := freePort()
	if err != nil {
		return nil, cfg, err
	}
	cfg.DDBPort = port
	m, err := newDDBMeter("http://127.0.0.1:" + strconv.Itoa(port))
	if err != nil {
		return nil, cfg, err
	}
	env := map[string]string{}
	for k, v := range cfg.Env {
		env[k] = v
	}
	env["DYNAMODB_ENDPOINT"] = m.URL
	cfg.Env = env
	return m, cfg, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func newDDBMeter(upstream string) (*ddbMeter, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	m := &ddbMeter{
		URL: "http://" + ln.Addr().String(), upstream: upstream, ln: ln,
		hc:    &http.Client{Timeout: 30 * time.Second, Transport: lambdalocal.ProxyTransport()},
		stats: map[string]*opStat{},
	}
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = m.srv.Serve(ln) }()
	return m, nil
}

// Close stops the meter's listener.
func (m *ddbMeter) Close() error { return m.srv.Close() }

// reset forgets what was counted so far.
func (m *ddbMeter) reset() {
	m.mu.Lock()
	m.stats = map[string]*opStat{}
	m.mu.Unlock()
}

// snapshot copies the counters.
func (m *ddbMeter) snapshot() map[string]opStat {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]opStat, len(m.stats))
	for k, v := range m.stats {
		out[k] = *v
	}
	return out
}

// calls is the number of requests seen, to tell when traffic has settled.
func (m *ddbMeter) calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, v := range m.stats {
		n += v.Calls
	}
	return n
}

var capacityOps = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "BatchWriteItem": true, "TransactGetItems": true, "TransactWriteItems": true,
}

var readOps = map[string]bool{"GetItem": true, "Query": true, "Scan": true, "BatchGetItem": true, "TransactGetItems": true}

func (m *ddbMeter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, "meter: read body", http.StatusBadGateway)
		return
	}
	target := r.Header.Get("X-Amz-Target")
	_, op, _ := strings.Cut(target, ".")
	var req map[string]json.RawMessage
	label := op
	if capacityOps[op] && json.Unmarshal(body, &req) == nil {
		req["ReturnConsumedCapacity"] = json.RawMessage(`"TOTAL"`)
		if b, err := json.Marshal(req); err == nil {
			body = b
		}
		label = op + " " + keyPrefix(op, req)
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, m.upstream+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, "meter: "+err.Error(), http.StatusBadGateway)
		return
	}
	for k, vs := range r.Header {
		if k == "Content-Length" {
			continue
		}
		out.Header[k] = vs
	}
	t0 := time.Now()
	res, err := m.hc.Do(out)
	if err != nil {
		http.Error(w, "meter: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer res.Body.Close()
	rb, err := io.ReadAll(res.Body)
	if err != nil {
		http.Error(w, "meter: read answer", http.StatusBadGateway)
		return
	}
	if op != "" {
		m.count(op, label, req, res.StatusCode, rb, time.Since(t0))
	}
	for k, vs := range res.Header {
		if k == "Content-Length" {
			continue
		}
		w.Header()[k] = vs
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rb)
}

// consumed is DynamoDB's ConsumedCapacity element.
type consumed struct {
	CapacityUnits      float64 `json:"CapacityUnits"`
	ReadCapacityUnits  float64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits float64 `json:"WriteCapacityUnits"`
}

func (m *ddbMeter) count(op, label string, req map[string]json.RawMessage, status int, body []byte, took time.Duration) {
	var resp struct {
		ConsumedCapacity json.RawMessage  `json:"ConsumedCapacity"`
		Unprocessed      map[string][]any `json:"UnprocessedItems"`
		Type             string           `json:"__type"`
	}
	_ = json.Unmarshal(body, &resp)
	var caps []consumed
	if len(resp.ConsumedCapacity) > 0 {
		if resp.ConsumedCapacity[0] == '[' {
			_ = json.Unmarshal(resp.ConsumedCapacity, &caps)
		} else {
			var c consumed
			if json.Unmarshal(resp.ConsumedCapacity, &c) == nil {
				caps = []consumed{c}
			}
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.stats[label]
	if st == nil {
		st = &opStat{}
		m.stats[label] = st
	}
	st.Calls++
	st.Time += took
	for _, c := range caps {
		switch {
		case c.ReadCapacityUnits > 0 || c.WriteCapacityUnits > 0:
			st.RCU += c.ReadCapacityUnits
			st.WCU += c.WriteCapacityUnits
		case readOps[op]:
			st.RCU += c.CapacityUnits
		default:
			st.WCU += c.CapacityUnits
		}
	}
	if status != http.StatusOK {
		if strings.Contains(resp.Type, "ConditionalCheckFailed") || strings.Contains(resp.Type, "TransactionCanceled") {
			st.CondFails++
		} else {
			st.Errors++
		}
		return
	}
	switch op {
	case "PutItem":
		st.Writes++
		var item map[string]json.RawMessage
		_ = json.Unmarshal(req["Item"], &item)
		st.ItemBytes += itemSize(item)
		if _, ok := item["gsi1pk"]; ok {
			st.GSIItems++
		}
	case "UpdateItem", "DeleteItem":
		st.Writes++
	case "BatchWriteItem":
		var items map[string][]json.RawMessage
		_ = json.Unmarshal(req["RequestItems"], &items)
		n := 0
		for t, l := range items {
			n += len(l) - len(resp.Unprocessed[t])
		}
		st.Writes += n
	case "TransactWriteItems":
		var items []map[string]json.RawMessage
		_ = json.Unmarshal(req["TransactItems"], &items)
		for _, it := range items {
			if _, cc := it["ConditionCheck"]; !cc {
				st.Writes++
			}
		}
	}
}

// keyPrefix names the kind of item a request touches: the partition key's
// prefix up to '#' (TX, KEY, MERCHANT, …), or the index for a query.
func keyPrefix(op string, req map[string]json.RawMessage) string {
	pk := func(raw json.RawMessage) string {
		var item map[string]struct {
			S string `json:"S"`
		}
		if json.Unmarshal(raw, &item) != nil {
			return "?"
		}
		p, _, _ := strings.Cut(item["pk"].S, "#")
		return p
	}
	switch op {
	case "GetItem", "UpdateItem", "DeleteItem":
		return pk(req["Key"])
	case "PutItem":
		return pk(req["Item"])
	case "Query", "Scan":
		var idx string
		_ = json.Unmarshal(req["IndexName"], &idx)
		var vals map[string]struct {
			S string `json:"S"`
		}
		_ = json.Unmarshal(req["ExpressionAttributeValues"], &vals)
		var prefixes []string
		for _, v := range vals {
			if p, _, ok := strings.Cut(v.S, "#"); ok {
				prefixes = append(prefixes, p)
			}
		}
		sort.Strings(prefixes)
		if idx != "" {
			return idx + " " + strings.Join(prefixes, ",")
		}
		return strings.Join(prefixes, ",")
	case "TransactWriteItems", "TransactGetItems":
		var items []map[string]map[string]json.RawMessage
		_ = json.Unmarshal(req["TransactItems"], &items)
		var parts []string
		for _, it := range items {
			for kind, v := range it {
				k := v["Key"]
				if k == nil {
					k = v["Item"]
				}
				parts = append(parts, kind+":"+pk(k))
			}
		}
		return "[" + strings.Join(parts, " ") + "]"
	case "BatchWriteItem", "BatchGetItem":
		var items map[string][]map[string]map[string]json.RawMessage
		_ = json.Unmarshal(req["RequestItems"], &items)
		seen := map[string]bool{}
		for _, l := range items {
			for _, it := range l {
				for kind, v := range it {
					k := v["Key"]
					if k == nil {
						k = v["Item"]
					}
					seen[kind+":"+pk(k)] = true
				}
			}
		}
		parts := make([]string, 0, len(seen))
		for p := range seen {
			parts = append(parts, p)
		}
		sort.Strings(parts)
		return "[" + strings.Join(parts, " ") + "]"
	}
	return ""
}

// itemSize is an item's size as DynamoDB bills it: attribute names plus
// values (strings and binaries by length, numbers about one byte per two
// digits, containers 3 bytes plus their elements).
func itemSize(item map[string]json.RawMessage) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) int {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, x := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(x, &s)
			return len(s)
		case "N":
			var s string
			_ = json.Unmarshal(x, &s)
			return (len(strings.TrimLeft(s, "-0"))+1)/2 + 1
		case "B":
			var b []byte
			_ = json.Unmarshal(x, &b)
			return len(b)
		case "BOOL", "NULL":
			return 1
		case "M":
			var m map[string]json.RawMessage
			_ = json.Unmarshal(x, &m)
			return 3 + itemSize(m)
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(x, &l)
			n := 3
			for _, e := range l {
				n += 1 + valueSize(e)
			}
			return n
		case "SS":
			var l []string
			_ = json.Unmarshal(x, &l)
			n := 0
			for _, e := range l {
				n += len(e)
			}
			return n
		}
	}
	return 0
}
