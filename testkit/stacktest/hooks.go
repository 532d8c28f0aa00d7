package stacktest

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

// Delivery is one webhook POST and what the receiver answered.
type Delivery struct {
	At       time.Time
	Answered int
	Header   http.Header
	Body     []byte
	EventID  string
	TxID     string // the event's data.threeDSServerTransID
}

// HookReceiver is a merchant's webhook endpoint: it keeps every POST with
// its headers and raw body (so tests verify signatures themselves) and
// answers 204, or 503 while it is down.
type HookReceiver struct {
	mu   sync.Mutex
	down bool
	got  []Delivery
}

// SetDown makes the receiver answer 503 (true) or 204 (false).
func (h *HookReceiver) SetDown(down bool) {
	h.mu.Lock()
	h.down = down
	h.mu.Unlock()
}

func (h *HookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			ThreeDSServerTransID string `json:"threeDSServerTransID"`
		} `json:"data"`
		// Juspay's envelope: content.order.second_factor_response.
		Content struct {
			Order struct {
				SFR struct {
					ThreeDSServerTransID string `json:"threeDSServerTransID"`
				} `json:"second_factor_response"`
			} `json:"order"`
		} `json:"content"`
	}
	_ = json.Unmarshal(body, &ev)
	if ev.Data.ThreeDSServerTransID == "" {
		ev.Data.ThreeDSServerTransID = ev.Content.Order.SFR.ThreeDSServerTransID
	}
	h.mu.Lock()
	code := http.StatusNoContent
	if h.down {
		code = http.StatusServiceUnavailable
	}
	h.got = append(h.got, Delivery{At: time.Now(), Answered: code, Header: r.Header.Clone(), Body: body, EventID: ev.ID, TxID: ev.Data.ThreeDSServerTransID})
	h.mu.Unlock()
	w.WriteHeader(code)
}

// ForTx returns the POSTs about a transaction, oldest first.
func (h *HookReceiver) ForTx(txID string) []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Delivery
	for _, d := range h.got {
		if d.TxID == txID {
			out = append(out, d)
		}
	}
	return out
}
