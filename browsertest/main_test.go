package browsertest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/testkit/stacktest"
)

// The stack, the merchant's site and the browser every test shares.
var (
	stk     *stack.Stack
	shop    *httptest.Server // the minimal merchant page and its backend (http://127.0.0.1:…)
	framer  string           // the same server seen as another site (http://localhost:…)
	foreign *httptest.Server // the shop on an origin no merchant allows (http://[::1]:…)
	chrome  context.Context  // the Chromium process; each test opens a tab in it
	logs    = &stacktest.LogBuffer{}
)

const apiKey = "o3ds_browserSuiteMerchantOne000000000000000000000"

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

var chromePath string

// chromeOptions are the flags of every Chromium this suite starts: headless,
// as root (no sandbox), no GPU, no /dev/shm.
func chromeOptions(extra ...chromedp.ExecAllocatorOption) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromePath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("headless", true),
		chromedp.WindowSize(1280, 900))
	return append(opts, extra...)
}

func run(m *testing.M) int {
	path, err := exec.LookPath("chromium")
	if err != nil {
		fmt.Fprintln(os.Stderr, "browsertest: chromium is not installed (make deps installs it with apt-get)")
		return 1
	}
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	return stacktest.Suite{
		Name:    "browsertest",
		DumpEnv: "BROWSERTEST_DUMP_LOGS",
		// DS_TIMEOUT: scenario 10 (the DS never answers) ends in 5 s, above
		// scenario 14's 3 s slow ACS.
		Config: stack.Config{APIKey: apiKey, Env: map[string]string{"DS_TIMEOUT": "5s", "DS_CONNECT_TIMEOUT": "1s"}},
		Logs:   logs,
		Ready: func(s *stack.Stack) error {
			stk = s
			shop = httptest.NewServer(newShop(s.URL, apiKey))
			cleanup = append(cleanup, shop.Close)
			_, port, _ := net.SplitHostPort(shop.Listener.Addr().String())
			framer = "http://localhost:" + port
			ln, err := net.Listen("tcp", "[::1]:0")
			if err != nil {
				return fmt.Errorf("IPv6 loopback: %w", err)
			}
			foreign = &httptest.Server{Listener: ln, Config: &http.Server{Handler: newShop(s.URL, apiKey)}}
			foreign.Start()
			cleanup = append(cleanup, foreign.Close)
			chromePath = path
			alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromeOptions()...)
			// The protocol definitions lag the browser: events they cannot decode
			// are skipped; their log lines are noise.
			b, cancelBrowser := chromedp.NewContext(alloc, chromedp.WithErrorf(func(string, ...any) {}))
			cleanup = append(cleanup, cancelAlloc, cancelBrowser)
			if err := chromedp.Run(b); err != nil {
				return fmt.Errorf("chromium did not start: %w", err)
			}
			chrome = b
			return nil
		},
	}.Run(m)
}
