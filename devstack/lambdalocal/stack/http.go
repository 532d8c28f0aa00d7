package stack

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/open3ds/server/devstack/localui"
	"github.com/open3ds/server/shared/webhooksig"
)

// handler serves the local-only routes and hands everything else to the
// gateway (503 until it is up).
func (s *Stack) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		ok, parts := s.Healthy()
		status, code := "ok", http.StatusOK
		if !ok {
			status, code = "starting", http.StatusServiceUnavailable
		}
		writeJSON(w, code, map[string]any{"status": status, "components": parts})
	})
	mux.HandleFunc("GET /_local/webhooks", s.sink.page)
	mux.HandleFunc("POST /_local/webhooks/sink", s.sink.receive)
	mux.HandleFunc("GET /_local/dead-letters", func(w http.ResponseWriter, r *http.Request) { s.dead.ServeHTTP(w, r) })
	for _, p := range localui.Paths {
		mux.HandleFunc(p, s.serveUI)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.gwMu.RLock()
		gw := s.gw
		s.gwMu.RUnlock()
		if gw == nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "starting", "message": "the local stack is still starting"})
			return
		}
		gw.ServeHTTP(w, r)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// ReceivedWebhook is one event the local sink received.
type ReceivedWebhook struct {
	At        time.Time       `json:"at"`
	Signature string          `json:"signature"` // "valid", "invalid: …" or "missing"
	Body      json.RawMessage `json:"body"`
}

// webhookSink stands in for a merchant's webhook endpoint: it keeps what it
// receives and checks the Threeds-Signature against the seeded secrets.
type webhookSink struct {
	mu      sync.Mutex
	secrets [][]byte
	events  []ReceivedWebhook
}

func newWebhookSink() *webhookSink { return &webhookSink{} }

func (k *webhookSink) addSecret(secret string) {
	k.mu.Lock()
	k.secrets = append(k.secrets, []byte(secret))
	k.mu.Unlock()
}

func (k *webhookSink) list() []ReceivedWebhook {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]ReceivedWebhook(nil), k.events...)
}

func (k *webhookSink) receive(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	ev := ReceivedWebhook{At: time.Now().UTC(), Signature: "missing"}
	if json.Valid(body) {
		ev.Body = body
	} else {
		ev.Body, _ = json.Marshal(string(body))
	}
	k.mu.Lock()
	secrets := k.secrets
	k.mu.Unlock()
	if h := r.Header.Get(webhooksig.Header); h != "" {
		ev.Signature = "invalid"
		for _, sec := range secrets {
			err = webhooksig.Verify(sec, h, body, time.Now(), webhooksig.DefaultTolerance)
			if err == nil {
				ev.Signature = "valid"
				break
			}
		}
		if ev.Signature != "valid" && err != nil {
			ev.Signature = "invalid: " + err.Error()
		}
	}
	k.mu.Lock()
	k.events = append(k.events, ev)
	k.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

var sinkPage = template.Must(template.New("sink").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>open3ds local webhooks</title>
<style>body{font-family:sans-serif;margin:2em}pre{background:#f4f4f4;padding:.5em;overflow:auto}.valid{color:green}.bad{color:#b00}</style></head>
<body><h1>Webhook events received ({{len .}})</h1>
{{range .}}<h3>{{.At.Format "15:04:05.000"}} — signature <span class="{{if eq .Signature "valid"}}valid{{else}}bad{{end}}">{{.Signature}}</span></h3>
<pre>{{printf "%s" .Body}}</pre>{{else}}<p>None yet. Finish a transaction and reload.</p>{{end}}
</body></html>`))

func (k *webhookSink) page(w http.ResponseWriter, r *http.Request) {
	events := k.list()
	if r.URL.Query().Get("format") == "json" {
		if events == nil {
			events = []ReceivedWebhook{}
		}
		writeJSON(w, http.StatusOK, events)
		return
	}
	// Newest first on the page.
	for i, j := 0, len(events)-1; i < j; i, j = i+1, j-1 {
		events[i], events[j] = events[j], events[i]
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := sinkPage.Execute(w, events); err != nil {
		fmt.Fprintln(w, "render error")
	}
}
