package browsertest

import (
	"context"
	"fmt"
	"net"
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
	stk    *stack.Stack
	shop   *httptest.Server // the minimal merchant page and its backend (http://127.0.0.1:…)
	framer string           // the same server seen as another site (http://localhost:…)
	chrome context.Context  // the Chromium process; each test opens a tab in it
	logs   = &stacktest.LogBuffer{}
)

const apiKey = "o3ds_browserSuiteMerchantOne000000000000000000000"

func TestMain(m *testing.M) {
	os.Exit(run(m))
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
		Config:  stack.Config{APIKey: apiKey},
		Logs:    logs,
		Ready: func(s *stack.Stack) error {
			stk = s
			shop = httptest.NewServer(newShop(s.URL, apiKey))
			cleanup = append(cleanup, shop.Close)
			_, port, _ := net.SplitHostPort(shop.Listener.Addr().String())
			framer = "http://localhost:" + port
			opts := append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
				chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("headless", true),
				chromedp.WindowSize(1280, 900))
			alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
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
