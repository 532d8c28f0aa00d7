package stacktest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// RReqContentType is what a DS sends with an RReq.
const RReqContentType = "application/json; charset=utf-8"

// Response is one HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object, failing the test otherwise.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body is not a JSON object (status %d): %s", r.Status, r.Body)
	return m
}

// Client talks to a stack as a merchant, a DS and a cardholder's browser
// would. It keeps every 4xx/5xx body it received, for card-data sweeps.
type Client struct {
	URL  string // base URL of the API (stack.Stack.URL)
	HTTP *http.Client

	mu          sync.Mutex
	errorBodies []string
}

// NewClient is a client of the API at baseURL; a request that takes longer
// than timeout fails its test.
func NewClient(baseURL string, timeout time.Duration) *Client {
	return &Client{URL: baseURL, HTTP: &http.Client{Timeout: timeout}}
}

// Do sends req and reads the whole answer; a transport failure fails the test.
func (c *Client) Do(t testing.TB, req *http.Request) Response {
	t.Helper()
	r, err := c.do(req)
	require.NoError(t, err, "%s %s", req.Method, req.URL)
	return r
}

func (c *Client) do(req *http.Request) (Response, error) {
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	if res.StatusCode >= 400 {
		c.mu.Lock()
		c.errorBodies = append(c.errorBodies, req.URL.Path+" "+string(b))
		c.mu.Unlock()
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// ErrorBodies are the 4xx/5xx bodies received so far, each after its path.
func (c *Client) ErrorBodies() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errorBodies...)
}

// Get fetches an API path.
func (c *Client) Get(t testing.TB, path string) Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.URL+path, nil)
	require.NoError(t, err)
	return c.Do(t, req)
}

// Call POSTs body to an API path as JSON ([]byte goes as it is) with
// `Authorization: Bearer key` (none when key is "") and headers given as
// name, value pairs, which override the defaults.
func (c *Client) Call(t testing.TB, path, key string, body any, headers ...string) Response {
	t.Helper()
	req, err := c.newCall(path, key, body, headers)
	require.NoError(t, err)
	return c.Do(t, req)
}

// TryCall is Call for a goroutine: any failure comes back as status 0 with
// the error as the body.
func (c *Client) TryCall(path, key string, body any, headers ...string) Response {
	req, err := c.newCall(path, key, body, headers)
	if err == nil {
		var r Response
		if r, err = c.do(req); err == nil {
			return r
		}
	}
	return Response{Body: []byte(err.Error())}
}

func (c *Client) newCall(path, key string, body any, headers []string) (*http.Request, error) {
	raw, ok := body.([]byte)
	if !ok {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	req, err := http.NewRequest(http.MethodPost, c.URL+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	// Whoever posts to /ds/results plays the DS: sign it with the sandbox
	// RReq key of the stack at c.URL, as the simulator does (rreqkeys.go).
	if path == "/ds/results" {
		SignRReq(c.URL, req, raw)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return req, nil
}

// Preauth POSTs body to /preauth with key, requires 200 and a
// threeDSServerTransID, and returns the answer.
func (c *Client) Preauth(t testing.TB, key string, body map[string]any) map[string]any {
	t.Helper()
	r := c.Call(t, "/preauth", key, body)
	require.Equal(t, http.StatusOK, r.Status, "preauth: %s", r.Body)
	m := r.JSON(t)
	id, _ := m["threeDSServerTransID"].(string)
	require.NotEmpty(t, id, "preauth threeDSServerTransID: %s", r.Body)
	return m
}

// Auth POSTs an AReq body to /auth with key and requires 200 with an ARes.
func (c *Client) Auth(t testing.TB, key string, body AReq) map[string]any {
	t.Helper()
	r := c.Call(t, "/auth", key, body)
	require.Equal(t, http.StatusOK, r.Status, "auth: %s", r.Body)
	m := r.JSON(t)
	require.Equal(t, "ARes", m["messageType"], "/auth answers always carry messageType")
	return m
}

// Postauth reads a result with key and requires the status want.
func (c *Client) Postauth(t testing.TB, key, txID string, want int) map[string]any {
	t.Helper()
	r := c.Call(t, "/postauth", key, map[string]any{"threeDSServerTransID": txID})
	require.Equal(t, want, r.Status, "postauth: %s", r.Body)
	return r.JSON(t)
}

// PostRReq posts an RReq (a map, or raw bytes) to /ds/results as a DS would
// (signed as the sandbox DS signs, see newCall).
func (c *Client) PostRReq(t testing.TB, rreq any) Response {
	t.Helper()
	return c.Call(t, "/ds/results", "", rreq, "Content-Type", RReqContentType)
}

// TryPostRReq is PostRReq for a goroutine (see TryCall).
func (c *Client) TryPostRReq(rreq any) Response {
	return c.TryCall("/ds/results", "", rreq, "Content-Type", RReqContentType)
}

// PostForm submits a form to an absolute URL like a browser.
func (c *Client) PostForm(t testing.TB, action string, v url.Values) Page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(v.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := c.Do(t, req)
	return Page{Status: r.Status, HTML: string(r.Body)}
}

// TryDo sends req and returns the response, or one with status 0 and the
// transport error as its body (safe from goroutines).
func (c *Client) TryDo(req *http.Request) Response {
	r, err := c.do(req)
	if err != nil {
		return Response{Body: []byte(err.Error())}
	}
	return r
}
