package stacktest

import (
	"bytes"
	"io"
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

// signRReq adds the Dssim-Signature header when the request goes to a
// registered stack.
func signRReq(req *http.Request) error {
	for base, v := range rangeKeys() {
		if strings.HasPrefix(req.URL.String(), base+"/") {
			var body []byte
			if req.GetBody != nil {
				rc, err := req.GetBody()
				if err != nil {
					return err
				}
				if body, err = io.ReadAll(rc); err != nil {
					return err
				}
				req.Body = io.NopCloser(bytes.NewReader(body))
			}
			req.Header.Set(webhooksig.SandboxRReqHeader, webhooksig.Sign(v, time.Now(), body))
			return nil
		}
	}
	return nil
}

func rangeKeys() map[string][]byte {
	out := map[string][]byte{}
	rreqKeys.Range(func(k, v any) bool {
		out[k.(string)] = v.([]byte)
		return true
	})
	return out
}
