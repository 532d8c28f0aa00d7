package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

var fuzzRoutes = []string{"/callbacks/method", "/callbacks/challenge", "/ds/results"}

// FuzzHandle feeds the callback routes (the browser's form posts and the
// DS's RReq) arbitrary bodies, seeded from testdata: the handler never
// fails, never panics and never answers 500; /ds/results always answers a
// JSON object, the browser routes an HTML page.
func FuzzHandle(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.json")
	for _, name := range files {
		raw, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			f.Fatal(err)
		}
		for i, r := range fuzzRoutes {
			if strings.HasSuffix(ev.Resource, r) || strings.HasSuffix(ev.Path, r) {
				f.Add(uint8(i), ev.Body, ev.IsBase64Encoded)
			}
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, body string, b64 bool) {
		h := newHarness(t, route == 0)
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		ct := "application/x-www-form-urlencoded"
		if r == "/ds/results" {
			ct = "application/json; charset=utf-8"
		}
		if token, err := h.sessions.Issue(txID); err == nil {
			body = strings.ReplaceAll(body, "{{threeDSSessionData}}", token)
		}
		ev := events.APIGatewayProxyRequest{Resource: r, Path: r, HTTPMethod: "POST", Body: body, IsBase64Encoded: b64,
			Headers: map[string]string{"Content-Type": ct}}
		resp, err := h.h.Handle(context.Background(), ev)
		if err != nil {
			t.Fatalf("handler error: %v", err)
		}
		if resp.StatusCode < 200 || resp.StatusCode >= 500 {
			t.Fatalf("status %d for a client's body on %s: %s", resp.StatusCode, r, resp.Body)
		}
		if r == "/ds/results" {
			var m map[string]any
			if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
				t.Fatalf("results answer is not a JSON object: %s", resp.Body)
			}
		} else if !strings.HasPrefix(resp.Body, "<!DOCTYPE html>") {
			t.Fatalf("a browser route answers a page: %s", resp.Body)
		}
	})
}
