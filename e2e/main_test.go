package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/open3ds/server/shared/lambdalocal/stack"
)

// The stack every test of this binary shares (building it takes ~20 s).
var (
	stk        *stack.Stack
	logs       = &lockedBuffer{}
	hooks      = &hookSink{}
	key1, key2 string
)

const (
	apiKey1       = "o3ds_e2eSuiteMerchantOne0000000000000000000000000"
	apiKey2       = "o3ds_e2eSuiteMerchantTwo0000000000000000000000000"
	webhookSecret = "whsec_e2e_suite_merchant_one_secret_0123456789"
	// dsTimeout is the server's DS timeout here: short, so scenario 10
	// (the DS never answers) ends quickly, yet above the 3 s of scenario 14
	// (slow ACS), which must still succeed.
	dsTimeout = "4s"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Config{
		APIKey:        apiKey1,
		APIKey2:       apiKey2,
		WebhookURL:    hookSrv.URL + "/webhooks",
		WebhookSecret: webhookSecret,
		Env: map[string]string{
			"DS_TIMEOUT":         dsTimeout,
			"DS_CONNECT_TIMEOUT": "1s", // must not exceed DS_TIMEOUT
		},
		NewStore: stack.DynamoStore,
		Logs:     logs,
		// The stack's and the simulator's own lines go to the same capture:
		// the card-data sweep reads every line anything wrote.
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the local stack did not start: %v\noutput:\n%s\n", err, logs.String())
		return 1
	}
	defer s.Close()
	if len(s.Merchants) != 2 {
		fmt.Fprintf(os.Stderr, "e2e: want 2 seeded merchants, got %d\n", len(s.Merchants))
		return 1
	}
	stk = s
	key1, key2 = s.Merchants[0].APIKey, s.Merchants[1].APIKey

	code := m.Run()
	if code != 0 && os.Getenv("E2E_DUMP_LOGS") != "" {
		fmt.Fprintf(os.Stderr, "stack output:\n%s\n", logs.String())
	}
	return code
}

// lockedBuffer is the thread-safe capture of every log line.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// hookSink is merchant one's webhook endpoint: it keeps every delivery with
// its headers and raw body, so the tests verify the signature themselves.
type hookSink struct {
	mu     sync.Mutex
	events []delivery
}

type delivery struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	h.events = append(h.events, delivery{Header: r.Header.Clone(), Body: body, At: time.Now()})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// forTx returns the deliveries whose event is about the transaction.
func (h *hookSink) forTx(txID string) []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []delivery
	for _, d := range h.events {
		var ev struct {
			Data struct {
				ThreeDSServerTransID string `json:"threeDSServerTransID"`
			} `json:"data"`
		}
		if json.Unmarshal(d.Body, &ev) == nil && ev.Data.ThreeDSServerTransID == txID {
			out = append(out, d)
		}
	}
	return out
}
