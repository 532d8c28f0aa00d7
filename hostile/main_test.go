package hostile

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open3ds/server/devstack/lambdalocal/stack"
	"github.com/open3ds/server/shared/vault"
	"github.com/open3ds/server/testkit/hostile"
	"github.com/open3ds/server/testkit/stacktest"
)

var (
	target hostile.Target
	logs   = &stacktest.LogBuffer{}
)

const (
	apiKey1 = "o3ds_hostileSuiteMerchantOne0000000000000000000"
	apiKey2 = "o3ds_hostileSuiteMerchantTwo0000000000000000000"
)

// dialects are every merchant API the product speaks.
var dialects = []hostile.Dialect{hostile.Native(), hostile.UAS(), hostile.Cardinal(), hostile.Juspay(), hostile.Juspay3DS()}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	// The suite writes the master key itself, so that it can sign forged
	// session tokens with the real key (expired, another transaction's,
	// HS512); a positive control proves the derivation is the functions'.
	dir, err := os.MkdirTemp("", "open3ds-hostile-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	master := make([]byte, vault.KeySize)
	if _, err := rand.Read(master); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 1
	}
	doc, _ := json.Marshal(map[string]string{"masterKey": base64.StdEncoding.EncodeToString(master)})
	if err := os.WriteFile(filepath.Join(dir, "secrets.json"), doc, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		return 1
	}
	mac := hmac.New(sha256.New, master)
	mac.Write([]byte("open3ds threeDSSessionData v1")) // shared/app's derivation of the session key
	sessionKey := mac.Sum(nil)

	return stacktest.Suite{
		Name:    "hostile",
		DumpEnv: "HOSTILE_DUMP_LOGS",
		Config:  stack.Config{DataDir: dir, APIKey: apiKey1, APIKey2: apiKey2},
		Logs:    logs,
		Ready: func(s *stack.Stack) error {
			target = hostile.Target{
				API: stacktest.NewClient(s.URL, 60*time.Second), SimURL: s.Sim.URL(),
				Keys: [2]string{s.Merchants[0].APIKey, s.Merchants[1].APIKey}, SessionKey: sessionKey, Logs: logs.String,
				UASBase:  s.UASBaseURL,
				Cardinal: [3]string{s.Cardinal.APIID, s.Cardinal.OrgUnitID, s.Cardinal.APIKey},
				Juspay:   [2]string{s.Juspay.JuspayMerchantID, s.Juspay.APIKey},
			}
			dialects = append(dialects, hostile.Worldpay(s.Worldpay.Username, s.Worldpay.Password))
			return nil
		},
	}.Run(m)
}

// TestHostileClient probes every dialect as a hostile and careless client
// would (testkit/hostile): every row answered by its rule.
func TestHostileClient(t *testing.T) {
	hostile.Run(t, target, dialects...)
}
