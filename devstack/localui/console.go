package localui

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/open3ds/server/shared/browser"
	"github.com/open3ds/server/shared/threeds"
)

// maxListed bounds the console's list (newest first).
const maxListed = 200

// row is one transaction in the console's table.
type row struct {
	ID, Merchant, Card, Scheme, Version, Channel, State, TransStatus, ECI, Source string
	Created                                                                       time.Time
	ToAReq, ToResult                                                              string
}

func newRow(tx *threeds.Transaction) row {
	r := row{ID: tx.ID, Merchant: tx.MerchantID, Card: maskedCard(tx.Card), Scheme: string(tx.Card.Scheme),
		Version: string(tx.MessageVersion), Channel: channelName(string(tx.DeviceChannel)), State: string(tx.State), Created: tx.CreatedAt}
	if tx.Result != nil {
		r.TransStatus, r.ECI, r.Source = string(tx.Result.TransStatus), string(tx.Result.ECI), tx.Result.Source
		r.ToResult = since(tx.CreatedAt, tx.Result.ReceivedAt)
	} else if tx.ARes.TransStatus != "" {
		r.TransStatus = string(tx.ARes.TransStatus)
	}
	if tx.Error != nil {
		r.TransStatus = "Erro " + string(tx.Error.Code)
	}
	r.ToAReq = since(tx.CreatedAt, tx.AReqSentAt)
	return r
}

// maskedCard is the card as the logs show it: BIN and last four.
func maskedCard(c threeds.Card) string {
	if c.BIN == "" && c.Last4 == "" {
		return "—"
	}
	return c.BIN + "******" + c.Last4
}

func channelName(c string) string {
	switch c {
	case "01":
		return "app"
	case "02":
		return "browser"
	case "03":
		return "3RI"
	}
	return c
}

func since(from, to time.Time) string {
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return ""
	}
	return to.Sub(from).Round(time.Millisecond).String()
}

func (u *UI) rows(ctx context.Context) ([]row, error) {
	ids, err := u.cfg.TransactionIDs(ctx)
	if err != nil {
		return nil, err
	}
	var out []row
	for _, id := range ids {
		tx, err := u.cfg.Store.Get(ctx, id)
		if err != nil {
			continue // expired between the scan and the read
		}
		out = append(out, newRow(tx))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	if len(out) > maxListed {
		out = out[:maxListed]
	}
	return out, nil
}

type consoleView struct {
	Nonce     string
	Rows      []row
	Error     string
	Webhooks  int
	DeadCount int
}

func (u *UI) console(w http.ResponseWriter, r *http.Request) {
	n := browser.Nonce()
	v := consoleView{Nonce: n}
	rows, err := u.rows(r.Context())
	if err != nil {
		v.Error = "could not read the table: " + err.Error()
	}
	v.Rows = rows
	if u.cfg.Webhooks != nil {
		v.Webhooks = len(u.cfg.Webhooks())
	}
	if u.cfg.DeadLetters != nil {
		if d, err := u.cfg.DeadLetters(); err == nil {
			v.DeadCount = len(d)
		}
	}
	securePage(w, pages, "console", v, n)
}

// event is one line of a transaction's timeline.
type event struct {
	At     time.Time
	Offset string // since the transaction was created
	Source string // server, simulator, webhook, dead letter
	What   string // AReq, ARes, "webhook delivery" …
	Dir    string // "→", "←" or ""
	Detail string
	Body   string // masked JSON, pretty
	Bad    bool
}

type txView struct {
	Nonce  string
	Row    row
	Events []event
	Result []kv
	Error  string
}

type kv struct{ K, V string }

func (u *UI) transaction(w http.ResponseWriter, r *http.Request) {
	n := browser.Nonce()
	id := r.PathValue("id")
	tx, err := u.cfg.Store.Get(r.Context(), id)
	if err != nil {
		w.WriteHeader(http.StatusNotFound)
		securePage(w, pages, "tx", txView{Nonce: n, Error: "No transaction with this ID (it may have expired)."}, n)
		return
	}
	v := txView{Nonce: n, Row: newRow(tx)}
	add := func(at time.Time, src, what, dir, detail string, body []byte, bad bool) {
		if at.IsZero() {
			return
		}
		v.Events = append(v.Events, event{At: at, Source: src, What: what, Dir: dir, Detail: detail, Body: pretty(body), Bad: bad})
	}
	opened := "transaction opened, version " + string(tx.MessageVersion)
	if tx.DSStartVersion != "" {
		opened += "; DS versions " + string(tx.DSStartVersion) + "–" + string(tx.DSEndVersion)
	}
	add(tx.CreatedAt, "server", "preauth", "", opened, nil, false)
	if tx.ThreeDSMethodURL != "" {
		detail := "method URL " + tx.ThreeDSMethodURL
		if !tx.MethodCompletedAt.IsZero() {
			add(tx.MethodCompletedAt, "server", "3DS Method", "←", "notification received (threeDSCompInd Y)", nil, false)
		} else {
			detail += "; no notification received"
		}
		add(tx.CreatedAt.Add(time.Microsecond), "server", "3DS Method", "", detail, nil, false)
	}
	areq := "sent to the DS"
	if tx.CompInd != "" {
		areq += "; threeDSCompInd " + string(tx.CompInd)
	}
	if tx.ChallengeWindowSize != "" {
		areq += "; challenge window " + tx.ChallengeWindowSize
	}
	add(tx.AReqSentAt, "server", "AReq", "→", areq, nil, false)
	add(tx.CResReceivedAt, "server", "CRes", "←", "final CRes from the browser (/callbacks/challenge)", nil, false)
	if tx.Result != nil {
		add(tx.Result.ReceivedAt, "server", "result", "", "final: transStatus "+string(tx.Result.TransStatus)+" from the "+tx.Result.Source, nil, false)
		v.Result = []kv{{"transStatus", string(tx.Result.TransStatus)}, {"transStatusReason", string(tx.Result.TransStatusReason)},
			{"eci", string(tx.Result.ECI)}, {"authenticationValue", maskTailOrEmpty(string(tx.Result.AuthenticationValue))},
			{"challengeCancel", string(tx.Result.ChallengeCancel)}, {"source", tx.Result.Source}}
	}
	if tx.Error != nil {
		add(tx.UpdatedAt, "server", "Erro", "", "Erro "+string(tx.Error.Code)+" ("+string(tx.Error.Component)+"): "+tx.Error.Description+" "+tx.Error.Detail, nil, true)
	}
	if u.cfg.Exchanges != nil {
		for _, e := range u.cfg.Exchanges(id) {
			dir := "←"
			if e.Direction == "sent" {
				dir = "→"
			}
			what := e.MessageType
			if what == "" {
				what = "message"
			}
			detail := string(e.Direction) + " " + map[bool]string{true: "to", false: "from"}[e.Direction == "sent"] + " " + e.Peer + " (" + e.Endpoint + ")"
			if e.Note != "" {
				detail += " — " + e.Note
			}
			add(e.Time, "simulator", what, dir, detail, e.Body, e.Status >= 400)
		}
	}
	if u.cfg.Store != nil {
		if ds, err := u.cfg.Store.ListWebhookDeliveries(r.Context(), tx.MerchantID, 100); err == nil {
			for _, d := range ds {
				if d.TransactionID != id {
					continue
				}
				detail := d.Event + ": " + d.Status + ", " + plural(d.Attempts, "attempt")
				if d.LastStatusCode != 0 {
					detail += ", last HTTP " + itoa(d.LastStatusCode)
				}
				if d.LastError != "" {
					detail += ", " + d.LastError
				}
				add(d.CreatedAt, "webhook", "delivery", "→", detail, nil, d.Status != "delivered")
			}
		}
	}
	if u.cfg.Webhooks != nil {
		for _, h := range u.cfg.Webhooks() {
			if bytes.Contains(h.Body, []byte(id)) {
				add(h.At, "webhook", "received by the sink", "←", "signature "+h.Signature, h.Body, h.Signature != "valid")
			}
		}
	}
	if u.cfg.DeadLetters != nil {
		if dl, err := u.cfg.DeadLetters(); err == nil {
			for _, d := range dl {
				if bytes.Contains(d, []byte(id)) {
					add(tx.UpdatedAt, "dead letter", "stream record", "", "the webhook function failed on this record", d, true)
				}
			}
		}
	}
	sort.SliceStable(v.Events, func(i, j int) bool { return v.Events[i].At.Before(v.Events[j].At) })
	for i := range v.Events {
		v.Events[i].Offset = "+" + v.Events[i].At.Sub(tx.CreatedAt).Round(time.Millisecond).String()
	}
	securePage(w, pages, "tx", v, n)
}

func maskTailOrEmpty(s string) string {
	if s == "" {
		return ""
	}
	return maskTail(s)
}

// sensitive are the members masked in every body the console shows (the
// simulator already masks the cardholder data; it keeps its CAVVs).
var sensitive = map[string]bool{"authenticationvalue": true, "acctnumber": true, "cardexpirydate": true, "cvv": true, "cardsecuritycode": true}

// pretty indents a JSON body with card data masked; "" when there is none.
func pretty(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return "(not JSON, " + itoa(len(b)) + " bytes)"
	}
	v = mask(v)
	out, _ := json.MarshalIndent(v, "", "  ")
	return string(out)
}

func mask(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok && sensitive[strings.ToLower(k)] && !strings.HasPrefix(s, "*") {
				x[k] = maskTail(s)
				continue
			}
			x[k] = mask(val)
		}
	case []any:
		for i := range x {
			x[i] = mask(x[i])
		}
	}
	return v
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return itoa(n) + " " + word + "s"
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
