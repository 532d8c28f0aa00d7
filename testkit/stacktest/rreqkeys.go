package stacktest

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/open3ds/server/shared/webhooksig"
)

// The sandbox's /ds/results refuses RReqs without the simulator's HMAC
// signature (production: mutual TLS). A test posting RReqs plays the DS, so
// it signs them with the key of the stack it talks to: Start and Suite.Run
// register each stack's key under its URL here.
var rreqKeys sync.Map // base URL → []byte

func registerRReqKey(baseURL string, key []byte) {
	if len(key) > 0 {
		rreqKeys.Store(strings.TrimRight(baseURL, "/"), key)
	}
}

// SignRReq adds the Dssim-Signature header when base is a registered
// stack's URL: the request plays the DS.
func SignRReq(base string, req *http.Request, body []byte) {
	v, ok := rreqKeys.Load(strings.TrimRight(base, "/"))
	if !ok {
		return
	}
	req.Header.Set(webhooksig.SandboxRReqHeader, webhooksig.Sign(v.([]byte), time.Now(), body))
}
