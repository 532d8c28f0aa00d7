package browsertest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/dssim"
	"github.com/open3ds/server/shared/emv3ds"
)

func visa(ss dssim.Scenario) string { return dssim.TestPAN(emv3ds.SchemeVisa, ss) }

// tab opens a new tab for the test; a failing test gets a screenshot of it
// in its artifact directory.
func tab(t *testing.T) context.Context {
	t.Helper()
	return tabIn(t, chrome)
}

// tabIn is tab in another browser.
func tabIn(t *testing.T, b context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, "failure")
		}
		cancelTimeout()
		cancel()
	})
	return ctx
}

// screenshot saves the tab as name.png in the test's artifact directory.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	var png []byte
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(sctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Logf("no screenshot: %v", err)
		return ""
	}
	dir := t.ArtifactDir()
	if d := os.Getenv("BROWSERTEST_SCREENSHOTS"); d != "" {
		dir = d
		_ = os.MkdirAll(dir, 0o755)
	}
	file := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	require.NoError(t, os.WriteFile(file, png, 0o644))
	t.Logf("screenshot: %s", file)
	return file
}

func do(t *testing.T, ctx context.Context, actions ...chromedp.Action) {
	t.Helper()
	require.NoError(t, chromedp.Run(ctx, actions...))
}

// shopURL is the merchant page with the flow's parameters.
func shopURL(pan string, kv ...string) string {
	q := url.Values{"pan": {pan}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return shop.URL + "/shop?" + q.Encode()
}

// outcome is what the shop page wrote into #out.
type outcome struct {
	ID        string         `json:"id"`
	Method    map[string]any `json:"method"`
	WindowSz  string         `json:"windowSize"`
	ARes      string         `json:"aresStatus"`
	Challenge map[string]any `json:"challenge"`
	Post      map[string]any `json:"post"`
	Back      map[string]any `json:"back"`
	Error     string         `json:"error"`
	Events    []string       `json:"events"`
}

// result waits for the page to finish and reads its outcome.
func result(t *testing.T, ctx context.Context) outcome {
	t.Helper()
	var raw string
	do(t, ctx, chromedp.WaitVisible(`body[data-done="true"]`, chromedp.ByQuery), chromedp.Text("#out", &raw, chromedp.ByQuery))
	var o outcome
	require.NoError(t, json.Unmarshal([]byte(raw), &o), raw)
	return o
}

// acsPage waits until the ACS page in the iframe sel (or the page itself
// when sel is "") says "Tries left: left" and returns the query options
// that reach into it.
func acsPage(t *testing.T, ctx context.Context, sel string, left int) []chromedp.QueryOption {
	t.Helper()
	var path []string
	if sel != "" {
		path = []string{sel}
	}
	return acsPageIn(t, ctx, path, left)
}

// acsPageIn is acsPage for an ACS page inside nested iframes: path lists
// the iframe selectors from the top page inwards.
func acsPageIn(t *testing.T, ctx context.Context, path []string, left int) []chromedp.QueryOption {
	t.Helper()
	want := "Tries left: " + strconv.Itoa(left)
	deadline := time.Now().Add(30 * time.Second)
	for {
		opts := []chromedp.QueryOption{chromedp.ByQuery}
		for _, sel := range path {
			var nodes []*cdp.Node
			short, cancel := context.WithTimeout(ctx, time.Second)
			err := chromedp.Run(short, chromedp.Nodes(sel, &nodes, opts...))
			cancel()
			if err != nil || len(nodes) == 0 {
				break
			}
			opts = []chromedp.QueryOption{chromedp.ByQuery, chromedp.FromNode(nodes[0])}
		}
		var txt string
		short, cancel := context.WithTimeout(ctx, time.Second)
		err := chromedp.Run(short, chromedp.Text("#acs", &txt, opts...))
		cancel()
		if err == nil && strings.Contains(txt, want) {
			return opts
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ACS page with %q did not appear (last text %q, %v)", want, txt, err)
		}
		time.Sleep(150 * time.Millisecond)
	}
}

// answer types code into the ACS page (or presses cancel when code is "").
func answer(t *testing.T, ctx context.Context, sel, code string, left int) {
	t.Helper()
	var path []string
	if sel != "" {
		path = []string{sel}
	}
	answerIn(t, ctx, path, code, left)
}

// answerIn is answer for an ACS page inside nested iframes.
func answerIn(t *testing.T, ctx context.Context, path []string, code string, left int) {
	t.Helper()
	opts := acsPageIn(t, ctx, path, left)
	if code == "" {
		do(t, ctx, chromedp.Click(`button[value="cancel"]`, opts...))
		return
	}
	do(t, ctx, chromedp.SendKeys("#otp", code, opts...), chromedp.Click(`button[value="submit"]`, opts...))
}

// wrongThrice enters three wrong codes; each answer loads a new ACS page.
func wrongThrice(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	for left := 3; left > 0; left-- {
		answer(t, ctx, sel, "0000", left)
	}
}

// simAReq returns the one AReq the simulator received for txID.
func simAReq(t *testing.T, txID string) map[string]any {
	t.Helper()
	resp, err := http.Get(stk.Sim.URL() + "/debug/transactions/" + txID)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var doc struct {
		Exchanges []dssim.Exchange `json:"exchanges"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	var areqs []map[string]any
	for _, e := range doc.Exchanges {
		if e.Direction == dssim.Received && e.MessageType == "AReq" {
			var m map[string]any
			require.NoError(t, json.Unmarshal(e.Body, &m))
			areqs = append(areqs, m)
		}
	}
	require.Len(t, areqs, 1, "the DS received exactly one AReq")
	return areqs[0]
}
