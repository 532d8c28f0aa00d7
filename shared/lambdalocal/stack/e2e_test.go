package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The whole system through Start, the entry point of make run: real
// DynamoDB Local, the simulator over HTTP, every function's bootstrap behind
// the local gateway, the stream into the webhook function.
func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	logs := &lockedWriter{w: &bytes.Buffer{}}
	s, err := Start(ctx, Config{
		APIKey:   "o3ds_e2eTestKeyOne000000000000000000000000000000",
		NewStore: DynamoStore,
		Logs:     logs,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	require.NoError(t, err, "stack did not start; output:\n%s", logs.String())
	t.Cleanup(func() {
		_ = s.Close()
		if t.Failed() {
			t.Logf("stack output:\n%s", logs.String())
		}
	})
	require.Len(t, s.Merchants, 2)
	key1, key2 := s.Merchants[0].APIKey, s.Merchants[1].APIKey
	require.Equal(t, "o3ds_e2eTestKeyOne000000000000000000000000000000", key1, "THREEDS_API_KEY is honoured")
	require.NotEmpty(t, key2)

	c := &client{t: t, base: s.URL, http: &http.Client{Timeout: 40 * time.Second}}
	status, body := c.get("/health")
	require.Equal(t, 200, status, string(body))
	require.Equal(t, "ok", jsonField(t, body, "status"))

	status, body = c.post("/preauth", "", map[string]any{"acctNumber": "4000000000001000"})
	require.Equal(t, 401, status, "no key")
	require.True(t, json.Valid(body), string(body))

	t.Run("frictionless", func(t *testing.T) {
		c.t = t
		txID := c.preauth(key1, "4000000000001000")
		ares := c.auth(key1, txID, "4000000000001000")
		require.Equal(t, "Y", ares["transStatus"], ares)

		res := c.postauth(key1, txID, 200)
		require.Equal(t, "Y", res["transStatus"])
		require.NotEmpty(t, res["authenticationValue"])
		require.Equal(t, "05", res["eci"])

		// Tenant isolation: the other merchant's key does not see it.
		c.postauth(key2, txID, 404)

		// The stream → webhook function → local sink, signed.
		require.Eventually(t, func() bool {
			for _, w := range s.Webhooks() {
				if w.Signature == "valid" && strings.Contains(string(w.Body), txID) {
					return true
				}
			}
			return false
		}, 30*time.Second, 100*time.Millisecond, "a signed webhook for the transaction reaches the sink")
	})

	t.Run("challenge through the simulator's pages", func(t *testing.T) {
		c.t = t
		pan := "4000000000001059"
		txID := c.preauth(key1, pan)
		ares := c.auth(key1, txID, pan)
		require.Equal(t, "C", ares["transStatus"], ares)
		acsURL, _ := ares["acsURL"].(string)
		creq, _ := ares["base64EncodedChallengeRequest"].(string)
		require.NotEmpty(t, acsURL)
		require.NotEmpty(t, creq)

		form := url.Values{"creq": {creq}}
		if sd, ok := ares["threeDSSessionData"].(string); ok {
			form.Set("threeDSSessionData", sd)
		}
		page := c.form(acsURL, form)
		action, fields := parseForm(t, page)
		fields.Set("otp", "1234")
		fields.Set("action", "submit")
		page = c.form(action, fields) // the ACS's answer: an auto-posting form with the final cres
		action, fields = parseForm(t, page)
		require.True(t, strings.HasPrefix(action, s.URL+"/callbacks/challenge"), action)
		require.NotEmpty(t, fields.Get("cres"))
		c.form(action, fields) // the browser lands back on our challenge callback

		res := c.postauth(key1, txID, 200)
		require.Equal(t, "Y", res["transStatus"], res)
		require.NotEmpty(t, res["authenticationValue"])
	})

	require.NoError(t, s.Close())
	_, err = http.Get(s.URL + "/health")
	require.Error(t, err, "nothing listens after Close")
}

type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func (c *client) get(path string) (int, []byte) {
	resp, err := c.http.Get(c.base + path)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (c *client) post(path, key string, body any) (int, []byte) {
	b, err := json.Marshal(body)
	require.NoError(c.t, err)
	req, err := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := c.http.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func (c *client) preauth(key, pan string) string {
	status, body := c.post("/preauth", key, map[string]any{"acctNumber": pan})
	require.Equal(c.t, 200, status, string(body))
	id := jsonField(c.t, body, "threeDSServerTransID")
	require.NotEmpty(c.t, id)
	return id
}

func (c *client) auth(key, txID, pan string) map[string]any {
	areq := map[string]any{
		"threeDSServerTransID":              txID,
		"messageCategory":                   "01",
		"deviceChannel":                     "02",
		"threeDSCompInd":                    "U",
		"threeDSRequestorAuthenticationInd": "01",
		"threeDSRequestorChallengeInd":      "01",
		"threeDSRequestorURL":               "https://shop.example.com",
		"purchaseAmount":                    "1999",
		"purchaseCurrency":                  "840",
		"purchaseExponent":                  "2",
		"purchaseDate":                      time.Now().UTC().Format("20060102150405"),
		"transType":                         "01",
		"acctNumber":                        pan,
		"cardExpiryDate":                    "2812",
		"cardholderName":                    "Test Cardholder",
		"email":                             "cardholder@example.com",
		"browserAcceptHeader":               "text/html",
		"browserIP":                         "192.0.2.10",
		"browserJavaEnabled":                false,
		"browserJavascriptEnabled":          true,
		"browserLanguage":                   "en-US",
		"browserColorDepth":                 "24",
		"browserScreenHeight":               "1080",
		"browserScreenWidth":                "1920",
		"browserTZ":                         "-60",
		"browserUserAgent":                  "Mozilla/5.0 (X11; Linux x86_64) e2e",
	}
	status, body := c.post("/auth", key, areq)
	require.Equal(c.t, 200, status, string(body))
	var out map[string]any
	require.NoError(c.t, json.Unmarshal(body, &out))
	return out
}

func (c *client) postauth(key, txID string, want int) map[string]any {
	status, body := c.post("/postauth", key, map[string]any{"threeDSServerTransID": txID})
	require.Equal(c.t, want, status, string(body))
	var out map[string]any
	require.NoError(c.t, json.Unmarshal(body, &out), string(body))
	return out
}

// form posts like a browser submitting an HTML form.
func (c *client) form(action string, v url.Values) string {
	resp, err := c.http.PostForm(action, v)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(c.t, 200, resp.StatusCode, string(b))
	return string(b)
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	formInput  = regexp.MustCompile(`<input[^>]*type="hidden"[^>]*name="([^"]*)"[^>]*value="([^"]*)"`)
)

func parseForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	require.NotNil(t, m, "no form in page:\n%s", page)
	v := url.Values{}
	for _, in := range formInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(in[1]), html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), v
}

func jsonField(t *testing.T, body []byte, field string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), string(body))
	s, _ := m[field].(string)
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
