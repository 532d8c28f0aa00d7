package e2e

import (
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/testkit/stacktest"
)

// The stack every test of this binary shares (building it takes ~20 s).
var (
	stk        *stack.Stack
	api        *stacktest.Client
	logs       = &stacktest.LogBuffer{}
	hooks      = &stacktest.HookReceiver{}
	key1, key2 string
)

const (
	apiKey1       = "o3ds_e2eSuiteMerchantOne0000000000000000000000000"
	apiKey2       = "o3ds_e2eSuiteMerchantTwo0000000000000000000000000"
	webhookSecret = "whsec_e2e_suite_merchant_one_secret_0123456789"
	// dsTimeout is the server's DS timeout here: short, so scenario 10
	// (the DS never answers) ends quickly, yet above the 3 s of scenario 14
	// (slow ACS), which must still succeed.
	dsTimeout = "6s"
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()

	return stacktest.Suite{
		Name:    "e2e",
		DumpEnv: "E2E_DUMP_LOGS",
		Config: stack.Config{
			APIKey:        apiKey1,
			APIKey2:       apiKey2,
			WebhookURL:    hookSrv.URL + "/webhooks",
			WebhookSecret: webhookSecret,
			Env: map[string]string{
				"DS_TIMEOUT":         dsTimeout,
				"DS_CONNECT_TIMEOUT": "1s", // must not exceed DS_TIMEOUT
			},
			NewStore: pspMerchantOne,
		},
		// The card-data sweep reads every line the stack, the functions and
		// the simulator wrote.
		Logs: logs,
		Ready: func(s *stack.Stack) error {
			if len(s.Merchants) != 2 {
				return fmt.Errorf("want 2 seeded merchants, got %d", len(s.Merchants))
			}
			stk, api = s, stacktest.NewClient(s.URL, 60*time.Second)
			key1, key2 = s.Merchants[0].APIKey, s.Merchants[1].APIKey
			return nil
		},
	}.Run(m)
}
