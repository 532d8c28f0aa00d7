package dssim

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Direction says whether the simulator received or sent a message.
type Direction string

// Directions.
const (
	Received Direction = "received"
	Sent     Direction = "sent"
)

// Exchange is one message the simulator received or sent for a transaction.
// Body is the message JSON with the PAN masked to its last four digits and
// cardholder data (expiry, name, email, phones, addresses, browser IP, CSC)
// replaced by "****"; the simulator's own test CAVVs are kept so tests can
// compare them with what the 3DS Server reports.
type Exchange struct {
	Seq         int             `json:"seq"` // order within the transaction, from 1
	Time        time.Time       `json:"time"`
	Direction   Direction       `json:"direction"`
	MessageType string          `json:"messageType"` // AReq, ARes, Erro, PReq, PRes, CReq, CRes, RReq, RRes, ThreeDSMethod, or "" when unparseable
	Peer        string          `json:"peer"`        // "3DS Server", "browser"
	Endpoint    string          `json:"endpoint"`    // the simulator route, or the URL posted to
	Status      int             `json:"status,omitempty"`
	Body        json.RawMessage `json:"body,omitempty"`
	Note        string          `json:"note,omitempty"` // fault injected, delivery error, …
}

// Limits that keep a long-running simulator's memory bounded.
const (
	maxExchangesPerTx = 64
	maxTransactions   = 20000
)

type exchangeLog struct {
	mu    sync.Mutex
	byTx  map[string][]Exchange
	order []string // insertion order of transaction IDs, for eviction
}

func newExchangeLog() *exchangeLog { return &exchangeLog{byTx: map[string][]Exchange{}} }

func (l *exchangeLog) add(txID string, e Exchange) {
	if txID == "" {
		txID = "unknown"
	}
	e.Body = maskBody(e.Body)
	l.mu.Lock()
	defer l.mu.Unlock()
	list, ok := l.byTx[txID]
	if !ok {
		l.order = append(l.order, txID)
		if len(l.order) > maxTransactions {
			delete(l.byTx, l.order[0])
			l.order = l.order[1:]
		}
	}
	if len(list) >= maxExchangesPerTx {
		return
	}
	e.Seq = len(list) + 1
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	l.byTx[txID] = append(list, e)
}

func (l *exchangeLog) get(txID string) []Exchange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Exchange(nil), l.byTx[txID]...)
}

// Exchanges returns what the simulator received and sent for a transaction
// (keyed by threeDSServerTransID), in order. It never holds a full PAN.
func (s *Simulator) Exchanges(threeDSServerTransID string) []Exchange {
	return s.log.get(threeDSServerTransID)
}

// sensitiveKeys are replaced in recorded bodies; acctNumber keeps its last 4.
var sensitiveKeys = map[string]bool{
	"cardExpiryDate": true, "cardholderName": true, "email": true, "homePhone": true,
	"mobilePhone": true, "workPhone": true, "browserIP": true, "cardSecurityCode": true,
	"billAddrCity": true, "billAddrCountry": true, "billAddrLine1": true, "billAddrLine2": true,
	"billAddrLine3": true, "billAddrPostCode": true, "billAddrState": true,
	"shipAddrCity": true, "shipAddrCountry": true, "shipAddrLine1": true, "shipAddrLine2": true,
	"shipAddrLine3": true, "shipAddrPostCode": true, "shipAddrState": true, "appIp": true,
	"sdkEncData": true, "deviceInfo": true,
}

// maskBody masks a JSON object's card data. A body that is not a JSON
// object is replaced by a note of its size, since it may be anything.
func maskBody(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		note, _ := json.Marshal(map[string]any{"unparseable": true, "bytes": len(b)})
		return note
	}
	for k, v := range m {
		switch {
		case k == "acctNumber":
			var pan string
			_ = json.Unmarshal(v, &pan)
			m[k], _ = json.Marshal(maskPAN(pan))
		case sensitiveKeys[k]:
			m[k] = json.RawMessage(`"****"`)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func maskPAN(pan string) string {
	if len(pan) <= 4 {
		return "****"
	}
	return "****" + pan[len(pan)-4:]
}

// handleDebug serves GET /debug/transactions/{threeDSServerTransID}.
func (s *Simulator) handleDebug(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimSpace(r.PathValue("id"))
	list := s.log.get(id)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if len(list) == 0 {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"no exchanges for this threeDSServerTransID"}`))
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"threeDSServerTransID": id, "exchanges": list})
}
