package faulttest

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open3ds/server/devstack/ddblocal"
	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/testkit/stacktest"
)

// The one stack every test of this binary shares (building it takes ~20 s):
// its functions reach the DS through fakeDS, which the tests break and mend
// at run time, and merchant one's webhooks go to hooks, which they take down.
var (
	stk     *stack.Stack
	fakeDS  *faultyDS
	hooks   = &stacktest.HookReceiver{}
	api     *stacktest.Client
	key1    string
	dataDir string
	ddbPort int
	modDir  string
	// restarted is the DynamoDB Local that replaced the stack's killed one.
	restarted *ddblocal.Instance
)

const (
	apiKey1       = "o3ds_faultSuiteMerchantOne000000000000000000000"
	webhookSecret = "whsec_fault_suite_merchant_one_secret_01234567"
	// dsTimeout is short so a DS that never answers ends a test quickly.
	dsTimeout = 3 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if modDir, err = ddblocal.FindRepoRoot(""); err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		return 1
	}
	if dataDir, err = os.MkdirTemp("", "open3ds-faulttest-"); err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		return 1
	}
	defer os.RemoveAll(dataDir)

	// Fixed ports: the fake DS forwards to the simulator before Start
	// returns (the card-range load), and DynamoDB Local is restarted on the
	// same port with the same data directory.
	simPort, err := ddblocal.FreePort()
	if err == nil {
		ddbPort, err = ddblocal.FreePort()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		return 1
	}
	fakeDS, err = newFaultyDS(filepath.Join(dataDir, "pki"), fmt.Sprintf("http://127.0.0.1:%d/ds", simPort))
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest: fake DS:", err)
		return 1
	}
	defer fakeDS.Close()

	hookSrv := httptest.NewServer(hooks)
	defer hookSrv.Close()
	defer func() {
		if restarted != nil { // TestDynamoDBKilled's second DynamoDB Local
			_ = restarted.Stop()
		}
	}()

	return stacktest.Suite{
		Name:    "faulttest",
		DumpEnv: "FAULTTEST_DUMP_LOGS",
		Config: stack.Config{
			SimPort:       simPort,
			DDBPort:       ddbPort,
			DataDir:       dataDir,
			ModuleDir:     modDir,
			APIKey:        apiKey1,
			WebhookURL:    hookSrv.URL + "/webhooks",
			WebhookSecret: webhookSecret,
			Env: map[string]string{
				"DS_URL":             fakeDS.URL(),
				"DS_CA_FILE":         fakeDS.pki.CAFile,
				"DS_CERT_FILE":       fakeDS.pki.ClientCertFile,
				"DS_KEY_FILE":        fakeDS.pki.ClientKeyFile,
				"DS_TIMEOUT":         dsTimeout.String(),
				"DS_CONNECT_TIMEOUT": "1s",
			},
		},
		Ready: func(s *stack.Stack) error {
			// A hang beyond the client's timeout fails the test.
			stk, api = s, stacktest.NewClient(s.URL, 45*time.Second)
			key1 = s.Merchants[0].APIKey
			return nil
		},
	}.Run(m)
}
