package browsertest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/open3ds/server/testkit/stacktest"
)

// newShop is a minimal merchant: one page that uses only threeds.js from
// the API's origin, and a backend that calls /preauth, /auth and /postauth
// with the API key (the browser never sees it). /silent-acs is an ACS
// method page that never notifies; /frame frames the shop (a checkout that
// is itself inside an iframe).
func newShop(apiURL, key string) http.Handler {
	mux := http.NewServeMux()
	page := strings.ReplaceAll(shopPage, "{{API}}", apiURL)
	mux.HandleFunc("GET /shop", func(w http.ResponseWriter, r *http.Request) { html(w, page) })
	mux.HandleFunc("GET /shop/return", func(w http.ResponseWriter, r *http.Request) { html(w, page) })
	hostedPage := strings.ReplaceAll(hostedShopPage, "{{API}}", apiURL)
	mux.HandleFunc("GET /hosted-shop", func(w http.ResponseWriter, r *http.Request) { html(w, hostedPage) })
	mux.HandleFunc("GET /frame", func(w http.ResponseWriter, r *http.Request) {
		html(w, `<!DOCTYPE html><html><body><h1>Marketplace</h1>`+
			`<iframe id="checkout" sandbox="allow-scripts allow-forms allow-same-origin allow-top-navigation" width="800" height="600" src="`+
			strings.ReplaceAll(r.URL.Query().Get("src"), `"`, "")+`"></iframe></body></html>`)
	})
	mux.HandleFunc("POST /silent-acs", func(w http.ResponseWriter, r *http.Request) {
		html(w, "<!DOCTYPE html><p>method ran, no notification</p>")
	})
	client := &http.Client{Timeout: 70 * time.Second}
	mux.HandleFunc("POST /api/{step}", func(w http.ResponseWriter, r *http.Request) {
		var in map[string]string
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&in)
		var body any
		switch r.PathValue("step") {
		case "preauth":
			body = map[string]any{"acctNumber": in["acctNumber"]}
		case "auth":
			areq := stacktest.BrowserAReq(in["threeDSServerTransID"], in["acctNumber"]).With(
				"threeDSCompInd", in["threeDSCompInd"], "challengeWindowSize", in["challengeWindowSize"])
			if in["returnURL"] != "" {
				areq = areq.With("returnURL", in["returnURL"])
			}
			body = areq
		case "postauth":
			body = map[string]any{"threeDSServerTransID": in["threeDSServerTransID"]}
		default:
			http.NotFound(w, r)
			return
		}
		b, _ := json.Marshal(body)
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, apiURL+"/"+r.PathValue("step"), bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})
	return mux
}

func html(w http.ResponseWriter, s string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = io.WriteString(w, s)
}

// shopPage runs the whole flow from its query: pan, windowSize (01–05,
// auto), mode (iframe, redirect), methodTimeout, silentACS, returnURL. It
// writes the outcome as JSON into #out and sets body[data-done].
const shopPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{{API}}/js/threeds.js"></script>
</head><body>
<h1>Shop</h1>
<div id="challenge"></div>
<pre id="out"></pre>
<script>
(function () {
  var q = new URLSearchParams(location.search);
  var events = [];
  ThreeDS.on("*", function (e) { events.push(e.type); });
  function done(o) { o.events = events; document.getElementById("out").textContent = JSON.stringify(o); document.body.setAttribute("data-done", "true"); }
  function api(step, body) {
    return fetch("/api/" + step, {method: "POST", body: JSON.stringify(body)}).then(function (r) {
      return r.json().then(function (j) {
        if (r.status !== 200) { throw new Error(step + " HTTP " + r.status + " " + (j.errorCode || "") + " " + (j.errorDetail || "")); }
        return j;
      });
    });
  }
  if (location.pathname === "/shop/return") {
    var back = ThreeDS.returned();
    api("postauth", {threeDSServerTransID: back.threeDSServerTransID}).then(function (post) { done({back: back, post: post, top: window.top === window}); }, function (e) { done({error: String(e.message)}); });
    return;
  }
  window.ThreeDSDone = false;
  var mode = q.get("mode") || "iframe";
  var returnURL = q.get("returnURL") || (mode === "redirect" ? location.origin + "/shop/return" : "");
  var pan = q.get("pan"), id = "", m = null, size = q.get("windowSize") || "05";
  ThreeDS.configure({methodTimeout: Number(q.get("methodTimeout") || 10000), challengeTimeout: Number(q.get("challengeTimeout") || 600000)});
  api("preauth", {acctNumber: pan}).then(function (pre) {
    id = pre.threeDSServerTransID;
    var url = q.get("silentACS") ? location.origin + "/silent-acs" : pre.threeDSMethodURL;
    return ThreeDS.method({threeDSMethodURL: url, threeDSMethodData: pre.threeDSMethodData});
  }).then(function (res) {
    m = res;
    if (size === "auto") { size = ThreeDS.windowSize("#challenge"); }
    return api("auth", {threeDSServerTransID: id, acctNumber: pan, threeDSCompInd: m.threeDSCompInd, challengeWindowSize: size, returnURL: returnURL});
  }).then(function (ares) {
    if (ares.transStatus !== "C") { return {ares: ares}; }
    document.body.setAttribute("data-challenge", "shown");
    return ThreeDS.challenge({container: "#challenge", acsURL: ares.acsURL, creq: ares.base64EncodedChallengeRequest,
      threeDSSessionData: ares.threeDSSessionData, windowSize: size, mode: mode, returnURL: returnURL}).then(function (ch) { return {ares: ares, challenge: ch}; });
  }).then(function (r) {
    if (r.challenge && r.challenge.redirected) { return; }
    return api("postauth", {threeDSServerTransID: id}).then(function (post) {
      done({id: id, method: m, windowSize: size, aresStatus: r.ares.transStatus, challenge: r.challenge || null, post: post});
    });
  }).catch(function (e) { done({id: id, error: String(e.message || e)}); });
})();
</script>
</body></html>`

// hostedShopPage uses no script of ours at all: it frames our hosted
// method page, then our hosted challenge page, and listens for their
// messages (checking the sender's origin and the transaction ID).
const hostedShopPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Shop (hosted pages)</title></head><body>
<h1>Shop, hosted pages</h1>
<div id="method"></div>
<div id="challenge"></div>
<pre id="out"></pre>
<script>
(function () {
  var API = "{{API}}";
  var q = new URLSearchParams(location.search);
  var pan = q.get("pan"), size = q.get("windowSize") || "03", id = "";
  function done(o) { document.getElementById("out").textContent = JSON.stringify(o); document.body.setAttribute("data-done", "true"); }
  function api(step, body) {
    return fetch("/api/" + step, {method: "POST", body: JSON.stringify(body)}).then(function (r) { return r.json(); });
  }
  function frame(into, src, type, w, h) {
    return new Promise(function (resolve) {
      var f = document.createElement("iframe");
      f.width = w; f.height = h; f.style.border = "0"; f.src = src;
      window.addEventListener("message", function on(ev) {
        if (ev.origin !== API || ev.source !== f.contentWindow || !ev.data || ev.data.type !== type || ev.data.threeDSServerTransID !== id) { return; }
        window.removeEventListener("message", on);
        f.remove();
        resolve(ev.data);
      });
      document.getElementById(into).appendChild(f);
    });
  }
  var method = null, challenge = null;
  api("preauth", {acctNumber: pan}).then(function (pre) {
    id = pre.threeDSServerTransID;
    return frame("method", API + "/hosted/method?" + new URLSearchParams({threeDSServerTransID: id, parentOrigin: location.origin}), "3ds-hosted-method", 0, 0);
  }).then(function (m) {
    method = m;
    return api("auth", {threeDSServerTransID: id, acctNumber: pan, threeDSCompInd: m.threeDSCompInd, challengeWindowSize: size});
  }).then(function (ares) {
    if (ares.transStatus !== "C") { return null; }
    return frame("challenge", API + "/hosted/challenge?" + new URLSearchParams({threeDSSessionData: ares.threeDSSessionData,
      creq: ares.base64EncodedChallengeRequest, parentOrigin: location.origin}), "3ds-hosted-challenge", 520, 620);
  }).then(function (c) {
    challenge = c;
    return api("postauth", {threeDSServerTransID: id});
  }).then(function (post) { done({id: id, method: method, challenge: challenge, post: post}); })
    .catch(function (e) { done({error: String(e.message || e)}); });
})();
</script></body></html>`
